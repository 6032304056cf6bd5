/*
 * observation: input-form validation and the canonical entry (see
 * observation.h and docs/observation.md). Every rule here is a limit an
 * outside caller can hit, so every error names the JSON pointer (RFC 6901),
 * the problem and the limit.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "common/jsonmem.h"
#include "record/canon.h"
#include "record/observation.h"
#include "record/timefmt.h"

#define MAX_NAME 64 /* member, organisation, unit, parties */
#define MAX_PLACE 128
#define MAX_NARRATIVE 4096
#define MAX_MEDIA_TYPE 127
#define MAX_EVIDENCE 32
#define MAX_COUNT 1000000
#define MAX_CASUALTIES 100000
#define MAX_DISTANCE_M 1000000 /* 1,000 km */
#define MAX_PRECISION_M 100000
#define DEFAULT_PRECISION_M 100
#define MIN_TIME_MS 631152000000LL /* 1990-01-01T00:00:00Z */

static const char *const categories[] = { "explosion", "projectile_in_flight",
	"muzzle_flash", "illumination_flare", "burst_or_shot",
	"small_arms_fire", "drone_strike", "airspace_violation",
	"movement_in_restricted_zone", "fortification_work", "mine_or_uxo",
	"other", NULL };

static const char *const source_types[] = { "patrol", "observation_post", "uav",
	"camera", "acoustic_sensor", "radar", "complaint", "media", "other",
	NULL };

static const char *const weapons[] = { "small_arms", "heavy_machine_gun",
	"grenade_launcher", "mortar", "artillery", "mlrs", "tank",
	"anti_aircraft", "drone", "mine", "unknown", "other", NULL };

static const char *const qualifiers[] = { "exact", "about", "at_least", NULL };

struct vctx {
	struct observation_error *errs;
	size_t maxerr, n;
	int failed;
	int64_t now_ms;
};

static void __attribute__((format(printf, 3, 4)))
verr(struct vctx *c, const char *ptr, const char *fmt, ...)
{
	va_list ap;

	c->failed = 1;
	if (c->n >= c->maxerr)
		return;
	snprintf(c->errs[c->n].pointer, sizeof(c->errs[c->n].pointer), "%s",
	    ptr);
	va_start(ap, fmt);
	vsnprintf(c->errs[c->n].message, sizeof(c->errs[c->n].message), fmt,
	    ap);
	va_end(ap);
	c->n++;
}

/*
 * Appends "/key" (RFC 6901 escaped) to base into out, truncated to
 * outlen. Every field checked makes one, error or not: no printf.
 */
static void
ptr_join(char *out, size_t outlen, const char *base, const char *key)
{
	size_t n = strlen(base);
	const char *k;

	if (n + 2 > outlen) { /* base and its slash do not fit */
		n = outlen - 1;
		memcpy(out, base, n);
		out[n] = '\0';
		return;
	}
	memcpy(out, base, n);
	out[n++] = '/';
	for (k = key; *k != '\0' && n + 3 < outlen; k++) {
		if (*k == '~' || *k == '/') {
			out[n++] = '~';
			out[n++] = *k == '~' ? '0' : '1';
		} else
			out[n++] = *k;
	}
	out[n < outlen ? n : outlen - 1] = '\0';
}

static int
in_list(const char *const *list, const char *s)
{
	for (; *list != NULL; list++)
		if (strcmp(*list, s) == 0)
			return 1;
	return 0;
}

static void
list_words(const char *const *list, char *out, size_t outlen)
{
	size_t n = 0;

	out[0] = '\0';
	for (; *list != NULL && n < outlen; list++)
		n += (size_t)snprintf(out + n, outlen - n, "%s%s",
		    n ? ", " : "", *list);
}

/* Reports every member of obj not named in allowed. */
static void
check_keys(struct vctx *c, const json_t *obj, const char *base,
    const char *const *allowed)
{
	const char *k;
	json_t *v;
	char p[128];

	json_object_foreach((json_t *)obj, k, v)
	{
		if (!in_list(allowed, k)) {
			ptr_join(p, sizeof(p), base, k);
			verr(c, p, "unknown field");
		}
	}
}

static const json_t *
want_object(struct vctx *c, const json_t *obj, const char *key,
    const char *base, int required)
{
	const json_t *v = json_object_get(obj, key);
	char p[128];

	ptr_join(p, sizeof(p), base, key);
	if (v == NULL) {
		if (required)
			verr(c, p, "is required");
		return NULL;
	}
	if (!json_is_object(v)) {
		verr(c, p, "must be an object");
		return NULL;
	}
	return v;
}

/* Flags for want_string. */
#define STR_MULTILINE 1 /* allows \n and \t */
#define STR_TOKEN 2	/* [a-z0-9_] only */

static const char *
want_string(struct vctx *c, const json_t *obj, const char *key,
    const char *base, int required, size_t maxlen, int flags)
{
	const json_t *v = json_object_get(obj, key);
	const char *s;
	size_t i, n;
	char p[128];

	ptr_join(p, sizeof(p), base, key);
	if (v == NULL) {
		if (required)
			verr(c, p, "is required");
		return NULL;
	}
	if (!json_is_string(v)) {
		verr(c, p, "must be a string");
		return NULL;
	}
	s = json_string_value(v);
	n = json_string_length(v);
	if (n == 0) {
		verr(c, p, "must not be empty");
		return NULL;
	}
	if (n > maxlen) {
		verr(c, p, "is %zu bytes long, over the limit of %zu", n,
		    maxlen);
		return NULL;
	}
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == 0 || ch == 0x7f ||
		    (ch < 0x20 &&
			!((flags & STR_MULTILINE) &&
			    (ch == '\n' || ch == '\t')))) {
			verr(c, p, "contains a control character at byte %zu",
			    i);
			return NULL;
		}
		if ((flags & STR_TOKEN) &&
		    !((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
			ch == '_')) {
			verr(c, p, "must be a lower-case word");
			return NULL;
		}
	}
	return s;
}

static const char *
want_enum(struct vctx *c, const json_t *obj, const char *key, const char *base,
    int required, const char *const *list)
{
	const char *s;
	char p[128], words[512];

	s = want_string(c, obj, key, base, required, 64, 0);
	if (s == NULL)
		return NULL;
	if (!in_list(list, s)) {
		ptr_join(p, sizeof(p), base, key);
		list_words(list, words, sizeof(words));
		verr(c, p, "'%.64s' is not one of: %s", s, words);
		return NULL;
	}
	return s;
}

/* A JSON number in [min, max]; *present is 0 when absent. */
static int
want_number(struct vctx *c, const json_t *obj, const char *key,
    const char *base, int required, double min, double max, double *out)
{
	const json_t *v = json_object_get(obj, key);
	double d;
	char p[128];

	ptr_join(p, sizeof(p), base, key);
	if (v == NULL) {
		if (required)
			verr(c, p, "is required");
		return -1;
	}
	if (!json_is_number(v)) {
		verr(c, p, "must be a number");
		return -1;
	}
	d = json_number_value(v);
	if (!isfinite(d) || d < min || d > max) {
		verr(c, p, "%g is out of range [%g, %g]", d, min, max);
		return -1;
	}
	*out = d;
	return 0;
}

/* A JSON integer (or a real with no fraction) in [min, max]. */
static int
want_int(struct vctx *c, const json_t *obj, const char *key, const char *base,
    int required, int64_t min, int64_t max, int64_t *out)
{
	const json_t *v = json_object_get(obj, key);
	char p[128];
	double d;

	ptr_join(p, sizeof(p), base, key);
	if (v == NULL) {
		if (required)
			verr(c, p, "is required");
		return -1;
	}
	if (json_is_integer(v)) {
		json_int_t i = json_integer_value(v);

		if (i < min || i > max) {
			verr(c, p, "%lld is out of range [%lld, %lld]",
			    (long long)i, (long long)min, (long long)max);
			return -1;
		}
		*out = i;
		return 0;
	}
	if (json_is_real(v)) {
		d = json_real_value(v);
		if (d != floor(d)) {
			verr(c, p, "must be a whole number");
			return -1;
		}
		if (d < (double)min || d > (double)max) {
			verr(c, p, "%g is out of range [%lld, %lld]", d,
			    (long long)min, (long long)max);
			return -1;
		}
		*out = (int64_t)d;
		return 0;
	}
	verr(c, p, "must be an integer");
	return -1;
}

static int
want_time(struct vctx *c, const json_t *v, const char *p, int64_t *ms)
{
	char err[160];

	if (!json_is_string(v)) {
		verr(c, p,
		    "must be an RFC 3339 date-time string like "
		    "2026-11-28T14:20:00Z");
		return -1;
	}
	if (timefmt_parse(json_string_value(v), ms, err, sizeof(err)) == -1) {
		verr(c, p, "%s", err);
		return -1;
	}
	if (*ms < MIN_TIME_MS) {
		verr(c, p, "is before 1990-01-01, the earliest time accepted");
		return -1;
	}
	if (*ms > c->now_ms + OBSERVATION_FUTURE_MS) {
		verr(c, p,
		    "is in the future (more than %d s after the "
		    "server's clock)",
		    OBSERVATION_FUTURE_MS / 1000);
		return -1;
	}
	return 0;
}

static json_t *
v_observed_at(struct vctx *c, const json_t *in)
{
	static const char *const keys[] = { "from", "to", NULL };
	const json_t *v = json_object_get(in, "observed_at");
	int64_t from = 0, to = 0;
	int bad = 0;

	if (v == NULL) {
		verr(c, "/observed_at", "is required");
		return NULL;
	}
	if (json_is_string(v)) {
		if (want_time(c, v, "/observed_at", &from) == -1)
			return NULL;
		to = from;
	} else if (json_is_object(v)) {
		check_keys(c, v, "/observed_at", keys);
		if (json_object_get(v, "from") == NULL) {
			verr(c, "/observed_at/from", "is required");
			bad = 1;
		} else if (want_time(c, json_object_get(v, "from"),
			       "/observed_at/from", &from) == -1)
			bad = 1;
		if (json_object_get(v, "to") == NULL) {
			verr(c, "/observed_at/to", "is required");
			bad = 1;
		} else if (want_time(c, json_object_get(v, "to"),
			       "/observed_at/to", &to) == -1)
			bad = 1;
		if (bad)
			return NULL;
		if (to < from) {
			verr(c, "/observed_at/to",
			    "ends before the interval starts (/observed_at/"
			    "from)");
			return NULL;
		}
		if (to - from > OBSERVATION_MAX_SPAN_MS) {
			verr(c, "/observed_at",
			    "interval is longer than the limit of 31 days");
			return NULL;
		}
	} else {
		verr(c, "/observed_at",
		    "must be a date-time string or {\"from\",\"to\"}");
		return NULL;
	}
	return json_pack("{s:I,s:I}", "from", (json_int_t)from, "to",
	    (json_int_t)to);
}

static json_t *
v_source(struct vctx *c, const json_t *in)
{
	static const char *const keys[] = { "type", "member", "organisation",
		"unit", NULL };
	const json_t *src = want_object(c, in, "source", "", 1);
	const char *type, *member, *org, *unit;
	json_t *out;

	if (src == NULL)
		return NULL;
	check_keys(c, src, "/source", keys);
	type = want_enum(c, src, "type", "/source", 1, source_types);
	member = want_string(c, src, "member", "/source", 0, MAX_NAME, 0);
	org = want_string(c, src, "organisation", "/source", 0, MAX_NAME, 0);
	unit = want_string(c, src, "unit", "/source", 0, MAX_NAME, 0);
	if (json_object_get(src, "member") == NULL &&
	    json_object_get(src, "organisation") == NULL)
		verr(c, "/source", "needs a member or an organisation");
	if (type == NULL)
		return NULL;
	out = json_pack("{s:s}", "type", type);
	if (member)
		json_object_set_new(out, "member", json_string(member));
	if (org)
		json_object_set_new(out, "organisation", json_string(org));
	if (unit)
		json_object_set_new(out, "unit", json_string(unit));
	return out;
}

static json_t *
v_count(struct vctx *c, const json_t *in)
{
	static const char *const keys[] = { "value", "qualifier", NULL };
	const json_t *cnt = want_object(c, in, "count", "", 0);
	const char *q = "exact";
	int64_t value = 1;

	if (json_object_get(in, "count") != NULL && cnt == NULL)
		return NULL;
	if (cnt != NULL) {
		check_keys(c, cnt, "/count", keys);
		if (want_int(c, cnt, "value", "/count", 1, 1, MAX_COUNT,
			&value) == -1)
			return NULL;
		if (json_object_get(cnt, "qualifier") != NULL &&
		    (q = want_enum(c, cnt, "qualifier", "/count", 0,
			 qualifiers)) == NULL)
			return NULL;
	}
	return json_pack("{s:I,s:s}", "value", (json_int_t)value, "qualifier",
	    q);
}

/* A point's lat/lon pair under base into *lat, *lon; 0 or -1. */
static int
want_latlon(struct vctx *c, const json_t *o, const char *base, double *lat,
    double *lon)
{
	int bad = 0;

	bad |= want_number(c, o, "lat", base, 1, -90, 90, lat);
	bad |= want_number(c, o, "lon", base, 1, -180, 180, lon);
	return bad ? -1 : 0;
}

/*
 * An integer given either as seconds (key_s, a number) or as nanoseconds
 * (key_ns, an integer): exactly one of them. The result is in ns, within
 * [min_ns, max_ns].
 */
static int
want_s_or_ns(struct vctx *c, const json_t *o, const char *base,
    const char *key_s, const char *key_ns, int64_t min_ns, int64_t max_ns,
    int64_t *out)
{
	int has_s = json_object_get(o, key_s) != NULL;
	int has_ns = json_object_get(o, key_ns) != NULL;
	char p[128];
	double sec;

	if (has_s == has_ns) {
		verr(c, base,
		    "needs exactly one of %s (seconds) or %s "
		    "(integer nanoseconds)",
		    key_s, key_ns);
		return -1;
	}
	if (has_ns)
		return want_int(c, o, key_ns, base, 1, min_ns, max_ns, out);
	if (want_number(c, o, key_s, base, 1, (double)min_ns / 1e9,
		(double)max_ns / 1e9, &sec) == -1)
		return -1;
	*out = llround(sec * 1e9);
	if (*out < min_ns || *out > max_ns) {
		ptr_join(p, sizeof(p), base, key_s);
		verr(c, p, "is out of range once in nanoseconds");
		return -1;
	}
	return 0;
}

/* Checks that v is an array of min..max objects; reports under p. */
static int
want_array(struct vctx *c, const json_t *v, const char *p, size_t min,
    size_t max)
{
	if (!json_is_array(v)) {
		verr(c, p, "must be an array");
		return -1;
	}
	if (json_array_size(v) < min || json_array_size(v) > max) {
		verr(c, p, "has %zu items; %zu to %zu are needed",
		    json_array_size(v), min, max);
		return -1;
	}
	return 0;
}

/* location.arrivals: sensor positions and arrival times (TDOA). */
static json_t *
v_arrivals(struct vctx *c, const json_t *loc)
{
	static const char *const keys[] = { "sensors", "speed_mps", "sigma_t_s",
		"sigma_t_ns", "source_alt_m", NULL };
	static const char *const skeys[] = { "lat", "lon", "alt_m", "t_s",
		"t_ns", NULL };
	const json_t *sensors = json_object_get(loc, "sensors"), *it;
	double speed = 0, lat, lon, alt, salt = 0;
	int64_t sigma = 0, t;
	size_t i, min_sensors;
	char base[64];
	json_t *out = NULL, *arr;
	int bad = 0, has_salt;

	check_keys(c, loc, "/location", keys);
	has_salt = json_object_get(loc, "source_alt_m") != NULL;
	min_sensors = has_salt ? 3 : 4;
	bad |= want_number(c, loc, "speed_mps", "/location", 1,
	    OBSERVATION_MIN_SPEED_MPS, OBSERVATION_MAX_SPEED_MPS, &speed);
	bad |= want_s_or_ns(c, loc, "/location", "sigma_t_s", "sigma_t_ns", 1,
	    OBSERVATION_MAX_SIGMA_T_NS, &sigma);
	if (has_salt)
		bad |= want_number(c, loc, "source_alt_m", "/location", 0,
		    OBSERVATION_MIN_ALT_M, OBSERVATION_MAX_ALT_M, &salt);
	if (want_array(c, sensors, "/location/sensors", min_sensors,
		OBSERVATION_MAX_SENSORS) == -1) {
		if (json_is_array(sensors) && !has_salt &&
		    json_array_size(sensors) == 3)
			verr(c, "/location/sensors",
			    "3 sensors locate only "
			    "at a known height: give /location/source_alt_m");
		return NULL;
	}
	arr = json_array();
	json_array_foreach(sensors, i, it)
	{
		snprintf(base, sizeof(base), "/location/sensors/%zu", i);
		if (!json_is_object(it)) {
			verr(c, base, "must be an object");
			bad = 1;
			continue;
		}
		check_keys(c, it, base, skeys);
		alt = 0;
		if (want_latlon(c, it, base, &lat, &lon) == -1 ||
		    (json_object_get(it, "alt_m") != NULL &&
			want_number(c, it, "alt_m", base, 0,
			    OBSERVATION_MIN_ALT_M, OBSERVATION_MAX_ALT_M,
			    &alt) == -1) ||
		    want_s_or_ns(c, it, base, "t_s", "t_ns",
			-OBSERVATION_MAX_ARRIVAL_NS, OBSERVATION_MAX_ARRIVAL_NS,
			&t) == -1) {
			bad = 1;
			continue;
		}
		json_array_append_new(arr,
		    json_pack("{s:I,s:I,s:I,s:I}", "lat_e7",
			(json_int_t)llround(lat * 1e7), "lon_e7",
			(json_int_t)llround(lon * 1e7), "alt_m",
			(json_int_t)llround(alt), "t_ns", (json_int_t)t));
	}
	if (bad) {
		json_decref(arr);
		return NULL;
	}
	out = json_pack("{s:s,s:o,s:I,s:I}", "form", "arrivals", "sensors", arr,
	    "speed_mmps", (json_int_t)llround(speed * 1000), "sigma_t_ns",
	    (json_int_t)sigma);
	if (has_salt)
		json_object_set_new(out, "source_alt_m",
		    json_integer(llround(salt)));
	return out;
}

/* location.bearings: azimuths taken at known posts (triangulation). */
static json_t *
v_bearings(struct vctx *c, const json_t *loc)
{
	static const char *const keys[] = { "bearings", NULL };
	static const char *const bkeys[] = { "lat", "lon", "bearing_deg",
		"sigma_deg", NULL };
	const json_t *list = json_object_get(loc, "bearings"), *it;
	double lat, lon, bearing, sigma;
	char base[64];
	json_t *arr;
	size_t i;
	int bad = 0;

	check_keys(c, loc, "/location", keys);
	if (want_array(c, list, "/location/bearings", 2,
		OBSERVATION_MAX_BEARINGS) == -1)
		return NULL;
	arr = json_array();
	json_array_foreach(list, i, it)
	{
		snprintf(base, sizeof(base), "/location/bearings/%zu", i);
		if (!json_is_object(it)) {
			verr(c, base, "must be an object");
			bad = 1;
			continue;
		}
		check_keys(c, it, base, bkeys);
		sigma = OBSERVATION_DEFAULT_BEARING_SIGMA_MDEG / 1000.0;
		if (want_latlon(c, it, base, &lat, &lon) == -1 ||
		    want_number(c, it, "bearing_deg", base, 1, 0, 359.999,
			&bearing) == -1 ||
		    (json_object_get(it, "sigma_deg") != NULL &&
			want_number(c, it, "sigma_deg", base, 0, 0.001,
			    OBSERVATION_MAX_BEARING_SIGMA_DEG, &sigma) == -1)) {
			bad = 1;
			continue;
		}
		json_array_append_new(arr,
		    json_pack("{s:I,s:I,s:I,s:I}", "lat_e7",
			(json_int_t)llround(lat * 1e7), "lon_e7",
			(json_int_t)llround(lon * 1e7), "bearing_mdeg",
			(json_int_t)llround(bearing * 1000), "sigma_mdeg",
			(json_int_t)llround(sigma * 1000)));
	}
	if (bad) {
		json_decref(arr);
		return NULL;
	}
	return json_pack("{s:s,s:o}", "form", "bearings", "bearings", arr);
}

static json_t *
v_location(struct vctx *c, const json_t *in)
{
	static const char *const point_keys[] = { "lat", "lon", "precision_m",
		NULL };
	static const char *const frame_keys[] = { "lat", "lon", "ce90_m",
		NULL };
	static const char *const place_keys[] = { "place", "bearing_deg",
		"distance_m", "distance_error_m", NULL };
	const json_t *loc = want_object(c, in, "location", "", 1);
	double lat, lon, bearing, dist, derr;
	int64_t prec = DEFAULT_PRECISION_M, ce90;
	const char *place;
	json_t *out;
	int bad = 0;

	if (loc == NULL)
		return NULL;
	if (json_object_get(loc, "place") != NULL) {
		check_keys(c, loc, "/location", place_keys);
		place =
		    want_string(c, loc, "place", "/location", 1, MAX_PLACE, 0);
		bad |= want_number(c, loc, "bearing_deg", "/location", 1, 0,
		    359.999, &bearing);
		bad |= want_number(c, loc, "distance_m", "/location", 1, 0,
		    MAX_DISTANCE_M, &dist);
		if (place == NULL || bad)
			return NULL;
		out = json_pack("{s:s,s:s,s:I,s:I}", "form", "place", "place",
		    place, "bearing_mdeg", (json_int_t)llround(bearing * 1000),
		    "distance_m", (json_int_t)llround(dist));
		if (json_object_get(loc, "distance_error_m") != NULL) {
			if (want_number(c, loc, "distance_error_m", "/location",
				0, 0, MAX_DISTANCE_M, &derr) == -1) {
				json_decref(out);
				return NULL;
			}
			json_object_set_new(out, "distance_error_m",
			    json_integer(llround(derr)));
		}
		return out;
	}
	if (json_object_get(loc, "sensors") != NULL)
		return v_arrivals(c, loc);
	if (json_object_get(loc, "bearings") != NULL)
		return v_bearings(c, loc);
	if (json_object_get(loc, "ce90_m") != NULL) {
		check_keys(c, loc, "/location", frame_keys);
		bad |= want_latlon(c, loc, "/location", &lat, &lon);
		bad |= want_int(c, loc, "ce90_m", "/location", 1, 1,
		    OBSERVATION_MAX_CE90_M, &ce90);
		if (bad)
			return NULL;
		return json_pack("{s:s,s:I,s:I,s:I}", "form", "uav_frame",
		    "lat_e7", (json_int_t)llround(lat * 1e7), "lon_e7",
		    (json_int_t)llround(lon * 1e7), "ce90_m", (json_int_t)ce90);
	}
	if (json_object_get(loc, "lat") != NULL ||
	    json_object_get(loc, "lon") != NULL) {
		check_keys(c, loc, "/location", point_keys);
		bad |= want_latlon(c, loc, "/location", &lat, &lon);
		if (json_object_get(loc, "precision_m") != NULL)
			bad |= want_int(c, loc, "precision_m", "/location", 0,
			    1, MAX_PRECISION_M, &prec);
		if (bad)
			return NULL;
		return json_pack("{s:s,s:I,s:I,s:I}", "form", "point", "lat_e7",
		    (json_int_t)llround(lat * 1e7), "lon_e7",
		    (json_int_t)llround(lon * 1e7), "precision_m",
		    (json_int_t)prec);
	}
	verr(c, "/location",
	    "must be a point {\"lat\",\"lon\",\"precision_m\"}, a place "
	    "{\"place\",\"bearing_deg\",\"distance_m\",\"distance_error_m\"}, "
	    "arrivals {\"sensors\",\"speed_mps\",\"sigma_t_s\"}, bearings "
	    "{\"bearings\"} or a UAV frame {\"lat\",\"lon\",\"ce90_m\"}");
	return NULL;
}

static json_t *
v_casualty(struct vctx *c, const json_t *cas, const char *key)
{
	static const char *const keys[] = { "low", "best", "high", NULL };
	static const char *const names[] = { "low", "best", "high" };
	const json_t *o = want_object(c, cas, key, "/casualties", 0);
	int64_t v[3];
	int have[3], i, last = -1;
	char base[64];
	json_t *out;

	if (o == NULL)
		return NULL;
	snprintf(base, sizeof(base), "/casualties/%s", key);
	check_keys(c, o, base, keys);
	out = json_object();
	for (i = 0; i < 3; i++) {
		have[i] = json_object_get(o, names[i]) != NULL;
		if (!have[i])
			continue;
		if (want_int(c, o, names[i], base, 0, 0, MAX_CASUALTIES,
			&v[i]) == -1) {
			have[i] = 0;
			continue;
		}
		if (last >= 0 && v[i] < v[last])
			verr(c, base, "%s (%lld) is below %s (%lld)", names[i],
			    (long long)v[i], names[last], (long long)v[last]);
		last = i;
		json_object_set_new(out, names[i], json_integer(v[i]));
	}
	if (!have[0] && !have[1] && !have[2])
		verr(c, base, "needs at least one of low, best, high");
	return out;
}

static json_t *
v_casualties(struct vctx *c, const json_t *in)
{
	static const char *const keys[] = { "civilian", "military", NULL };
	const json_t *cas = want_object(c, in, "casualties", "", 0);
	json_t *out, *v;

	if (cas == NULL)
		return NULL;
	check_keys(c, cas, "/casualties", keys);
	out = json_object();
	if ((v = v_casualty(c, cas, "civilian")) != NULL)
		json_object_set_new(out, "civilian", v);
	if ((v = v_casualty(c, cas, "military")) != NULL)
		json_object_set_new(out, "military", v);
	if (json_object_size(out) == 0) {
		verr(c, "/casualties", "needs civilian or military");
		json_decref(out);
		return NULL;
	}
	return out;
}

static int
is_hex64(const char *s)
{
	size_t i;

	for (i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
			(s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[64] == '\0';
}

static int
is_media_type(const char *s)
{
	const char *slash = strchr(s, '/');
	const char *p;

	if (slash == NULL || slash == s || slash[1] == '\0')
		return 0;
	for (p = s; *p != '\0'; p++)
		if (p != slash &&
		    strchr("abcdefghijklmnopqrstuvwxyz"
			   "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$&^_.+-",
			*p) == NULL)
			return 0;
	return 1;
}

static json_t *
v_evidence(struct vctx *c, const json_t *in)
{
	static const char *const keys[] = { "sha256", "media_type", NULL };
	const json_t *ev = json_object_get(in, "evidence"), *item;
	const char *sha, *mt;
	char base[64], p[128];
	json_t *out;
	size_t i;

	if (ev == NULL)
		return NULL;
	if (!json_is_array(ev)) {
		verr(c, "/evidence", "must be an array");
		return NULL;
	}
	if (json_array_size(ev) > MAX_EVIDENCE) {
		verr(c, "/evidence", "has %zu items, over the limit of %d",
		    json_array_size(ev), MAX_EVIDENCE);
		return NULL;
	}
	out = json_array();
	json_array_foreach(ev, i, item)
	{
		snprintf(base, sizeof(base), "/evidence/%zu", i);
		if (!json_is_object(item)) {
			verr(c, base, "must be an object");
			continue;
		}
		check_keys(c, item, base, keys);
		sha = want_string(c, item, "sha256", base, 1, 64, 0);
		mt = want_string(c, item, "media_type", base, 1, MAX_MEDIA_TYPE,
		    0);
		if (sha != NULL && !is_hex64(sha)) {
			ptr_join(p, sizeof(p), base, "sha256");
			verr(c, p,
			    "must be 64 lower-case hex digits "
			    "(a SHA-256 digest)");
			sha = NULL;
		}
		if (mt != NULL && !is_media_type(mt)) {
			ptr_join(p, sizeof(p), base, "media_type");
			verr(c, p, "must be a media type like image/jpeg");
			mt = NULL;
		}
		if (sha != NULL && mt != NULL)
			json_array_append_new(out,
			    json_pack("{s:s,s:s}", "sha256", sha, "media_type",
				mt));
	}
	return out;
}

json_t *
observation_from_input(const json_t *in, int64_t now_ms,
    struct observation_error *errs, size_t maxerr, size_t *nerr)
{
	static const char *const keys[] = { "observed_at", "source", "category",
		"weapon", "count", "location", "casualties", "narrative",
		"evidence", "alleged_by", "alleged_against", NULL };
	struct vctx c = { errs, maxerr, 0, 0, now_ms };
	json_t *out = NULL, *v, *at;
	const char *s;
	uint64_t oom = jsonmem_failures();

	if (!json_is_object(in)) {
		verr(&c, "", "an observation must be a JSON object");
		goto done;
	}
	out = json_pack("{s:s,s:i}", "type", "observation", "v", 1);
	check_keys(&c, in, "", keys);
	if ((v = v_observed_at(&c, in)) != NULL)
		json_object_set_new(out, "observed_at", v);
	if ((v = v_source(&c, in)) != NULL)
		json_object_set_new(out, "source", v);
	if ((s = want_enum(&c, in, "category", "", 1, categories)) != NULL)
		json_object_set_new(out, "category", json_string(s));
	if ((s = want_enum(&c, in, "weapon", "", 0, weapons)) != NULL)
		json_object_set_new(out, "weapon", json_string(s));
	if ((v = v_count(&c, in)) != NULL)
		json_object_set_new(out, "count", v);
	if ((v = v_location(&c, in)) != NULL)
		json_object_set_new(out, "location", v);
	at = json_object_get(out, "observed_at");
	if (v != NULL && at != NULL &&
	    strcmp(json_string_value(json_object_get(v, "form")), "arrivals") ==
		0 &&
	    json_integer_value(json_object_get(at, "from")) !=
		json_integer_value(json_object_get(at, "to")))
		verr(&c, "/observed_at",
		    "must be an instant when the "
		    "location is arrival times (they count from it)");
	if ((v = v_casualties(&c, in)) != NULL)
		json_object_set_new(out, "casualties", v);
	if ((s = want_string(&c, in, "narrative", "", 0, MAX_NARRATIVE,
		 STR_MULTILINE)) != NULL)
		json_object_set_new(out, "narrative", json_string(s));
	if ((v = v_evidence(&c, in)) != NULL)
		json_object_set_new(out, "evidence", v);
	if ((s = want_string(&c, in, "alleged_by", "", 0, MAX_NAME, 0)) != NULL)
		json_object_set_new(out, "alleged_by", json_string(s));
	if ((s = want_string(&c, in, "alleged_against", "", 0, MAX_NAME, 0)) !=
	    NULL)
		json_object_set_new(out, "alleged_against", json_string(s));
done:
	/*
	 * A failed allocation anywhere above leaves out without a field (or
	 * a part of one) and no error: such an entry must never reach the
	 * log, where it would stay, signed, and stop the store.
	 */
	if (jsonmem_failures() != oom)
		verr(&c, "",
		    "out of memory while reading the observation; "
		    "nothing was stored (try again)");
	if (c.failed) {
		json_decref(out);
		out = NULL;
	}
	*nerr = c.n;
	return out;
}

int
observation_encode(const json_t *entry, char **out, size_t *outlen,
    char id[OBSERVATION_ID_LEN + 1])
{
	uint8_t h[crypto_hash_sha256_BYTES];
	char *buf;
	size_t len;

	if (canon_encode(entry, &buf, &len) == -1)
		return -1;
	if (len > OBSERVATION_MAX_ENTRY) {
		free(buf);
		return -1;
	}
	crypto_hash_sha256(h, (const uint8_t *)buf, len);
	sodium_bin2hex(id, OBSERVATION_ID_LEN + 1, h, sizeof(h));
	*out = buf;
	*outlen = len;
	return 0;
}

static json_t *
time_view(int64_t ms)
{
	char buf[TIMEFMT_LEN];

	timefmt_format(ms, buf);
	return json_string(buf);
}

static double
e7_deg(const json_t *o, const char *key)
{
	return (double)json_integer_value(json_object_get(o, key)) / 1e7;
}

/* The input form of canonical arrivals: times stay integer ns (exact). */
static json_t *
arrivals_view(const json_t *loc)
{
	const json_t *it, *v;
	json_t *arr = json_array(), *l;
	size_t i;

	json_array_foreach(json_object_get(loc, "sensors"), i,
	    it) json_array_append_new(arr,
	    json_pack("{s:f,s:f,s:O,s:O}", "lat", e7_deg(it, "lat_e7"), "lon",
		e7_deg(it, "lon_e7"), "alt_m", json_object_get(it, "alt_m"),
		"t_ns", json_object_get(it, "t_ns")));
	l = json_pack("{s:o,s:f,s:O}", "sensors", arr, "speed_mps",
	    (double)json_integer_value(json_object_get(loc, "speed_mmps")) /
		1000.0,
	    "sigma_t_ns", json_object_get(loc, "sigma_t_ns"));
	if ((v = json_object_get(loc, "source_alt_m")) != NULL)
		json_object_set(l, "source_alt_m", (json_t *)v);
	return l;
}

static json_t *
bearings_view(const json_t *loc)
{
	const json_t *it;
	json_t *arr = json_array();
	size_t i;

	json_array_foreach(json_object_get(loc, "bearings"), i,
	    it) json_array_append_new(arr,
	    json_pack("{s:f,s:f,s:f,s:f}", "lat", e7_deg(it, "lat_e7"), "lon",
		e7_deg(it, "lon_e7"), "bearing_deg",
		(double)json_integer_value(
		    json_object_get(it, "bearing_mdeg")) /
		    1000.0,
		"sigma_deg",
		(double)json_integer_value(json_object_get(it, "sigma_mdeg")) /
		    1000.0));
	return json_pack("{s:o}", "bearings", arr);
}

json_t *
observation_to_view(const json_t *entry)
{
	const json_t *at, *loc, *v;
	json_t *out, *l;
	int64_t from, to;
	const char *form;

	if (!json_is_object(entry) ||
	    (form = json_string_value(json_object_get(entry, "type"))) ==
		NULL ||
	    strcmp(form, "observation") != 0)
		return NULL;
	out = json_object();
	at = json_object_get(entry, "observed_at");
	from = json_integer_value(json_object_get(at, "from"));
	to = json_integer_value(json_object_get(at, "to"));
	if (from == to)
		json_object_set_new(out, "observed_at", time_view(from));
	else
		json_object_set_new(out, "observed_at",
		    json_pack("{s:o,s:o}", "from", time_view(from), "to",
			time_view(to)));
	loc = json_object_get(entry, "location");
	form = json_string_value(json_object_get(loc, "form"));
	if (form != NULL && strcmp(form, "point") == 0) {
		l = json_pack("{s:f,s:f,s:O}", "lat",
		    json_integer_value(json_object_get(loc, "lat_e7")) / 1e7,
		    "lon",
		    json_integer_value(json_object_get(loc, "lon_e7")) / 1e7,
		    "precision_m", json_object_get(loc, "precision_m"));
	} else if (form != NULL && strcmp(form, "place") == 0) {
		l = json_pack("{s:O,s:f,s:O}", "place",
		    json_object_get(loc, "place"), "bearing_deg",
		    json_integer_value(json_object_get(loc, "bearing_mdeg")) /
			1000.0,
		    "distance_m", json_object_get(loc, "distance_m"));
		if ((v = json_object_get(loc, "distance_error_m")) != NULL)
			json_object_set(l, "distance_error_m", (json_t *)v);
	} else if (form != NULL && strcmp(form, "uav_frame") == 0) {
		l = json_pack("{s:f,s:f,s:O}", "lat", e7_deg(loc, "lat_e7"),
		    "lon", e7_deg(loc, "lon_e7"), "ce90_m",
		    json_object_get(loc, "ce90_m"));
	} else if (form != NULL && strcmp(form, "arrivals") == 0)
		l = arrivals_view(loc);
	else if (form != NULL && strcmp(form, "bearings") == 0)
		l = bearings_view(loc);
	else
		l = json_deep_copy(loc);
	json_object_set_new(out, "location", l);
	{
		static const char *const copy[] = { "source", "category",
			"weapon", "count", "casualties", "narrative",
			"evidence", "alleged_by", "alleged_against", NULL };
		const char *const *k;

		for (k = copy; *k != NULL; k++)
			if ((v = json_object_get(entry, *k)) != NULL)
				json_object_set_new(out, *k, json_deep_copy(v));
	}
	return out;
}

int
observation_is_category(const char *s)
{
	return in_list(categories, s);
}

int
observation_category_code(const char *s)
{
	int i;

	for (i = 0; s != NULL && categories[i] != NULL; i++)
		if (strcmp(categories[i], s) == 0)
			return i;
	return -1;
}

int
observation_is_source_type(const char *s)
{
	return in_list(source_types, s);
}

const char *
observation_category(size_t i)
{
	return i < sizeof(categories) / sizeof(categories[0]) ? categories[i]
							      : NULL;
}

const char *
observation_source_type(size_t i)
{
	return i < sizeof(source_types) / sizeof(source_types[0])
	    ? source_types[i]
	    : NULL;
}
