/*
 * Unit test of geo/describe: OSCE-style distances, the reference-settlement
 * rule on synthetic places (where population outweighs distance and where
 * it does not), and golden descriptions of real points of data/geo. The
 * distances to the lines in the golden cases were checked independently by
 * sampling each segment of the line with PROJ's geod (+n_S=2000) and taking
 * the smallest `geod -I` distance:
 *   jq '... Ceasefire Line 1994 segments ...' | geod +lat_1=.. +n_S=2000 |
 *   awk '{print "40.34201 46.93161", $1, $2}' | geod -I -F %.3f | sort -k3n
 *   -> 4666.731 m (Terter), 18261.778 m (Ağdam), 20703.914 m (the Donbas
 *   line from 48.2450N 38.2080E).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "geo/describe.h"
#include "geo/gazetteer.h"
#include "geo/geodesy.h"
#include "geo/layers.h"
#include "geo/lines.h"
#include "geo/polygon.h"
#include "tap.h"

static void
test_format(void)
{
	static const struct {
		double m;
		const char *s;
	} c[] = {
		{ 0, "0 m" },	      { 44, "40 m" },	    { 94, "90 m" },
		{ 95, "100 m" },      { 849, "800 m" },	    { 850, "900 m" },
		{ 949, "900 m" },     { 950, "1 km" },	    { 2400, "2.4 km" },
		{ 2449, "2.4 km" },   { 2450, "2.5 km" },   { 3000, "3 km" },
		{ 3049, "3 km" },     { 9949, "9.9 km" },   { 9950, "10 km" },
		{ 12400, "12 km" },   { 125600, "126 km" },
	};
	char buf[32];
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		ok(describe_format_distance(c[i].m, buf, sizeof(buf)) == 0,
		    "format %g m", c[i].m);
		is_str(buf, c[i].s, "  as OSCE SMM writes it");
	}
	ok(describe_format_distance(-1, buf, sizeof(buf)) == -1 &&
		describe_format_distance(NAN, buf, sizeof(buf)) == -1,
	    "negative or NaN refused");
	ok(describe_format_distance(2400, buf, 4) == -1,
	    "a buffer too small refused");
}

/* Adds a settlement at distance d, bearing az from c. */
static const struct gazetteer_place *
place_at(struct gazetteer *g, const char *name,
    const struct geodesy_point *c, double az, double d, long long pop,
    int approx)
{
	struct geodesy_point p;
	struct gazetteer_place t;
	const struct gazetteer_place *out = NULL;
	char err[256];

	geodesy_direct(c, az, d, &p, NULL);
	memset(&t, 0, sizeof(t));
	t.name = name;
	t.country = "XX";
	t.source = "test";
	t.lat = p.lat;
	t.lon = p.lon;
	t.population = pop;
	t.approximate = approx;
	if (gazetteer_add(g, &t, &out, err, sizeof(err)) == -1)
		diag("%s", err);
	return out;
}

static void
test_rule(void)
{
	struct geodesy_point c = { 40, 47 };
	struct gazetteer *g = gazetteer_new();
	const struct gazetteer_place *village, *town, *approx;
	struct describe_ref r;
	char text[128];

	ok(fabs(describe_score(1000, 0) - 1000 / pow(log10(310), 2)) < 1e-9,
	    "unknown population counts as %d", DESCRIBE_UNKNOWN_POPULATION);
	ok(describe_score(1000, 40000) < describe_score(1000, 300),
	    "at equal distance the larger place scores lower (better)");
	/* A village of 300 1 km west; a town of 40,000 3.3 km east. */
	village = place_at(g, "Village", &c, 270, 1000, 300, 0);
	town = place_at(g, "Town", &c, 90, 3300, 40000, 0);
	approx = place_at(g, "Estimated", &c, 0, 100, 0, 1);
	ok(village && town && approx, "three places");
	ok(describe_reference(g, &c, &r) == 0 && r.place == town,
	    "a town of 40,000 at 3.3 km beats a village of 300 at 1 km");
	ok(describe_relative(&r, text, sizeof(text)) == 0 &&
		strcmp(text, "3.3 km west of Town") == 0,
	    "  \"%s\" (bearing from the town to the point)", text);
	gazetteer_free(g);

	g = gazetteer_new();
	village = place_at(g, "Village", &c, 270, 1000, 300, 0);
	town = place_at(g, "Town", &c, 90, 3500, 40000, 0);
	ok(describe_reference(g, &c, &r) == 0 && r.place == village,
	    "at 3.5 km (3.5 times as far) the village wins");
	ok(describe_relative(&r, text, sizeof(text)) == 0 &&
		strcmp(text, "1 km east of Village") == 0,
	    "  \"%s\"", text);
	gazetteer_free(g);

	g = gazetteer_new();
	approx = place_at(g, "Estimated", &c, 0, 100, 0, 1);
	town = place_at(g, "Far town", &c, 180, 45000, 90000, 0);
	ok(describe_reference(g, &c, &r) == 0 && r.place == town,
	    "nothing located within 30 km: the nearest settlement beyond, "
	    "never an approximate place when a located one exists");
	ok(describe_relative(&r, text, sizeof(text)) == 0 &&
		strcmp(text, "45 km north of Far town") == 0,
	    "  \"%s\"", text);
	gazetteer_free(g);

	g = gazetteer_new();
	approx = place_at(g, "Estimated", &c, 0, 40000, 0, 1);
	ok(describe_reference(g, &c, &r) == 0 && r.place == approx,
	    "only an approximate place: it is used");
	gazetteer_free(g);
	g = gazetteer_new();
	ok(describe_reference(g, &c, &r) == -1, "an empty gazetteer: -1");
	place_at(g, "Here", &c, 0, 50, 10, 0);
	ok(describe_reference(g, &c, &r) == 0 &&
		describe_relative(&r, text, sizeof(text)) == 0 &&
		strcmp(text, "in Here") == 0,
	    "within %g m: \"%s\"", DESCRIBE_IN_M, text);
	gazetteer_free(g);
}

struct golden {
	const char *why;
	double lat, lon;
	const char *text;
	const char *zones; /* "layer/zone;..." */
	const char *nearest;
};

static void
zones_string(const struct describe_result *r, char *buf, size_t len)
{
	size_t i, n = 0;

	buf[0] = '\0';
	for (i = 0; i < r->nzones; i++)
		n += (size_t)snprintf(buf + n, n < len ? len - n : 0, "%s%s/%s",
		    i ? ";" : "", r->zones[i].layer, r->zones[i].zone);
}

static const struct describe_line *
line_of(const struct describe_result *r, const char *layer)
{
	size_t i;

	for (i = 0; i < r->nlines; i++)
		if (strcmp(r->lines[i].layer, layer) == 0)
			return &r->lines[i];
	return NULL;
}

static void
golden(struct layers *l, const struct golden *gc, size_t n,
    struct describe_result *r)
{
	const struct polygon_layer *const *z;
	const struct lines_layer *const *ln;
	size_t nz, nl, i;
	char zs[512], err[256];

	z = layers_zones(l, &nz);
	ln = layers_lines(l, &nl);
	for (i = 0; i < n; i++) {
		struct geodesy_point p = { gc[i].lat, gc[i].lon };

		ok(describe_point(layers_gazetteer(l), z, nz, ln, nl, &p, r,
		       err, sizeof(err)) == 0,
		    "describe %s (%g, %g)", gc[i].why, p.lat, p.lon);
		is_str(r->text, gc[i].text, "  its description");
		zones_string(r, zs, sizeof(zs));
		is_str(zs, gc[i].zones, "  zones");
		ok(r->have_nearest &&
			strcmp(r->nearest.place->name, gc[i].nearest) == 0,
		    "  nearest settlement %s", gc[i].nearest);
	}
}

static void
test_karabakh(struct layers *l)
{
	static const struct golden g[] = {
		{ "2.4 km at 45° from Ağdam (geod: 40.006242326 46.947235093)",
		    40.006242326, 46.947235093, "2.4 km north-east of Ağdam",
		    "countries/Azerbaijan;area_1994_2020/Nagorno-Karabakh",
		    "Ağdam" },
		{ "the centre of Xankəndi", 39.8177, 46.7528, "in Xankandi",
		    "countries/Azerbaijan;area_1994_2020/Nagorno-Karabakh;"
		    "nkao_1991/Nagorno-Karabakh Autonomous Oblast (1991)",
		    "Xankandi" },
		{ "600 m from the village Seydimli, 3.8 km from Terter",
		    40.3760, 46.9324, "600 m north of Seydimli",
		    "countries/Azerbaijan", "Seydimli" },
		{ "1.2 km from Seydimli but 2 km from Terter (pop. 18,185)",
		    40.3600, 46.9320, "2 km north of Terter",
		    "countries/Azerbaijan", "Seydimli" },
		{ "Terter", 40.34201, 46.93161, "in Terter",
		    "countries/Azerbaijan", "Terter" },
		{ "7 km from Ağdam, 5.6 km from the village Mahrizli", 40.02,
		    47.0, "7 km east-north-east of Ağdam",
		    "countries/Azerbaijan;area_1994_2020/Nagorno-Karabakh",
		    "Mahrizli" },
	};
	struct describe_result *r = malloc(sizeof(*r));
	const struct describe_line *dl;
	struct geodesy_point p;
	json_t *j;
	char err[256], *s;
	size_t nz, nl;
	const struct polygon_layer *const *z = layers_zones(l, &nz);
	const struct lines_layer *const *ln = layers_lines(l, &nl);

	golden(l, g, sizeof(g) / sizeof(g[0]), r);
	/* The reference of the first case, in detail. */
	p.lat = g[0].lat;
	p.lon = g[0].lon;
	describe_point(layers_gazetteer(l), z, nz, ln, nl, &p, r, err,
	    sizeof(err));
	ok(fabs(r->reference.distance_m - 2400) < 0.01 &&
		fabs(r->reference.bearing_deg - 45) < 1e-5 &&
		strcmp(r->reference.compass, "NE") == 0,
	    "  Ağdam: 2400 m at 45° (NE), back from geod's end point");
	/* Lines: Terter, 4.7 km from the 1994 line, on Azerbaijan's side. */
	p.lat = 40.34201;
	p.lon = 46.93161;
	describe_point(layers_gazetteer(l), z, nz, ln, nl, &p, r, err,
	    sizeof(err));
	dl = line_of(r, "ceasefire_line_1994");
	ok(dl != NULL && fabs(dl->nearest.where.distance_m - 4666.731) < 0.05,
	    "Terter: %.3f m from the 1994 line (geod sampling: 4666.731)",
	    dl ? dl->nearest.where.distance_m : -1);
	ok(dl != NULL && dl->nearest.where.side == -1 &&
		strcmp(dl->nearest.side_name, "Azerbaijan") == 0,
	    "  on the left, Azerbaijan's side");
	p.lat = 39.99096;
	p.lon = 46.92736;
	describe_point(layers_gazetteer(l), z, nz, ln, nl, &p, r, err,
	    sizeof(err));
	dl = line_of(r, "ceasefire_line_1994");
	ok(dl != NULL && fabs(dl->nearest.where.distance_m - 18261.778) < 0.05,
	    "Ağdam: %.3f m from the 1994 line (geod sampling: 18261.778)",
	    dl ? dl->nearest.where.distance_m : -1);
	ok(dl != NULL && dl->nearest.where.side == 1 &&
		strcmp(dl->nearest.side_name, "Nagorno-Karabakh") == 0,
	    "  on the right, the side held by Nagorno-Karabakh 1994-2020");
	ok(line_of(r, "nkao_1991_boundary") != NULL &&
		line_of(r, "international_boundaries") != NULL,
	    "  and distances to the NKAO boundary and the borders");
	/* JSON. */
	j = describe_to_json(r);
	s = j ? json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(12)) : NULL;
	ok(s != NULL && strstr(s, "\"description\":\"in Ağdam\"") != NULL &&
		strstr(s, "\"zones\":[{\"layer\":\"countries\",\"zone\":"
			  "\"Azerbaijan\"}") != NULL &&
		strstr(s, "\"distance_m\":18261.8") != NULL,
	    "JSON: description, zones, line distance");
	free(s);
	json_decref(j);
	p.lat = 91;
	ok(describe_point(layers_gazetteer(l), z, nz, ln, nl, &p, r, err,
	       sizeof(err)) == -1 &&
		strstr(err, "-90..90") != NULL,
	    "latitude 91 refused: %s", err);
	free(r);
}

static void
test_donbas(struct layers *l)
{
	static const struct golden g[] = {
		{ "814 m from Krasnyy Oktyabr’ (979), 1.3 km from Yenakiieve "
		  "(77,053)",
		    48.2450, 38.2080, "1.3 km north of Yenakiieve",
		    "areas_2014_2022/Donbass", "Krasnyy Oktyabr’" },
		{ "300 m from Krasnyy Oktyabr’", 48.2527, 38.2, 
		    "300 m north of Krasnyy Oktyabr’",
		    "areas_2014_2022/Donbass", "Krasnyy Oktyabr’" },
		{ "south of Donetsk", 48.0, 37.8, "2.6 km south of Donetsk",
		    "areas_2014_2022/Donbass", "Donetsk" },
		{ "Horlivka", 48.33576, 38.05325, "in Horlivka",
		    "areas_2014_2022/Donbass", "Horlivka" },
	};
	struct describe_result *r = malloc(sizeof(*r));
	const struct describe_line *dl;

	golden(l, g, sizeof(g) / sizeof(g[0]), r);
	{
		size_t nz, nl;
		const struct polygon_layer *const *z = layers_zones(l, &nz);
		const struct lines_layer *const *ln = layers_lines(l, &nl);
		struct geodesy_point p = { 48.2450, 38.2080 };
		char err[256];

		describe_point(layers_gazetteer(l), z, nz, ln, nl, &p, r, err,
		    sizeof(err));
		dl = line_of(r, "donbas_line");
		ok(dl != NULL &&
			fabs(dl->nearest.where.distance_m - 20703.914) < 0.05,
		    "%.3f m from the Donbas line (geod sampling: 20703.914)",
		    dl ? dl->nearest.where.distance_m : -1);
	}
	free(r);
}

int
main(void)
{
	char data[1024], err[512];
	const char *top = getenv("TRUCE_TOP");
	struct layers *l;

	test_format();
	test_rule();
	snprintf(data, sizeof(data), "%s/data", top ? top : ".");
	if ((l = layers_load_region(data, "karabakh", err, sizeof(err))) ==
	    NULL)
		diag("%s", err);
	ok(l != NULL, "karabakh layers load");
	if (l != NULL)
		test_karabakh(l);
	layers_free(l);
	if ((l = layers_load_region(data, "donbas", err, sizeof(err))) == NULL)
		diag("%s", err);
	ok(l != NULL, "donbas layers load");
	if (l != NULL)
		test_donbas(l);
	layers_free(l);
	return done_testing();
}
