/*
 * statedigest: the digests of a store's derived state (store/
 * statedigest.h). The canonical form (reals as integer millionths,
 * clamped), the naming of the first difference between two rows, the
 * kinds' names, and the digest of the incidents a replay with fusion
 * makes, recomputed here from its definition (SHA-256 over uint64be(key)
 * || SHA-256(row) in key order): equal for two replays of the same
 * entries, different only in the ranges covering a changed entry.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "format/increcord.h"
#include "fusion/fusion.h"
#include "record/canon.h"
#include "store/statedigest.h"
#include "store/store.h"
#include "tap.h"

#define N 30

static char entry[N][600];

/* Entry i: an observation, or a note at multiples of 7 and at 0; variant
 * changes the count of observation i. Observations 10 km apart, so each
 * seeds an incident of its own. */
static void
make_entry(int i, int variant)
{
	if (i == 0 || i % 7 == 0)
		snprintf(entry[i], sizeof(entry[i]),
		    "{\"at_ms\":%d,\"text\":\"n%d\",\"type\":\"note\"}", i, i);
	else
		snprintf(entry[i], sizeof(entry[i]),
		    "{\"category\":\"explosion\",\"count\":%d,\"location\":{"
		    "\"form\":\"point\",\"lat_e7\":%d,\"lon_e7\":%d,"
		    "\"precision_m\":100},\"observed_at\":{\"from\":%d,"
		    "\"to\":%d},\"source\":{\"member\":\"RU\",\"type\":"
		    "\"patrol\",\"unit\":\"u%d\"},\"type\":\"observation\","
		    "\"v\":1}",
		    variant ? 9 : 1, 395000000 + 1000000 * i, 465000000,
		    1000 * i, 1000 * i, i);
}

static struct store *
replay(struct fusion *f, int variant_at)
{
	struct store *s = store_open("sqlite", "", STORE_SCRATCH);
	char err[300];
	int i;

	if (s == NULL)
		return NULL;
	store_set_fusion(s, f);
	if (store_begin(s) == -1)
		goto fail;
	for (i = 0; i < N; i++) {
		make_entry(i, i == variant_at);
		if (store_apply_entry(s, i, (const uint8_t *)entry[i],
			strlen(entry[i]), NULL, err, sizeof(err)) == -1) {
			diag("%s", err);
			goto fail;
		}
	}
	if (store_commit(s, N) == -1)
		goto fail;
	store_set_fusion(s, NULL);
	return s;
fail:
	store_close(s);
	return NULL;
}

struct def {
	crypto_hash_sha256_state st;
	int64_t n, last;
	int ordered, has_cursor, reals;
};

/* The digest by its definition, from the rows statedigest_rows lists. */
static int
define(void *ctx, int64_t key, const char *name, const char *row, size_t len)
{
	struct def *d = ctx;
	uint8_t rec[40];
	int k;

	(void)name;
	if (key < d->last)
		d->ordered = 0;
	d->last = key;
	if (strstr(row, "\"cursor\"") != NULL)
		d->has_cursor = 1;
	if (strchr(row, '.') != NULL && strstr(row, "\"lat\":") != NULL &&
	    strstr(row, "\"lat\":4") == NULL)
		d->reals = 1;
	for (k = 0; k < 8; k++)
		rec[k] = (uint8_t)((uint64_t)key >> (56 - 8 * k));
	crypto_hash_sha256(rec + 8, (const uint8_t *)row, len);
	crypto_hash_sha256_update(&d->st, rec, sizeof(rec));
	d->n++;
	return 0;
}

/* Rows read by chunk (store_state_incidents) against the records read one
 * by one (increcord_find), byte for byte. */
struct one_by_one {
	struct store *s;
	int64_t n, same;
	int complaint;	  /* a row had a complaint */
	int members;	  /* a row had two members, in name order */
	int complaints;	  /* a row had two complaints */
	int corroborated; /* a row was corroborated by two incidents */
};

/* Whether the list named key of a canonical row holds two strings or more
 * of n bytes each (ids: 64 hex digits, incidents: 28 bytes). */
static int
two_items(const char *row, const char *key, size_t n)
{
	const char *p = strstr(row, key);

	if (p == NULL)
		return 0;
	p += strlen(key);
	return p[0] == '"' && strlen(p) > n + 3 && p[n + 1] == '"' &&
	    p[n + 2] == ',' && p[n + 3] == '"';
}

static int
compare_one(void *ctx, int64_t key, const char *name, const char *row,
    size_t len)
{
	struct one_by_one *o = ctx;
	json_t *rec = NULL, *canon = NULL;
	char *bytes = NULL;
	size_t n = 0;

	o->n++;
	if (getenv("TEST_SHOW_ROWS") != NULL)
		diag("%.*s", (int)len, row);
	if (memmem(row, len, "\"complaints\":[\"", 15) != NULL)
		o->complaint = 1;
	if (strstr(row, "\"members\":[\"RU\",\"TR\"]") != NULL)
		o->members = 1;
	if (two_items(row, "\"complaints\":[", 64))
		o->complaints = 1;
	if (two_items(row, "\"corroborated_by\":[", 28))
		o->corroborated = 1;
	if (increcord_find(o->s, name, &rec) != 1)
		return 0;
	json_object_del(rec, "cursor");
	json_object_del(rec, "complaint_parties");
	if ((canon = statedigest_canonical(rec)) != NULL &&
	    canon_encode(canon, &bytes, &n) == 0 && n == len &&
	    memcmp(bytes, row, len) == 0 &&
	    json_integer_value(json_object_get(rec, "seed_index")) == key)
		o->same++;
	else
		diag("incident %s: the chunk's row differs", name);
	free(bytes);
	json_decref(canon);
	json_decref(rec);
	return 0;
}

/*
 * The rows written straight as canonical bytes (increcord_chunk_canon)
 * against the jansson records made canonical (increcord_find), on
 * incidents with what the bench's centers lack: two complaints beside two
 * observed incidents, each linked to both (complaints, corroborated_by:
 * the chunk's reads meet a complaint once per link), and two members'
 * observations, one member's twice, in one incident (members, once each
 * in name order). Strings are escaped by
 * the one function canon_encode uses (canon_put_string). The place this
 * scratch store cannot resolve seeds no incident here, so notes are left
 * to the integration tests.
 */
static void
test_rich(struct fusion *f)
{
	static const char *const rich[] = {
		"{\"category\":\"explosion\",\"count\":3,\"location\":{"
		"\"form\":\"point\",\"lat_e7\":395000000,\"lon_e7\":"
		"465000000,\"precision_m\":100},\"observed_at\":{\"from\":"
		"1000,\"to\":2000},\"source\":{\"member\":\"RU\",\"type\":"
		"\"patrol\",\"unit\":\"u\\\"1\\\\\\t\"},\"type\":"
		"\"observation\",\"v\":1}",
		"{\"alleged_against\":\"Party \\u0411\",\"alleged_by\":"
		"\"Party A\",\"category\":\"explosion\",\"location\":{"
		"\"form\":\"point\",\"lat_e7\":395000100,\"lon_e7\":"
		"465000100,\"precision_m\":100},\"observed_at\":{\"from\":"
		"1000,\"to\":2000},\"source\":{\"organisation\":"
		"\"Party \\\"A\\\" \\u00e7\",\"type\":\"complaint\"},"
		"\"type\":\"observation\",\"v\":1}",
		"{\"category\":\"shooting\",\"location\":{\"bearing_mdeg\":"
		"90000,\"distance_m\":3000,\"form\":\"place\",\"place\":"
		"\"Nowhere \\\"x\\\"\"},\"observed_at\":{\"from\":5000,"
		"\"to\":6000},\"source\":{\"member\":\"TR\",\"type\":"
		"\"patrol\",\"unit\":\"u2\"},\"type\":\"observation\","
		"\"v\":1}",
		/* Incident 0 again, by another patrol of RU and one of TR. */
		"{\"category\":\"explosion\",\"count\":2,\"location\":{"
		"\"form\":\"point\",\"lat_e7\":395000000,\"lon_e7\":"
		"465000000,\"precision_m\":100},\"observed_at\":{\"from\":"
		"1000,\"to\":2000},\"source\":{\"member\":\"TR\",\"type\":"
		"\"patrol\",\"unit\":\"t1\"},\"type\":\"observation\","
		"\"v\":1}",
		"{\"category\":\"explosion\",\"count\":3,\"location\":{"
		"\"form\":\"point\",\"lat_e7\":395000000,\"lon_e7\":"
		"465000000,\"precision_m\":100},\"observed_at\":{\"from\":"
		"1000,\"to\":2000},\"source\":{\"member\":\"RU\",\"type\":"
		"\"patrol\",\"unit\":\"u3\"},\"type\":\"observation\","
		"\"v\":1}",
		/* A second observed incident at the same place 20 minutes
		   later, inside both complaints' hour. */
		"{\"category\":\"explosion\",\"count\":1,\"location\":{"
		"\"form\":\"point\",\"lat_e7\":395000000,\"lon_e7\":"
		"465000000,\"precision_m\":100},\"observed_at\":{\"from\":"
		"1200000,\"to\":1300000},\"source\":{\"member\":\"RU\","
		"\"type\":\"patrol\",\"unit\":\"u4\"},\"type\":"
		"\"observation\",\"v\":1}",
		"{\"alleged_against\":\"Party A\",\"alleged_by\":"
		"\"Party B\",\"category\":\"explosion\",\"location\":{"
		"\"form\":\"point\",\"lat_e7\":395000200,\"lon_e7\":"
		"465000200,\"precision_m\":100},\"observed_at\":{\"from\":"
		"1000,\"to\":2000},\"source\":{\"organisation\":"
		"\"Party B\",\"type\":\"complaint\"},"
		"\"type\":\"observation\",\"v\":1}",
	};
	struct store *s = store_open("sqlite", "", STORE_SCRATCH);
	struct one_by_one o = { s, 0, 0, 0, 0, 0, 0 };
	char err[300];
	size_t i;
	int applied = 0;

	if (s == NULL || (store_set_fusion(s, f), store_begin(s)) == -1) {
		ok(0, "a scratch store for the rich incidents");
		store_close(s);
		return;
	}
	for (i = 0; i < sizeof(rich) / sizeof(rich[0]); i++)
		if (store_apply_entry(s, (int64_t)i, (const uint8_t *)rich[i],
			strlen(rich[i]), NULL, err, sizeof(err)) == 0)
			applied++;
		else
			diag("rich entry %zu: %s", i, err);
	store_commit(s, (int64_t)i);
	store_set_fusion(s, NULL);
	is_int(applied, 7, "observations, complaints, a place: applied");
	ok(statedigest_rows(s, STATEDIGEST_INCIDENTS, 0, 7, compare_one, &o) ==
		0,
	    "their incidents' rows");
	ok(o.n >= 4 && o.complaint, "  %lld, with complaints", (long long)o.n);
	ok(o.members, "  an incident's members: RU and TR, once each");
	ok(o.complaints, "  an incident with two complaints");
	ok(o.corroborated, "  a complaint corroborated by two incidents");
	is_int(o.same, o.n,
	    "  each byte for byte the record increcord_find "
	    "reads made canonical");
	store_close(s);
}

static void
test_canonical(void)
{
	json_t *v =
	    json_pack("{s:f,s:[f,i],s:{s:f},s:s,s:f}", "lat", 39.1234567, "cov",
		-2.5, 7, "line", "distance_m", 1e20, "name", "x", "tiny", 1e-9);
	json_t *c = statedigest_canonical(v);

	ok(c != NULL, "canonical form of a record");
	is_int(json_integer_value(json_object_get(c, "lat")), 39123457,
	    "  a real is its nearest integer millionth");
	is_int(json_integer_value(json_array_get(json_object_get(c, "cov"), 0)),
	    -2500000, "  in arrays too, negative ones as well");
	is_int(json_integer_value(json_array_get(json_object_get(c, "cov"), 1)),
	    7, "  integers stay");
	is_int(json_integer_value(
		   json_object_get(json_object_get(c, "line"), "distance_m")),
	    9007199254740991LL, "  a huge real is clamped to 2^53 - 1");
	is_int(json_integer_value(json_object_get(c, "tiny")), 0,
	    "  a real below a millionth is 0");
	is_str(json_string_value(json_object_get(c, "name")), "x",
	    "  strings stay");
	json_decref(v);
	json_decref(c);
}

static void
test_diff(void)
{
	json_t *a = json_pack("{s:s,s:i,s:[{s:s,s:i}],s:[s,s]}", "id", "inc-1",
	    "count", 3, "assessments", "verdict", "confirmed", "revision", 1,
	    "observations", "x", "y");
	json_t *b = json_deep_copy(a);
	char msg[512];

	is_int(statedigest_diff(a, b, msg, sizeof(msg)), 0,
	    "equal rows: no difference");
	json_object_set_new(b, "count", json_integer(7));
	ok(statedigest_diff(a, b, msg, sizeof(msg)) == 1, "a changed count");
	is_str(msg, "count: the center has 3, the replay has 7",
	    "  names the field and both values");
	json_object_set_new(b, "count", json_integer(3));
	json_object_set_new(json_array_get(json_object_get(b, "assessments"),
				0),
	    "verdict", json_string("disputed"));
	statedigest_diff(a, b, msg, sizeof(msg));
	is_str(msg,
	    "assessments[0].verdict: the center has \"confirmed\", the "
	    "replay has \"disputed\"",
	    "a nested field is named by its path");
	json_decref(b);
	b = json_deep_copy(a);
	json_array_append_new(json_object_get(b, "observations"),
	    json_string("z"));
	statedigest_diff(a, b, msg, sizeof(msg));
	is_str(msg,
	    "observations[2]: the center has nothing, the replay has "
	    "\"z\"",
	    "an element only the replay has");
	json_object_del(b, "id");
	statedigest_diff(a, b, msg, sizeof(msg));
	is_str(msg, "id: the center has \"inc-1\", the replay has nothing",
	    "a member only the center has (members in key order)");
	json_decref(a);
	json_decref(b);
}

int
main(void)
{
	struct fusion_geography geo;
	struct fusion *f;
	struct store *s, *t;
	struct def d;
	uint8_t got[32], want[32], other[32], empty[32];
	int64_t n, m;
	int k;

	if (sodium_init() == -1)
		return 1;
	test_canonical();
	test_diff();
	for (k = 0; k < STATEDIGEST_NKINDS; k++)
		if (statedigest_kind(statedigest_kind_name(k)) != k)
			break;
	is_int(k, STATEDIGEST_NKINDS, "every kind's name names it");
	is_int(statedigest_kind("observations"), -1, "an unknown kind: -1");
	is_str(statedigest_kind_name(STATEDIGEST_INCIDENTS), "incidents",
	    "kind 0 is incidents, compared first");

	memset(&geo, 0, sizeof(geo));
	f = fusion_new(&geo);
	ok(f != NULL && (s = replay(f, -1)) != NULL,
	    "a scratch store replays %d entries with fusion", N);
	if (f == NULL || s == NULL)
		return done_testing();
	memset(&d, 0, sizeof(d));
	d.ordered = 1;
	crypto_hash_sha256_init(&d.st);
	ok(statedigest_rows(s, STATEDIGEST_INCIDENTS, 0, N, define, &d) == 0,
	    "the incidents' rows");
	is_int(d.n, 25, "  one per observation (25)");
	ok(d.ordered, "  in key (seed index) order");
	ok(!d.has_cursor, "  without the store's cursor");
	ok(!d.reals, "  with integers only");
	crypto_hash_sha256_final(&d.st, want);
	ok(statedigest_range(s, STATEDIGEST_INCIDENTS, 0, N, got, &n) == 0,
	    "the incidents' digest of [0, %d)", N);
	is_int(n, 25, "  counts 25 rows");
	is_mem(got, want, 32, "  is SHA-256 of key || SHA-256(row), in order");
	{
		struct one_by_one o = { s, 0, 0, 0, 0, 0, 0 };

		ok(statedigest_rows(s, STATEDIGEST_INCIDENTS, 3, 17,
		       compare_one, &o) == 0 &&
			o.n == 12,
		    "the incidents of [3, 17): 12 rows read by chunk");
		is_int(o.same, o.n,
		    "  each byte for byte the record increcord_find reads");
	}
	crypto_hash_sha256(empty, (const uint8_t *)"", 0);
	ok(statedigest_range(s, STATEDIGEST_STATES, 0, N, got, &n) == 0 &&
		n == 0,
	    "no verification state yet: no rows");
	is_mem(got, empty, 32, "  digests the empty string");
	ok(statedigest_range(s, STATEDIGEST_MEMBERS, 0, N, got, &n) == 0 &&
		n == 1,
	    "members: the rule's row alone, without a genesis");
	n = -5;
	ok(statedigest_range(s, STATEDIGEST_INCIDENTS, 0,
	       STATEDIGEST_MAX_SPAN + 1, got, &n) == -1 &&
		n == -5,
	    "a span over STATEDIGEST_MAX_SPAN is refused, *count untouched");
	ok(statedigest_range(s, STATEDIGEST_INCIDENTS, 5, 4, got, &n) == -1,
	    "to < from is refused");
	ok(statedigest_range(s, -1, 0, 4, got, &n) == -1,
	    "an unknown kind is refused");

	ok((t = replay(f, -1)) != NULL, "a second replay of the same entries");
	if (t != NULL) {
		statedigest_range(t, STATEDIGEST_INCIDENTS, 0, N, got, &m);
		is_mem(got, want, 32, "  digests the same");
		store_close(t);
	}
	ok((t = replay(f, 20)) != NULL,
	    "a replay with entry 20's count changed");
	if (t != NULL) {
		statedigest_range(t, STATEDIGEST_INCIDENTS, 0, N, other, &m);
		ok(memcmp(other, want, 32) != 0 && m == 25,
		    "  the whole digest differs, as many rows");
		statedigest_range(s, STATEDIGEST_INCIDENTS, 0, 20, want, &n);
		statedigest_range(t, STATEDIGEST_INCIDENTS, 0, 20, got, &m);
		is_mem(got, want, 32, "  [0, 20) is the same");
		statedigest_range(s, STATEDIGEST_INCIDENTS, 21, N, want, &n);
		statedigest_range(t, STATEDIGEST_INCIDENTS, 21, N, got, &m);
		is_mem(got, want, 32, "  [21, %d) is the same", N);
		statedigest_range(s, STATEDIGEST_INCIDENTS, 20, 21, want, &n);
		statedigest_range(t, STATEDIGEST_INCIDENTS, 20, 21, got, &m);
		ok(memcmp(got, want, 32) != 0, "  [20, 21) differs");
		store_close(t);
	}
	store_close(s);
	test_rich(f);
	fusion_free(f);
	return done_testing();
}
