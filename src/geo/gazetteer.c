/*
 * gazetteer: places, name lookup through folding keys and aliases, and a
 * grid index for the places near a position. See gazetteer.h for the rules
 * and docs/geography.md for the reasons.
 */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "geo/gazetteer.h"
#include "geo/geodesy.h"

#define NONE SIZE_MAX
#define CELL_DEG 0.25
#define LON_CELLS 1440 /* 360 / CELL_DEG */
/* Rigorous bounds (geodesy): metres per degree of latitude, at least... */
#define MIN_M_PER_DEG_LAT 110574.0
/* ...and of longitude on the equator (a * pi / 180), at most. */
#define EQ_M_PER_DEG_LON 111319.49

struct place_rec {
	struct gazetteer_place pub; /* first: a pub pointer is a rec pointer */
	char **names;
	char **aliases; /* the aliases that find this place */
	size_t naliases;
	size_t index;
	int32_t ci, cj;	       /* grid cell */
	size_t next;	       /* next place in the same grid bucket */
	struct geodesy_ecef u; /* for geodesy_chord_bound_m */
};

struct name_entry {
	size_t place;
	char *text;  /* as given (owned by the place) */
	char *lower; /* case-folded, for exact matches */
	char *key;   /* folding key */
	int alias;
};

struct gazetteer {
	struct place_rec **places;
	size_t nplaces, capplaces;
	struct name_entry *entries;
	size_t nentries, capentries;
	size_t naliases;
	size_t *buckets; /* heads of the grid's hash chains */
	size_t nbuckets; /* a power of two */
};

static void seterr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* ---- UTF-8 and case ---------------------------------------------------- */

/* Decodes one code point at *s and advances; -1 if the bytes are invalid. */
static long
utf8_next(const unsigned char **s)
{
	const unsigned char *p = *s;
	unsigned long c;
	int n, i;

	if (p[0] < 0x80) {
		*s = p + 1;
		return p[0];
	}
	if ((p[0] & 0xE0) == 0xC0) {
		c = p[0] & 0x1F;
		n = 1;
	} else if ((p[0] & 0xF0) == 0xE0) {
		c = p[0] & 0x0F;
		n = 2;
	} else if ((p[0] & 0xF8) == 0xF0) {
		c = p[0] & 0x07;
		n = 3;
	} else {
		return -1;
	}
	for (i = 1; i <= n; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return -1;
		c = (c << 6) | (p[i] & 0x3F);
	}
	if ((n == 1 && c < 0x80) || (n == 2 && c < 0x800) ||
	    (n == 3 && c < 0x10000) || c > 0x10FFFF ||
	    (c >= 0xD800 && c <= 0xDFFF))
		return -1;
	*s = p + n + 1;
	return (long)c;
}

/* Appends c as UTF-8 to buf (capacity cap, length *len); -1 if full. */
static int
utf8_put(char *buf, size_t cap, size_t *len, unsigned long c)
{
	unsigned char b[4];
	size_t n, i;

	if (c < 0x80) {
		b[0] = (unsigned char)c;
		n = 1;
	} else if (c < 0x800) {
		b[0] = (unsigned char)(0xC0 | (c >> 6));
		b[1] = (unsigned char)(0x80 | (c & 0x3F));
		n = 2;
	} else if (c < 0x10000) {
		b[0] = (unsigned char)(0xE0 | (c >> 12));
		b[1] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
		b[2] = (unsigned char)(0x80 | (c & 0x3F));
		n = 3;
	} else {
		b[0] = (unsigned char)(0xF0 | (c >> 18));
		b[1] = (unsigned char)(0x80 | ((c >> 12) & 0x3F));
		b[2] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
		b[3] = (unsigned char)(0x80 | (c & 0x3F));
		n = 4;
	}
	if (*len + n + 1 > cap)
		return -1;
	for (i = 0; i < n; i++)
		buf[(*len)++] = (char)b[i];
	buf[*len] = '\0';
	return 0;
}

/* Lower case of the letters of the scripts the regions use. */
static unsigned long
cp_lower(unsigned long c)
{
	if (c < 0x80)
		return (c >= 'A' && c <= 'Z') ? c + 32 : c;
	if (c >= 0xC0 && c <= 0xDE && c != 0xD7)
		return c + 32;
	if (c == 0x130) /* İ */
		return 'i';
	if (c >= 0x100 && c <= 0x137)
		return c | 1;
	if (c >= 0x139 && c <= 0x148)
		return (c & 1) ? c + 1 : c;
	if (c >= 0x14A && c <= 0x177)
		return c | 1;
	if (c == 0x178)
		return 0xFF;
	if (c >= 0x179 && c <= 0x17E)
		return (c & 1) ? c + 1 : c;
	if (c == 0x18F) /* Ə */
		return 0x259;
	if (c >= 0x410 && c <= 0x42F)
		return c + 0x20;
	if (c >= 0x400 && c <= 0x40F)
		return c + 0x50;
	if (c == 0x490)
		return 0x491;
	if (c >= 0x531 && c <= 0x556)
		return c + 0x30;
	return c;
}

static int
is_apostrophe(unsigned long c)
{
	return c == '\'' || c == '`' || c == 0xB4 || c == 0x2B9 || c == 0x2BB ||
	    c == 0x2BC || c == 0x2BE || c == 0x2BF || c == 0x2018 ||
	    c == 0x2019 || c == 0x2032;
}

static int
is_space(unsigned long c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == 0xA0;
}

/*
 * The case-folded form used for exact matches: lower case, apostrophes as
 * ', white space collapsed and trimmed. -1 if invalid UTF-8 or too long.
 */
static int
lower_form(const char *s, char *out, size_t cap)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = 0;
	long c;
	int space = 0;

	out[0] = '\0';
	while (*p != '\0') {
		if ((c = utf8_next(&p)) < 0)
			return -1;
		if (is_space((unsigned long)c)) {
			space = len > 0;
			continue;
		}
		if (space && utf8_put(out, cap, &len, ' ') == -1)
			return -1;
		space = 0;
		if (is_apostrophe((unsigned long)c))
			c = '\'';
		if (utf8_put(out, cap, &len, cp_lower((unsigned long)c)) == -1)
			return -1;
	}
	return 0;
}

/* ---- folding keys ------------------------------------------------------ */

/* Base letters of U+00E0..U+00FF (lower case); '*' = special. */
static const char latin1[] = "aaaaaa*ceeeeiiii*nooooo*ouuuuy*y";
/* Base letters of U+0100..U+017F; '*' = special (ĳ, œ). */
static const char latin_ext_a[] = "aaaaaaccccccccdd"
				  "ddeeeeeeeeeegggg"
				  "gggghhhhiiiiiiii"
				  "ii**jjkkklllllll"
				  "lllnnnnnnnnnoooo"
				  "oo**rrrrrrssssss"
				  "ssttttttuuuuuuuu"
				  "uuuuwwyyyzzzzzzs";

/* Cyrillic U+0430..U+045F (lower case); г is '%' (g or h). */
static const char *const cyrillic[48] = {
	"a", "b", "v", "%", "d", "e", "zh", "z",    /* а..з */
	"i", "i", "k", "l", "m", "n", "o", "p",	    /* и..п */
	"r", "s", "t", "u", "f", "kh", "ts", "ch",  /* р..ч */
	"sh", "shch", "", "i", "", "e", "iu", "ia", /* ш..я */
	"e", "e", "dj", "g", "ie", "dz", "i", "i",  /* ѐ..ї */
	"j", "lj", "nj", "c", "k", "i", "u", "dz",  /* ј..џ */
};

/* Armenian U+0561..U+0587 (lower case), BGN/PCGN-like. */
static const char *const armenian[39] = {
	"a", "b", "g", "d", "e", "z", "e", "i",	    /* ա..ը */
	"t", "zh", "i", "l", "kh", "ts", "k", "h",  /* թ..հ */
	"dz", "gh", "ch", "m", "i", "n", "sh", "o", /* ձ..ո */
	"ch", "p", "j", "r", "s", "v", "t", "r",    /* չ..ր */
	"ts", "v", "p", "k", "o", "f", "ev",	    /* ց..և */
};

/*
 * The pre-key letters of one (lower-case) code point: a string to append,
 * or NULL to append the code point itself (a script without a table).
 */
static const char *
fold_cp(unsigned long c, char one[2])
{
	one[1] = '\0';
	if (c < 0x80) {
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '?') {
			one[0] = (char)c;
			return one;
		}
		return ""; /* spaces, hyphens, apostrophes, dots... */
	}
	if (c == 0xDF)
		return "ss";
	if (c == 0xE6)
		return "ae";
	if (c == 0xF0)
		return "d";
	if (c == 0xF7 || c == 0xD7)
		return "";
	if (c == 0xFE)
		return "th";
	if (c >= 0xE0 && c <= 0xFF) {
		one[0] = latin1[c - 0xE0];
		return one;
	}
	if (c == 0x132 || c == 0x133)
		return "ij";
	if (c == 0x152 || c == 0x153)
		return "oe";
	if (c >= 0x100 && c <= 0x17F) {
		one[0] = latin_ext_a[c - 0x100];
		return one;
	}
	if (c == 0x259) /* ə */
		return "@";
	if (c == 0x1E7) /* ǧ */
		return "g";
	if (c >= 0x300 && c <= 0x36F) /* combining marks (NFD input) */
		return "";
	if (is_apostrophe(c) || is_space(c) || (c >= 0x2010 && c <= 0x2015) ||
	    (c >= 0x2018 && c <= 0x201F))
		return "";
	if (c >= 0x430 && c <= 0x45F)
		return cyrillic[c - 0x430];
	if (c == 0x491) /* ґ */
		return "g";
	if (c >= 0x561 && c <= 0x587)
		return armenian[c - 0x561];
	return NULL;
}

int
gazetteer_fold(const char *name, char *key, size_t keylen)
{
	char pre[GAZETTEER_KEY_MAX], one[2];
	const unsigned char *p, *q;
	const char *s;
	size_t len = 0, i, k;
	long c, nc;
	int depth = 0;
	char ch, prev;

	if (name == NULL || key == NULL || keylen == 0 ||
	    strlen(name) > GAZETTEER_MAX_NAME)
		return -1;
	pre[0] = '\0';
	p = (const unsigned char *)name;
	while (*p != '\0') {
		if ((c = utf8_next(&p)) < 0)
			return -1;
		if (c == '(') {
			depth++;
			continue;
		}
		if (c == ')') {
			if (depth > 0)
				depth--;
			continue;
		}
		if (depth > 0)
			continue;
		c = (long)cp_lower((unsigned long)c);
		/* Armenian ու is u. */
		if (c == 0x578) {
			q = p;
			nc = *q != '\0' ? utf8_next(&q) : 0;
			if (nc == 0x582) {
				p = q;
				c = 'u';
			}
		}
		s = fold_cp((unsigned long)c, one);
		if (s == NULL) {
			if (utf8_put(pre, sizeof(pre), &len,
				(unsigned long)c) == -1)
				return -1;
			continue;
		}
		for (; *s != '\0'; s++) {
			if (len + 2 > sizeof(pre))
				return -1;
			pre[len++] = *s;
			pre[len] = '\0';
		}
	}
	/* Digraphs, letter equivalences and doubled letters. */
	k = 0;
	prev = '\0';
	for (i = 0; i < len; i++) {
		ch = pre[i];
		if (ch == 'd' && pre[i + 1] == 'z' && pre[i + 2] == 'h') {
			ch = 'c'; /* Russian transliteration of c (j) */
			i += 2;
		} else if (pre[i + 1] == 'h' &&
		    (ch == 'k' || ch == 's' || ch == 'c' || ch == 'g')) {
			ch = ch == 'k' ? 'x' : ch;
			i++;
		}
		switch (ch) {
		case 'j': ch = 'c'; break;
		case 'q': ch = 'g'; break;
		case 'y': ch = 'i'; break;
		case 'w': ch = 'v'; break;
		default: break;
		}
		if (ch == prev)
			continue;
		if (k + 1 >= keylen)
			return -1;
		key[k++] = ch;
		prev = ch;
	}
	key[k] = '\0';
	return 0;
}

static int
sym_match(char a, char b)
{
	if (a == b || a == '?' || b == '?')
		return 1;
	if (a == '@')
		return b == 'a' || b == 'e';
	if (b == '@')
		return a == 'a' || a == 'e';
	if (a == '%')
		return b == 'g' || b == 'h';
	if (b == '%')
		return a == 'g' || a == 'h';
	return 0;
}

int
gazetteer_key_match(const char *a, const char *b)
{
	if (a == NULL || b == NULL || *a == '\0' || *b == '\0')
		return 0;
	for (; *a != '\0' && *b != '\0'; a++, b++)
		if (!sym_match(*a, *b))
			return 0;
	return *a == '\0' && *b == '\0';
}

/* ---- places ------------------------------------------------------------ */

struct gazetteer *
gazetteer_new(void)
{
	return calloc(1, sizeof(struct gazetteer));
}

static void
rec_free(struct place_rec *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->pub.nnames; i++)
		free(r->names[i]);
	free(r->names);
	for (i = 0; i < r->naliases; i++)
		free(r->aliases[i]);
	free(r->aliases);
	free((char *)r->pub.country);
	free((char *)r->pub.admin1);
	free((char *)r->pub.admin2);
	free((char *)r->pub.source);
	free(r);
}

void
gazetteer_free(struct gazetteer *g)
{
	size_t i;

	if (g == NULL)
		return;
	for (i = 0; i < g->nplaces; i++)
		rec_free(g->places[i]);
	for (i = 0; i < g->nentries; i++) {
		free(g->entries[i].lower);
		free(g->entries[i].key);
	}
	free(g->entries);
	free(g->places);
	free(g->buckets);
	free(g);
}

size_t
gazetteer_count(const struct gazetteer *g)
{
	return g->nplaces;
}

const struct gazetteer_place *
gazetteer_place(const struct gazetteer *g, size_t i)
{
	return i < g->nplaces ? &g->places[i]->pub : NULL;
}

const char *
gazetteer_how_name(enum gazetteer_how how)
{
	switch (how) {
	case GAZETTEER_EXACT: return "exact";
	case GAZETTEER_FOLDED: return "folded";
	case GAZETTEER_ALIAS: return "alias";
	}
	return "?";
}

const char *
gazetteer_kind_name(enum gazetteer_kind kind)
{
	return kind == GAZETTEER_DISTRICT ? "district" : "settlement";
}

static int32_t
cell_lat(double lat)
{
	return (int32_t)floor(lat / CELL_DEG);
}

static int32_t
cell_lon(double lon)
{
	int32_t j = (int32_t)floor(lon / CELL_DEG);

	/* [-720, 720): longitudes -180..180 wrap onto one ring of cells. */
	j = ((j % LON_CELLS) + LON_CELLS) % LON_CELLS;
	return j >= LON_CELLS / 2 ? j - LON_CELLS : j;
}

static size_t
cell_hash(int32_t ci, int32_t cj, size_t nbuckets)
{
	uint32_t h = (uint32_t)ci * 73856093u ^ (uint32_t)cj * 19349663u;

	return (size_t)(h ^ (h >> 15)) & (nbuckets - 1);
}

/* Rebuilds the grid's hash chains with nb buckets. */
static int
grid_rehash(struct gazetteer *g, size_t nb)
{
	size_t *b, i, h;

	if ((b = malloc(nb * sizeof(*b))) == NULL)
		return -1;
	for (i = 0; i < nb; i++)
		b[i] = NONE;
	for (i = 0; i < g->nplaces; i++) {
		h = cell_hash(g->places[i]->ci, g->places[i]->cj, nb);
		g->places[i]->next = b[h];
		b[h] = i;
	}
	free(g->buckets);
	g->buckets = b;
	g->nbuckets = nb;
	return 0;
}

/* Adds a name entry (text owned by the place). */
static int
entry_add(struct gazetteer *g, size_t place, char *text, int alias)
{
	struct name_entry *ne, e;
	char low[4 * GAZETTEER_MAX_NAME + 8], key[GAZETTEER_KEY_MAX];
	size_t cap;

	memset(&e, 0, sizeof(e));
	if (lower_form(text, low, sizeof(low)) == -1 ||
	    gazetteer_fold(text, key, sizeof(key)) == -1)
		goto fail;
	if (g->nentries == g->capentries) {
		cap = g->capentries ? g->capentries * 2 : 256;
		if ((ne = realloc(g->entries, cap * sizeof(*ne))) == NULL)
			goto fail;
		g->entries = ne;
		g->capentries = cap;
	}
	e.place = place;
	e.text = text;
	e.alias = alias;
	if ((e.lower = strdup(low)) == NULL || (e.key = strdup(key)) == NULL)
		goto fail;
	g->entries[g->nentries++] = e;
	return 0;
fail:
	free(e.lower);
	return -1;
}

/* Checks a name: 1..GAZETTEER_MAX_NAME bytes of UTF-8 with a key letter. */
static int
check_name(const char *what, const char *name, char *err, size_t errlen)
{
	char key[GAZETTEER_KEY_MAX];

	if (name == NULL || *name == '\0') {
		seterr(err, errlen, "%s is empty", what);
		return -1;
	}
	if (strlen(name) > GAZETTEER_MAX_NAME) {
		seterr(err, errlen, "%s is longer than %d bytes", what,
		    GAZETTEER_MAX_NAME);
		return -1;
	}
	if (gazetteer_fold(name, key, sizeof(key)) == -1) {
		seterr(err, errlen, "%s is not valid UTF-8", what);
		return -1;
	}
	if (key[0] == '\0') {
		seterr(err, errlen, "%s has no letter or digit", what);
		return -1;
	}
	return 0;
}

static int
code_dup(const char *s, const char **out)
{
	*out = strdup(s != NULL ? s : "");
	return *out == NULL ? -1 : 0;
}

int
gazetteer_add(struct gazetteer *g, const struct gazetteer_place *tmpl,
    const struct gazetteer_place **out, char *err, size_t errlen)
{
	struct place_rec *r = NULL, **np;
	size_t cap, h;
	int entered = 0;

	if (tmpl == NULL) {
		seterr(err, errlen, "no place");
		goto fail;
	}
	if (check_name("place name", tmpl->name, err, errlen) == -1)
		goto fail;
	if ((tmpl->country && strlen(tmpl->country) > GAZETTEER_CODE_MAX) ||
	    (tmpl->admin1 && strlen(tmpl->admin1) > GAZETTEER_CODE_MAX) ||
	    (tmpl->admin2 && strlen(tmpl->admin2) > GAZETTEER_CODE_MAX) ||
	    (tmpl->source && strlen(tmpl->source) > GAZETTEER_CODE_MAX)) {
		seterr(err, errlen,
		    "place %s: a country, admin or source code is longer "
		    "than %d bytes",
		    tmpl->name, GAZETTEER_CODE_MAX);
		goto fail;
	}
	if (!isfinite(tmpl->lat) || !isfinite(tmpl->lon) || tmpl->lat < -90 ||
	    tmpl->lat > 90 || tmpl->lon < -180 || tmpl->lon > 180) {
		seterr(err, errlen,
		    "place %s: coordinates out of range (latitude -90..90, "
		    "longitude -180..180)",
		    tmpl->name);
		goto fail;
	}
	if (tmpl->population < 0) {
		seterr(err, errlen, "place %s: negative population",
		    tmpl->name);
		goto fail;
	}
	if (g->nplaces >= GAZETTEER_MAX_PLACES) {
		seterr(err, errlen, "more than %d places",
		    GAZETTEER_MAX_PLACES);
		goto fail;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL)
		goto nomem;
	r->pub = *tmpl;
	r->pub.name = NULL;
	r->pub.country = r->pub.admin1 = r->pub.admin2 = r->pub.source = NULL;
	r->pub.names = NULL;
	r->pub.nnames = 0;
	if ((r->names = calloc(1, sizeof(char *))) == NULL ||
	    (r->names[0] = strdup(tmpl->name)) == NULL)
		goto nomem;
	r->pub.nnames = 1;
	r->pub.name = r->names[0];
	r->pub.names = (const char *const *)r->names;
	if (code_dup(tmpl->country, &r->pub.country) == -1 ||
	    code_dup(tmpl->admin1, &r->pub.admin1) == -1 ||
	    code_dup(tmpl->admin2, &r->pub.admin2) == -1 ||
	    code_dup(tmpl->source, &r->pub.source) == -1)
		goto nomem;
	r->index = g->nplaces;
	r->ci = cell_lat(r->pub.lat);
	r->cj = cell_lon(r->pub.lon);
	{
		struct geodesy_point at = { r->pub.lat, r->pub.lon };

		geodesy_ecef_of(&at, &r->u);
	}
	if (g->nplaces == g->capplaces) {
		cap = g->capplaces ? g->capplaces * 2 : 256;
		if ((np = realloc(g->places, cap * sizeof(*np))) == NULL)
			goto nomem;
		g->places = np;
		g->capplaces = cap;
	}
	if (entry_add(g, r->index, r->names[0], 0) == -1)
		goto nomem;
	entered = 1;
	g->places[g->nplaces++] = r;
	if (g->nbuckets == 0 || g->nplaces > 2 * g->nbuckets) {
		if (grid_rehash(g, g->nbuckets ? g->nbuckets * 4 : 256) == -1) {
			g->nplaces--;
			goto nomem;
		}
	} else {
		h = cell_hash(r->ci, r->cj, g->nbuckets);
		r->next = g->buckets[h];
		g->buckets[h] = r->index;
	}
	if (out != NULL)
		*out = &r->pub;
	return 0;
nomem:
	seterr(err, errlen, "out of memory");
	if (entered) {
		g->nentries--;
		free(g->entries[g->nentries].lower);
		free(g->entries[g->nentries].key);
	}
fail:
	rec_free(r);
	return -1;
}

int
gazetteer_add_name(struct gazetteer *g, const struct gazetteer_place *p,
    const char *name, char *err, size_t errlen)
{
	struct place_rec *r = (struct place_rec *)(uintptr_t)p;
	char low[4 * GAZETTEER_MAX_NAME + 8], have[4 * GAZETTEER_MAX_NAME + 8];
	char **nn, *copy = NULL;
	size_t i;

	if (p == NULL) {
		seterr(err, errlen, "no place");
		goto fail;
	}
	if (check_name("alternate name", name, err, errlen) == -1)
		goto fail;
	if (lower_form(name, low, sizeof(low)) == -1) {
		seterr(err, errlen, "alternate name is not valid UTF-8");
		goto fail;
	}
	for (i = 0; i < r->pub.nnames; i++)
		if (lower_form(r->names[i], have, sizeof(have)) == 0 &&
		    strcmp(have, low) == 0)
			return 0;
	if (r->pub.nnames >= GAZETTEER_MAX_NAMES) {
		seterr(err, errlen, "place %s has %d names, the limit",
		    r->pub.name, GAZETTEER_MAX_NAMES);
		goto fail;
	}
	if ((copy = strdup(name)) == NULL)
		goto nomem;
	if ((nn = realloc(r->names, (r->pub.nnames + 1) * sizeof(*nn))) == NULL)
		goto nomem;
	r->names = nn;
	r->pub.names = (const char *const *)nn;
	r->pub.name = nn[0];
	if (entry_add(g, r->index, copy, 0) == -1)
		goto nomem;
	nn[r->pub.nnames++] = copy;
	return 0;
nomem:
	seterr(err, errlen, "out of memory");
fail:
	free(copy);
	return -1;
}

/* ---- lookup ------------------------------------------------------------ */

struct cand {
	const struct place_rec *r;
	enum gazetteer_how how;
	const char *matched;
};

static int
cand_by_place(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;

	if (x->r->index != y->r->index)
		return x->r->index < y->r->index ? -1 : 1;
	return (int)x->how - (int)y->how;
}

static int
cand_rank(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;
	const struct gazetteer_place *p = &x->r->pub, *q = &y->r->pub;
	int c;

	if (p->kind != q->kind)
		return p->kind == GAZETTEER_SETTLEMENT ? -1 : 1;
	if (x->how != y->how)
		return (int)x->how - (int)y->how;
	if (p->population != q->population)
		return p->population > q->population ? -1 : 1;
	if (p->seat != q->seat)
		return p->seat ? -1 : 1;
	if (p->approximate != q->approximate)
		return p->approximate ? 1 : -1;
	if ((c = strcmp(p->name, q->name)) != 0)
		return c;
	return x->r->index < y->r->index ? -1 : 1;
}

/*
 * All candidates for query (unranked, one per place) into *out (malloc'd,
 * caller frees), their number into *n. exclude_alias: names only.
 */
static int
collect(const struct gazetteer *g, const char *query, int exclude_alias,
    struct cand **out, size_t *n, char *err, size_t errlen)
{
	char low[4 * GAZETTEER_MAX_NAME + 8], key[GAZETTEER_KEY_MAX];
	struct cand *c = NULL, *nc;
	size_t count = 0, cap = 0, i, k;
	const struct name_entry *e;
	enum gazetteer_how how;

	if (check_name("query", query, err, errlen) == -1 ||
	    lower_form(query, low, sizeof(low)) == -1 ||
	    gazetteer_fold(query, key, sizeof(key)) == -1)
		goto fail;
	for (i = 0; i < g->nentries; i++) {
		e = &g->entries[i];
		if (e->alias && exclude_alias)
			continue;
		if (!e->alias && strcmp(e->lower, low) == 0)
			how = GAZETTEER_EXACT;
		else if (gazetteer_key_match(e->key, key))
			how = e->alias ? GAZETTEER_ALIAS : GAZETTEER_FOLDED;
		else
			continue;
		if (count == cap) {
			cap = cap ? cap * 2 : 16;
			if ((nc = realloc(c, cap * sizeof(*nc))) == NULL) {
				seterr(err, errlen, "out of memory");
				goto fail;
			}
			c = nc;
		}
		c[count].r = g->places[e->place];
		c[count].how = how;
		c[count].matched = e->text;
		count++;
	}
	/* One candidate per place: its best match. */
	if (count > 1) {
		qsort(c, count, sizeof(*c), cand_by_place);
		for (i = 1, k = 1; i < count; i++)
			if (c[i].r != c[k - 1].r)
				c[k++] = c[i];
		count = k;
	}
	*out = c;
	*n = count;
	return 0;
fail:
	free(c);
	return -1;
}

int
gazetteer_lookup(const struct gazetteer *g, const char *query,
    struct gazetteer_match *out, size_t max, size_t *n, size_t *total,
    char *err, size_t errlen)
{
	struct cand *c = NULL;
	size_t nc = 0, i;

	if (collect(g, query, 0, &c, &nc, err, errlen) == -1)
		return -1;
	if (nc > 1)
		qsort(c, nc, sizeof(*c), cand_rank);
	for (i = 0; i < nc && i < max; i++) {
		out[i].place = &c[i].r->pub;
		out[i].how = c[i].how;
		out[i].matched = c[i].matched;
	}
	*n = i;
	if (total != NULL)
		*total = nc;
	free(c);
	return 0;
}

int
gazetteer_add_alias(struct gazetteer *g, const char *alias, const char *target,
    const char *country, const char *admin1, char *err, size_t errlen)
{
	struct cand *c = NULL;
	size_t nc = 0, i, k, nsettle = 0, chosen = NONE;
	char *copy = NULL, low[4 * GAZETTEER_MAX_NAME + 8];
	char tkey[GAZETTEER_KEY_MAX], **na;
	struct place_rec *r;
	int ret = -1;

	if (check_name("alias", alias, err, errlen) == -1)
		goto out;
	if (target == NULL || *target == '\0') {
		seterr(err, errlen, "alias %s: no target place", alias);
		goto out;
	}
	if (g->naliases >= GAZETTEER_MAX_ALIASES) {
		seterr(err, errlen, "alias %s: more than %d aliases", alias,
		    GAZETTEER_MAX_ALIASES);
		goto out;
	}
	if (collect(g, target, 1, &c, &nc, err, errlen) == -1)
		goto out;
	/* Keep the places of the country / admin-1 asked for. */
	for (i = 0, k = 0; i < nc; i++) {
		if (country != NULL && strcmp(c[i].r->pub.country, country))
			continue;
		if (admin1 != NULL && strcmp(c[i].r->pub.admin1, admin1))
			continue;
		c[k++] = c[i];
	}
	nc = k;
	for (i = 0; i < nc; i++)
		if (c[i].r->pub.kind == GAZETTEER_SETTLEMENT) {
			nsettle++;
			chosen = i;
		}
	if (nsettle == 0 && nc == 1)
		chosen = 0;
	if (nc == 0) {
		seterr(err, errlen, "alias %s: no place named %s%s%s%s%s",
		    alias, target, country ? " in " : "",
		    country ? country : "", admin1 ? " admin-1 " : "",
		    admin1 ? admin1 : "");
		goto out;
	}
	if (nsettle > 1 || (nsettle == 0 && nc > 1)) {
		seterr(err, errlen,
		    "alias %s: %zu places are named %s; give the country and "
		    "admin-1 code",
		    alias, nsettle > 1 ? nsettle : nc, target);
		goto out;
	}
	/* The same alias of the same place twice is harmless. */
	if (lower_form(alias, low, sizeof(low)) == -1 ||
	    gazetteer_fold(alias, tkey, sizeof(tkey)) == -1)
		goto out;
	for (i = 0; i < g->nentries; i++)
		if (g->entries[i].alias &&
		    g->entries[i].place == c[chosen].r->index &&
		    strcmp(g->entries[i].lower, low) == 0) {
			ret = 0;
			goto out;
		}
	r = g->places[c[chosen].r->index];
	if ((copy = strdup(alias)) == NULL ||
	    (na = realloc(r->aliases, (r->naliases + 1) * sizeof(*na))) ==
		NULL) {
		seterr(err, errlen, "out of memory");
		goto out;
	}
	r->aliases = na;
	if (entry_add(g, r->index, copy, 1) == -1) {
		seterr(err, errlen, "out of memory");
		goto out;
	}
	r->aliases[r->naliases++] = copy;
	copy = NULL;
	g->naliases++;
	ret = 0;
out:
	free(copy);
	free(c);
	return ret;
}

/*
 * Names that no folding joins, for the pilot regions: the Armenian (and
 * Soviet) names of places in and around Karabakh, and the Russian or former
 * names of Donbas towns. Targets are spelled as in the GeoNames data.
 */
static const struct known_alias {
	const char *alias, *target, *country, *admin1;
} known_aliases[] = {
	/* Karabakh: Armenian names of Azerbaijani towns. */
	{ "Stepanakert", "Xankandi", "AZ", NULL },
	{ "Shushi", "Şuşa", "AZ", NULL },
	{ "Askeran", "Askyaran", "AZ", NULL },
	{ "Martuni", "Novyy Karanlug", "AZ", "65" },
	{ "Ağdərə", "Martakert", "AZ", NULL },
	{ "Mardakert", "Martakert", "AZ", NULL },
	{ "Berdzor", "Laçın", "AZ", NULL },
	{ "Karvachar", "Kerbakhiar", "AZ", NULL },
	{ "Kashunik", "Qubadlı", "AZ", NULL },
	{ "Kovsakan", "Zangilan", "AZ", NULL },
	{ "Varanda", "Fizuli", "AZ", NULL },
	{ "Akna", "Ağdam", "AZ", NULL },
	{ "Jrakan", "Jebrail", "AZ", NULL },
	{ "Mir Bashir", "Terter", "AZ", NULL },
	/*
	 * Azerbaijani names of places GeoNames cities500 lists under their
	 * Russian-era spelling (and other spellings no folding joins).
	 */
	{ "Xocavənd", "Novyy Karanlug", "AZ", "65" },
	{ "Əsgəran", "Askyaran", "AZ", NULL },
	{ "Cəbrayıl", "Jebrail", "AZ", NULL },
	{ "Füzuli", "Fizuli", "AZ", NULL },
	{ "Kəlbəcər", "Kerbakhiar", "AZ", NULL },
	{ "Kubatly", "Qubadlı", "AZ", NULL },
	{ "Mingəçevir", "Mingelchaur", "AZ", NULL },
	{ "Gədəbəy", "Kyadabek", "AZ", NULL },
	{ "Kürdəmir", "Kyurdarmir", "AZ", NULL },
	{ "Şəmkir", "Shamkhor", "AZ", NULL },
	{ "Balakən", "Belokany", "AZ", NULL },
	{ "Zərdab", "Zardob", "AZ", NULL },
	{ "Qəbələ", "Qutqashen", "AZ", NULL },
	/* Donbas: Russian and former (pre-2016) names. */
	{ "Gorlovka", "Horlivka", "UA", NULL },
	{ "Lugansk", "Luhansk", "UA", NULL },
	{ "Severodonetsk", "Sievierodonetsk", "UA", NULL },
	{ "Artemovsk", "Bakhmut", "UA", NULL },
	{ "Artemivsk", "Bakhmut", "UA", NULL },
	{ "Dzerzhinsk", "Toretsk", "UA", NULL },
	{ "Krasnoarmeysk", "Pokrovsk", "UA", NULL },
	{ "Slavyansk", "Sloviansk", "UA", NULL },
	{ "Makeyevka", "Makiivka", "UA", NULL },
	{ "Yenakiyevo", "Yenakiieve", "UA", NULL },
	{ "Debaltsevo", "Debaltseve", "UA", NULL },
	{ "Krasnyi Luch", "Khrustalnyi", "UA", NULL },
	{ "Sverdlovsk", "Dovzhansk", "UA", NULL },
	{ "Zhdanov", "Mariupol", "UA", NULL },
	{ "Konstantinovka", "Kostiantynivka", "UA", NULL },
	{ "Druzhkovka", "Druzhkivka", "UA", NULL },
	{ "Avdeyevka", "Avdiivka", "UA", NULL },
};

int
gazetteer_add_known_aliases(struct gazetteer *g, size_t *added)
{
	size_t i, n = 0, before;
	char err[256];

	for (i = 0; i < sizeof(known_aliases) / sizeof(known_aliases[0]); i++) {
		before = g->naliases;
		if (gazetteer_add_alias(g, known_aliases[i].alias,
			known_aliases[i].target, known_aliases[i].country,
			known_aliases[i].admin1, err, sizeof(err)) == 0) {
			if (g->naliases > before)
				n++;
		} else if (strcmp(err, "out of memory") == 0) {
			return -1;
		}
	}
	if (added != NULL)
		*added = n;
	return 0;
}

/* ---- places near a position ------------------------------------------- */

static int
near_cmp(const void *a, const void *b)
{
	const struct gazetteer_near *x = a, *y = b;
	const struct place_rec *rx = (const struct place_rec *)x->place;
	const struct place_rec *ry = (const struct place_rec *)y->place;

	if (x->distance_m != y->distance_m)
		return x->distance_m < y->distance_m ? -1 : 1;
	return rx->index < ry->index ? -1 : rx->index > ry->index;
}

struct nearvec {
	struct gazetteer_near *v;
	size_t n, cap;
};

/*
 * Measures place r and adds it to nv if within radius_m of p (unit vector
 * up). A place whose lower bound (geodesy.h) is beyond the radius is
 * beyond it for the geodesic too: it is dropped without solving one.
 */
static int
consider(const struct place_rec *r, const struct geodesy_point *p,
    const struct geodesy_ecef *up, double radius_m, int flags,
    struct nearvec *nv)
{
	struct geodesy_point at = { r->pub.lat, r->pub.lon };
	struct geodesy_inverse inv;
	struct gazetteer_near *nn;
	size_t cap;

	if ((flags & GAZETTEER_NEAR_SETTLEMENTS) &&
	    r->pub.kind != GAZETTEER_SETTLEMENT)
		return 0;
	if ((flags & GAZETTEER_NEAR_LOCATED) && r->pub.approximate)
		return 0;
	if (geodesy_chord_bound_m(&r->u, up) > radius_m)
		return 0;
	if (geodesy_inverse(&at, p, &inv) == -1 || inv.distance_m > radius_m)
		return 0;
	if (nv->n == nv->cap) {
		cap = nv->cap ? nv->cap * 2 : 32;
		if ((nn = realloc(nv->v, cap * sizeof(*nn))) == NULL)
			return -1;
		nv->v = nn;
		nv->cap = cap;
	}
	nv->v[nv->n].place = &r->pub;
	nv->v[nv->n].distance_m = inv.distance_m;
	nv->v[nv->n].azimuth_deg = inv.azi1_deg;
	nv->n++;
	return 0;
}

/* Every place within radius_m of p passing flags, sorted, into *nv. */
static int
near_collect(const struct gazetteer *g, const struct geodesy_point *p,
    double radius_m, int flags, struct nearvec *nv)
{
	double dlat, dlon, lat0, lat1, maxabs;
	int32_t i0, i1, j0, j1, ci, cj, cjn;
	size_t k, cells;
	const struct place_rec *r;
	struct geodesy_ecef up;
	int full = 0;

	nv->v = NULL;
	nv->n = nv->cap = 0;
	if (p == NULL || !isfinite(p->lat) || !isfinite(p->lon) ||
	    p->lat < -90 || p->lat > 90 || !isfinite(radius_m) || radius_m < 0)
		return -1;
	if (g->nplaces == 0)
		return 0;
	geodesy_ecef_of(p, &up);
	/* The cells covering the radius (bounds from gazetteer.h's note). */
	dlat = radius_m / MIN_M_PER_DEG_LAT * 1.01 + 1e-9;
	lat0 = p->lat - dlat;
	lat1 = p->lat + dlat;
	maxabs = fmax(fabs(lat0), fabs(lat1));
	if (dlat >= 20 || maxabs >= 89)
		full = 1;
	else {
		dlon = radius_m /
			(EQ_M_PER_DEG_LON *
			    cos(maxabs * 3.14159265358979323846 / 180)) *
			1.01 +
		    1e-9;
		if (dlon >= 170)
			full = 1;
		else {
			i0 = cell_lat(lat0);
			i1 = cell_lat(lat1);
			j0 = (int32_t)floor((p->lon - dlon) / CELL_DEG);
			j1 = (int32_t)floor((p->lon + dlon) / CELL_DEG);
			cells = (size_t)(i1 - i0 + 1) * (size_t)(j1 - j0 + 1);
			if (cells > 4 * g->nplaces)
				full = 1;
		}
	}
	if (full) {
		for (k = 0; k < g->nplaces; k++)
			if (consider(g->places[k], p, &up, radius_m, flags,
				nv) == -1)
				goto fail;
	} else {
		for (ci = i0; ci <= i1; ci++)
			for (cj = j0; cj <= j1; cj++) {
				cjn = cell_lon(cj * CELL_DEG + CELL_DEG / 2);
				k = g->buckets[cell_hash(ci, cjn, g->nbuckets)];
				for (; k != NONE; k = r->next) {
					r = g->places[k];
					if (r->ci != ci || r->cj != cjn)
						continue;
					if (consider(r, p, &up, radius_m, flags,
						nv) == -1)
						goto fail;
				}
			}
	}
	if (nv->n > 1)
		qsort(nv->v, nv->n, sizeof(*nv->v), near_cmp);
	return 0;
fail:
	free(nv->v);
	nv->v = NULL;
	nv->n = 0;
	return -1;
}

int
gazetteer_nearby(const struct gazetteer *g, const struct geodesy_point *p,
    double radius_m, int flags, struct gazetteer_near *out, size_t max,
    size_t *n, size_t *total)
{
	struct nearvec nv;
	size_t i;

	if (near_collect(g, p, radius_m, flags, &nv) == -1)
		return -1;
	for (i = 0; i < nv.n && i < max; i++)
		out[i] = nv.v[i];
	*n = i;
	if (total != NULL)
		*total = nv.n;
	free(nv.v);
	return 0;
}

int
gazetteer_nearest(const struct gazetteer *g, const struct geodesy_point *p,
    int flags, struct gazetteer_near *out)
{
	static const double radii[] = { 10e3, 50e3, 250e3, 1000e3, 20100e3 };
	size_t i, n;

	for (i = 0; i < sizeof(radii) / sizeof(radii[0]); i++) {
		if (gazetteer_nearby(g, p, radii[i], flags, out, 1, &n, NULL) ==
		    -1)
			return -1;
		if (n == 1)
			return 0;
	}
	return -1;
}

const struct gazetteer_place *
gazetteer_find_near(const struct gazetteer *g, const char *name,
    const char *country, const struct geodesy_point *p, double radius_m)
{
	struct nearvec nv;
	char key[GAZETTEER_KEY_MAX], have[GAZETTEER_KEY_MAX];
	const struct gazetteer_place *found = NULL;
	const struct place_rec *r;
	size_t i, k;

	if (gazetteer_fold(name, key, sizeof(key)) == -1 || key[0] == '\0')
		return NULL;
	if (near_collect(g, p, radius_m, 0, &nv) == -1)
		return NULL;
	for (i = 0; i < nv.n && found == NULL; i++) {
		r = (const struct place_rec *)nv.v[i].place;
		if (country != NULL && strcmp(r->pub.country, country) != 0)
			continue;
		for (k = 0; k < r->pub.nnames + r->naliases; k++)
			if (gazetteer_fold(k < r->pub.nnames
				    ? r->names[k]
				    : r->aliases[k - r->pub.nnames],
				have, sizeof(have)) == 0 &&
			    gazetteer_key_match(have, key)) {
				found = &r->pub;
				break;
			}
	}
	free(nv.v);
	return found;
}
