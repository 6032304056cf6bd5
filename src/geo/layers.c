/*
 * layers: reads the geography files (GeoNames CSV and postal dump, Natural
 * Earth CSV and GeoJSON) into the pure modules gazetteer, polygon and lines.
 * The only file I/O of geo/. See layers.h.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "common/file.h"
#include "common/num.h"
#include "geo/gazetteer.h"
#include "geo/geodesy.h"
#include "geo/layers.h"
#include "geo/lines.h"
#include "geo/polygon.h"

#define MAX_FIELDS 32
/* Postal rows merge into a place of the same name this close (metres)... */
#define MERGE_M 5000.0
/* ...or this close when the row's coordinates are only an estimate. */
#define MERGE_APPROX_M 15000.0

struct layers {
	struct gazetteer *gaz;
	struct polygon_layer *zones[LAYERS_MAX_LAYERS];
	size_t nzones;
	struct lines_layer *lines[LAYERS_MAX_LAYERS];
	size_t nlines;
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

struct layers *
layers_new(void)
{
	struct layers *l;

	if ((l = calloc(1, sizeof(*l))) == NULL)
		return NULL;
	if ((l->gaz = gazetteer_new()) == NULL) {
		free(l);
		return NULL;
	}
	return l;
}

void
layers_free(struct layers *l)
{
	size_t i;

	if (l == NULL)
		return;
	gazetteer_free(l->gaz);
	for (i = 0; i < l->nzones; i++)
		polygon_layer_free(l->zones[i]);
	for (i = 0; i < l->nlines; i++)
		lines_layer_free(l->lines[i]);
	free(l);
}

struct gazetteer *
layers_gazetteer(const struct layers *l)
{
	return l->gaz;
}

const struct polygon_layer *const *
layers_zones(const struct layers *l, size_t *n)
{
	*n = l->nzones;
	return (const struct polygon_layer *const *)l->zones;
}

const struct lines_layer *const *
layers_lines(const struct layers *l, size_t *n)
{
	*n = l->nlines;
	return (const struct lines_layer *const *)l->lines;
}

/* ---- files ------------------------------------------------------------- */

/* datadir/path, or path if absolute, into buf. */
static int
full_path(const char *datadir, const char *path, char *buf, size_t len,
    char *err, size_t errlen)
{
	int n;

	if (path == NULL || *path == '\0') {
		seterr(err, errlen, "no file name");
		return -1;
	}
	if (path[0] == '/' || datadir == NULL || *datadir == '\0')
		n = snprintf(buf, len, "%s", path);
	else
		n = snprintf(buf, len, "%s/%s", datadir, path);
	if (n < 0 || (size_t)n >= len) {
		seterr(err, errlen, "%.64s...: path longer than %zu bytes",
		    path, len - 1);
		return -1;
	}
	return 0;
}

/* The whole file, NUL-terminated, into *out (caller frees). */
static int
read_file(const char *path, char **out, size_t *outlen, char *err,
    size_t errlen)
{
	FILE *f = NULL;
	struct stat st;
	char *buf = NULL;
	size_t n;
	int ret = -1;

	if ((f = fopen(path, "rb")) == NULL) {
		seterr(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (fstat(fileno(f), &st) == -1) {
		seterr(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		seterr(err, errlen, "%s: not a regular file", path);
		goto out;
	}
	if (st.st_size > LAYERS_MAX_FILE) {
		seterr(err, errlen,
		    "%s: %lld bytes, more than the limit of %ld", path,
		    (long long)st.st_size, LAYERS_MAX_FILE);
		goto out;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		seterr(err, errlen, "%s: out of memory", path);
		goto out;
	}
	n = fread(buf, 1, (size_t)st.st_size, f);
	if (ferror(f) || n != (size_t)st.st_size) {
		seterr(err, errlen, "%s: read error", path);
		goto out;
	}
	buf[n] = '\0';
	if (strlen(buf) != n) {
		seterr(err, errlen, "%s: contains a NUL byte", path);
		goto out;
	}
	*out = buf;
	*outlen = n;
	buf = NULL;
	ret = 0;
out:
	free(buf);
	if (f != NULL)
		fclose(f);
	return ret;
}

/*
 * Text lines of a buffer: next_line() cuts the line at *pos in place (NUL
 * instead of the newline, a CR dropped) and advances. Returns NULL at the
 * end; *toolong is set if the line exceeds LAYERS_MAX_LINE.
 */
static char *
next_line(char *buf, size_t len, size_t *pos, int *toolong)
{
	char *s, *e;
	size_t n;

	*toolong = 0;
	if (*pos >= len)
		return NULL;
	s = buf + *pos;
	e = memchr(s, '\n', len - *pos);
	n = e != NULL ? (size_t)(e - s) : len - *pos;
	*pos += n + (e != NULL);
	s[n] = '\0';
	if (n > 0 && s[n - 1] == '\r')
		s[--n] = '\0';
	if (n > LAYERS_MAX_LINE)
		*toolong = 1;
	return s;
}

/*
 * Splits a CSV line (RFC 4180: quoted fields, "" inside quotes) in place
 * into at most MAX_FIELDS fields. Returns the number of fields, or -1 for
 * too many fields or an unterminated quote.
 */
static int
split_csv(char *s, char **f)
{
	int n = 0;
	char *w;

	for (;;) {
		if (n == MAX_FIELDS)
			return -1;
		if (*s == '"') {
			f[n++] = w = ++s;
			for (;;) {
				if (*s == '\0')
					return -1;
				if (*s == '"' && s[1] == '"') {
					*w++ = '"';
					s += 2;
				} else if (*s == '"') {
					s++;
					break;
				} else {
					*w++ = *s++;
				}
			}
			*w = '\0';
			if (*s == '\0')
				return n;
			if (*s != ',')
				return -1;
			s++;
		} else {
			f[n++] = s;
			while (*s != '\0' && *s != ',')
				s++;
			if (*s == '\0')
				return n;
			*s++ = '\0';
		}
	}
}

/* Splits a tab-separated line in place; -1 for too many fields. */
static int
split_tsv(char *s, char **f)
{
	int n = 0;

	for (;;) {
		if (n == MAX_FIELDS)
			return -1;
		f[n++] = s;
		while (*s != '\0' && *s != '\t')
			s++;
		if (*s == '\0')
			return n;
		*s++ = '\0';
	}
}

static int
column(char **hdr, int n, const char *name)
{
	int i;

	for (i = 0; i < n; i++)
		if (strcmp(hdr[i], name) == 0)
			return i;
	return -1;
}

/* Parses field `what` of file:line as a number in [min, max]. */
static int
field_double(const char *file, size_t line, const char *what, const char *s,
    double min, double max, double *out, char *err, size_t errlen)
{
	char e[160];

	if (num_parse_double(s, min, max, out, e, sizeof(e)) == -1) {
		seterr(err, errlen, "%s:%zu: %s %s", file, line, what, e);
		return -1;
	}
	return 0;
}

static int
field_i64(const char *file, size_t line, const char *what, const char *s,
    int64_t min, int64_t max, int64_t *out, char *err, size_t errlen)
{
	char e[160];

	if (num_parse_i64(s, min, max, out, e, sizeof(e)) == -1) {
		seterr(err, errlen, "%s:%zu: %s %s", file, line, what, e);
		return -1;
	}
	return 0;
}

/* A code field (country, admin) within GAZETTEER_CODE_MAX bytes. */
static int
field_code(const char *file, size_t line, const char *what, const char *s,
    char *err, size_t errlen)
{
	if (strlen(s) > GAZETTEER_CODE_MAX) {
		seterr(err, errlen, "%s:%zu: %s is longer than %d bytes", file,
		    line, what, GAZETTEER_CODE_MAX);
		return -1;
	}
	return 0;
}

static int
add_place(struct gazetteer *g, const char *file, size_t line,
    const struct gazetteer_place *t, const struct gazetteer_place **out,
    char *err, size_t errlen)
{
	char e[256];

	if (gazetteer_add(g, t, out, e, sizeof(e)) == -1) {
		seterr(err, errlen, "%s:%zu: %s", file, line, e);
		return -1;
	}
	return 0;
}

/*
 * A list of places, row by row. rows_next() gives the next non-blank line,
 * split in place (CSV or TSV), after the checks every list shares: lines
 * of at most LAYERS_MAX_LINE bytes, at most LAYERS_MAX_ROWS rows.
 */
struct rows {
	const char *file;
	char *buf;
	size_t len, pos;
	size_t line;  /* the line last read, from 1 */
	size_t count; /* non-blank rows read */
};

static void
rows_init(struct rows *r, const char *file, char *buf, size_t len)
{
	memset(r, 0, sizeof(*r));
	r->file = file;
	r->buf = buf;
	r->len = len;
}

/*
 * The next non-blank row of r split into f by split: 1 with its number of
 * fields in *nf (-1 if split failed), 0 at the end, -1 (err set) for a
 * line too long or a row too many.
 */
static int
rows_next(struct rows *r, int (*split)(char *, char **), char **f, int *nf,
    char *err, size_t errlen)
{
	char *s;
	int toolong;

	while ((s = next_line(r->buf, r->len, &r->pos, &toolong)) != NULL) {
		r->line++;
		if (toolong) {
			seterr(err, errlen, "%s:%zu: line longer than %d bytes",
			    r->file, r->line, LAYERS_MAX_LINE);
			return -1;
		}
		if (*s == '\0')
			continue;
		if (++r->count > LAYERS_MAX_ROWS) {
			seterr(err, errlen, "%s:%zu: more than %d rows",
			    r->file, r->line, LAYERS_MAX_ROWS);
			return -1;
		}
		*nf = split(s, f);
		return 1;
	}
	return 0;
}

/*
 * The header line of a CSV list of places into hdr (*nh columns), and the
 * columns each such list needs: name, latitude, longitude. -1 (err set)
 * without a header or one of them.
 */
static int
csv_header(struct rows *r, char **hdr, int *nh, int *cname, int *clat,
    int *clon, char *err, size_t errlen)
{
	char *s;
	int toolong;

	r->line = 1;
	if ((s = next_line(r->buf, r->len, &r->pos, &toolong)) == NULL ||
	    toolong || (*nh = split_csv(s, hdr)) == -1) {
		seterr(err, errlen,
		    "%s:1: no CSV header line (of at most %d "
		    "bytes and %d columns)",
		    r->file, LAYERS_MAX_LINE, MAX_FIELDS);
		return -1;
	}
	*cname = column(hdr, *nh, "name");
	*clat = column(hdr, *nh, "latitude");
	*clon = column(hdr, *nh, "longitude");
	if (*cname < 0 || *clat < 0 || *clon < 0) {
		seterr(err, errlen,
		    "%s:1: the header lacks a name, latitude "
		    "or longitude column",
		    r->file);
		return -1;
	}
	return 0;
}

/* The next row of a CSV list with nh columns: 1, 0 at the end, -1 (err
 * set) for a row rows_next refuses or of another width. */
static int
csv_row(struct rows *r, char **f, int nh, char *err, size_t errlen)
{
	int rc, nf;

	if ((rc = rows_next(r, split_csv, f, &nf, err, errlen)) != 1)
		return rc;
	if (nf != nh) {
		seterr(err, errlen, "%s:%zu: %d fields where the header has %d",
		    r->file, r->line, nf < 0 ? MAX_FIELDS + 1 : nf, nh);
		return -1;
	}
	return 1;
}

/* Starts t (zeroed) as the place name at lat, lon, from row r. */
static int
place_at(const struct rows *r, struct gazetteer_place *t, const char *name,
    const char *lat, const char *lon, char *err, size_t errlen)
{
	memset(t, 0, sizeof(*t));
	t->name = name;
	if (field_double(r->file, r->line, "latitude", lat, -90, 90, &t->lat,
		err, errlen) == -1 ||
	    field_double(r->file, r->line, "longitude", lon, -180, 180, &t->lon,
		err, errlen) == -1)
		return -1;
	return 0;
}

/* ---- GeoNames cities500 ------------------------------------------------ */

static int
load_cities500(struct layers *l, const char *file, char *buf, size_t len,
    char *err, size_t errlen)
{
	char *f[MAX_FIELDS], *hdr[MAX_FIELDS], e[256];
	int nh, rc, cid, cname, cascii, clat, clon, cfc, ccc, ca1, ca2, cpop;
	size_t line;
	struct rows r;
	struct gazetteer_place t;
	const struct gazetteer_place *p;

	rows_init(&r, file, buf, len);
	if (csv_header(&r, hdr, &nh, &cname, &clat, &clon, err, errlen) == -1)
		return -1;
	cid = column(hdr, nh, "geonameid");
	cascii = column(hdr, nh, "asciiname");
	cfc = column(hdr, nh, "feature_code");
	ccc = column(hdr, nh, "country_code");
	ca1 = column(hdr, nh, "admin1_code");
	ca2 = column(hdr, nh, "admin2_code");
	cpop = column(hdr, nh, "population");
	while ((rc = csv_row(&r, f, nh, err, errlen)) == 1) {
		line = r.line;
		if (place_at(&r, &t, f[cname], f[clat], f[clon], err, errlen) ==
		    -1)
			return -1;
		if (cid >= 0 && *f[cid] != '\0' &&
		    field_i64(file, line, "geonameid", f[cid], 0,
			9007199254740991LL, &t.id, err, errlen) == -1)
			return -1;
		if (cpop >= 0 && *f[cpop] != '\0' &&
		    field_i64(file, line, "population", f[cpop], 0,
			10000000000LL, &t.population, err, errlen) == -1)
			return -1;
		t.country = ccc >= 0 ? f[ccc] : "";
		t.admin1 = ca1 >= 0 ? f[ca1] : "";
		t.admin2 = ca2 >= 0 ? f[ca2] : "";
		if (field_code(file, line, "country_code", t.country, err,
			errlen) == -1 ||
		    field_code(file, line, "admin1_code", t.admin1, err,
			errlen) == -1 ||
		    field_code(file, line, "admin2_code", t.admin2, err,
			errlen) == -1)
			return -1;
		t.source = "cities500";
		t.kind = GAZETTEER_SETTLEMENT;
		/* PPLA, PPLA2..4, PPLC: seat of an administrative unit. */
		t.seat = cfc >= 0 &&
		    (strncmp(f[cfc], "PPLA", 4) == 0 ||
			strcmp(f[cfc], "PPLC") == 0);
		if (add_place(l->gaz, file, line, &t, &p, err, errlen) == -1)
			return -1;
		if (cascii >= 0 && *f[cascii] != '\0' &&
		    strcmp(f[cascii], t.name) != 0 &&
		    gazetteer_add_name(l->gaz, p, f[cascii], e, sizeof(e)) ==
			-1) {
			seterr(err, errlen, "%s:%zu: asciiname: %s", file, line,
			    e);
			return -1;
		}
	}
	return rc;
}

/* ---- GeoNames postal dump ---------------------------------------------- */

/*
 * The postal dump lists post offices, not places, so it is reduced to
 * places (docs/geography.md):
 *  1. a name starting with a digit is a numbered office ("1 Sayli", office
 *     no. 1), not a place: skipped;
 *  2. a trailing "-<digits>" is a numbered branch ("Baki-100"): removed, so
 *     the branch merges into its town;
 *  3. accuracy below 4 (GeoNames: 1 = estimated) marks the coordinates as
 *     approximate: many such rows share their district's coordinates;
 *  4. a row whose name folds like a place already loaded (cities500 first)
 *     in the same country within 5 km (15 km for approximate rows) is the
 *     same place: its spelling becomes an alternate name; this also merges
 *     the villages listed under two districts (Otuzikilər in Bərdə and
 *     İmişli, same coordinates);
 *  5. a place whose name folds like its district's (admin name1) is the
 *     district's seat.
 */
static int
load_postal(struct layers *l, const char *file, char *buf, size_t len,
    char *err, size_t errlen)
{
	char *f[MAX_FIELDS], name[GAZETTEER_MAX_NAME + 1], e[256];
	char k1[GAZETTEER_KEY_MAX], k2[GAZETTEER_KEY_MAX];
	int nf, rc;
	size_t line, n;
	struct rows r;
	struct gazetteer_place t;
	const struct gazetteer_place *same;
	struct geodesy_point at;
	int64_t acc;

	rows_init(&r, file, buf, len);
	while ((rc = rows_next(&r, split_tsv, f, &nf, err, errlen)) == 1) {
		line = r.line;
		if (nf < 11) {
			seterr(err, errlen,
			    "%s:%zu: %d tab-separated fields, at least 11 "
			    "expected (GeoNames postal format)",
			    file, line, nf < 0 ? MAX_FIELDS + 1 : nf);
			return -1;
		}
		if (f[2][0] >= '0' && f[2][0] <= '9')
			continue; /* rule 1 */
		n = strlen(f[2]);
		if (n == 0) {
			seterr(err, errlen, "%s:%zu: place name is empty", file,
			    line);
			return -1;
		}
		if (n > GAZETTEER_MAX_NAME) {
			seterr(err, errlen,
			    "%s:%zu: place name longer than %d bytes", file,
			    line, GAZETTEER_MAX_NAME);
			return -1;
		}
		memcpy(name, f[2], n + 1);
		{ /* rule 2 */
			size_t d = n;

			while (
			    d > 0 && name[d - 1] >= '0' && name[d - 1] <= '9')
				d--;
			if (d < n && d >= 2 && name[d - 1] == '-')
				name[d - 1] = '\0';
		}
		if (place_at(&r, &t, name, f[9], f[10], err, errlen) == -1)
			return -1;
		acc = 0;
		if (nf > 11 && *f[11] != '\0' &&
		    field_i64(file, line, "accuracy", f[11], 0, 6, &acc, err,
			errlen) == -1)
			return -1;
		t.country = f[0];
		t.admin1 = f[4];
		t.admin2 = f[6];
		if (field_code(file, line, "country code", t.country, err,
			errlen) == -1 ||
		    field_code(file, line, "admin code1", t.admin1, err,
			errlen) == -1 ||
		    field_code(file, line, "admin code2", t.admin2, err,
			errlen) == -1)
			return -1;
		t.source = "postal";
		t.kind = GAZETTEER_SETTLEMENT;
		t.approximate = acc < 4; /* rule 3 */
		at.lat = t.lat;
		at.lon = t.lon;
		same = gazetteer_find_near(l->gaz, name, t.country, &at,
		    t.approximate ? MERGE_APPROX_M : MERGE_M);
		if (same != NULL) { /* rule 4 */
			if (gazetteer_add_name(l->gaz, same, name, e,
				sizeof(e)) == -1) {
				seterr(err, errlen, "%s:%zu: %s", file, line,
				    e);
				return -1;
			}
			continue;
		}
		t.seat = gazetteer_fold(name, k1, sizeof(k1)) == 0 &&
		    gazetteer_fold(f[3], k2, sizeof(k2)) == 0 &&
		    gazetteer_key_match(k1, k2); /* rule 5 */
		if (add_place(l->gaz, file, line, &t, NULL, err, errlen) == -1)
			return -1;
	}
	return rc;
}

/* ---- Natural Earth admin-1 label points -------------------------------- */

/*
 * District label points: kind "district", never a town. A district drawn in
 * several parts has several label points with the same code and name: the
 * first is kept. Garbled names ("L?nk?ran") are kept: '?' folds to a
 * one-letter wildcard.
 */
static int
load_admin1(struct layers *l, const char *file, char *buf, size_t len,
    char *err, size_t errlen)
{
	char *f[MAX_FIELDS], *hdr[MAX_FIELDS];
	int nh, rc, ccode, cname, ciso, clat, clon;
	size_t line, i;
	struct rows r;
	struct gazetteer_place t;
	const struct gazetteer_place *q;
	int dup;

	rows_init(&r, file, buf, len);
	if (csv_header(&r, hdr, &nh, &cname, &clat, &clon, err, errlen) == -1)
		return -1;
	ccode = column(hdr, nh, "adm1_code");
	ciso = column(hdr, nh, "iso_a2");
	while ((rc = csv_row(&r, f, nh, err, errlen)) == 1) {
		line = r.line;
		if (place_at(&r, &t, f[cname], f[clat], f[clon], err, errlen) ==
		    -1)
			return -1;
		t.country = ciso >= 0 ? f[ciso] : "";
		t.admin1 = ccode >= 0 ? f[ccode] : "";
		if (field_code(file, line, "iso_a2", t.country, err, errlen) ==
			-1 ||
		    field_code(file, line, "adm1_code", t.admin1, err,
			errlen) == -1)
			return -1;
		dup = 0;
		for (i = 0; i < gazetteer_count(l->gaz) && !dup; i++) {
			q = gazetteer_place(l->gaz, i);
			dup = q->kind == GAZETTEER_DISTRICT &&
			    strcmp(q->admin1, t.admin1) == 0 &&
			    strcmp(q->name, t.name) == 0;
		}
		if (dup)
			continue;
		t.source = "admin1";
		t.kind = GAZETTEER_DISTRICT;
		t.seat = 0;
		if (add_place(l->gaz, file, line, &t, NULL, err, errlen) == -1)
			return -1;
	}
	return rc;
}

/* ---- GeoJSON ----------------------------------------------------------- */

/* The feature's name: first non-empty string among the properties. */
static const char *
feature_name(json_t *props, const char *name_props, char *buf, size_t len)
{
	const char *p = name_props, *comma, *v;
	size_t n;
	json_t *j;

	while (p != NULL && *p != '\0') {
		comma = strchr(p, ',');
		n = comma != NULL ? (size_t)(comma - p) : strlen(p);
		if (n < len) {
			memcpy(buf, p, n);
			buf[n] = '\0';
			j = json_object_get(props, buf);
			v = json_string_value(j);
			if (v != NULL && *v != '\0')
				return v;
		}
		p = comma != NULL ? comma + 1 : NULL;
	}
	return NULL;
}

static const char *
prop_string(json_t *props, const char *key)
{
	const char *v = json_string_value(json_object_get(props, key));

	return v != NULL && *v != '\0' ? v : NULL;
}

static int
passes_filter(json_t *props, const struct layers_file *f)
{
	const char *v;

	if (f->filter_prop == NULL)
		return 1;
	v = json_string_value(json_object_get(props, f->filter_prop));
	return v != NULL && f->filter_value != NULL &&
	    strcmp(v, f->filter_value) == 0;
}

/*
 * A GeoJSON array of positions into a new array of points (caller frees).
 * max bounds the count. what names it in errors.
 */
static int
positions(json_t *arr, size_t max, struct geodesy_point **out, size_t *n,
    const char *what, char *err, size_t errlen)
{
	struct geodesy_point *pts = NULL;
	size_t i, count;
	json_t *pos, *x, *y;

	if (!json_is_array(arr)) {
		seterr(err, errlen, "%s is not an array of positions", what);
		goto fail;
	}
	count = json_array_size(arr);
	if (count > max) {
		seterr(err, errlen,
		    "%s has %zu positions, more than the limit of %zu", what,
		    count, max);
		goto fail;
	}
	if (count == 0) {
		seterr(err, errlen, "%s is empty", what);
		goto fail;
	}
	if ((pts = malloc(count * sizeof(*pts))) == NULL) {
		seterr(err, errlen, "out of memory");
		goto fail;
	}
	for (i = 0; i < count; i++) {
		pos = json_array_get(arr, i);
		x = json_array_get(pos, 0);
		y = json_array_get(pos, 1);
		if (!json_is_array(pos) || json_array_size(pos) < 2 ||
		    json_array_size(pos) > 4 || !json_is_number(x) ||
		    !json_is_number(y)) {
			seterr(err, errlen,
			    "%s position %zu is not [longitude, latitude]",
			    what, i);
			goto fail;
		}
		pts[i].lon = json_number_value(x);
		pts[i].lat = json_number_value(y);
		if (!isfinite(pts[i].lat) || !isfinite(pts[i].lon) ||
		    pts[i].lat < -90 || pts[i].lat > 90 || pts[i].lon < -180 ||
		    pts[i].lon > 180) {
			seterr(err, errlen,
			    "%s position %zu: out of range (longitude "
			    "-180..180, latitude -90..90)",
			    what, i);
			goto fail;
		}
	}
	*out = pts;
	*n = count;
	return 0;
fail:
	free(pts);
	return -1;
}

/* Adds one GeoJSON Polygon's coordinates to zone. */
static int
add_polygon_json(struct polygon_layer *pl, size_t zone, json_t *rings,
    char *err, size_t errlen)
{
	struct geodesy_point **r = NULL;
	size_t *counts = NULL, nr, i, got = 0;
	char what[48], e[256];
	int ret = -1;

	if (!json_is_array(rings) || (nr = json_array_size(rings)) == 0) {
		seterr(err, errlen, "polygon has no ring");
		goto out;
	}
	if (nr > POLYGON_MAX_RINGS) {
		seterr(err, errlen,
		    "polygon has %zu rings, more than the limit of %d", nr,
		    POLYGON_MAX_RINGS);
		goto out;
	}
	if ((r = calloc(nr, sizeof(*r))) == NULL ||
	    (counts = calloc(nr, sizeof(*counts))) == NULL) {
		seterr(err, errlen, "out of memory");
		goto out;
	}
	for (i = 0; i < nr; i++, got++) {
		if (i == 0)
			snprintf(what, sizeof(what), "outer ring");
		else
			snprintf(what, sizeof(what), "hole %zu", i);
		if (positions(json_array_get(rings, i),
			POLYGON_MAX_RING_VERTICES + 1, &r[i], &counts[i], what,
			err, errlen) == -1)
			goto out;
	}
	if (polygon_layer_add_polygon(pl, zone,
		(const struct geodesy_point *const *)r, counts, nr, e,
		sizeof(e)) == -1) {
		seterr(err, errlen, "%s", e);
		goto out;
	}
	ret = 0;
out:
	for (i = 0; i < got; i++)
		free(r[i]);
	free(r);
	free(counts);
	return ret;
}

static struct polygon_layer *
zone_layer(struct layers *l, const char *name, char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < l->nzones; i++)
		if (strcmp(polygon_layer_name(l->zones[i]), name) == 0)
			return l->zones[i];
	if (l->nzones + l->nlines >= LAYERS_MAX_LAYERS) {
		seterr(err, errlen, "more than %d layers", LAYERS_MAX_LAYERS);
		return NULL;
	}
	if ((l->zones[l->nzones] = polygon_layer_new(name)) == NULL) {
		seterr(err, errlen,
		    "layer name '%.64s' is invalid (1 to %d "
		    "bytes) or out of memory",
		    name, POLYGON_MAX_NAME);
		return NULL;
	}
	return l->zones[l->nzones++];
}

static struct lines_layer *
line_layer(struct layers *l, const char *name, char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < l->nlines; i++)
		if (strcmp(lines_layer_name(l->lines[i]), name) == 0)
			return l->lines[i];
	if (l->nzones + l->nlines >= LAYERS_MAX_LAYERS) {
		seterr(err, errlen, "more than %d layers", LAYERS_MAX_LAYERS);
		return NULL;
	}
	if ((l->lines[l->nlines] = lines_layer_new(name)) == NULL) {
		seterr(err, errlen,
		    "layer name '%.64s' is invalid (1 to %d "
		    "bytes) or out of memory",
		    name, LINES_MAX_NAME);
		return NULL;
	}
	return l->lines[l->nlines++];
}

/* The features array of a FeatureCollection. */
static json_t *
features_of(json_t *root, const char *file, char *err, size_t errlen)
{
	json_t *fs;

	if (!json_is_object(root) ||
	    !json_is_string(json_object_get(root, "type")) ||
	    strcmp(json_string_value(json_object_get(root, "type")),
		"FeatureCollection") != 0 ||
	    !json_is_array(fs = json_object_get(root, "features"))) {
		seterr(err, errlen, "%s: not a GeoJSON FeatureCollection",
		    file);
		return NULL;
	}
	if (json_array_size(fs) > LAYERS_MAX_FEATURES) {
		seterr(err, errlen,
		    "%s: %zu features, more than the limit "
		    "of %d",
		    file, json_array_size(fs), LAYERS_MAX_FEATURES);
		return NULL;
	}
	return fs;
}

static const char *
geometry_type(json_t *feature, json_t **geom)
{
	*geom = json_object_get(feature, "geometry");
	return json_string_value(json_object_get(*geom, "type"));
}

static int
load_zones(struct layers *l, const char *file, json_t *root,
    const struct layers_file *f, char *err, size_t errlen)
{
	json_t *fs, *feat, *geom, *props, *coords;
	struct polygon_layer *pl;
	const char *type, *name;
	char buf[128], fallback[160], e[256];
	size_t i, k, zone, nz, used = 0;
	int ret = -1;

	if ((fs = features_of(root, file, err, errlen)) == NULL)
		goto out;
	if (f->layer == NULL ||
	    (pl = zone_layer(l, f->layer, e, sizeof(e))) == NULL) {
		seterr(err, errlen, "%s: %s", file,
		    f->layer == NULL ? "no layer name" : e);
		goto out;
	}
	json_array_foreach(fs, i, feat)
	{
		type = geometry_type(feat, &geom);
		props = json_object_get(feat, "properties");
		if (type == NULL ||
		    (strcmp(type, "Polygon") != 0 &&
			strcmp(type, "MultiPolygon") != 0))
			continue;
		if (!passes_filter(props, f))
			continue;
		name = feature_name(props, f->name_props, buf, sizeof(buf));
		if (name == NULL) {
			snprintf(fallback, sizeof(fallback), "%s %zu", f->layer,
			    i);
			name = fallback;
		}
		/* Features of the same name make one zone. */
		nz = polygon_layer_zone_count(pl);
		for (zone = 0; zone < nz; zone++)
			if (strcmp(polygon_layer_zone_name(pl, zone), name) ==
			    0)
				break;
		if (zone == nz &&
		    polygon_layer_add_zone(pl, name, &zone, e, sizeof(e)) ==
			-1) {
			seterr(err, errlen, "%s: feature %zu: %s", file, i, e);
			goto out;
		}
		coords = json_object_get(geom, "coordinates");
		if (strcmp(type, "Polygon") == 0) {
			if (add_polygon_json(pl, zone, coords, e, sizeof(e)) ==
			    -1) {
				seterr(err, errlen, "%s: feature %zu (%s): %s",
				    file, i, name, e);
				goto out;
			}
		} else {
			if (!json_is_array(coords)) {
				seterr(err, errlen,
				    "%s: feature %zu (%s): "
				    "MultiPolygon without coordinates",
				    file, i, name);
				goto out;
			}
			for (k = 0; k < json_array_size(coords); k++)
				if (add_polygon_json(pl, zone,
					json_array_get(coords, k), e,
					sizeof(e)) == -1) {
					seterr(err, errlen,
					    "%s: feature %zu (%s) polygon "
					    "%zu: %s",
					    file, i, name, k, e);
					goto out;
				}
		}
		used++;
	}
	if (used == 0) {
		seterr(err, errlen, "%s: no Polygon or MultiPolygon feature%s",
		    file, f->filter_prop ? " passes the filter" : "");
		goto out;
	}
	ret = 0;
out:
	return ret;
}

/*
 * The line parts of a LineString / MultiLineString geometry, appended to
 * *parts / *counts (growing arrays of *n).
 */
static int
line_parts(const char *type, json_t *coords, struct geodesy_point ***parts,
    size_t **counts, size_t *n, char *err, size_t errlen)
{
	size_t k, m, i;
	struct geodesy_point **np, *pts;
	size_t *nc, cnt;
	json_t *one;
	char what[48];

	m = strcmp(type, "LineString") == 0 ? 1 : json_array_size(coords);
	if (strcmp(type, "MultiLineString") == 0 && !json_is_array(coords)) {
		seterr(err, errlen, "MultiLineString without coordinates");
		return -1;
	}
	for (k = 0; k < m; k++) {
		one = strcmp(type, "LineString") == 0
		    ? coords
		    : json_array_get(coords, k);
		snprintf(what, sizeof(what), "line %zu", k);
		if (positions(one, LINES_MAX_PART_VERTICES, &pts, &cnt, what,
			err, errlen) == -1)
			return -1;
		if (*n >= POLYGON_MAX_PIECES) {
			free(pts);
			seterr(err, errlen, "more than %d line parts",
			    POLYGON_MAX_PIECES);
			return -1;
		}
		i = *n + 1;
		if ((np = realloc(*parts, i * sizeof(*np))) == NULL) {
			free(pts);
			seterr(err, errlen, "out of memory");
			return -1;
		}
		*parts = np;
		if ((nc = realloc(*counts, i * sizeof(*nc))) == NULL) {
			free(pts);
			seterr(err, errlen, "out of memory");
			return -1;
		}
		*counts = nc;
		(*parts)[*n] = pts;
		(*counts)[*n] = cnt;
		(*n)++;
	}
	return 0;
}

static int
load_lines(struct layers *l, const char *file, json_t *root,
    const struct layers_file *f, char *err, size_t errlen)
{
	json_t *fs, *feat, *geom, *props;
	struct lines_layer *ll = NULL;
	struct polygon_layer *pl = NULL;
	const char *type, *name, *left, *right;
	char buf[128], fallback[2 * LINES_MAX_NAME + 8], e[256];
	struct geodesy_point **parts = NULL;
	size_t *counts = NULL, nparts = 0, first, i, k, feature, zone, used = 0;
	int ret = -1, chain = f->kind == LAYERS_ZONE_FROM_LINES;

	if ((fs = features_of(root, file, err, errlen)) == NULL)
		goto out;
	if (f->layer == NULL) {
		seterr(err, errlen, "%s: no layer name", file);
		goto out;
	}
	if (chain ? (pl = zone_layer(l, f->layer, e, sizeof(e))) == NULL
		  : (ll = line_layer(l, f->layer, e, sizeof(e))) == NULL) {
		seterr(err, errlen, "%s: %s", file, e);
		goto out;
	}
	json_array_foreach(fs, i, feat)
	{
		type = geometry_type(feat, &geom);
		props = json_object_get(feat, "properties");
		if (type == NULL ||
		    (strcmp(type, "LineString") != 0 &&
			strcmp(type, "MultiLineString") != 0))
			continue;
		if (!passes_filter(props, f))
			continue;
		first = nparts;
		if (line_parts(type, json_object_get(geom, "coordinates"),
			&parts, &counts, &nparts, e, sizeof(e)) == -1) {
			seterr(err, errlen, "%s: feature %zu: %s", file, i, e);
			goto out;
		}
		used++;
		if (chain)
			continue;
		/* Natural Earth names the sides brk_name_* or adm0_*. */
		left = prop_string(props, "brk_name_l");
		right = prop_string(props, "brk_name_r");
		if (left == NULL)
			left = prop_string(props, "adm0_left");
		if (right == NULL)
			right = prop_string(props, "adm0_right");
		name = feature_name(props, f->name_props, buf, sizeof(buf));
		if (name == NULL && left != NULL && right != NULL &&
		    strcmp(left, right) != 0) {
			snprintf(fallback, sizeof(fallback), "%s / %s", left,
			    right);
			name = fallback;
		} else if (name == NULL) {
			snprintf(fallback, sizeof(fallback), "%s %zu", f->layer,
			    i);
			name = fallback;
		}
		if (lines_layer_add_feature(ll, name, left, right, &feature, e,
			sizeof(e)) == -1) {
			seterr(err, errlen, "%s: feature %zu: %s", file, i, e);
			goto out;
		}
		for (k = first; k < nparts; k++)
			if (lines_layer_add_part(ll, feature, parts[k],
				counts[k], e, sizeof(e)) == -1) {
				seterr(err, errlen,
				    "%s: feature %zu (%s) line %zu: %s", file,
				    i, name, k - first, e);
				goto out;
			}
	}
	if (used == 0) {
		seterr(err, errlen,
		    "%s: no LineString or MultiLineString "
		    "feature%s",
		    file, f->filter_prop ? " passes the filter" : "");
		goto out;
	}
	if (chain) {
		if (f->zone_name == NULL ||
		    polygon_layer_add_zone(pl, f->zone_name, &zone, e,
			sizeof(e)) == -1 ||
		    polygon_layer_add_chain(pl, zone,
			(const struct geodesy_point *const *)parts, counts,
			nparts, LAYERS_CHAIN_SNAP_M, e, sizeof(e)) == -1) {
			seterr(err, errlen, "%s: zone %s: %s", file,
			    f->zone_name ? f->zone_name : "(no name)",
			    f->zone_name ? e : "a zone name is needed");
			goto out;
		}
	}
	ret = 0;
out:
	for (k = 0; k < nparts; k++)
		free(parts[k]);
	free(parts);
	free(counts);
	return ret;
}

/* ---- entry points ------------------------------------------------------ */

int
layers_load_file(struct layers *l, const char *datadir,
    const struct layers_file *f, char *err, size_t errlen)
{
	char path[LAYERS_MAX_PATH];
	char *buf = NULL;
	size_t len = 0;
	json_t *root = NULL;
	json_error_t je;
	int ret = -1;

	if (full_path(datadir, f->path, path, sizeof(path), err, errlen) == -1)
		goto out;
	if (read_file(path, &buf, &len, err, errlen) == -1)
		goto out;
	switch (f->kind) {
	case LAYERS_CITIES500:
		ret = load_cities500(l, path, buf, len, err, errlen);
		break;
	case LAYERS_POSTAL:
		ret = load_postal(l, path, buf, len, err, errlen);
		break;
	case LAYERS_ADMIN1_LABELS:
		ret = load_admin1(l, path, buf, len, err, errlen);
		break;
	case LAYERS_ZONES:
	case LAYERS_ZONE_FROM_LINES:
	case LAYERS_LINES:
		root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
		if (root == NULL) {
			seterr(err, errlen, "%s:%d:%d: %s", path, je.line,
			    je.column, je.text);
			goto out;
		}
		if (f->kind == LAYERS_ZONES)
			ret = load_zones(l, path, root, f, err, errlen);
		else
			ret = load_lines(l, path, root, f, err, errlen);
		break;
	default:
		seterr(err, errlen, "%s: unknown kind of layer file", path);
		break;
	}
out:
	json_decref(root);
	free(buf);
	return ret;
}

static const struct layers_file karabakh_files[] = {
	{ LAYERS_CITIES500, "geo/geonames_cities500_AZ_AM.csv", NULL, NULL,
	    NULL, NULL, NULL },
	{ LAYERS_POSTAL, "geo/geonames_postal_AZ.txt", NULL, NULL, NULL, NULL,
	    NULL },
	{ LAYERS_ADMIN1_LABELS, "geo/ne10m_admin1_label_points_az_am.csv", NULL,
	    NULL, NULL, NULL, NULL },
	{ LAYERS_ZONES, "geo/ne50m_admin0_countries_south_caucasus.geojson",
	    "countries", "ADMIN,NAME", NULL, NULL, NULL },
	{ LAYERS_ZONES, "geo/ne10m_nagorno_karabakh_breakaway_area.geojson",
	    "area_1994_2020", "BRK_NAME,NAME", NULL, NULL, NULL },
	{ LAYERS_ZONE_FROM_LINES,
	    "geo/ne10m_karabakh_ceasefire1994_and_nkao1991_lines.geojson",
	    "nkao_1991", NULL, "name", "Former USSR oblast in 1991",
	    "Nagorno-Karabakh Autonomous Oblast (1991)" },
	{ LAYERS_LINES,
	    "geo/ne10m_karabakh_ceasefire1994_and_nkao1991_lines.geojson",
	    "ceasefire_line_1994", "name", "name", "Ceasefire Line 1994",
	    NULL },
	{ LAYERS_LINES,
	    "geo/ne10m_karabakh_ceasefire1994_and_nkao1991_lines.geojson",
	    "nkao_1991_boundary", "name", "name", "Former USSR oblast in 1991",
	    NULL },
	{ LAYERS_LINES, "geo/ne10m_international_boundary_lines_az_am.geojson",
	    "international_boundaries", "name", NULL, NULL, NULL },
};

static const struct layers_file donbas_files[] = {
	{ LAYERS_CITIES500, "geo/geonames_cities500_UA_donetsk_luhansk.csv",
	    NULL, NULL, NULL, NULL, NULL },
	{ LAYERS_ZONES,
	    "geo/ne10m_donbass_crimea_breakaway_areas_and_line.geojson",
	    "areas_2014_2022", "BRK_NAME,NAME", NULL, NULL, NULL },
	{ LAYERS_LINES,
	    "geo/ne10m_donbass_crimea_breakaway_areas_and_line.geojson",
	    "donbas_line", "name", "featurecla", "Breakaway", NULL },
};

int
layers_region_files(const char *region, const struct layers_file **files,
    size_t *n)
{
	if (region != NULL && strcmp(region, "karabakh") == 0) {
		*files = karabakh_files;
		*n = sizeof(karabakh_files) / sizeof(karabakh_files[0]);
		return 0;
	}
	if (region != NULL && strcmp(region, "donbas") == 0) {
		*files = donbas_files;
		*n = sizeof(donbas_files) / sizeof(donbas_files[0]);
		return 0;
	}
	return -1;
}

struct layers *
layers_load_region(const char *datadir, const char *region, char *err,
    size_t errlen)
{
	const struct layers_file *files;
	struct layers *l = NULL;
	size_t n, i;

	if (layers_region_files(region, &files, &n) == -1) {
		seterr(err, errlen,
		    "unknown region '%.32s' (karabakh or "
		    "donbas)",
		    region ? region : "");
		goto fail;
	}
	if ((l = layers_new()) == NULL) {
		seterr(err, errlen, "out of memory");
		goto fail;
	}
	for (i = 0; i < n; i++) {
		if (layers_load_file(l, datadir, &files[i], err, errlen) == -1)
			goto fail;
		/*
		 * The built-in aliases after each gazetteer file, so that the
		 * next file's spellings merge into places through them too
		 * (the postal dump's Füzuli into cities500's Fizuli).
		 */
		if (files[i].kind <= LAYERS_ADMIN1_LABELS &&
		    gazetteer_add_known_aliases(l->gaz, NULL) == -1) {
			seterr(err, errlen, "out of memory");
			goto fail;
		}
	}
	return l;
fail:
	layers_free(l);
	return NULL;
}

int
layers_load_aliases(struct layers *l, const char *path, char *err,
    size_t errlen)
{
	char *buf = NULL, *s, *f[MAX_FIELDS], e[256];
	size_t len = 0, pos = 0, line = 0, rows = 0;
	int nf, toolong, ret = -1;

	if (read_file(path, &buf, &len, err, errlen) == -1)
		goto out;
	while ((s = next_line(buf, len, &pos, &toolong)) != NULL) {
		line++;
		if (toolong) {
			seterr(err, errlen, "%s:%zu: line longer than %d bytes",
			    path, line, LAYERS_MAX_LINE);
			goto out;
		}
		if (*s == '\0' || *s == '#')
			continue;
		if (++rows > GAZETTEER_MAX_ALIASES) {
			seterr(err, errlen, "%s:%zu: more than %d aliases",
			    path, line, GAZETTEER_MAX_ALIASES);
			goto out;
		}
		nf = split_tsv(s, f);
		if (nf < 2 || nf > 4) {
			seterr(err, errlen,
			    "%s:%zu: expected 2 to 4 tab-separated fields: "
			    "alias, place[, country[, admin-1 code]]",
			    path, line);
			goto out;
		}
		if (gazetteer_add_alias(l->gaz, f[0], f[1],
			nf > 2 && *f[2] ? f[2] : NULL,
			nf > 3 && *f[3] ? f[3] : NULL, e, sizeof(e)) == -1) {
			seterr(err, errlen, "%s:%zu: %s", path, line, e);
			goto out;
		}
	}
	ret = 0;
out:
	free(buf);
	return ret;
}

int
layers_datadir(char *buf, size_t len)
{
	return file_source_dir("TRUCE_DATA", "data", "geo", buf, len);
}
