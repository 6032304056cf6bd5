/*
 * obsform: CSV and GeoJSON forms of an observation <-> the input form.
 * See obsform.h.
 *
 * Each CSV column is the JSON pointer of one leaf of the input form; rows
 * are converted by setting those leaves, and exported by reading them, so
 * the two directions cannot drift apart. Ranges and vocabularies are the
 * validator's business: here a number only has to be a number.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/num.h"
#include "format/csv.h"
#include "format/obsform.h"

enum kind {
	K_IGNORE,   /* server-assigned: accepted, not sent */
	K_STRING,   /* copied as a string */
	K_NUMBER,   /* integer when it is one, else a decimal number */
	K_EVIDENCE, /* "SHA256:MEDIA_TYPE ..." <-> [{sha256, media_type}] */
	K_JSON,	    /* an array as compact JSON text (sensors, bearings) */
};

struct column {
	const char *name;
	const char *path; /* JSON pointer into the input form */
	enum kind kind;
};

static const struct column columns[] = {
	{ "id", NULL, K_IGNORE },
	{ "index", NULL, K_IGNORE },
	{ "observed_at", "/observed_at", K_STRING },
	{ "observed_from", "/observed_at/from", K_STRING },
	{ "observed_to", "/observed_at/to", K_STRING },
	{ "source_type", "/source/type", K_STRING },
	{ "source_member", "/source/member", K_STRING },
	{ "source_organisation", "/source/organisation", K_STRING },
	{ "source_unit", "/source/unit", K_STRING },
	{ "category", "/category", K_STRING },
	{ "weapon", "/weapon", K_STRING },
	{ "count", "/count/value", K_NUMBER },
	{ "count_qualifier", "/count/qualifier", K_STRING },
	{ "lat", "/location/lat", K_NUMBER },
	{ "lon", "/location/lon", K_NUMBER },
	{ "precision_m", "/location/precision_m", K_NUMBER },
	{ "place", "/location/place", K_STRING },
	{ "bearing_deg", "/location/bearing_deg", K_NUMBER },
	{ "distance_m", "/location/distance_m", K_NUMBER },
	{ "distance_error_m", "/location/distance_error_m", K_NUMBER },
	{ "ce90_m", "/location/ce90_m", K_NUMBER },
	{ "sensors", "/location/sensors", K_JSON },
	{ "speed_mps", "/location/speed_mps", K_NUMBER },
	{ "sigma_t_ns", "/location/sigma_t_ns", K_NUMBER },
	{ "sigma_t_s", "/location/sigma_t_s", K_NUMBER },
	{ "source_alt_m", "/location/source_alt_m", K_NUMBER },
	{ "bearings", "/location/bearings", K_JSON },
	{ "narrative", "/narrative", K_STRING },
	{ "alleged_by", "/alleged_by", K_STRING },
	{ "alleged_against", "/alleged_against", K_STRING },
	{ "casualties_civilian_low", "/casualties/civilian/low", K_NUMBER },
	{ "casualties_civilian_best", "/casualties/civilian/best", K_NUMBER },
	{ "casualties_civilian_high", "/casualties/civilian/high", K_NUMBER },
	{ "casualties_military_low", "/casualties/military/low", K_NUMBER },
	{ "casualties_military_best", "/casualties/military/best", K_NUMBER },
	{ "casualties_military_high", "/casualties/military/high", K_NUMBER },
	{ "evidence", "/evidence", K_EVIDENCE },
};
#define NCOLUMNS (sizeof(columns) / sizeof(columns[0]))

struct obsform_csv {
	size_t n;
	size_t col[]; /* file column i -> index into columns[] */
};

size_t
obsform_csv_ncolumns(void)
{
	return NCOLUMNS;
}

const char *
obsform_csv_column(size_t i)
{
	return i < NCOLUMNS ? columns[i].name : NULL;
}

static void __attribute__((format(printf, 5, 6)))
add_error(struct obsform_error *errs, size_t maxerr, size_t *nerr,
    const char *pointer, const char *fmt, ...)
{
	va_list ap;
	struct obsform_error *e;

	if (*nerr < maxerr) {
		e = &errs[*nerr];
		snprintf(e->pointer, sizeof(e->pointer), "%s", pointer);
		va_start(ap, fmt);
		vsnprintf(e->message, sizeof(e->message), fmt, ap);
		va_end(ap);
	}
	(*nerr)++;
}

struct obsform_csv *
obsform_csv_new(const char *const *names, size_t n, char *err, size_t errlen)
{
	struct obsform_csv *h;
	size_t i, j, k;

	if ((h = calloc(1, sizeof(*h) + n * sizeof(h->col[0]))) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	h->n = n;
	for (i = 0; i < n; i++) {
		for (j = 0; j < NCOLUMNS; j++)
			if (strcmp(names[i], columns[j].name) == 0)
				break;
		if (j == NCOLUMNS) {
			snprintf(err, errlen,
			    "unknown column '%.64s' (column %zu of the header; "
			    "see `truce import --help` for the columns)",
			    names[i], i + 1);
			goto fail;
		}
		for (k = 0; k < i; k++)
			if (h->col[k] == j) {
				snprintf(err, errlen,
				    "column '%.64s' appears twice in the "
				    "header (columns %zu and %zu)",
				    names[i], k + 1, i + 1);
				goto fail;
			}
		h->col[i] = j;
	}
	return h;
fail:
	free(h);
	return NULL;
}

void
obsform_csv_free(struct obsform_csv *h)
{
	free(h);
}

/*
 * Sets the leaf at path (a pointer of plain names) in obj to v, creating
 * objects on the way; takes v. Returns -1 when something that is not an
 * object is already in the way.
 */
static int
set_path(json_t *obj, const char *path, json_t *v)
{
	char key[64];
	const char *p = path + 1, *slash;
	json_t *next;
	size_t n;

	for (;;) {
		slash = strchr(p, '/');
		n = slash ? (size_t)(slash - p) : strlen(p);
		if (n >= sizeof(key))
			goto fail;
		memcpy(key, p, n);
		key[n] = '\0';
		if (slash == NULL)
			break;
		next = json_object_get(obj, key);
		if (next == NULL) {
			next = json_object();
			if (json_object_set_new(obj, key, next) == -1)
				goto fail;
		} else if (!json_is_object(next))
			goto fail;
		obj = next;
		p = slash + 1;
	}
	if (json_object_get(obj, key) != NULL)
		goto fail;
	return json_object_set_new(obj, key, v);
fail:
	json_decref(v);
	return -1;
}

/* The value at path in obj, or NULL. */
static json_t *
get_path(const json_t *obj, const char *path)
{
	char key[64];
	const char *p = path + 1, *slash;
	size_t n;

	for (;;) {
		if (!json_is_object(obj))
			return NULL;
		slash = strchr(p, '/');
		n = slash ? (size_t)(slash - p) : strlen(p);
		if (n >= sizeof(key))
			return NULL;
		memcpy(key, p, n);
		key[n] = '\0';
		obj = json_object_get(obj, key);
		if (slash == NULL || obj == NULL)
			return (json_t *)obj;
		p = slash + 1;
	}
}

/* An integer when s is one, else a decimal number, else NULL. */
static json_t *
number_value(const char *s, char *err, size_t errlen)
{
	int64_t i;
	double d;

	if (num_parse_i64(s, INT64_MIN, INT64_MAX, &i, NULL, 0) == 0)
		return json_integer(i);
	if (num_parse_double(s, -1e300, 1e300, &d, err, errlen) == 0)
		return json_real(d);
	return NULL;
}

/* "SHA256:MEDIA_TYPE SHA256:MEDIA_TYPE ..." -> [{sha256, media_type}]. */
static json_t *
evidence_value(const char *s, struct obsform_error *errs, size_t maxerr,
    size_t *nerr)
{
	json_t *arr = json_array(), *item;
	const char *p = s, *end, *colon;
	char ptr[64];
	size_t k = 0, before = *nerr;

	while (arr != NULL && *p != '\0') {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		end = p + strcspn(p, " \t");
		colon = memchr(p, ':', (size_t)(end - p));
		snprintf(ptr, sizeof(ptr), "/evidence/%zu", k);
		if (k == OBSFORM_MAX_EVIDENCE) {
			add_error(errs, maxerr, nerr, "/evidence",
			    "more than %d evidence items",
			    OBSFORM_MAX_EVIDENCE);
			break;
		}
		if (colon == NULL || colon == p || colon + 1 == end) {
			add_error(errs, maxerr, nerr, ptr,
			    "'%.*s' is not SHA256:MEDIA_TYPE",
			    (int)((end - p) > 80 ? 80 : (end - p)), p);
		} else {
			item = json_pack("{s:s%,s:s%}", "sha256", p,
			    (size_t)(colon - p), "media_type", colon + 1,
			    (size_t)(end - colon - 1));
			if (item == NULL || json_array_append_new(arr, item)) {
				json_decref(arr);
				arr = NULL;
			}
		}
		k++;
		p = end;
	}
	if (*nerr != before) {
		json_decref(arr);
		arr = NULL;
	} else if (arr == NULL)
		add_error(errs, maxerr, nerr, "/evidence", "out of memory");
	return arr;
}

json_t *
obsform_csv_row(const struct obsform_csv *h, const char *const *fields,
    size_t n, struct obsform_error *errs, size_t maxerr, size_t *nerr)
{
	const struct column *c;
	json_t *obs = NULL, *v;
	char msg[160];
	size_t i;

	*nerr = 0;
	if (n != h->n) {
		add_error(errs, maxerr, nerr, "",
		    "row has %zu fields, the header %zu", n, h->n);
		goto fail;
	}
	if ((obs = json_object()) == NULL) {
		add_error(errs, maxerr, nerr, "", "out of memory");
		goto fail;
	}
	for (i = 0; i < n; i++) {
		c = &columns[h->col[i]];
		if (c->kind == K_IGNORE || fields[i][0] == '\0')
			continue;
		switch (c->kind) {
		case K_NUMBER:
			v = number_value(fields[i], msg, sizeof(msg));
			if (v == NULL) {
				add_error(errs, maxerr, nerr, c->path,
				    "column %s: %s", c->name, msg);
				continue;
			}
			break;
		case K_EVIDENCE:
			v = evidence_value(fields[i], errs, maxerr, nerr);
			if (v == NULL)
				continue;
			break;
		case K_JSON:
			v = json_loads(fields[i], JSON_REJECT_DUPLICATES, NULL);
			if (!json_is_array(v)) {
				json_decref(v);
				add_error(errs, maxerr, nerr, c->path,
				    "column %s: not a JSON array", c->name);
				continue;
			}
			break;
		default:
			v = json_string(fields[i]);
			if (v == NULL) {
				add_error(errs, maxerr, nerr, c->path,
				    "column %s: not valid UTF-8", c->name);
				continue;
			}
			break;
		}
		if (set_path(obs, c->path, v) == -1)
			add_error(errs, maxerr, nerr, "/observed_at",
			    "give either observed_at or "
			    "observed_from/observed_to, not both");
	}
	if (*nerr > 0)
		goto fail;
	return obs;
fail:
	json_decref(obs);
	return NULL;
}

char *
obsform_csv_header(void)
{
	const char *names[NCOLUMNS];
	size_t i;

	for (i = 0; i < NCOLUMNS; i++)
		names[i] = columns[i].name;
	return csv_format(names, NCOLUMNS);
}

/* Writes a JSON number as CSV text: integers exactly, reals shortest. */
static void
format_number(const json_t *v, char *buf, size_t len)
{
	if (json_is_integer(v))
		snprintf(buf, len, "%" PRId64, (int64_t)json_integer_value(v));
	else
		snprintf(buf, len, "%.15g", json_real_value(v));
}

/* Is path one of the columns, or a part of the evidence column? */
static int
covered(const char *path)
{
	size_t i;

	if (strncmp(path, "/evidence/", 10) == 0 ||
	    strcmp(path, "/evidence") == 0 || strcmp(path, "/id") == 0 ||
	    strcmp(path, "/index") == 0)
		return 1;
	for (i = 0; i < NCOLUMNS; i++)
		if (columns[i].path != NULL &&
		    strcmp(columns[i].path, path) == 0)
			return 1;
	return 0;
}

/* Finds the first leaf of obj (at pointer base) that no column carries. */
static int
find_dropped(const json_t *obj, const char *base, char *out, size_t outlen)
{
	const char *key;
	json_t *v;
	char path[256];

	json_object_foreach((json_t *)obj, key, v)
	{
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", base, key) >=
		    sizeof(path)) {
			snprintf(out, outlen, "%s", base);
			return 1;
		}
		if (json_is_object(v)) {
			/* An interval's or a location's leaves have columns. */
			if (find_dropped(v, path, out, outlen))
				return 1;
			continue;
		}
		if (!covered(path)) {
			snprintf(out, outlen, "%s", path);
			return 1;
		}
	}
	return 0;
}

/* The evidence cell: "SHA256:MEDIA_TYPE ..." (NULL if it cannot be). */
static char *
evidence_text(const json_t *arr)
{
	size_t i, len = 1, o = 0, n;
	const char *h, *m;
	json_t *item;
	char *out;

	json_array_foreach(arr, i, item)
	{
		h = json_string_value(json_object_get(item, "sha256"));
		m = json_string_value(json_object_get(item, "media_type"));
		if (h == NULL || m == NULL || json_object_size(item) != 2)
			return NULL;
		len += strlen(h) + strlen(m) + 2;
	}
	if ((out = malloc(len)) == NULL)
		return NULL;
	json_array_foreach(arr, i, item)
	{
		h = json_string_value(json_object_get(item, "sha256"));
		m = json_string_value(json_object_get(item, "media_type"));
		n = (size_t)snprintf(out + o, len - o, "%s%s:%s",
		    i > 0 ? " " : "", h, m);
		o += n;
	}
	out[o] = '\0';
	return out;
}

char *
obsform_csv_line(const json_t *obs, char *dropped, size_t droppedlen)
{
	const char *fields[NCOLUMNS];
	char nums[NCOLUMNS][40];
	char *ev = NULL, *line = NULL, *js[NCOLUMNS];
	const json_t *props = obs, *v;
	size_t i;

	dropped[0] = '\0';
	if (json_is_object(json_object_get(obs, "properties")))
		props = json_object_get(obs, "properties");
	for (i = 0; i < NCOLUMNS; i++) {
		fields[i] = "";
		js[i] = NULL;
		if (strcmp(columns[i].name, "id") == 0) {
			v = json_object_get(obs, "id");
			if (v == NULL)
				v = json_object_get(props, "id");
		} else if (strcmp(columns[i].name, "index") == 0)
			v = json_object_get(props, "index");
		else
			v = get_path(props, columns[i].path);
		if (v == NULL || json_is_null(v))
			continue;
		if (json_is_string(v))
			fields[i] = json_string_value(v);
		else if (json_is_number(v)) {
			format_number(v, nums[i], sizeof(nums[i]));
			fields[i] = nums[i];
		} else if (json_is_object(v))
			continue; /* observed_at as an interval: its leaves */
		else if (columns[i].kind == K_EVIDENCE && json_is_array(v) &&
		    ev == NULL && (ev = evidence_text(v)) != NULL)
			fields[i] = ev;
		else if (columns[i].kind == K_JSON && json_is_array(v) &&
		    (js[i] = json_dumps(v,
			 JSON_COMPACT | JSON_REAL_PRECISION(17))) != NULL)
			fields[i] = js[i];
		else if (dropped[0] == '\0')
			snprintf(dropped, droppedlen, "%s", columns[i].path);
	}
	if (dropped[0] == '\0')
		find_dropped(props, "", dropped, droppedlen);
	line = csv_format(fields, NCOLUMNS);
	free(ev);
	for (i = 0; i < NCOLUMNS; i++)
		free(js[i]);
	return line;
}

/* Keys of the properties that the server adds and the input form lacks. */
static const char *const server_keys[] = { "id", "index" };

json_t *
obsform_from_feature(const json_t *feature, unsigned *how,
    struct obsform_error *errs, size_t maxerr, size_t *nerr)
{
	json_t *obs = NULL, *geom, *props, *coords, *loc, *prec, *t;
	const char *type;
	unsigned flags = 0;
	size_t i;

	*nerr = 0;
	if (!json_is_object(feature)) {
		add_error(errs, maxerr, nerr, "",
		    "a Feature must be an object");
		goto fail;
	}
	type = json_string_value(json_object_get(feature, "type"));
	if (type == NULL || strcmp(type, "Feature") != 0) {
		add_error(errs, maxerr, nerr, "/type", "expected \"Feature\"");
		goto fail;
	}
	props = json_object_get(feature, "properties");
	if (props != NULL && !json_is_null(props) && !json_is_object(props)) {
		add_error(errs, maxerr, nerr, "/properties",
		    "must be an object or null");
		goto fail;
	}
	obs = json_is_object(props) ? json_deep_copy(props) : json_object();
	if (obs == NULL) {
		add_error(errs, maxerr, nerr, "", "out of memory");
		goto fail;
	}
	for (i = 0; i < sizeof(server_keys) / sizeof(server_keys[0]); i++)
		json_object_del(obs, server_keys[i]);
	geom = json_object_get(feature, "geometry");
	if (geom == NULL || json_is_null(geom))
		goto done;
	type = json_string_value(json_object_get(geom, "type"));
	if (type == NULL || strcmp(type, "Point") != 0) {
		add_error(errs, maxerr, nerr, "/geometry/type",
		    "only Point geometries (or null) are accepted");
		goto fail;
	}
	coords = json_object_get(geom, "coordinates");
	if (!json_is_array(coords) || json_array_size(coords) < 2 ||
	    json_array_size(coords) > 3 ||
	    !json_is_number(json_array_get(coords, 0)) ||
	    !json_is_number(json_array_get(coords, 1))) {
		add_error(errs, maxerr, nerr, "/geometry/coordinates",
		    "must be [lon, lat] or [lon, lat, height], numbers");
		goto fail;
	}
	loc = json_object_get(obs, "location");
	if (loc == NULL) {
		loc = json_object();
		if (json_object_set_new(obs, "location", loc) == -1) {
			add_error(errs, maxerr, nerr, "", "out of memory");
			goto fail;
		}
		flags |= OBSFORM_NEW_LOCATION;
	} else if (!json_is_object(loc)) {
		add_error(errs, maxerr, nerr, "/properties/location",
		    "must be an object when the geometry is a Point");
		goto fail;
	}
	flags |= OBSFORM_POINT;
	if (json_object_set(loc, "lat", json_array_get(coords, 1)) == -1 ||
	    json_object_set(loc, "lon", json_array_get(coords, 0)) == -1) {
		add_error(errs, maxerr, nerr, "", "out of memory");
		goto fail;
	}
	if ((prec = json_object_get(obs, "precision_m")) != NULL &&
	    json_object_get(loc, "precision_m") == NULL) {
		t = json_incref(prec);
		json_object_del(obs, "precision_m");
		if (json_object_set_new(loc, "precision_m", t) == -1) {
			add_error(errs, maxerr, nerr, "", "out of memory");
			goto fail;
		}
		flags |= OBSFORM_TOP_PRECISION;
	}
done:
	*how = flags;
	return obs;
fail:
	json_decref(obs);
	return NULL;
}

void
obsform_feature_pointer(unsigned how, const char *prefix, const char *pointer,
    char *out, size_t outlen)
{
	const char *p = pointer;

	if ((how & OBSFORM_POINT) && strcmp(p, "/location/lat") == 0)
		snprintf(out, outlen, "%s/geometry/coordinates/1", prefix);
	else if ((how & OBSFORM_POINT) && strcmp(p, "/location/lon") == 0)
		snprintf(out, outlen, "%s/geometry/coordinates/0", prefix);
	else if ((how & OBSFORM_TOP_PRECISION) &&
	    strcmp(p, "/location/precision_m") == 0)
		snprintf(out, outlen, "%s/properties/precision_m", prefix);
	else if ((how & OBSFORM_NEW_LOCATION) && strcmp(p, "/location") == 0)
		snprintf(out, outlen, "%s/geometry", prefix);
	else if (*p == '\0')
		snprintf(out, outlen, "%s", *prefix ? prefix : "");
	else
		snprintf(out, outlen, "%s/properties%s", prefix, p);
}

static void
skip_ws(const char *t, size_t len, size_t *i, size_t *line)
{
	while (*i < len && strchr(" \t\r\n", t[*i]) != NULL && t[*i] != 0) {
		if (t[*i] == '\n')
			(*line)++;
		(*i)++;
	}
}

/* Skips one JSON value starting at t[*i] (t is known to be valid JSON). */
static void
skip_value(const char *t, size_t len, size_t *i, size_t *line)
{
	int depth = 0, instr = 0;

	while (*i < len) {
		char ch = t[*i];

		(*i)++;
		if (ch == '\n')
			(*line)++;
		if (instr) {
			if (ch == '\\')
				(*i)++;
			else if (ch == '"') {
				instr = 0;
				if (depth == 0)
					return;
			}
			continue;
		}
		if (ch == '"')
			instr = 1;
		else if (ch == '{' || ch == '[')
			depth++;
		else if (ch == '}' || ch == ']') {
			depth--;
			if (depth <= 0)
				return;
		} else if (depth == 0 &&
		    (*i >= len || strchr(",]} \t\r\n", t[*i]) != NULL))
			return; /* end of a number, true, false or null */
	}
}

int
obsform_feature_lines(const char *text, size_t len, size_t **lines, size_t *n)
{
	size_t i = 0, line = 1, keystart, keylen, cnt = 0, cap = 0;
	size_t *arr = NULL, *p;
	int found = 0;

	skip_ws(text, len, &i, &line);
	if (i >= len || text[i] != '{')
		goto fail;
	i++;
	for (;;) {
		skip_ws(text, len, &i, &line);
		if (i >= len || text[i] != '"')
			break;
		keystart = i + 1;
		skip_value(text, len, &i, &line);
		keylen = i - keystart - 1;
		skip_ws(text, len, &i, &line);
		if (i >= len || text[i] != ':')
			goto fail;
		i++;
		skip_ws(text, len, &i, &line);
		if (keylen == 8 &&
		    memcmp(text + keystart, "features", 8) == 0 && i < len &&
		    text[i] == '[') {
			found = 1;
			i++;
			for (;;) {
				skip_ws(text, len, &i, &line);
				if (i >= len || text[i] == ']')
					break;
				if (cnt == cap) {
					cap = cap ? cap * 2 : 64;
					p = realloc(arr, cap * sizeof(*arr));
					if (p == NULL)
						goto fail;
					arr = p;
				}
				arr[cnt++] = line;
				skip_value(text, len, &i, &line);
				skip_ws(text, len, &i, &line);
				if (i < len && text[i] == ',')
					i++;
			}
			if (i < len)
				i++;
		} else
			skip_value(text, len, &i, &line);
		skip_ws(text, len, &i, &line);
		if (i < len && text[i] == ',')
			i++;
		else
			break;
	}
	if (!found)
		goto fail;
	*lines = arr;
	*n = cnt;
	return 0;
fail:
	free(arr);
	return -1;
}
