/*
 * Unit test of record/observation: every validation rule and limit, the
 * canonical entry byte for byte, the id, and the view round trip.
 */
#include <stdlib.h>

#include "record/observation.h"
#include "tap.h"

#define NOW 1795875600000LL /* 2026-11-28T14:20:00Z */

static const char *good =
    "{\"observed_at\":\"2026-11-28T14:10:00Z\","
    "\"source\":{\"type\":\"patrol\",\"member\":\"RU\",\"unit\":\"P-12\"},"
    "\"category\":\"explosion\",\"weapon\":\"artillery\","
    "\"count\":{\"value\":10,\"qualifier\":\"about\"},"
    "\"location\":{\"lat\":39.9812345,\"lon\":46.9301234,"
    "\"precision_m\":100},\"narrative\":\"Heard from \\u011e.\"}";

static json_t *
load(const char *s)
{
	json_error_t e;

	return json_loads(s, 0, &e);
}

/* Replaces key (top level or "a.b") in a copy of good with value (JSON). */
static json_t *
with(const char *key, const char *value)
{
	json_t *o = load(good), *parent = o;
	char k[64];
	char *dot;

	snprintf(k, sizeof(k), "%s", key);
	if ((dot = strchr(k, '.')) != NULL) {
		*dot = '\0';
		parent = json_object_get(o, k);
		memmove(k, dot + 1, strlen(dot + 1) + 1);
	}
	if (value == NULL)
		json_object_del(parent, k);
	else
		json_object_set_new(parent, k,
		    json_loads(value, JSON_DECODE_ANY, NULL));
	return o;
}

static void
rejects(json_t *in, const char *pointer, const char *needle,
    const char *name)
{
	struct observation_error errs[8];
	size_t n = 99, i;
	json_t *out = observation_from_input(in, NOW, errs, 8, &n);
	int found = 0;

	for (i = 0; i < n && i < 8; i++)
		if (strcmp(errs[i].pointer, pointer) == 0 &&
		    strstr(errs[i].message, needle) != NULL)
			found = 1;
	ok(out == NULL && n >= 1 && found, "%s: %s %s", name, pointer,
	    n > 0 ? errs[0].message : "(no error)");
	if (!found && n > 0)
		diag("  first error %s: %s", errs[0].pointer, errs[0].message);
	json_decref(out);
	json_decref(in);
}

int
main(void)
{
	struct observation_error errs[8];
	size_t n, len;
	json_t *in, *out, *view, *again;
	char *bytes, *bytes2;
	char id[OBSERVATION_ID_LEN + 1], id2[OBSERVATION_ID_LEN + 1];
	char big[5000];

	in = load(good);
	out = observation_from_input(in, NOW, errs, 8, &n);
	ok(out != NULL && n == 0, "a good observation is accepted");
	ok(observation_encode(out, &bytes, &len, id) == 0, "encodes");
	is_str(bytes,
	    "{\"category\":\"explosion\",\"count\":{\"qualifier\":\"about\","
	    "\"value\":10},\"location\":{\"form\":\"point\",\"lat_e7\":"
	    "399812345,\"lon_e7\":469301234,\"precision_m\":100},"
	    "\"narrative\":\"Heard from \xc4\x9e.\",\"observed_at\":{\"from\":"
	    "1795875000000,\"to\":1795875000000},\"source\":{\"member\":\"RU\","
	    "\"type\":\"patrol\",\"unit\":\"P-12\"},\"type\":\"observation\","
	    "\"v\":1,\"weapon\":\"artillery\"}",
	    "canonical entry, byte for byte");
	ok(strlen(id) == 64, "id is 64 hex characters");

	/* The view renders back to input form and re-normalizes identically. */
	view = observation_to_view(out);
	again = observation_from_input(view, NOW, errs, 8, &n);
	ok(again != NULL && observation_encode(again, &bytes2, &len, id2) ==
		0 && strcmp(id, id2) == 0,
	    "view -> input -> same canonical bytes and id");
	is_str(json_string_value(json_object_get(view, "observed_at")),
	    "2026-11-28T14:10:00Z", "view shows RFC 3339 time");
	free(bytes2);
	json_decref(again);
	json_decref(view);
	free(bytes);
	json_decref(out);
	json_decref(in);

	/* Defaults: count exact 1, precision 100; key order irrelevant. */
	in = load("{\"location\":{\"lon\":46.93,\"lat\":39.98},"
		  "\"category\":\"burst_or_shot\",\"source\":{\"organisation\":"
		  "\"X\",\"type\":\"media\"},\"observed_at\":{\"from\":"
		  "\"2026-11-28T10:00:00Z\",\"to\":\"2026-11-28T11:00:00Z\"}}");
	out = observation_from_input(in, NOW, errs, 8, &n);
	ok(out != NULL, "minimal observation with an interval accepted");
	ok(out && json_integer_value(json_object_get(
		      json_object_get(out, "count"), "value")) == 1,
	    "count defaults to exact 1");
	ok(out && json_integer_value(json_object_get(
		      json_object_get(out, "location"), "precision_m")) == 100,
	    "precision defaults to 100 m");
	json_decref(out);
	json_decref(in);

	in = load("{\"observed_at\":\"2026-11-28T14:10:00Z\",\"source\":"
		  "{\"type\":\"complaint\",\"organisation\":\"Party A\"},"
		  "\"category\":\"explosion\",\"location\":{\"place\":"
		  "\"A\\u011fdam\",\"bearing_deg\":225.5,\"distance_m\":3000,"
		  "\"distance_error_m\":500},\"alleged_against\":\"Party B\"}");
	out = observation_from_input(in, NOW, errs, 8, &n);
	ok(out != NULL && json_integer_value(json_object_get(
		json_object_get(out, "location"), "bearing_mdeg")) == 225500,
	    "place + bearing + distance form, bearing in millidegrees");
	json_decref(out);
	json_decref(in);

	rejects(with("location", "{\"lat\":90.5,\"lon\":46}"),
	    "/location/lat", "[-90, 90]", "latitude outside +-90");
	rejects(with("location", "{\"lat\":40,\"lon\":-180.1}"),
	    "/location/lon", "[-180, 180]", "longitude outside +-180");
	rejects(with("category", "\"shelling\""), "/category",
	    "is not one of", "unknown category");
	rejects(with("source.type", "\"spy\""), "/source/type",
	    "is not one of", "unknown source type");
	rejects(with("source.member", NULL), "/source",
	    "member or an organisation", "source without member/organisation");
	rejects(with("observed_at", "{\"from\":\"2026-11-28T10:00:00Z\","
				    "\"to\":\"2026-11-28T09:00:00Z\"}"),
	    "/observed_at/to", "ends before", "interval ends before it starts");
	rejects(with("observed_at", "\"2026-11-28T15:00:00Z\""),
	    "/observed_at", "future", "time far in the future");
	rejects(with("observed_at", "\"1989-12-31T00:00:00Z\""),
	    "/observed_at", "1990", "time before 1990");
	rejects(with("observed_at", "\"yesterday\""), "/observed_at",
	    "RFC 3339", "not a date");
	rejects(with("observed_at", "{\"from\":\"2026-01-01T00:00:00Z\","
				    "\"to\":\"2026-11-28T00:00:00Z\"}"),
	    "/observed_at", "31 days", "interval over 31 days");
	rejects(with("count", "{\"value\":0}"), "/count/value",
	    "out of range", "count below 1");
	rejects(with("count", "{\"value\":2.5}"), "/count/value",
	    "whole number", "fractional count");
	rejects(with("count", "{\"value\":3,\"qualifier\":\"many\"}"),
	    "/count/qualifier", "is not one of", "unknown qualifier");
	rejects(with("colour", "\"red\""), "/colour", "unknown field",
	    "unknown top-level field");
	rejects(with("location", "{\"lat\":40,\"lon\":46,\"alt\":3}"),
	    "/location/alt", "unknown field", "unknown nested field");
	rejects(with("location", "{\"lat\":40,\"lon\":46,\"precision_m\":0}"),
	    "/location/precision_m", "out of range", "precision 0");
	rejects(with("location", "{\"place\":\"X\",\"bearing_deg\":360,"
				 "\"distance_m\":10}"),
	    "/location/bearing_deg", "out of range", "bearing 360");
	rejects(with("location", "{}"), "/location", "must be",
	    "empty location");
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	{
		char v[5010];

		snprintf(v, sizeof(v), "\"%s\"", big);
		rejects(with("narrative", v), "/narrative", "limit of 4096",
		    "narrative over its limit");
		snprintf(v, sizeof(v), "\"%.65s\"", big);
		rejects(with("source.unit", v), "/source/unit", "limit of 64",
		    "unit over its limit");
	}
	rejects(with("source.unit", "\"a\\u0001b\""), "/source/unit",
	    "control character", "control character in a name");
	rejects(with("evidence", "[{\"sha256\":\"abc\",\"media_type\":"
				 "\"image/jpeg\"}]"),
	    "/evidence/0/sha256", "64", "evidence digest too short");
	rejects(with("evidence", "[{\"sha256\":\"" "0123456789abcdef0123456789"
				 "abcdef0123456789abcdef0123456789abcdef\","
				 "\"media_type\":\"jpeg\"}]"),
	    "/evidence/0/media_type", "media type", "bad media type");
	rejects(with("casualties", "{\"civilian\":{\"low\":3,\"best\":1}}"),
	    "/casualties/civilian", "below", "casualties low > best");
	rejects(load("[1,2]"), "", "object", "an array is not an observation");
	rejects(with("a~b/c", "1"), "/a~0b~1c", "unknown field",
	    "pointer escapes ~ and /");

	/* The sensor forms: arrivals, bearings, UAV frame. */
	in = with("location", "{\"speed_mps\":343,\"sigma_t_s\":0.002,"
	    "\"source_alt_m\":250.4,\"sensors\":["
	    "{\"lat\":39.95,\"lon\":46.9,\"alt_m\":300,\"t_s\":0},"
	    "{\"lat\":39.96,\"lon\":46.91,\"t_s\":1.2345678901},"
	    "{\"lat\":39.97,\"lon\":46.92,\"alt_m\":-20.6,\"t_ns\":-5}]}");
	out = observation_from_input(in, NOW, errs, 8, &n);
	ok(out != NULL, "arrivals at 3 sensors with a known source height");
	ok(out && observation_encode(out, &bytes, &len, id) == 0 &&
		strstr(bytes, "\"location\":{\"form\":\"arrivals\",\"sensors\":"
		    "[{\"alt_m\":300,\"lat_e7\":399500000,\"lon_e7\":469000000,"
		    "\"t_ns\":0},{\"alt_m\":0,\"lat_e7\":399600000,\"lon_e7\":"
		    "469100000,\"t_ns\":1234567890},{\"alt_m\":-21,\"lat_e7\":"
		    "399700000,\"lon_e7\":469200000,\"t_ns\":-5}],\"sigma_t_ns\":"
		    "2000000,\"source_alt_m\":250,\"speed_mmps\":343000}") !=
		    NULL,
	    "arrivals canonical: e7, integer ns and mm/s, defaults written");
	view = out ? observation_to_view(out) : NULL;
	again = view ? observation_from_input(view, NOW, errs, 8, &n) : NULL;
	ok(again != NULL && observation_encode(again, &bytes2, &len, id2) ==
		0 && strcmp(id, id2) == 0, "arrivals view round trip, same id");
	if (again)
		free(bytes2);
	if (out)
		free(bytes);
	json_decref(again);
	json_decref(view);
	json_decref(out);
	json_decref(in);
	rejects(with("location", "{\"speed_mps\":343,\"sigma_t_s\":0.002,"
	    "\"sensors\":[{\"lat\":1,\"lon\":1,\"t_s\":0},{\"lat\":1,\"lon\":2,"
	    "\"t_s\":0},{\"lat\":2,\"lon\":1,\"t_s\":0}]}"),
	    "/location/sensors", "source_alt_m",
	    "3 sensors need a known source height");
	{
		char v[8192];
		size_t k, o;

		o = (size_t)snprintf(v, sizeof(v), "{\"speed_mps\":343,"
		    "\"sigma_t_s\":0.002,\"sensors\":[");
		for (k = 0; k < 65; k++)
			o += (size_t)snprintf(v + o, sizeof(v) - o,
			    "%s{\"lat\":1,\"lon\":%zu,\"t_s\":0}", k ? "," : "",
			    k);
		snprintf(v + o, sizeof(v) - o, "]}");
		rejects(with("location", v), "/location/sensors",
		    "4 to 64", "65 sensors: over the limit of 64");
	}
	rejects(with("location", "{\"speed_mps\":343,\"sigma_t_s\":0.002,"
	    "\"source_alt_m\":0,\"sensors\":[{\"lat\":1,\"lon\":1,\"t_s\":0,"
	    "\"t_ns\":0},{\"lat\":1,\"lon\":2,\"t_s\":0},{\"lat\":2,\"lon\":1,"
	    "\"t_s\":0}]}"),
	    "/location/sensors/0", "exactly one of t_s",
	    "a time in both seconds and nanoseconds");
	rejects(with("location", "{\"speed_mps\":343,\"sigma_t_s\":0.002,"
	    "\"source_alt_m\":0,\"sensors\":[{\"lat\":1,\"lon\":1,\"t_s\":0},"
	    "{\"lat\":1,\"lon\":2,\"t_s\":700},{\"lat\":2,\"lon\":1,"
	    "\"t_s\":0}]}"),
	    "/location/sensors/1/t_s", "out of range",
	    "an arrival 700 s after observed_at");
	rejects(with("location", "{\"speed_mps\":0.5,\"sigma_t_s\":0.002,"
	    "\"source_alt_m\":0,\"sensors\":[{\"lat\":1,\"lon\":1,\"t_s\":0},"
	    "{\"lat\":1,\"lon\":2,\"t_s\":0},{\"lat\":2,\"lon\":1,"
	    "\"t_s\":0}]}"),
	    "/location/speed_mps", "out of range", "wave speed below 1 m/s");
	rejects(with("location", "{\"speed_mps\":343,\"sigma_t_ns\":0,"
	    "\"source_alt_m\":0,\"sensors\":[{\"lat\":1,\"lon\":1,\"t_s\":0},"
	    "{\"lat\":1,\"lon\":2,\"t_s\":0},{\"lat\":2,\"lon\":1,"
	    "\"t_s\":0}]}"),
	    "/location/sigma_t_ns", "out of range", "timing sigma 0");
	in = with("location", "{\"speed_mps\":343,\"sigma_t_s\":0.002,"
	    "\"source_alt_m\":0,\"sensors\":[{\"lat\":1,\"lon\":1,\"t_s\":0},"
	    "{\"lat\":1,\"lon\":2,\"t_s\":0},{\"lat\":2,\"lon\":1,\"t_s\":0}]}");
	json_object_set_new(in, "observed_at", json_pack("{s:s,s:s}", "from",
	    "2026-11-28T10:00:00Z", "to", "2026-11-28T10:01:00Z"));
	rejects(in, "/observed_at", "instant",
	    "arrivals need an instant to count from");

	in = with("location", "{\"bearings\":[{\"lat\":39.9,\"lon\":46.8,"
	    "\"bearing_deg\":45.5},{\"lat\":39.95,\"lon\":47.0,"
	    "\"bearing_deg\":300,\"sigma_deg\":1.25}]}");
	out = observation_from_input(in, NOW, errs, 8, &n);
	ok(out && observation_encode(out, &bytes, &len, id) == 0 &&
		strstr(bytes, "{\"bearings\":[{"
		    "\"bearing_mdeg\":45500,\"lat_e7\":399000000,\"lon_e7\":"
		    "468000000,\"sigma_mdeg\":2000},{\"bearing_mdeg\":300000,"
		    "\"lat_e7\":399500000,\"lon_e7\":470000000,\"sigma_mdeg\":"
		    "1250}],\"form\":\"bearings\"}") != NULL,
	    "bearings canonical: millidegrees, default sigma 2 degrees");
	view = out ? observation_to_view(out) : NULL;
	again = view ? observation_from_input(view, NOW, errs, 8, &n) : NULL;
	ok(again != NULL && observation_encode(again, &bytes2, &len, id2) ==
		0 && strcmp(id, id2) == 0, "bearings view round trip");
	if (again)
		free(bytes2);
	if (out)
		free(bytes);
	json_decref(again);
	json_decref(view);
	json_decref(out);
	json_decref(in);
	rejects(with("location", "{\"bearings\":[{\"lat\":39.9,\"lon\":46.8,"
	    "\"bearing_deg\":45}]}"),
	    "/location/bearings", "2 to 64", "one bearing cannot triangulate");
	rejects(with("location", "{\"bearings\":[{\"lat\":39.9,\"lon\":46.8,"
	    "\"bearing_deg\":45,\"sigma_deg\":50},{\"lat\":39.9,\"lon\":46.9,"
	    "\"bearing_deg\":300}]}"),
	    "/location/bearings/0/sigma_deg", "out of range",
	    "bearing sigma over 45 degrees");
	rejects(with("location", "{\"bearings\":[{\"lat\":39.9,\"lon\":46.8,"
	    "\"bearing_deg\":45},{\"lat\":39.9,\"lon\":46.9,\"azimuth\":3}]}"),
	    "/location/bearings/1/azimuth", "unknown field",
	    "unknown field in a bearing");

	in = with("location", "{\"lat\":39.9812345,\"lon\":46.93,"
	    "\"ce90_m\":15}");
	out = observation_from_input(in, NOW, errs, 8, &n);
	ok(out && observation_encode(out, &bytes, &len, id) == 0 &&
		strstr(bytes, "{\"ce90_m\":15,\"form\":\"uav_frame\",\"lat_e7\":"
		    "399812345,\"lon_e7\":469300000}") != NULL,
	    "UAV frame centre with CE90");
	view = out ? observation_to_view(out) : NULL;
	again = view ? observation_from_input(view, NOW, errs, 8, &n) : NULL;
	ok(again != NULL && observation_encode(again, &bytes2, &len, id2) ==
		0 && strcmp(id, id2) == 0, "UAV frame view round trip");
	if (again)
		free(bytes2);
	if (out)
		free(bytes);
	json_decref(again);
	json_decref(view);
	json_decref(out);
	json_decref(in);
	rejects(with("location", "{\"lat\":39.9,\"lon\":46.9,\"ce90_m\":0}"),
	    "/location/ce90_m", "out of range", "CE90 of 0 m");
	rejects(with("location", "{\"lat\":39.9,\"lon\":46.9,\"ce90_m\":10001}"),
	    "/location/ce90_m", "out of range", "CE90 over 10 km");
	rejects(with("location", "{\"lat\":39.9,\"lon\":46.9,\"ce90_m\":15,"
	    "\"precision_m\":10}"),
	    "/location/precision_m", "unknown field",
	    "a frame has a CE90, not a precision class");

	/* Several errors are reported at once. */
	in = with("category", "\"nope\"");
	json_object_set_new(in, "extra", json_true());
	out = observation_from_input(in, NOW, errs, 8, &n);
	ok(out == NULL && n == 2, "two problems, two errors (%zu)", n);
	json_decref(in);

	ok(observation_is_category("mine_or_uxo") &&
		!observation_is_category("mine"),
	    "category lookup");
	return done_testing();
}
