/*
 * geodigest and record/geography: the digest of a geography is stable,
 * follows its definition (SHA-256 of the canonical listing, checked here
 * against a listing written by hand), and changes when a byte of a file
 * the region reads changes or a file (the alias file) is added — not when
 * a file the region does not read appears beside them. The `geography`
 * entry and the genesis member read back; malformed ones are refused.
 */
#include <sys/stat.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "geo/geodigest.h"
#include "geo/layers.h"
#include "record/geography.h"
#include "tap.h"

#define CITIES "geo/geonames_cities500_UA_donetsk_luhansk.csv"
#define AREAS "geo/ne10m_donbass_crimea_breakaway_areas_and_line.geojson"

static char dir[256];

static void
write_file(const char *rel, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	if ((f = fopen(path, "wb")) == NULL) {
		perror(path);
		exit(1);
	}
	fputs(text, f);
	fclose(f);
}

static void
hex_sha256(const char *text, char hex[GEODIGEST_HEX_LEN])
{
	uint8_t h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, (const uint8_t *)text, strlen(text));
	sodium_bin2hex(hex, GEODIGEST_HEX_LEN, h, sizeof(h));
}

static void
test_definition(void)
{
	struct geodigest g;
	char want[GEODIGEST_HEX_LEN], err[256];
	const char *listing = "truce-geography 1\nregion none\n"
	    "param describe_search_m 30000\n"
	    "param describe_unknown_population 300\n"
	    "param describe_in_m 100\nparam layers_chain_snap_m 1000\n";

	ok(geodigest_compute(dir, "none", NULL, &g, err, sizeof(err)) == 0,
	    "region none: a digest without files");
	hex_sha256(listing, want);
	is_str(g.digest, want, "it is the SHA-256 of the listing by hand");
	is_int((int)g.nfiles, 0, "no files");
}

static void
test_files(void)
{
	struct geodigest a, b, c;
	char err[256] = "", path[512], want[GEODIGEST_HEX_LEN], alias[512];

	write_file(CITIES, "geonameid,name\n1,Horlivka\n");
	write_file(AREAS, "{\"type\":\"FeatureCollection\",\"features\":[]}");
	ok(geodigest_compute(dir, "donbas", NULL, &a, err, sizeof(err)) == 0,
	    "donbas: computed (%s)", err);
	ok(geodigest_compute(dir, "donbas", NULL, &b, err, sizeof(err)) == 0 &&
	    strcmp(a.digest, b.digest) == 0, "stable: twice the same digest");
	ok(strlen(a.digest) == 64 && strspn(a.digest, "0123456789abcdef") ==
	    64, "64 lower-case hex digits");
	is_int((int)a.nfiles, 2, "the file read twice is listed once");
	ok(strcmp(a.path[0], CITIES) == 0 && strcmp(a.path[1], AREAS) == 0,
	    "relative paths in sorted order");
	hex_sha256("geonameid,name\n1,Horlivka\n", want);
	is_str(a.sha256[0], want, "each file's own SHA-256");

	write_file(CITIES, "geonameid,name\n1,Horlivkb\n");
	ok(geodigest_compute(dir, "donbas", NULL, &b, err, sizeof(err)) == 0 &&
	    strcmp(a.digest, b.digest) != 0, "one byte changed: another "
	    "digest");
	write_file(CITIES, "geonameid,name\n1,Horlivka\n");
	ok(geodigest_compute(dir, "donbas", NULL, &b, err, sizeof(err)) == 0 &&
	    strcmp(a.digest, b.digest) == 0, "the byte restored: the digest "
	    "again");

	write_file("geo/unrelated.csv", "x\n");
	ok(geodigest_compute(dir, "donbas", NULL, &b, err, sizeof(err)) == 0 &&
	    strcmp(a.digest, b.digest) == 0, "a file the region does not read "
	    "changes nothing");

	write_file("aliases.tsv", "Gorlovka\tHorlivka\n");
	snprintf(alias, sizeof(alias), "%s/aliases.tsv", dir);
	ok(geodigest_compute(dir, "donbas", alias, &c, err, sizeof(err)) ==
	    0 && strcmp(a.digest, c.digest) != 0, "an alias file added: "
	    "another digest");
	ok(c.nfiles == 3 && strcmp(c.path[0], GEODIGEST_ALIASES) == 0,
	    "listed as %s", GEODIGEST_ALIASES);
	ok(geodigest_compute(dir, "donbas", "", &b, err, sizeof(err)) == 0 &&
	    strcmp(a.digest, b.digest) == 0, "an empty alias path: none");

	ok(geodigest_compute(dir, "none", NULL, &b, err, sizeof(err)) == 0 &&
	    strcmp(a.digest, b.digest) != 0, "another region: another digest");

	snprintf(path, sizeof(path), "%s/%s", dir, AREAS);
	unlink(path);
	ok(geodigest_compute(dir, "donbas", NULL, &b, err, sizeof(err)) ==
	    -1 && strstr(err, AREAS) != NULL, "a missing file: -1 naming it "
	    "(%s)", err);
	ok(geodigest_compute(dir, "atlantis", NULL, &b, err, sizeof(err)) ==
	    -1 && strstr(err, "atlantis") != NULL, "an unknown region: -1");
}

static void
test_real_data(void)
{
	struct geodigest g;
	char data[LAYERS_MAX_PATH], err[256];

	if (layers_datadir(data, sizeof(data)) == -1 ||
	    geodigest_compute(data, "karabakh", NULL, &g, err, sizeof(err)) ==
	    -1) {
		ok(0, "karabakh from %s: %s", data, err);
		return;
	}
	is_int((int)g.nfiles, 7, "karabakh reads 7 files (one of them for "
	    "three layers)");
}

static void
test_entries(void)
{
	struct geodigest g;
	const char *digest, *region;
	char err[256], *text;
	json_t *e, *genesis;

	ok(geodigest_compute(dir, "none", NULL, &g, err, sizeof(err)) == 0,
	    "a geography");
	e = geography_entry(&g, "", "@local", 1700000000000LL);
	ok(e != NULL && geography_read(e, &digest, &region, err,
	    sizeof(err)) == 1 && strcmp(digest, g.digest) == 0 &&
	    strcmp(region, "none") == 0, "a geography entry reads back");
	text = json_dumps(e, JSON_COMPACT | JSON_SORT_KEYS);
	ok(text != NULL && geography_maybe((const uint8_t *)text,
	    strlen(text)) && !geography_fused((const uint8_t *)text,
	    strlen(text)), "its bytes name a geography and word nothing");
	free(text);
	genesis = json_pack("{s:s,s:o}", "type", "genesis", "geography",
	    geography_json(&g));
	ok(geography_read(genesis, &digest, &region, err, sizeof(err)) ==
	    1 && strcmp(digest, g.digest) == 0, "the genesis member reads "
	    "back");
	json_object_del(genesis, "geography");
	is_int(geography_read(genesis, &digest, &region, err, sizeof(err)),
	    0, "a genesis without it (an older center) names none");
	json_object_set_new(e, "digest", json_string("ABC"));
	ok(geography_read(e, &digest, &region, err, sizeof(err)) == -1 &&
	    strstr(err, "/digest") != NULL, "a malformed digest: -1 (%s)",
	    err);
	json_decref(e);
	json_decref(genesis);
	e = json_pack("{s:s}", "type", "observation");
	is_int(geography_read(e, &digest, &region, err, sizeof(err)), 0,
	    "an observation names none");
	json_decref(e);
	ok(geography_fused((const uint8_t *)"{\"type\":\"incident_split\"}",
	    25), "a split is worded by fusion");
}

int
main(void)
{
	char sub[300];

	snprintf(dir, sizeof(dir), "%s/geodigest.XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(sub, sizeof(sub), "%s/geo", dir);
	mkdir(sub, 0700);
	test_definition();
	test_files();
	test_real_data();
	test_entries();
	snprintf(sub, sizeof(sub), "rm -rf '%s'", dir);
	if (system(sub) != 0)
		diag("could not remove %s", dir);
	return done_testing();
}
