/*
 * tz: TZif files and POSIX TZ rules (see tz.h; RFC 8536).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/tz.h"

#define TZ_MAX_TYPES 256

/* A POSIX TZ rule date: Jn, n or Mm.w.d, and the time of day of the
 * change in seconds of local time. */
struct tz_date {
	char form; /* 'J', 'n', 'M' */
	int n, m, w, d;
	int64_t secs;
};

struct tz_rule {
	int64_t std_off, dst_off; /* seconds east of UTC */
	int has_dst;
	struct tz_date start, end;
};

struct tz_zone {
	int64_t *trans; /* transition times, UTC seconds */
	uint8_t *idx;	/* the type after each transition */
	size_t ntrans;
	int64_t off[TZ_MAX_TYPES];
	size_t ntypes;
	int has_rule;
	struct tz_rule rule;
};

int64_t
tz_days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void
tz_civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static int
is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
month_days(int64_t y, int m)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30,
		31 };

	return days[m - 1] + (m == 2 && is_leap(y));
}

/* Floor division for the seconds-to-days steps. */
static int64_t
fdiv(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* ---- POSIX TZ rules ---------------------------------------------------- */

static int
digits(const char **p, int max, int *out)
{
	int v = 0, n = 0;

	while (**p >= '0' && **p <= '9') {
		if (n == 3)
			return -1;
		v = v * 10 + (**p - '0');
		(*p)++;
		n++;
	}
	if (n == 0 || v > max)
		return -1;
	*out = v;
	return 0;
}

/* [+-]hh[:mm[:ss]] into seconds (as written: west positive for offsets). */
static int
hms(const char **p, int maxh, int64_t *out)
{
	int sign = 1, h, m = 0, s = 0;

	if (**p == '+' || **p == '-')
		sign = *(*p)++ == '-' ? -1 : 1;
	if (digits(p, maxh, &h) == -1)
		return -1;
	if (**p == ':') {
		(*p)++;
		if (digits(p, 59, &m) == -1)
			return -1;
		if (**p == ':') {
			(*p)++;
			if (digits(p, 59, &s) == -1)
				return -1;
		}
	}
	*out = sign * ((int64_t)h * 3600 + m * 60 + s);
	return 0;
}

static int
zone_name(const char **p)
{
	const char *s = *p;

	if (*s == '<') {
		while (*s != '\0' && *s != '>')
			s++;
		if (*s != '>' || s - *p < 4)
			return -1;
		*p = s + 1;
		return 0;
	}
	while ((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z'))
		s++;
	if (s - *p < 3)
		return -1;
	*p = s;
	return 0;
}

static int
rule_date(const char **p, struct tz_date *d)
{
	d->secs = 7200;
	if (**p == 'M') {
		(*p)++;
		d->form = 'M';
		if (digits(p, 12, &d->m) == -1 || d->m < 1 || *(*p)++ != '.' ||
		    digits(p, 5, &d->w) == -1 || d->w < 1 || *(*p)++ != '.' ||
		    digits(p, 6, &d->d) == -1)
			return -1;
	} else if (**p == 'J') {
		(*p)++;
		d->form = 'J';
		if (digits(p, 365, &d->n) == -1 || d->n < 1)
			return -1;
	} else {
		d->form = 'n';
		if (digits(p, 365, &d->n) == -1)
			return -1;
	}
	if (**p == '/') {
		(*p)++;
		if (hms(p, 167, &d->secs) == -1)
			return -1;
	}
	return 0;
}

static int
parse_rule(const char *s, struct tz_rule *r)
{
	const char *p = s;
	int64_t v;

	memset(r, 0, sizeof(*r));
	if (zone_name(&p) == -1 || hms(&p, 24, &v) == -1)
		return -1;
	r->std_off = -v;
	if (*p == '\0')
		return 0;
	if (zone_name(&p) == -1)
		return -1;
	r->has_dst = 1;
	r->dst_off = r->std_off + 3600;
	if (*p != ',' && *p != '\0') {
		if (hms(&p, 24, &v) == -1)
			return -1;
		r->dst_off = -v;
	}
	if (*p == '\0') {
		/* No dates: the rule POSIX leaves to the implementation; the
		 * tz database's default is the United States' since 2007. */
		p = ",M3.2.0,M11.1.0";
	}
	if (*p++ != ',' || rule_date(&p, &r->start) == -1 || *p++ != ',' ||
	    rule_date(&p, &r->end) == -1 || *p != '\0')
		return -1;
	return 0;
}

/* Local seconds (wall clock before the change) of a rule date in year y. */
static int64_t
rule_local(const struct tz_date *d, int64_t y)
{
	int64_t days, first;
	int dow, day;

	switch (d->form) {
	case 'J':
		days = tz_days_from_civil(y, 1, 1) + d->n - 1 +
		    (is_leap(y) && d->n >= 60);
		break;
	case 'n': days = tz_days_from_civil(y, 1, 1) + d->n; break;
	default:
		first = tz_days_from_civil(y, d->m, 1);
		dow = (int)(((first + 4) % 7 + 7) % 7);
		day = 1 + (d->d - dow + 7) % 7 + 7 * (d->w - 1);
		while (day > month_days(y, d->m))
			day -= 7;
		days = first + day - 1;
		break;
	}
	return days * 86400 + d->secs;
}

static int64_t
rule_offset(const struct tz_rule *r, int64_t t)
{
	int64_t y, start, end;
	int m, d;

	if (!r->has_dst)
		return r->std_off;
	tz_civil_from_days(fdiv(t + r->std_off, 86400), &y, &m, &d);
	start = rule_local(&r->start, y) - r->std_off;
	end = rule_local(&r->end, y) - r->dst_off;
	if (start < end)
		return t >= start && t < end ? r->dst_off : r->std_off;
	return t >= end && t < start ? r->std_off : r->dst_off;
}

struct tz_zone *
tz_from_rule(const char *rule, char *err, size_t errlen)
{
	struct tz_zone *z;

	if ((z = calloc(1, sizeof(*z))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (rule == NULL || strlen(rule) > 256 ||
	    parse_rule(rule, &z->rule) == -1) {
		snprintf(err, errlen, "'%.64s' is not a POSIX TZ rule",
		    rule ? rule : "");
		free(z);
		return NULL;
	}
	z->has_rule = 1;
	z->ntypes = 1;
	z->off[0] = z->rule.std_off;
	return z;
}

/* ---- TZif ---------------------------------------------------------------- */

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static int64_t
be64(const uint8_t *p)
{
	return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

struct tzhead {
	uint32_t isut, isstd, leap, time, type, chars;
};

static int
head(const uint8_t *p, size_t len, struct tzhead *h)
{
	if (len < 44 || memcmp(p, "TZif", 4) != 0)
		return -1;
	h->isut = be32(p + 20);
	h->isstd = be32(p + 24);
	h->leap = be32(p + 28);
	h->time = be32(p + 32);
	h->type = be32(p + 36);
	h->chars = be32(p + 40);
	return 0;
}

static size_t
block_size(const struct tzhead *h, size_t tsize)
{
	return (size_t)h->time * tsize + h->time + (size_t)h->type * 6 +
	    h->chars + (size_t)h->leap * (tsize + 4) + h->isstd + h->isut;
}

struct tz_zone *
tz_parse(const uint8_t *data, size_t len, char *err, size_t errlen)
{
	struct tz_zone *z = NULL;
	struct tzhead h;
	const uint8_t *p, *end = data + len;
	size_t tsize = 4, n, i;
	char footer[260];

	if (len > TZ_MAX_FILE || head(data, len, &h) == -1) {
		snprintf(err, errlen, "not a TZif zone file");
		return NULL;
	}
	p = data + 44;
	if (data[4] >= '2') {
		/* Skip the 32-bit data: the 64-bit header follows it. */
		n = block_size(&h, 4);
		if (n > (size_t)(end - p) ||
		    head(p + n, (size_t)(end - p) - n, &h) == -1)
			goto bad;
		p += n + 44;
		tsize = 8;
	}
	if (h.time > TZ_MAX_TRANSITIONS || h.type == 0 ||
	    h.type > TZ_MAX_TYPES || block_size(&h, tsize) > (size_t)(end - p))
		goto bad;
	if ((z = calloc(1, sizeof(*z))) == NULL ||
	    (z->trans = calloc(h.time + 1, sizeof(*z->trans))) == NULL ||
	    (z->idx = calloc(h.time + 1, 1)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	z->ntrans = h.time;
	for (i = 0; i < h.time; i++)
		z->trans[i] =
		    tsize == 8 ? be64(p + i * 8) : (int32_t)be32(p + i * 4);
	p += (size_t)h.time * tsize;
	for (i = 0; i < h.time; i++) {
		if (p[i] >= h.type)
			goto bad;
		z->idx[i] = p[i];
		if (i > 0 && z->trans[i] <= z->trans[i - 1])
			goto bad;
	}
	p += h.time;
	z->ntypes = h.type;
	for (i = 0; i < h.type; i++)
		z->off[i] = (int32_t)be32(p + i * 6);
	p += (size_t)h.type * 6 + h.chars + (size_t)h.leap * (tsize + 4) +
	    h.isstd + h.isut;
	/* The footer (version 2+): "\n" rule "\n". */
	if (tsize == 8 && p < end && *p == '\n') {
		for (n = 0, p++;
		     p < end && *p != '\n' && n < sizeof(footer) - 1; p++)
			footer[n++] = (char)*p;
		footer[n] = '\0';
		if (p >= end || *p != '\n')
			goto bad;
		if (n > 0) {
			if (parse_rule(footer, &z->rule) == -1) {
				snprintf(err, errlen,
				    "the zone's TZ rule "
				    "'%.64s' is not understood",
				    footer);
				goto fail;
			}
			z->has_rule = 1;
		}
	}
	return z;
bad:
	snprintf(err, errlen, "a damaged TZif zone file");
fail:
	tz_free(z);
	return NULL;
}

void
tz_free(struct tz_zone *z)
{
	if (z == NULL)
		return;
	free(z->trans);
	free(z->idx);
	free(z);
}

int64_t
tz_offset_at(const struct tz_zone *z, int64_t t)
{
	size_t lo, hi, mid;

	if (z->ntrans == 0)
		return z->has_rule ? rule_offset(&z->rule, t) : z->off[0];
	if (t < z->trans[0])
		return z->off[0];
	if (t >= z->trans[z->ntrans - 1] && z->has_rule)
		return rule_offset(&z->rule, t);
	lo = 0;
	hi = z->ntrans;
	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		if (z->trans[mid] <= t)
			lo = mid;
		else
			hi = mid;
	}
	return z->off[z->idx[lo]];
}

int64_t
tz_utc_of_local(const struct tz_zone *z, int64_t local_s)
{
	int64_t oa = tz_offset_at(z, local_s - 86400 - 50400);
	int64_t ob = tz_offset_at(z, local_s + 86400 + 50400);
	int64_t ta = local_s - oa, tb = local_s - ob;
	int va = tz_offset_at(z, ta) == oa, vb = tz_offset_at(z, tb) == ob;

	if (va && vb)
		return ta < tb ? ta : tb;
	if (vb)
		return tb;
	/* Valid with the earlier offset, or in a gap: the earlier offset. */
	return ta;
}

int
tz_name_ok(const char *name)
{
	size_t n, i;

	if (name == NULL || (n = strlen(name)) == 0 || n >= TZ_NAME_MAX ||
	    name[0] == '/' || strstr(name, "..") != NULL)
		return 0;
	for (i = 0; i < n; i++)
		if (!((name[i] >= 'A' && name[i] <= 'Z') ||
			(name[i] >= 'a' && name[i] <= 'z') ||
			(name[i] >= '0' && name[i] <= '9') || name[i] == '/' ||
			name[i] == '_' || name[i] == '-' || name[i] == '+'))
			return 0;
	return 1;
}
