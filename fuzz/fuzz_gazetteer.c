/*
 * fuzz_gazetteer: "about D metres at bearing B from PLACE" as a monitor
 * writes it, against the Karabakh gazetteer of data/geo (geo/gazetteer.h,
 * fusion/position.h). Two input forms:
 *  - three lines, PLACE, BEARING and DISTANCE (as `truce geo resolve
 *    --place --bearing --distance` takes them: the numbers through the
 *    one number parser): the name is looked up and folded, and the
 *    observation {"location": {"place", "bearing_deg", "distance_m"}} is
 *    validated and resolved to a position as fusion resolves it;
 *  - a JSON observation (starting with "{"): validated, and whatever
 *    location form it has (place, bearings, arrival times, point, frame)
 *    resolved.
 * The data directory is $TRUCE_DATA, else the data/ of the source tree
 * the binary was built in.
 *
 * Promises checked: every match of a lookup has a folding key that
 * matches the query's (exact and folded matches); a resolved position is
 * on the globe with a finite, positive covariance.
 */
#include <jansson.h>
#include <math.h>

#include "common/num.h"
#include "fusion/position.h"
#include "geo/gazetteer.h"
#include "geo/layers.h"
#include "record/observation.h"

#include "fuzz.h"

#define FUZZ_NOW_MS 4102444800000LL

static struct layers *geo;
static struct position_resolver *resolver;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char dir[4096], err[512];

	(void)argc;
	(void)argv;
	if (fuzz_datadir(dir, sizeof(dir)) == -1) {
		fprintf(stderr, "fuzz_gazetteer: no data/geo found (set "
		    "TRUCE_DATA)\n");
		abort();
	}
	if ((geo = layers_load_region(dir, "karabakh", err, sizeof(err))) ==
	    NULL) {
		fprintf(stderr, "fuzz_gazetteer: %s\n", err);
		abort();
	}
	FUZZ_CHECK((resolver = position_resolver_new(layers_gazetteer(geo))) !=
	    NULL);
	return 0;
}

static void
lookup(const char *name)
{
	struct gazetteer_match m[16];
	char key[GAZETTEER_KEY_MAX], mkey[GAZETTEER_KEY_MAX], err[256];
	size_t n, total, i;

	if (gazetteer_lookup(layers_gazetteer(geo), name, m, 16, &n, &total,
	    err, sizeof(err)) == -1)
		return;
	FUZZ_CHECK(n <= 16 && n <= total);
	if (gazetteer_fold(name, key, sizeof(key)) == -1)
		return;
	for (i = 0; i < n; i++)
		if (m[i].how != GAZETTEER_ALIAS &&
		    gazetteer_fold(m[i].matched, mkey, sizeof(mkey)) == 0)
			FUZZ_CHECK(gazetteer_key_match(key, mkey));
}

static void
resolve(const json_t *in)
{
	struct observation_error errs[8];
	struct position pos;
	json_t *entry;
	size_t nerr;

	if ((entry = observation_from_input(in, FUZZ_NOW_MS, errs, 8,
	    &nerr)) == NULL)
		return;
	if (position_resolve(resolver, json_object_get(entry, "location"),
	    json_integer_value(json_object_get(json_object_get(entry,
	    "observed_at"), "from")), &pos) == 0) {
		FUZZ_CHECK(pos.resolved);
		FUZZ_CHECK(isfinite(pos.lat) && fabs(pos.lat) <= 90);
		FUZZ_CHECK(isfinite(pos.lon) && fabs(pos.lon) <= 180);
		FUZZ_CHECK(isfinite(pos.cov[0]) && isfinite(pos.cov[1]) &&
		    isfinite(pos.cov[2]));
		FUZZ_CHECK(pos.cov[0] >= 0 && pos.cov[2] >= 0);
	}
	json_decref(entry);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s, *line[3], *nl;
	double bearing, dist;
	json_t *in;
	int i;

	if (size > 0 && data[0] == '{') {
		if ((in = json_loadb((const char *)data, size,
		    JSON_REJECT_DUPLICATES, NULL)) != NULL) {
			resolve(in);
			json_decref(in);
		}
		return 0;
	}
	if ((s = fuzz_strndup(data, size)) == NULL)
		return 0;
	line[0] = s;
	for (i = 1; i < 3; i++) {
		line[i] = "";
		if ((nl = strchr(line[i - 1], '\n')) != NULL) {
			*nl = '\0';
			line[i] = nl + 1;
		}
	}
	lookup(line[0]);
	if (num_parse_double(line[1], -1e9, 1e9, &bearing, NULL, 0) == 0 &&
	    num_parse_double(line[2], -1e12, 1e12, &dist, NULL, 0) == 0) {
		in = json_pack("{s:s,s:{s:s},s:s,s:{s:s,s:f,s:f}}",
		    "observed_at", "2025-03-01T20:00:00Z", "source", "type",
		    "patrol", "category", "explosion", "location", "place",
		    line[0], "bearing_deg", bearing, "distance_m", dist);
		if (in != NULL) {
			resolve(in);
			json_decref(in);
		}
	}
	free(s);
	return 0;
}
