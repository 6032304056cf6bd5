/*
 * Unit test of format/obsfeature: the text renderer writes, byte for byte,
 * what jansson dumps of the reference tree (the server's answer before the
 * text renderer existed) for observations of every location form,
 * instants and intervals, casualties, evidence, complaints, and narratives
 * with escapes and non-ASCII text; for reals over their whole range; and it
 * declines (so the reference answers) for entries that are not canonical.
 */
#include <stdlib.h>
#include <time.h>

#include <sodium.h>

#include "format/obsfeature.h"
#include "record/canon.h"
#include "record/observation.h"
#include "tap.h"

#define NOW 1795875600000LL /* 2026-11-28T14:20:00Z */

static uint64_t seed = 0x7275636531ULL;

static uint64_t
next(void)
{
	uint64_t z = (seed += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static int64_t
between(int64_t lo, int64_t hi)
{
	return lo + (int64_t)(next() % (uint64_t)(hi - lo + 1));
}

/* The reference text, or NULL if the reference cannot render entry. */
static char *
reference(int64_t index, const char *entry, size_t len)
{
	json_t *f = obsfeature_json(index, entry, len);
	char *s = f ? json_dumps(f, OBSFEATURE_JSON_FLAGS) : NULL;

	json_decref(f);
	return s;
}

static int nsame, ndiff;

/* Renders entry both ways; they must agree and the text way must take it. */
static void
same(int64_t index, const char *entry, size_t len, const char *name)
{
	struct obsfeature_text t = { NULL, 0, 0 };
	char *want = reference(index, entry, len);
	uint8_t id[32];
	int rc;

	/* Every other entry passes its id as the store would. */
	crypto_hash_sha256(id, (const uint8_t *)entry, len);
	obsfeature_text_add(&t, "[", 1);
	rc = obsfeature_write(&t, index, entry, len, index % 2 ? id : NULL);
	if (want != NULL && rc == 0 && t.len == strlen(want) + 1 &&
	    memcmp(t.p + 1, want, t.len - 1) == 0)
		nsame++;
	else {
		ndiff++;
		ok(0, "%s: the text renderer writes the reference", name);
		diag("  entry: %.*s", (int)len, entry);
		diag("  want:  %s", want ? want : "(none)");
		diag("  got:   %.*s (rc %d)", (int)(t.len ? t.len - 1 : 0),
		    t.p + 1, rc);
	}
	free(want);
	free(t.p);
}

/* entry is declined by the text renderer; obsfeature_append still answers
 * as the reference does. */
static void
declined(const char *entry, const char *name)
{
	struct obsfeature_text t = { NULL, 0, 0 };
	size_t len = strlen(entry);
	char *want = reference(7, entry, len);
	int rc;

	obsfeature_text_add(&t, "xy", 2);
	rc = obsfeature_write(&t, 7, entry, len, NULL);
	ok(rc == -1 && t.len == 2, "%s: declined, buffer as it was", name);
	rc = obsfeature_append(&t, 7, entry, len, NULL);
	if (want == NULL)
		ok(rc == -1 && t.len == 2, "%s: neither renders it", name);
	else
		ok(rc == 0 && t.len == strlen(want) + 2 &&
		    memcmp(t.p + 2, want, t.len - 2) == 0,
		    "%s: append falls back to the reference", name);
	free(want);
	free(t.p);
}

/* Validates and encodes an input-form observation; renders it both ways. */
static void
observed(const char *input, const char *name)
{
	struct observation_error errs[4];
	size_t n, len;
	json_error_t e;
	json_t *in = json_loads(input, 0, &e), *entry;
	char *bytes, id[OBSERVATION_ID_LEN + 1];

	entry = in ? observation_from_input(in, NOW, errs, 4, &n) : NULL;
	if (entry == NULL || observation_encode(entry, &bytes, &len, id) ==
	    -1) {
		ok(0, "%s: a valid observation (%s)", name,
		    in == NULL ? e.text : n ? errs[0].message : "?");
		json_decref(in);
		json_decref(entry);
		return;
	}
	same((int64_t)between(0, 2000000000), bytes, len, name);
	free(bytes);
	json_decref(entry);
	json_decref(in);
}

/* Encodes a canonical entry built here (no validation); renders both ways. */
static void
encoded(json_t *entry, const char *name)
{
	char *bytes;
	size_t len;

	if (canon_encode(entry, &bytes, &len) == -1) {
		ok(0, "%s: encodes", name);
		json_decref(entry);
		return;
	}
	same(between(0, 1LL << 40), bytes, len, name);
	free(bytes);
	json_decref(entry);
}

static const char *const narratives[] = {
	"Heard from the observation post.",
	"\\u011eazax: \\u0130\\u015f\\u0131q, \\u00c7\\u00f6\\u011f",
	"line one\\nline two\\r\\n\\ttabbed",
	"a \\\"quoted\\\" word and a back\\\\slash and a /slash/",
	"a tab \\t and a vertical bar |",
	"\\u0410\\u0433\\u0434\\u0430\\u043c \\u0531\\u0563\\u0564\\u0561\\u0574",
	"emoji \\ud83d\\udca5 and \\u20ac and \\ufeff",
	"\\\\u0041 is not an escape here",
	"",
};

static void
observations(void)
{
	static const char *const cats[] = { "explosion", "burst_or_shot",
		"projectile_in_flight", "muzzle_flash", "other" };
	/* Arrivals and bearings are fixed: their numbers are checked by
	 * reals() below. */
	static const char *const arrivals[] = {
		"{\"sensors\":[{\"lat\":39.9,\"lon\":46.9,\"t_s\":0.5},"
		"{\"lat\":39.91,\"lon\":46.92,\"alt_m\":120,\"t_ns\":1500000},"
		"{\"lat\":39.95,\"lon\":46.87,\"t_s\":1.25},"
		"{\"lat\":39.93,\"lon\":46.95,\"t_ns\":-2000}],"
		"\"speed_mps\":343,\"sigma_t_s\":0.001}",
		"{\"sensors\":[{\"lat\":39.9,\"lon\":46.9,\"t_ns\":1},"
		"{\"lat\":39.91,\"lon\":46.92,\"t_ns\":2},"
		"{\"lat\":39.95,\"lon\":46.87,\"t_ns\":3}],"
		"\"speed_mps\":299792458,\"sigma_t_ns\":40,"
		"\"source_alt_m\":1500}",
		"{\"bearings\":[{\"lat\":39.9,\"lon\":46.9,\"bearing_deg\":45},"
		"{\"lat\":40.01,\"lon\":46.7,\"bearing_deg\":359.999,"
		"\"sigma_deg\":0.5}]}",
	};
	char in[4096], loc[1024], lat[32], lon[32], at[128], extra[1024];
	size_t i, form;
	int64_t t;

	for (i = 0; i < 2000; i++) {
		form = i % 8;
		snprintf(lat, sizeof(lat), "%.7f",
		    (double)between(-900000000, 900000000) / 1e7);
		snprintf(lon, sizeof(lon), "%.7f",
		    (double)between(-1800000000, 1800000000) / 1e7);
		if (i % 7 == 0)
			snprintf(lat, sizeof(lat), "%s", i % 2 ? "0" : "-0.00001");
		if (form == 0)
			snprintf(loc, sizeof(loc), "{\"lat\":%s,\"lon\":%s,"
			    "\"precision_m\":%d}", lat, lon,
			    (int)between(1, 100000));
		else if (form == 1)
			snprintf(loc, sizeof(loc), "{\"lat\":%s,\"lon\":%s}",
			    lat, lon);
		else if (form == 2)
			snprintf(loc, sizeof(loc), "{\"place\":\"A\\u011fdam "
			    "\\\"centre\\\"\",\"bearing_deg\":%d.%03d,"
			    "\"distance_m\":%d}", (int)between(0, 359),
			    (int)between(0, 999), (int)between(0, 1000000));
		else if (form == 3)
			snprintf(loc, sizeof(loc), "{\"place\":\"Shusha\","
			    "\"bearing_deg\":0,\"distance_m\":%d,"
			    "\"distance_error_m\":250}", (int)between(0, 1000000));
		else if (form == 4)
			snprintf(loc, sizeof(loc), "{\"lat\":%s,\"lon\":%s,"
			    "\"ce90_m\":%d}", lat, lon, (int)between(1, 10000));
		else
			snprintf(loc, sizeof(loc), "%s", arrivals[form - 5]);
		t = between(1262304000000LL, NOW - 40LL * 86400000);
		/* Times in RFC 3339: instants, ms precision, intervals. */
		{
			char a[40], b[40];
			int64_t s = t / 1000, ms = i % 4 == 1 ? t % 1000 : 0;
			int64_t end = s + between(0, 31LL * 86400);
			struct tm tm;
			time_t tt = (time_t)s;

			gmtime_r(&tt, &tm);
			strftime(a, sizeof(a), "%Y-%m-%dT%H:%M:%S", &tm);
			tt = (time_t)end;
			gmtime_r(&tt, &tm);
			strftime(b, sizeof(b), "%Y-%m-%dT%H:%M:%S", &tm);
			if (form == 5 || form == 6 || i % 2 == 0)
				snprintf(at, sizeof(at), "\"%s.%03lldZ\"", a,
				    (long long)ms);
			else
				snprintf(at, sizeof(at),
				    "{\"from\":\"%sZ\",\"to\":\"%sZ\"}", a, b);
		}
		extra[0] = '\0';
		if (i % 5 == 0)
			snprintf(extra + strlen(extra),
			    sizeof(extra) - strlen(extra),
			    ",\"casualties\":{\"civilian\":{\"low\":0,"
			    "\"best\":1,\"high\":%d}%s}", (int)between(1, 99),
			    i % 10 == 0 ? ",\"military\":{\"low\":2,\"best\":2,"
			    "\"high\":3}" : "");
		if (i % 4 == 0)
			snprintf(extra + strlen(extra),
			    sizeof(extra) - strlen(extra),
			    ",\"evidence\":[{\"sha256\":\"%064d\","
			    "\"media_type\":\"image/jpeg\"},{\"sha256\":"
			    "\"%s\",\"media_type\":\"video/mp4\"}]", 0,
			    "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822c"
			    "d15d6c15b0f00a08");
		if (i % 3 != 2)
			snprintf(extra + strlen(extra),
			    sizeof(extra) - strlen(extra),
			    ",\"narrative\":\"%s\"",
			    narratives[i % (sizeof(narratives) /
				sizeof(narratives[0]))]);
		if (i % 6 == 0)
			snprintf(extra + strlen(extra),
			    sizeof(extra) - strlen(extra),
			    ",\"count\":{\"value\":%d,\"qualifier\":\"%s\"},"
			    "\"weapon\":\"mortar\"", (int)between(1, 1000000),
			    i % 12 ? "about" : "at_least");
		if (i % 8 == 3)
			snprintf(in, sizeof(in), "{\"observed_at\":%s,"
			    "\"source\":{\"type\":\"complaint\","
			    "\"organisation\":\"Party \\\"A\\\" \\u00e7\"},"
			    "\"category\":\"%s\",\"location\":%s,"
			    "\"alleged_by\":\"Party A\",\"alleged_against\":"
			    "\"Party \\u0411\"%s}", at, cats[i % 5], loc, extra);
		else
			snprintf(in, sizeof(in), "{\"observed_at\":%s,"
			    "\"source\":{\"type\":\"patrol\",\"member\":\"%s\""
			    "%s},\"category\":\"%s\",\"location\":%s%s}", at,
			    i % 2 ? "RU" : "TR", i % 3 ? ",\"unit\":\"P-12\"" : "",
			    cats[i % 5], loc, extra);
		observed(in, "observation");
	}
}

/* Reals: every scale the entries use, over their whole range and edges. */
static void
reals(void)
{
	static const int64_t edges[] = { 0, 1, -1, 9, 10, 99, 100, 999, 1000,
		1001, -1000, 12345, 100000, 1000000, 10000000, -10000000,
		123456789, 900000000, -900000000, 1800000000, -1800000000,
		1799999999, 9999999999LL, 10000000000LL, 12345678901LL,
		299792458000LL, 300000000000LL, 9007199254740991LL,
		-9007199254740991LL };
	json_t *e;
	size_t i;
	int64_t a, b;

	for (i = 0; i < 3000; i++) {
		if (i < sizeof(edges) / sizeof(edges[0])) {
			a = edges[i];
			b = edges[sizeof(edges) / sizeof(edges[0]) - 1 - i];
		} else if (i % 3 == 0) {
			a = between(-2000, 2000);
			b = between(-2000000, 2000000);
		} else {
			a = between(-9007199254740991LL, 9007199254740991LL) >>
			    between(0, 52);
			b = between(-1800000000, 1800000000);
		}
		e = json_pack("{s:s,s:i,s:{s:I,s:I},s:{s:s,s:I,s:I,s:I},"
		    "s:{s:s,s:s}}", "type", "observation", "v", 1,
		    "observed_at", "from", (json_int_t)0, "to", (json_int_t)0,
		    "location", "form", "point", "lat_e7", (json_int_t)a,
		    "lon_e7", (json_int_t)b, "precision_m", (json_int_t)a,
		    "source", "type", "patrol", "member", "RU");
		encoded(e, "point with extreme coordinates");
		e = json_pack("{s:s,s:{s:I,s:I},s:{s:s,s:[{s:I,s:I,s:I,s:I}],"
		    "s:I,s:I}}", "type", "observation", "observed_at", "from",
		    (json_int_t)b, "to", (json_int_t)b,
		    "location", "form", "arrivals", "sensors", "alt_m",
		    (json_int_t)a, "lat_e7", (json_int_t)b, "lon_e7",
		    (json_int_t)a, "t_ns", (json_int_t)b, "sigma_t_ns",
		    (json_int_t)a, "speed_mmps", (json_int_t)a);
		encoded(e, "arrivals with extreme speed");
		e = json_pack("{s:s,s:{s:I,s:I},s:{s:s,s:[{s:I,s:I,s:I,s:I}]}}",
		    "type", "observation", "observed_at", "from", (json_int_t)0,
		    "to", (json_int_t)0, "location", "form", "bearings",
		    "bearings", "bearing_mdeg", (json_int_t)a, "lat_e7",
		    (json_int_t)a, "lon_e7", (json_int_t)b, "sigma_mdeg",
		    (json_int_t)b);
		encoded(e, "bearings with extreme angles");
		e = json_pack("{s:s,s:{s:I,s:I},s:{s:s,s:I,s:I,s:s}}",
		    "type", "observation", "observed_at", "from", (json_int_t)a,
		    "to", (json_int_t)a, "location", "form", "place",
		    "bearing_mdeg", (json_int_t)a, "distance_m", (json_int_t)b,
		    "place", "X");
		encoded(e, "place with an extreme bearing");
	}
}

int
main(void)
{
	struct obsfeature_text t = { NULL, 0, 0 };
	const char *point = "{\"category\":\"explosion\",\"location\":{\"form\":"
	    "\"point\",\"lat_e7\":399812345,\"lon_e7\":469301234,"
	    "\"precision_m\":100},\"observed_at\":{\"from\":1795875000000,"
	    "\"to\":1795875000000},\"source\":{\"member\":\"RU\",\"type\":"
	    "\"patrol\"},\"type\":\"observation\",\"v\":1}";
	const char *want;

	observations();
	reals();
	/* The validator refuses control characters other than line breaks;
	 * the text renderer still writes them as jansson does (\u00XX). */
	encoded(json_pack("{s:s,s:{s:I,s:I},s:{s:s,s:I,s:I,s:I},s:s,"
	    "s:{s:s,s:s}}", "type", "observation", "observed_at", "from",
	    (json_int_t)0, "to", (json_int_t)1, "location", "form", "point",
	    "lat_e7", (json_int_t)1, "lon_e7", (json_int_t)2, "precision_m",
	    (json_int_t)3, "narrative", "\x01\x08\x0b\x1a\x1f\x7f\\u001f\"/",
	    "source", "type", "complaint", "organisation", "\x1b[0m"),
	    "control characters");
	ok(ndiff == 0 && nsame > 10000, "%d entries render the same both "
	    "ways, %d differ", nsame, ndiff);

	/* The known answer, spelled out once. */
	want = "{\"type\":\"Feature\",\"id\":\"c57a59ec6491bcf7384c0bd01c88b24f"
	    "fc5ea0453d3dda20d342a94ed178263e\",\"geometry\":{\"type\":"
	    "\"Point\",\"coordinates\":[46.9301234,39.9812345]},"
	    "\"properties\":{\"observed_at\":\"2026-11-28T14:10:00Z\","
	    "\"location\":{\"lat\":39.9812345,\"lon\":46.9301234,"
	    "\"precision_m\":100},\"source\":{\"member\":\"RU\",\"type\":"
	    "\"patrol\"},\"category\":\"explosion\",\"index\":42}}";
	ok(obsfeature_write(&t, 42, point, strlen(point), NULL) == 0 &&
	    t.len == strlen(want) && memcmp(t.p, want, t.len) == 0,
	    "a point observation, known answer");
	free(t.p);

	/* Entries that are not canonical, or not observations. */
	declined("", "empty");
	declined("[]", "an array");
	declined("{\"type\":\"decision\"}", "not an observation");
	declined(" {\"type\":\"observation\"}", "white space");
	{
		char buf[1024];
		static const struct {
			const char *from, *to, *name;
		} mutations[] = {
			{ "\"v\":1", "\"v\":1.0", "a real" },
			{ "\"v\":1", "\"v\":1e0", "an exponent" },
			{ "\"v\":1", "\"v\":01", "a leading zero" },
			{ "\"v\":1", "\"v\":-0", "minus zero" },
			{ "\"v\":1", "\"v\":12345678901234567890",
			    "a number beyond 64 bits" },
			{ "\"v\":1", "\"v\":1,\"v\":2", "a repeated key" },
			{ "\"v\":1", "\"v\":1,\"a\":2", "unsorted keys" },
			{ "\"RU\"", "\"R\\/U\"", "an escaped slash" },
			{ "\"RU\"", "\"\\u0052U\"", "an escaped letter" },
			{ "\"RU\"", "\"R\\u000aU\"", "\\u for \\n" },
			{ "\"RU\"", "\"R\\u0000U\"", "an escaped NUL" },
			{ "\"RU\"", "\"R\\xU\"", "a bad escape" },
			{ "\"RU\"", "\"R\xc3\x28U\"", "invalid UTF-8" },
			{ "\"RU\"", "\"R\xed\xa0\x80U\"", "a UTF-8 surrogate" },
			{ "\"RU\"", "\"R\xc0\xafU\"", "overlong UTF-8" },
			{ "\"RU\"", "\"R\x01U\"", "a raw control character" },
			{ "\"point\"", "\"circle\"", "an unknown location form" },
			{ "\"lat_e7\":399812345", "\"lat_e7\":\"x\"",
			    "a latitude that is no integer" },
			{ ",\"precision_m\":100", "", "no precision" },
			{ "\"from\":1795875000000", "\"from\":null",
			    "a null time" },
			{ "\"type\":\"patrol\"}", "\"type\":\"patrol\"} ",
			    "trailing white space" },
			{ "\"v\":1}", "\"v\":1}x", "trailing junk" },
			{ "\"v\":1}", "\"v\":1", "no end" },
		};
		size_t i;
		const char *at;

		for (i = 0; i < sizeof(mutations) / sizeof(mutations[0]);
		     i++) {
			at = strstr(point, mutations[i].from);
			snprintf(buf, sizeof(buf), "%.*s%s%s",
			    (int)(at - point), point, mutations[i].to,
			    at + strlen(mutations[i].from));
			declined(buf, mutations[i].name);
		}
	}
	return done_testing();
}
