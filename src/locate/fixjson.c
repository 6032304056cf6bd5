/*
 * fixjson: strict parsing of localization fixes from JSON (jansson) and
 * their answers as JSON lines, in the format of issue 4. Field errors are
 * JSON pointers (RFC 6901), as in record/observation.c.
 */
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "locate/bearings.h"
#include "locate/fixjson.h"
#include "locate/tdoa.h"

struct ctx {
	char err[256];
};

static int fail(struct ctx *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Records the first error; returns -1 for `return fail(...)`. */
static int
fail(struct ctx *c, const char *fmt, ...)
{
	va_list ap;

	if (c->err[0] != '\0')
		return -1;
	va_start(ap, fmt);
	vsnprintf(c->err, sizeof(c->err), fmt, ap);
	va_end(ap);
	return -1;
}

/* Fails on a key of obj that is not in allowed (NULL-terminated). */
static int
only_keys(struct ctx *c, json_t *obj, const char *where,
    const char *const *allowed)
{
	const char *key;
	json_t *v;
	size_t i;

	json_object_foreach(obj, key, v)
	{
		for (i = 0; allowed[i] != NULL; i++)
			if (strcmp(key, allowed[i]) == 0)
				break;
		if (allowed[i] == NULL)
			return fail(c, "%s/%.64s: unknown field", where, key);
	}
	return 0;
}

/*
 * Reads the number obj[key] into *out if in [min, max]. Missing: error when
 * required, else *present = 0 (present may be NULL when required).
 */
static int
number(struct ctx *c, json_t *obj, const char *key, const char *where,
    int required, double min, double max, double *out, int *present)
{
	json_t *v = json_object_get(obj, key);
	double d;

	if (present != NULL)
		*present = 0;
	if (v == NULL) {
		if (required)
			return fail(c, "%s/%s: missing", where, key);
		return 0;
	}
	if (!json_is_number(v))
		return fail(c, "%s/%s: must be a number", where, key);
	d = json_number_value(v);
	if (!(d >= min && d <= max))
		return fail(c, "%s/%s: %g is out of range [%g, %g]", where, key,
		    d, min, max);
	*out = d;
	if (present != NULL)
		*present = 1;
	return 0;
}

static int
parse_tdoa(struct ctx *c, json_t *in, struct tdoa_fix *fix,
    struct tdoa_sensor *s)
{
	static const char *const top[] = { "id", "speed_mps", "sigma_t_s",
		"alt_m", "sensors", NULL };
	static const char *const skeys[] = { "lat", "lon", "alt_m", "t_s",
		"t_ns", NULL };
	json_t *arr = json_object_get(in, "sensors"), *e, *t;
	char where[48];
	size_t i, n;
	int ns_form = -1, has_ns;

	if (only_keys(c, in, "", top) == -1)
		return -1;
	if (!json_is_array(arr))
		return fail(c, "/sensors: must be an array");
	n = json_array_size(arr);
	if (n == 0)
		return fail(c, "/sensors: empty");
	if (n > TDOA_MAX_SENSORS)
		return fail(c, "/sensors: %zu sensors, at most %d per fix", n,
		    TDOA_MAX_SENSORS);
	memset(fix, 0, sizeof(*fix));
	if (number(c, in, "speed_mps", "", 1, TDOA_MIN_SPEED, TDOA_MAX_SPEED,
		&fix->speed_mps, NULL) == -1 ||
	    number(c, in, "sigma_t_s", "", 1, 1e-15, TDOA_MAX_SIGMA_T,
		&fix->sigma_t_s, NULL) == -1 ||
	    number(c, in, "alt_m", "", 0, TDOA_MIN_ALT, TDOA_MAX_ALT,
		&fix->alt_m, &fix->known_alt) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		e = json_array_get(arr, i);
		snprintf(where, sizeof(where), "/sensors/%zu", i);
		if (!json_is_object(e))
			return fail(c, "%s: must be an object", where);
		if (only_keys(c, e, where, skeys) == -1 ||
		    number(c, e, "lat", where, 1, -90, 90, &s[i].lat_deg,
			NULL) == -1 ||
		    number(c, e, "lon", where, 1, -180, 180, &s[i].lon_deg,
			NULL) == -1 ||
		    number(c, e, "alt_m", where, 1, TDOA_MIN_ALT, TDOA_MAX_ALT,
			&s[i].alt_m, NULL) == -1)
			return -1;
		t = json_object_get(e, "t_ns");
		has_ns = t != NULL;
		if (has_ns && json_object_get(e, "t_s") != NULL)
			return fail(c, "%s: give t_s or t_ns, not both", where);
		if (ns_form == -1)
			ns_form = has_ns;
		else if (ns_form != has_ns)
			return fail(c,
			    "%s/%s: every sensor of a fix must use "
			    "the same time field (%s)",
			    where, has_ns ? "t_ns" : "t_s",
			    ns_form ? "t_ns" : "t_s");
		if (has_ns) {
			if (!json_is_integer(t))
				return fail(c,
				    "%s/t_ns: must be an integer "
				    "(nanoseconds)",
				    where);
			s[i].t_ns = json_integer_value(t);
			s[i].t_s = 0;
		} else {
			if (number(c, e, "t_s", where, 1, -TDOA_MAX_T_S,
				TDOA_MAX_T_S, &s[i].t_s, NULL) == -1)
				return -1;
			s[i].t_ns = 0;
		}
	}
	if (ns_form == 1) {
		/* One emission's arrivals lie within seconds of each other;
		 * the bound also keeps max - min inside int64. */
		int64_t lo = s[0].t_ns, hi = s[0].t_ns;

		for (i = 1; i < n; i++) {
			if (s[i].t_ns < lo)
				lo = s[i].t_ns;
			if (s[i].t_ns > hi)
				hi = s[i].t_ns;
		}
		if (hi / 2 - lo / 2 > TDOA_MAX_SPREAD_NS / 2 ||
		    hi - lo > TDOA_MAX_SPREAD_NS)
			return fail(c,
			    "/sensors: t_ns values spread over more "
			    "than 2^53 ns");
	}
	fix->sensors = s;
	fix->nsensors = n;
	fix->times_ns = ns_form == 1;
	return 0;
}

static int
parse_bearings(struct ctx *c, json_t *in, struct bearings_obs *o, size_t *np)
{
	static const char *const top[] = { "id", "bearings", NULL };
	static const char *const bkeys[] = { "lat", "lon", "bearing_deg",
		"sigma_deg", NULL };
	json_t *arr = json_object_get(in, "bearings"), *e;
	char where[48];
	size_t i, n;

	if (only_keys(c, in, "", top) == -1)
		return -1;
	if (!json_is_array(arr))
		return fail(c, "/bearings: must be an array");
	n = json_array_size(arr);
	if (n == 0)
		return fail(c, "/bearings: empty");
	if (n > BEARINGS_MAX)
		return fail(c, "/bearings: %zu bearings, at most %d per fix", n,
		    BEARINGS_MAX);
	for (i = 0; i < n; i++) {
		e = json_array_get(arr, i);
		snprintf(where, sizeof(where), "/bearings/%zu", i);
		if (!json_is_object(e))
			return fail(c, "%s: must be an object", where);
		if (only_keys(c, e, where, bkeys) == -1 ||
		    number(c, e, "lat", where, 1, -90, 90, &o[i].lat_deg,
			NULL) == -1 ||
		    number(c, e, "lon", where, 1, -180, 180, &o[i].lon_deg,
			NULL) == -1 ||
		    number(c, e, "bearing_deg", where, 1, 0, 360,
			&o[i].bearing_deg, NULL) == -1 ||
		    number(c, e, "sigma_deg", where, 1, 1e-9,
			BEARINGS_MAX_SIGMA, &o[i].sigma_deg, NULL) == -1)
			return -1;
		if (o[i].bearing_deg == 360)
			o[i].bearing_deg = 0;
	}
	*np = n;
	return 0;
}

/* A bounded writer: appends, remembers truncation. */
struct out {
	char *buf;
	size_t len, cap;
	int cut;
};

static void put(struct out *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->cut)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->cap - o->len) {
		o->cut = 1;
		o->buf[o->len] = '\0';
		return;
	}
	o->len += (size_t)n;
}

/* Appends one byte; false (and cut) when it does not fit. */
static int
put_byte(struct out *o, char ch)
{
	if (o->cut || o->len + 1 >= o->cap) {
		o->cut = 1;
		return 0;
	}
	o->buf[o->len++] = ch;
	o->buf[o->len] = '\0';
	return 1;
}

/* A JSON string (RFC 8259 escapes); s is valid UTF-8 or ASCII. */
static void
put_str(struct out *o, const char *s)
{
	const unsigned char *p;

	put_byte(o, '"');
	for (p = (const unsigned char *)s; *p != '\0' && !o->cut; p++) {
		if (*p == '"' || *p == '\\') {
			put_byte(o, '\\');
			put_byte(o, (char)*p);
		} else if (*p < 0x20)
			put(o, "\\u%04x", *p);
		else
			put_byte(o, (char)*p);
	}
	put_byte(o, '"');
}

static void
put_head(struct out *o, const char *id, const char *status)
{
	put(o, "{\"id\":");
	if (id != NULL)
		put_str(o, id);
	else
		put(o, "null");
	put(o, ",\"status\":\"%s\"", status);
}

static void
put_ellipse(struct out *o, int has, const struct ellipsoid_ellipse *el)
{
	if (!has) {
		put(o, ",\"ellipse\":null");
		return;
	}
	put(o,
	    ",\"ellipse\":{\"semi_major_m\":%.3f,\"semi_minor_m\":%.3f,"
	    "\"orientation_deg\":%.2f}",
	    el->semi_major_m, el->semi_minor_m, el->orientation_deg);
}

static void
put_used(struct out *o, const size_t *used, size_t n)
{
	size_t i;

	put(o, ",\"sensors_used\":[");
	for (i = 0; i < n; i++)
		put(o, "%s%zu", i ? "," : "", used[i]);
	put(o, "]");
}

void
fixjson_failed(const char *id, const char *msg, char *out, size_t outlen)
{
	struct out o = { out, 0, outlen, 0 };

	put_head(&o, id, "failed");
	put(&o, ",\"message\":");
	put_str(&o, msg);
	put(&o, "}");
}

int
fixjson_locate(const char *line, size_t len, const struct tdoa_options *opt,
    char *out, size_t outlen)
{
	struct tdoa_sensor sensors[TDOA_MAX_SENSORS];
	struct bearings_obs obs[BEARINGS_MAX];
	struct tdoa_fix fix;
	struct tdoa_result tr;
	struct bearings_result br;
	struct out o = { out, 0, outlen, 0 };
	struct ctx c = { { 0 } };
	json_error_t jerr;
	json_t *in = NULL, *idv;
	const char *id = NULL;
	size_t i, nobs = 0;
	int has_s, has_b, rc = -1;

	if (len > FIXJSON_MAX_LINE) {
		fail(&c, "line longer than %d bytes", FIXJSON_MAX_LINE);
		goto done;
	}
	in = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (in == NULL) {
		fail(&c, "invalid JSON at column %d: %s", jerr.column,
		    jerr.text);
		goto done;
	}
	if (!json_is_object(in)) {
		fail(&c, "a fix must be a JSON object");
		goto done;
	}
	idv = json_object_get(in, "id");
	if (idv == NULL) {
		fail(&c, "/id: missing");
		goto done;
	}
	if (!json_is_string(idv) || json_string_length(idv) == 0 ||
	    json_string_length(idv) > FIXJSON_MAX_ID ||
	    strlen(json_string_value(idv)) != json_string_length(idv)) {
		fail(&c, "/id: must be a string of 1 to %d bytes without NUL",
		    FIXJSON_MAX_ID);
		goto done;
	}
	id = json_string_value(idv);
	has_s = json_object_get(in, "sensors") != NULL;
	has_b = json_object_get(in, "bearings") != NULL;
	if (has_s == has_b) {
		fail(&c,
		    has_s ? "give sensors or bearings, not both"
			  : "/sensors or /bearings: missing");
		goto done;
	}
	if (has_s) {
		if (parse_tdoa(&c, in, &fix, sensors) == -1)
			goto done;
		tdoa_solve(&fix, opt, &tr);
		put_head(&o, id, tdoa_status_name(tr.status));
		if (tr.status != TDOA_FAILED) {
			put(&o, ",\"lat\":%.8f,\"lon\":%.8f,\"alt_m\":%.3f",
			    tr.lat_deg, tr.lon_deg, tr.alt_m);
			put_ellipse(&o, tr.has_ellipse, &tr.ellipse);
			put(&o, ",\"residual_rms_m\":%.3f", tr.residual_rms_m);
			put_used(&o, tr.used, tr.nused);
		}
		put(&o, ",\"message\":");
		put_str(&o, tr.message);
		put(&o, "}");
	} else {
		if (parse_bearings(&c, in, obs, &nobs) == -1)
			goto done;
		bearings_solve(obs, nobs, &br);
		put_head(&o, id, bearings_status_name(br.status));
		if (br.status != BEARINGS_FAILED) {
			size_t used[BEARINGS_MAX];

			for (i = 0; i < nobs; i++)
				used[i] = i;
			put(&o, ",\"lat\":%.8f,\"lon\":%.8f", br.lat_deg,
			    br.lon_deg);
			put_ellipse(&o, br.has_ellipse, &br.ellipse);
			put(&o, ",\"residual_rms_m\":%.3f", br.residual_rms_m);
			put_used(&o, used, nobs);
		}
		put(&o, ",\"message\":");
		put_str(&o, br.message);
		put(&o, "}");
	}
	rc = 0;
done:
	if (rc == -1)
		fixjson_failed(id, c.err, out, outlen);
	json_decref(in);
	return rc;
}
