/*
 * obsfeature: an observation as a GeoJSON Feature, as a jansson tree (the
 * reference) or written as text straight from its canonical entry (see
 * obsfeature.h for what the text renderer takes and why).
 *
 * The text renderer reads the entry once with a small strict reader of
 * canonical JSON (RFC 8785 as record/canon.c writes it: members sorted by
 * key, no white space, integers only, the escapes \" \\ \b \f \n \r \t and
 * \u00xx for the other control characters, UTF-8) and copies the values the
 * view keeps as they are. Every way in which the reader is stricter than
 * jansson's parser is a way in which the copied text could differ from
 * jansson's dump, so the reader declines there instead:
 *  - a \u escape is only taken for a control character that has no short
 *    form (jansson writes the same character back as \u00XX, upper-case
 *    hex: the copy upper-cases it); \/, \u0041, \u0000 decline;
 *  - numbers are integers of at most 18 digits, never "-0", never a real;
 *  - keys are sorted and unique (so jansson's "last duplicate wins" never
 *    matters) and have no escapes;
 *  - UTF-8 is checked as jansson checks it (no overlong forms, surrogates
 *    or code points above U+10FFFF).
 * Reals are written as jansson writes a double with JSON_REAL_PRECISION(10)
 * (printf "%.10g", then ".0" when neither '.' nor 'e' is there, and an
 * exponent without '+' or leading zeros); for the scaled integers of an
 * entry (1e-7 degrees, millidegrees, mm/s) the common case is written with
 * integer arithmetic, which gives the same digits (see put_scaled).
 */
#include <limits.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "format/obsfeature.h"
#include "record/observation.h"
#include "record/timefmt.h"

#define MAX_DEPTH 32	  /* nesting the text reader follows */
#define MAX_MEMBERS 16	  /* members of an object it looks up keys in */
#define MAX_INT_DIGITS 18 /* integers it reads (jansson takes 19) */
#define FIRST_CAP 4096

/* ---- the reference: a jansson tree ------------------------------------ */

json_t *
obsfeature_json(int64_t index, const char *bytes, size_t len)
{
	json_t *entry, *view, *geom = json_null(), *loc;
	uint8_t h[crypto_hash_sha256_BYTES];
	char id[OBSERVATION_ID_LEN + 1];
	json_error_t e;

	if ((entry = json_loadb(bytes, len, 0, &e)) == NULL)
		return NULL;
	view = observation_to_view(entry);
	json_decref(entry);
	if (view == NULL)
		return NULL;
	loc = json_object_get(view, "location");
	if (json_object_get(loc, "lat") != NULL) {
		json_decref(geom);
		geom = json_pack("{s:s,s:[O,O]}", "type", "Point",
		    "coordinates", json_object_get(loc, "lon"),
		    json_object_get(loc, "lat"));
	}
	crypto_hash_sha256(h, (const uint8_t *)bytes, len);
	sodium_bin2hex(id, sizeof(id), h, sizeof(h));
	json_object_set_new(view, "index", json_integer(index));
	return json_pack("{s:s,s:s,s:o,s:o}", "type", "Feature", "id", id,
	    "geometry", geom, "properties", view);
}

/* ---- the text buffer -------------------------------------------------- */

static int
reserve(struct obsfeature_text *t, size_t n)
{
	size_t cap;
	char *p;

	if (t->cap - t->len >= n)
		return 0;
	cap = t->cap ? t->cap : FIRST_CAP;
	while (cap - t->len < n) {
		if (cap > SIZE_MAX / 2)
			return -1;
		cap *= 2;
	}
	if ((p = realloc(t->p, cap)) == NULL)
		return -1;
	t->p = p;
	t->cap = cap;
	return 0;
}

int
obsfeature_text_add(struct obsfeature_text *t, const char *s, size_t n)
{
	if (n == 0)
		return 0;
	if (reserve(t, n) == -1)
		return -1;
	memcpy(t->p + t->len, s, n);
	t->len += n;
	return 0;
}

/* A writer: once a write fails, the rest do nothing and failed stays 1. */
struct writer {
	struct obsfeature_text *t;
	int failed;
};

static void
put(struct writer *w, const char *s, size_t n)
{
	if (!w->failed && obsfeature_text_add(w->t, s, n) == -1)
		w->failed = 1;
}

#define PUTLIT(w, lit) put((w), (lit), sizeof(lit) - 1)

static void
put_int(struct writer *w, int64_t v)
{
	char buf[24], *p = buf + sizeof(buf);
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;

	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		*--p = '-';
	put(w, p, (size_t)(buf + sizeof(buf) - p));
}

/* A double as jansson's jsonp_dtostr writes it with precision 10. */
static void
put_real(struct writer *w, double d)
{
	char buf[64], *e, *start, *end;
	const char *point = localeconv()->decimal_point;
	int n;
	size_t len;

	n = snprintf(buf, sizeof(buf), "%.10g", d);
	if (n < 0 || (size_t)n >= sizeof(buf) - 3) {
		w->failed = 1;
		return;
	}
	len = (size_t)n;
	if (point[0] != '.' && point[0] != '\0' &&
	    (e = strchr(buf, point[0])) != NULL)
		*e = '.';
	if (strchr(buf, '.') == NULL && strchr(buf, 'e') == NULL) {
		buf[len++] = '.';
		buf[len++] = '0';
		buf[len] = '\0';
	}
	if ((start = strchr(buf, 'e')) != NULL) {
		start++;
		end = start + 1;
		if (*start == '-')
			start++;
		while (*end == '0')
			end++;
		if (end != start) {
			memmove(start, end, len - (size_t)(end - buf) + 1);
			len -= (size_t)(end - start);
		}
	}
	put(w, buf, len);
}

static const int64_t tens[] = { 1, 10, 100, 1000, 10000, 100000, 1000000,
	10000000, 100000000, 1000000000, 10000000000 };

/*
 * Writes (double)v / 10^d (d is 3 or 7) as put_real would. When |v| has at
 * most 10 digits the quotient has at most 10 significant digits, so "%.10g"
 * prints its exact decimal (the double is within 2^-53 of it, far inside
 * half a unit of the tenth digit); when it is also at least 1e-4, "%g"
 * picks the fixed notation: the integer part, then the fraction without
 * trailing zeros, or ".0" when there is none. Other values go to put_real.
 */
static void
put_scaled(struct writer *w, int64_t v, int d)
{
	char buf[32], *p = buf;
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v, ip, fp;
	int k;

	if (u >= (uint64_t)tens[10] ||
	    (u != 0 && d >= 4 && u < (uint64_t)tens[d - 4])) {
		put_real(w, (double)v / (double)tens[d]);
		return;
	}
	if (v < 0)
		*p++ = '-';
	ip = u / (uint64_t)tens[d];
	fp = u % (uint64_t)tens[d];
	{
		char digits[24], *q = digits + sizeof(digits);

		do {
			*--q = (char)('0' + ip % 10);
			ip /= 10;
		} while (ip != 0);
		memcpy(p, q, (size_t)(digits + sizeof(digits) - q));
		p += digits + sizeof(digits) - q;
	}
	*p++ = '.';
	if (fp == 0)
		*p++ = '0';
	else {
		while (fp % 10 == 0) {
			fp /= 10;
			d--;
		}
		for (k = d - 1; k >= 0; k--) {
			p[k] = (char)('0' + fp % 10);
			fp /= 10;
		}
		p += d;
	}
	put(w, buf, (size_t)(p - buf));
}

static void
put_time(struct writer *w, int64_t ms)
{
	char buf[TIMEFMT_LEN + 2];

	buf[0] = '"';
	timefmt_format(ms, buf + 1);
	put(w, buf, strlen(buf));
	PUTLIT(w, "\"");
}

/* ---- the reader of canonical JSON -------------------------------------- */

/* The text of one JSON value (a string with its quotes), or of a key
 * (without them). */
struct span {
	const char *p;
	size_t n;
};

struct member {
	struct span key, value;
};

struct reader {
	const char *p, *end;
	int depth;
};

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Length of the UTF-8 sequence at s (jansson's rules), 0 if invalid. */
static size_t
utf8_len(const unsigned char *s, const unsigned char *end)
{
	unsigned c = s[0], lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (c < 0xc2 || c > 0xf4)
		return 0;
	n = c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
	if ((size_t)(end - s) < n)
		return 0;
	if (c == 0xe0)
		lo = 0xa0; /* overlong */
	else if (c == 0xed)
		hi = 0x9f; /* surrogates */
	else if (c == 0xf0)
		lo = 0x90; /* overlong */
	else if (c == 0xf4)
		hi = 0x8f; /* above U+10FFFF */
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

/* Reads a string; *s is its text with the quotes. */
static int
read_string(struct reader *r, struct span *s)
{
	const unsigned char *p = (const unsigned char *)r->p + 1;
	const unsigned char *end = (const unsigned char *)r->end;
	size_t n;
	int v, i, h;

	while (p < end) {
		/* The common run: ASCII that needs no escape. */
		while (p < end && *p >= 0x20 && *p < 0x80 && *p != '"' &&
		    *p != '\\')
			p++;
		if (p == end)
			break;
		if (*p == '"') {
			s->p = r->p;
			s->n = (size_t)((const char *)p + 1 - r->p);
			r->p = (const char *)p + 1;
			return 0;
		}
		if (*p == '\\') {
			if (end - p < 2)
				return -1;
			switch (p[1]) {
			case '"':
			case '\\':
			case 'b':
			case 'f':
			case 'n':
			case 'r':
			case 't': p += 2; continue;
			case 'u': break;
			default: return -1;
			}
			if (end - p < 6)
				return -1;
			for (v = 0, i = 2; i < 6; i++) {
				if ((h = hexval(p[i])) == -1)
					return -1;
				v = v * 16 + h;
			}
			if (v == 0 || v >= 0x20 || v == '\b' || v == '\t' ||
			    v == '\n' || v == '\f' || v == '\r')
				return -1;
			p += 6;
		} else if (*p < 0x20)
			return -1;
		else if (*p < 0x80)
			p++;
		else if ((n = utf8_len(p, end)) == 0)
			return -1;
		else
			p += n;
	}
	return -1;
}

/* Reads an integer (at most MAX_INT_DIGITS digits, no "-0"). */
static int
read_int(struct reader *r, struct span *s, int64_t *v)
{
	const char *p = r->p;
	int64_t x = 0;
	int neg = 0, nd = 0;

	if (p < r->end && *p == '-') {
		neg = 1;
		p++;
	}
	if (p >= r->end || *p < '0' || *p > '9')
		return -1;
	if (*p == '0') {
		p++;
		nd = 1;
		if (neg)
			return -1;
	} else
		for (; p < r->end && *p >= '0' && *p <= '9'; p++) {
			if (++nd > MAX_INT_DIGITS)
				return -1;
			x = x * 10 + (*p - '0');
		}
	if (p < r->end &&
	    ((*p >= '0' && *p <= '9') || *p == '.' || *p == 'e' || *p == 'E'))
		return -1;
	s->p = r->p;
	s->n = (size_t)(p - r->p);
	r->p = p;
	*v = neg ? -x : x;
	return 0;
}

static int
read_literal(struct reader *r, const char *lit, size_t n)
{
	if ((size_t)(r->end - r->p) < n || memcmp(r->p, lit, n) != 0)
		return -1;
	r->p += n;
	return 0;
}

static int read_object(struct reader *r, struct member *m, size_t max,
    size_t *n);

/* Reads any value; *s is its text. */
static int
read_value(struct reader *r, struct span *s)
{
	const char *start = r->p;
	int64_t v;
	int rc;

	if (r->p >= r->end)
		return -1;
	switch (*r->p) {
	case '"': return read_string(r, s);
	case '{': rc = read_object(r, NULL, 0, NULL); break;
	case '[':
		if (++r->depth > MAX_DEPTH)
			return -1;
		r->p++;
		rc = 0;
		if (r->p < r->end && *r->p == ']')
			r->p++;
		else
			for (;;) {
				if (read_value(r, s) == -1 || r->p >= r->end) {
					rc = -1;
					break;
				}
				if (*r->p++ == ']')
					break;
				if (r->p[-1] != ',') {
					rc = -1;
					break;
				}
			}
		r->depth--;
		break;
	case 't': rc = read_literal(r, "true", 4); break;
	case 'f': rc = read_literal(r, "false", 5); break;
	case 'n': rc = read_literal(r, "null", 4); break;
	default: return read_int(r, s, &v);
	}
	if (rc == -1)
		return -1;
	s->p = start;
	s->n = (size_t)(r->p - start);
	return 0;
}

/*
 * Reads an object whose keys are sorted, unique and escape-free. When m is
 * not NULL, stores its members in m (at most max: more is an error) and
 * their number in *n.
 */
static int
read_object(struct reader *r, struct member *m, size_t max, size_t *n)
{
	struct span key, val, prev = { NULL, 0 };
	size_t count = 0, k;
	int c, rc = -1;

	if (r->p >= r->end || *r->p != '{' || ++r->depth > MAX_DEPTH)
		return -1;
	r->p++;
	if (r->p < r->end && *r->p == '}') {
		r->p++;
		rc = 0;
		goto out;
	}
	for (;;) {
		if (r->p >= r->end || *r->p != '"' ||
		    read_string(r, &key) == -1)
			goto out;
		key.p++;
		key.n -= 2;
		if (memchr(key.p, '\\', key.n) != NULL)
			goto out;
		if (prev.p != NULL) {
			k = key.n < prev.n ? key.n : prev.n;
			c = memcmp(prev.p, key.p, k);
			if (c > 0 || (c == 0 && prev.n >= key.n))
				goto out;
		}
		prev = key;
		if (r->p >= r->end || *r->p++ != ':' ||
		    read_value(r, &val) == -1)
			goto out;
		if (m != NULL) {
			if (count == max)
				goto out;
			m[count].key = key;
			m[count].value = val;
		}
		count++;
		if (r->p >= r->end)
			goto out;
		if (*r->p == '}') {
			r->p++;
			break;
		}
		if (*r->p++ != ',')
			goto out;
	}
	rc = 0;
out:
	r->depth--;
	if (rc == 0 && n != NULL)
		*n = count;
	return rc;
}

/* Reads the object that is the text s into m (at most max members). */
static int
members(const struct span *s, struct member *m, size_t max, size_t *n)
{
	struct reader r = { s->p, s->p + s->n, 0 };

	return read_object(&r, m, max, n) == 0 && r.p == r.end ? 0 : -1;
}

static const struct span *
get(const struct member *m, size_t n, const char *key)
{
	size_t i, k = strlen(key);

	for (i = 0; i < n; i++)
		if (m[i].key.n == k && memcmp(m[i].key.p, key, k) == 0)
			return &m[i].value;
	return NULL;
}

static int
is(const struct span *s, const char *text)
{
	return s != NULL && s->n == strlen(text) &&
	    memcmp(s->p, text, s->n) == 0;
}

/* The member key of m as an integer: 0, or -1 if absent or not one. */
static int
get_int(const struct member *m, size_t n, const char *key, int64_t *v)
{
	const struct span *s = get(m, n, key);
	struct reader r;
	struct span t;

	if (s == NULL || (s->p[0] != '-' && (s->p[0] < '0' || s->p[0] > '9')))
		return -1;
	r.p = s->p;
	r.end = s->p + s->n;
	r.depth = 0;
	return read_int(&r, &t, v);
}

/*
 * Copies the text of a value the reader took, as jansson would dump it
 * again: the same bytes but for the hex of \u escapes, in upper case.
 */
static void
put_value(struct writer *w, const struct span *s)
{
	const char *p = s->p, *end = s->p + s->n, *bs;
	char esc[6];
	int i;

	while ((bs = memchr(p, '\\', (size_t)(end - p))) != NULL) {
		put(w, p, (size_t)(bs - p));
		if (bs[1] == 'u') {
			memcpy(esc, bs, 6);
			for (i = 2; i < 6; i++)
				if (esc[i] >= 'a' && esc[i] <= 'f')
					esc[i] = (char)(esc[i] - 'a' + 'A');
			put(w, esc, 6);
			p = bs + 6;
		} else {
			put(w, bs, 2);
			p = bs + 2;
		}
	}
	put(w, p, (size_t)(end - p));
}

/* Writes ,"key": and the value of member key of m; -1 if it is absent. */
static int
put_member(struct writer *w, const char *sep_key, const struct member *m,
    size_t n, const char *key)
{
	const struct span *s = get(m, n, key);

	if (s == NULL)
		return -1;
	put(w, sep_key, strlen(sep_key));
	put_value(w, s);
	return 0;
}

/* ---- the view, as text ------------------------------------------------- */

/* A location's view (observation_to_view) and its point, if it has one. */
struct location {
	struct member m[MAX_MEMBERS];
	size_t n;
	enum { POINT, PLACE, UAV_FRAME, ARRIVALS, BEARINGS } form;
	int64_t lat_e7, lon_e7;
};

static int
read_location(const struct span *s, struct location *l)
{
	const struct span *form;

	if (members(s, l->m, MAX_MEMBERS, &l->n) == -1 ||
	    (form = get(l->m, l->n, "form")) == NULL)
		return -1;
	if (is(form, "\"point\""))
		l->form = POINT;
	else if (is(form, "\"uav_frame\""))
		l->form = UAV_FRAME;
	else if (is(form, "\"place\""))
		l->form = PLACE;
	else if (is(form, "\"arrivals\""))
		l->form = ARRIVALS;
	else if (is(form, "\"bearings\""))
		l->form = BEARINGS;
	else
		return -1;
	if (l->form == POINT || l->form == UAV_FRAME)
		return get_int(l->m, l->n, "lat_e7", &l->lat_e7) == -1 ||
			get_int(l->m, l->n, "lon_e7", &l->lon_e7) == -1
		    ? -1
		    : 0;
	return 0;
}

/* Calls each(w, item) for every item of the array s (an object each). */
static int
each_item(struct writer *w, const struct span *s,
    int (*each)(struct writer *, const struct member *, size_t))
{
	struct reader r = { s->p, s->p + s->n, 0 };
	struct member m[MAX_MEMBERS];
	const char *start;
	struct span item;
	size_t n, i = 0;

	if (s->n < 2 || s->p[0] != '[')
		return -1;
	r.p++;
	if (*r.p == ']')
		return 0;
	for (;; i++) {
		start = r.p;
		if (read_value(&r, &item) == -1 || item.p != start ||
		    members(&item, m, MAX_MEMBERS, &n) == -1)
			return -1;
		if (i > 0)
			PUTLIT(w, ",");
		if (each(w, m, n) == -1)
			return -1;
		if (r.p >= r.end)
			return -1;
		if (*r.p++ == ']')
			break;
		if (r.p[-1] != ',')
			return -1;
	}
	return 0;
}

static int
sensor_view(struct writer *w, const struct member *m, size_t n)
{
	int64_t lat, lon;

	if (get_int(m, n, "lat_e7", &lat) == -1 ||
	    get_int(m, n, "lon_e7", &lon) == -1 || get(m, n, "alt_m") == NULL ||
	    get(m, n, "t_ns") == NULL)
		return -1;
	PUTLIT(w, "{\"lat\":");
	put_scaled(w, lat, 7);
	PUTLIT(w, ",\"lon\":");
	put_scaled(w, lon, 7);
	put_member(w, ",\"alt_m\":", m, n, "alt_m");
	put_member(w, ",\"t_ns\":", m, n, "t_ns");
	PUTLIT(w, "}");
	return 0;
}

static int
bearing_view(struct writer *w, const struct member *m, size_t n)
{
	int64_t lat, lon, b, sigma;

	if (get_int(m, n, "lat_e7", &lat) == -1 ||
	    get_int(m, n, "lon_e7", &lon) == -1 ||
	    get_int(m, n, "bearing_mdeg", &b) == -1 ||
	    get_int(m, n, "sigma_mdeg", &sigma) == -1)
		return -1;
	PUTLIT(w, "{\"lat\":");
	put_scaled(w, lat, 7);
	PUTLIT(w, ",\"lon\":");
	put_scaled(w, lon, 7);
	PUTLIT(w, ",\"bearing_deg\":");
	put_scaled(w, b, 3);
	PUTLIT(w, ",\"sigma_deg\":");
	put_scaled(w, sigma, 3);
	PUTLIT(w, "}");
	return 0;
}

/* Writes the location's view, in observation_to_view's key order. */
static int
put_location(struct writer *w, const struct location *l)
{
	const struct member *m = l->m;
	size_t n = l->n;
	int64_t v;

	switch (l->form) {
	case POINT:
	case UAV_FRAME:
		PUTLIT(w, "{\"lat\":");
		put_scaled(w, l->lat_e7, 7);
		PUTLIT(w, ",\"lon\":");
		put_scaled(w, l->lon_e7, 7);
		if (put_member(w,
			l->form == POINT ? ",\"precision_m\":" : ",\"ce90_m\":",
			m, n,
			l->form == POINT ? "precision_m" : "ce90_m") == -1)
			return -1;
		break;
	case PLACE:
		if (get_int(m, n, "bearing_mdeg", &v) == -1 ||
		    get(m, n, "distance_m") == NULL ||
		    put_member(w, "{\"place\":", m, n, "place") == -1)
			return -1;
		PUTLIT(w, ",\"bearing_deg\":");
		put_scaled(w, v, 3);
		put_member(w, ",\"distance_m\":", m, n, "distance_m");
		put_member(w, ",\"distance_error_m\":", m, n,
		    "distance_error_m");
		break;
	case ARRIVALS:
		if (get_int(m, n, "speed_mmps", &v) == -1 ||
		    get(m, n, "sigma_t_ns") == NULL ||
		    get(m, n, "sensors") == NULL)
			return -1;
		PUTLIT(w, "{\"sensors\":[");
		if (each_item(w, get(m, n, "sensors"), sensor_view) == -1)
			return -1;
		PUTLIT(w, "],\"speed_mps\":");
		put_scaled(w, v, 3);
		put_member(w, ",\"sigma_t_ns\":", m, n, "sigma_t_ns");
		put_member(w, ",\"source_alt_m\":", m, n, "source_alt_m");
		break;
	case BEARINGS:
		if (get(m, n, "bearings") == NULL)
			return -1;
		PUTLIT(w, "{\"bearings\":[");
		if (each_item(w, get(m, n, "bearings"), bearing_view) == -1)
			return -1;
		PUTLIT(w, "]");
		break;
	}
	PUTLIT(w, "}");
	return 0;
}

int
obsfeature_write(struct obsfeature_text *t, int64_t index, const char *entry,
    size_t len, const uint8_t *id)
{
	/* The members observation_to_view copies, in its order. */
	static const char *const copy[][2] = { { "source", ",\"source\":" },
		{ "category", ",\"category\":" }, { "weapon", ",\"weapon\":" },
		{ "count", ",\"count\":" },
		{ "casualties", ",\"casualties\":" },
		{ "narrative", ",\"narrative\":" },
		{ "evidence", ",\"evidence\":" },
		{ "alleged_by", ",\"alleged_by\":" },
		{ "alleged_against", ",\"alleged_against\":" } };
	struct reader r = { entry, entry + len, 0 };
	struct writer w = { t, 0 };
	struct member top[MAX_MEMBERS], at[MAX_MEMBERS];
	struct location loc;
	const struct span *s;
	uint8_t h[crypto_hash_sha256_BYTES];
	char hex[OBSERVATION_ID_LEN + 1];
	size_t ntop, nat, k, was = t->len;
	int64_t from, to;

	if (read_object(&r, top, MAX_MEMBERS, &ntop) == -1 || r.p != r.end ||
	    !is(get(top, ntop, "type"), "\"observation\"") ||
	    (s = get(top, ntop, "observed_at")) == NULL ||
	    members(s, at, MAX_MEMBERS, &nat) == -1 ||
	    get_int(at, nat, "from", &from) == -1 ||
	    get_int(at, nat, "to", &to) == -1 ||
	    (s = get(top, ntop, "location")) == NULL ||
	    read_location(s, &loc) == -1)
		return -1;
	if (id == NULL) {
		crypto_hash_sha256(h, (const uint8_t *)entry, len);
		id = h;
	}
	sodium_bin2hex(hex, sizeof(hex), id, sizeof(h));
	PUTLIT(&w, "{\"type\":\"Feature\",\"id\":\"");
	put(&w, hex, OBSERVATION_ID_LEN);
	PUTLIT(&w, "\",\"geometry\":");
	if (loc.form == POINT || loc.form == UAV_FRAME) {
		PUTLIT(&w, "{\"type\":\"Point\",\"coordinates\":[");
		put_scaled(&w, loc.lon_e7, 7);
		PUTLIT(&w, ",");
		put_scaled(&w, loc.lat_e7, 7);
		PUTLIT(&w, "]}");
	} else
		PUTLIT(&w, "null");
	PUTLIT(&w, ",\"properties\":{\"observed_at\":");
	if (from == to)
		put_time(&w, from);
	else {
		PUTLIT(&w, "{\"from\":");
		put_time(&w, from);
		PUTLIT(&w, ",\"to\":");
		put_time(&w, to);
		PUTLIT(&w, "}");
	}
	PUTLIT(&w, ",\"location\":");
	if (put_location(&w, &loc) == -1)
		goto fail;
	for (k = 0; k < sizeof(copy) / sizeof(copy[0]); k++)
		put_member(&w, copy[k][1], top, ntop, copy[k][0]);
	PUTLIT(&w, ",\"index\":");
	put_int(&w, index);
	PUTLIT(&w, "}}");
	if (w.failed)
		goto fail;
	return 0;
fail:
	t->len = was;
	return -1;
}

int
obsfeature_append(struct obsfeature_text *t, int64_t index, const char *entry,
    size_t len, const uint8_t *id)
{
	json_t *f;
	char *text;
	int rc = -1;

	if (obsfeature_write(t, index, entry, len, id) == 0)
		return 0;
	if ((f = obsfeature_json(index, entry, len)) == NULL)
		return -1;
	if ((text = json_dumps(f, OBSFEATURE_JSON_FLAGS)) != NULL)
		rc = obsfeature_text_add(t, text, strlen(text));
	free(text);
	json_decref(f);
	return rc;
}
