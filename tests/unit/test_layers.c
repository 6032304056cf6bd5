/*
 * Unit test of geo/layers, the loader: every error names the file, the line
 * or feature and the limit; the postal dump's rules (numbered offices,
 * branches, estimated coordinates, villages under two districts); GeoJSON
 * zones, lines with side names and a zone chained from lines; the center's
 * alias file; the data directory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "geo/gazetteer.h"
#include "geo/geodesy.h"
#include "geo/layers.h"
#include "geo/lines.h"
#include "geo/polygon.h"
#include "tap.h"

static char dir[256];

/* Writes text to dir/name; returns the path (static buffer). */
static const char *
put(const char *name, const char *text)
{
	static char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL)
		return path;
	fputs(text, f);
	fclose(f);
	return path;
}

static int
load(struct layers *l, enum layers_kind kind, const char *name,
    const char *layer, const char *filter_prop, const char *filter_value,
    const char *zone_name, char *err, size_t errlen)
{
	struct layers_file f;

	memset(&f, 0, sizeof(f));
	f.kind = kind;
	f.path = name;
	f.layer = layer;
	f.name_props = "name,NAME";
	f.filter_prop = filter_prop;
	f.filter_value = filter_value;
	f.zone_name = zone_name;
	return layers_load_file(l, dir, &f, err, errlen);
}

#define HDR                                                                  \
	"geonameid,name,asciiname,latitude,longitude,feature_class,"         \
	"feature_code,country_code,admin1_code,admin2_code,population,"      \
	"elevation,dem,timezone,modification_date\n"

static void
test_cities(void)
{
	struct layers *l = layers_new();
	struct gazetteer_match m[4];
	size_t n;
	char err[512], *longline;

	put("c1.csv", HDR "1,Ağdam,Agdam,39.99,46.92,P,PPLA,AZ,03,,39451,,,,\n"
			  "2,\"Quoted, Town\",Quoted,40,47,P,PPL,AZ,03,,10,,,,\n");
	ok(load(l, LAYERS_CITIES500, "c1.csv", NULL, NULL, NULL, NULL, err,
	       sizeof(err)) == 0,
	    "cities500: two rows (one with a quoted comma)");
	ok(gazetteer_lookup(layers_gazetteer(l), "Agdam", m, 4, &n, NULL, err,
	       sizeof(err)) == 0 &&
		n == 1 && m[0].how == GAZETTEER_EXACT &&
		m[0].place->seat && m[0].place->population == 39451 &&
		m[0].place->id == 1,
	    "  asciiname is an alternate name; PPLA is a seat");
	ok(gazetteer_lookup(layers_gazetteer(l), "Quoted, Town", m, 4, &n,
	       NULL, err, sizeof(err)) == 0 &&
		n == 1,
	    "  the quoted name");
	put("c2.csv", HDR "1,A,A,91.5,46,P,PPL,AZ,03,,1,,,,\n");
	ok(load(l, LAYERS_CITIES500, "c2.csv", NULL, NULL, NULL, NULL, err,
	       sizeof(err)) == -1 &&
		strstr(err, "c2.csv:2: latitude '91.5' is out of range") !=
		    NULL,
	    "latitude 91.5: %s", err);
	put("c3.csv", HDR "1,A,A,40,46,P,PPL,AZ,03,,12x,,,,\n");
	ok(load(l, LAYERS_CITIES500, "c3.csv", NULL, NULL, NULL, NULL, err,
	       sizeof(err)) == -1 &&
		strstr(err, "c3.csv:2: population '12x'") != NULL,
	    "population 12x: %s", err);
	put("c4.csv", HDR "1,A,A,40\n");
	ok(load(l, LAYERS_CITIES500, "c4.csv", NULL, NULL, NULL, NULL, err,
	       sizeof(err)) == -1 &&
		strstr(err, "c4.csv:2: 4 fields where the header has 15") !=
		    NULL,
	    "short row: %s", err);
	put("c5.csv", "geonameid,name\n1,A\n");
	ok(load(l, LAYERS_CITIES500, "c5.csv", NULL, NULL, NULL, NULL, err,
	       sizeof(err)) == -1 &&
		strstr(err, "c5.csv:1: the header lacks") != NULL,
	    "no latitude column: %s", err);
	longline = malloc(strlen(HDR) + LAYERS_MAX_LINE + 200);
	memset(longline, 'x', strlen(HDR) + LAYERS_MAX_LINE + 100);
	memcpy(longline, HDR, strlen(HDR));
	longline[strlen(HDR) + LAYERS_MAX_LINE + 100] = '\0';
	put("c6.csv", longline);
	ok(load(l, LAYERS_CITIES500, "c6.csv", NULL, NULL, NULL, NULL, err,
	       sizeof(err)) == -1 &&
		strstr(err, "c6.csv:2: line longer than 4096 bytes") != NULL,
	    "a line above the limit: %s", err);
	free(longline);
	put("c7.csv", HDR "1,\"open,A,40,46\n");
	ok(load(l, LAYERS_CITIES500, "c7.csv", NULL, NULL, NULL, NULL, err,
	       sizeof(err)) == -1 &&
		strstr(err, "c7.csv:2:") != NULL,
	    "an unterminated quote: %s", err);
	ok(load(l, LAYERS_CITIES500, "missing.csv", NULL, NULL, NULL, NULL,
	       err, sizeof(err)) == -1 &&
		strstr(err, "missing.csv: No such file") != NULL,
	    "a missing file: %s", err);
	{
		char path[512];
		FILE *f;

		snprintf(path, sizeof(path), "%s/huge.csv", dir);
		f = fopen(path, "w");
		if (f != NULL) {
			/* Sparse: no disk used. */
			if (ftruncate(fileno(f), LAYERS_MAX_FILE + 1) != 0)
				diag("ftruncate failed");
			fclose(f);
		}
		ok(load(l, LAYERS_CITIES500, "huge.csv", NULL, NULL, NULL,
		       NULL, err, sizeof(err)) == -1 &&
			strstr(err, "more than the limit of 67108864") !=
			    NULL,
		    "a file above 64 MiB: %s", err);
		unlink(path);
	}
	layers_free(l);
}

static void
test_postal(void)
{
	struct layers *l = layers_new();
	struct gazetteer *g;
	struct gazetteer_match m[8];
	size_t n;
	char err[512];

	put("c.csv", HDR "1,Tartar,Tartar,40.34,46.93,P,PPLA,AZ,57,,18000,,,,\n");
	put("p.txt",
	    "AZ\tAZ 0100\t1 Sayli\tTər-Tər\t57\t\t\t\t\t40.40\t46.97\t1\n"
	    "AZ\tAZ 5900\tTər-Tər\tTər-Tər\t57\t\t\t\t\t40.4031\t46.9727\t1\n"
	    "AZ\tAZ 0101\tBaki\tBaki\t09\t\t\t\t\t40.3777\t49.892\t4\n"
	    "AZ\tAZ 0102\tBaki-100\tBaki\t09\t\t\t\t\t40.3777\t49.892\t4\n"
	    "AZ\tAZ 1000\tOtuzikilər\tBərdə\t11\t\t\t\t\t40.3864\t47.2397\t4\n"
	    "AZ\tAZ 2400\tOtuzikilər\tImişli\t24\t\t\t\t\t40.3864\t47.2397\t4\n"
	    "AZ\tAZ 0200\tQaradağli\tAğdam\t03\t\t\t\t\t40.0254\t47.0681\t4\n"
	    "AZ\tAZ 5922\tQaradağli\tTər-Tər\t57\t\t\t\t\t40.4346\t46.9474\t4\n"
	    "AZ\tAZ 5929\tSəhlabad\tTər-Tər\t57\t\t\t\t\t40.3919\t46.9946\t1\n");
	ok(load(l, LAYERS_CITIES500, "c.csv", NULL, NULL, NULL, NULL, err,
	       sizeof(err)) == 0 &&
		load(l, LAYERS_POSTAL, "p.txt", NULL, NULL, NULL, NULL, err,
		    sizeof(err)) == 0,
	    "cities500 then the postal dump");
	g = layers_gazetteer(l);
	/* Tartar, Baki, Otuzikilər, Qaradağli x2, Səhlabad */
	is_int(gazetteer_count(g), 6, "six places from ten rows");
	ok(gazetteer_lookup(g, "Sayli", m, 8, &n, NULL, err, sizeof(err)) ==
		    0 &&
		n == 0,
	    "rule 1: '1 Sayli' (post office no. 1) skipped");
	ok(gazetteer_lookup(g, "Tər-Tər", m, 8, &n, NULL, err, sizeof(err)) ==
		    0 &&
		n == 1 && m[0].place->id == 1 && m[0].how == GAZETTEER_EXACT,
	    "rule 4: estimated Tər-Tər 7 km away merged into Tartar as a "
	    "name");
	ok(gazetteer_lookup(g, "Baki", m, 8, &n, NULL, err, sizeof(err)) ==
		    0 &&
		n == 1 && m[0].place->seat,
	    "rule 2: Baki-100 merged into Baki; rule 5: Baki is a seat");
	ok(gazetteer_lookup(g, "Otuzikilər", m, 8, &n, NULL, err,
	       sizeof(err)) == 0 &&
		n == 1,
	    "rule 4: a village under two districts is one place");
	ok(gazetteer_lookup(g, "Qaradağlı", m, 8, &n, NULL, err,
	       sizeof(err)) == 0 &&
		n == 2,
	    "two villages of one name 46 km apart stay two");
	ok(gazetteer_lookup(g, "Səhlabad", m, 8, &n, NULL, err, sizeof(err)) ==
		    0 &&
		n == 1 && m[0].place->approximate &&
		strcmp(m[0].place->source, "postal") == 0,
	    "rule 3: accuracy 1 is approximate");
	put("p2.txt", "AZ\tAZ 1\tX\tY\t01\t\t\t\t\t40\n");
	ok(load(l, LAYERS_POSTAL, "p2.txt", NULL, NULL, NULL, NULL, err,
	       sizeof(err)) == -1 &&
		strstr(err, "p2.txt:1: 10 tab-separated fields, at least 11") !=
		    NULL,
	    "a short postal row: %s", err);
	put("p3.txt", "AZ\tAZ 1\tX\tY\t01\t\t\t\t\t40\t47\t9\n");
	ok(load(l, LAYERS_POSTAL, "p3.txt", NULL, NULL, NULL, NULL, err,
	       sizeof(err)) == -1 &&
		strstr(err, "p3.txt:1: accuracy '9' is out of range [0, 6]") !=
		    NULL,
	    "accuracy 9: %s", err);
	layers_free(l);
}

static void
test_geojson(void)
{
	struct layers *l = layers_new();
	const struct polygon_layer *const *z;
	const struct lines_layer *const *ln;
	struct lines_nearest near;
	struct geodesy_point p;
	size_t nz, nl;
	char err[512];

	put("z.geojson",
	    "{\"type\":\"FeatureCollection\",\"features\":["
	    "{\"type\":\"Feature\",\"properties\":{\"name\":\"Box\"},"
	    "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":"
	    "[[[46,40],[47,40],[47,41],[46,41],[46,40]]]}},"
	    "{\"type\":\"Feature\",\"properties\":{\"name\":\"Box\"},"
	    "\"geometry\":{\"type\":\"MultiPolygon\",\"coordinates\":"
	    "[[[[48,40],[49,40],[49,41],[48,40]]]]}},"
	    "{\"type\":\"Feature\",\"properties\":{},\"geometry\":"
	    "{\"type\":\"Point\",\"coordinates\":[1,2]}}]}");
	ok(load(l, LAYERS_ZONES, "z.geojson", "boxes", NULL, NULL, NULL, err,
	       sizeof(err)) == 0,
	    "zones: a Polygon and a MultiPolygon of one name, a Point skipped");
	z = layers_zones(l, &nz);
	ok(nz == 1 && polygon_layer_zone_count(z[0]) == 1 &&
		strcmp(polygon_layer_name(z[0]), "boxes") == 0,
	    "  one layer, one zone (features of one name merge)");
	p.lat = 40.1;
	p.lon = 48.5;
	is_int(polygon_layer_zone_contains(z[0], 0, &p), 1,
	    "  the zone holds both parts");
	put("bad1.geojson", "{\"type\":\"FeatureCollection\",\n\"features\":[}");
	ok(load(l, LAYERS_ZONES, "bad1.geojson", "x", NULL, NULL, NULL, err,
	       sizeof(err)) == -1 &&
		strstr(err, "bad1.geojson:2:") != NULL,
	    "invalid JSON names line and column: %s", err);
	put("bad2.geojson", "{\"type\":\"Feature\"}");
	ok(load(l, LAYERS_ZONES, "bad2.geojson", "x", NULL, NULL, NULL, err,
	       sizeof(err)) == -1 &&
		strstr(err, "not a GeoJSON FeatureCollection") != NULL,
	    "not a FeatureCollection: %s", err);
	put("bad3.geojson",
	    "{\"type\":\"FeatureCollection\",\"features\":["
	    "{\"type\":\"Feature\",\"properties\":{\"name\":\"B\"},"
	    "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":"
	    "[[[46,40],[47,40],[47,41],[46,41],[46,40]],"
	    "[[46.2,40.2],[46.3,95],[46.3,40.3],[46.2,40.2]]]}}]}");
	ok(load(l, LAYERS_ZONES, "bad3.geojson", "x", NULL, NULL, NULL, err,
	       sizeof(err)) == -1 &&
		strstr(err, "feature 0 (B): hole 1 position 1: out of range") !=
		    NULL,
	    "a bad position named by feature, ring, position: %s", err);
	put("bad4.geojson", "{\"type\":\"FeatureCollection\",\"features\":[]}");
	ok(load(l, LAYERS_ZONES, "bad4.geojson", "x", NULL, NULL, NULL, err,
	       sizeof(err)) == -1 &&
		strstr(err, "no Polygon or MultiPolygon") != NULL,
	    "no polygon at all: %s", err);
	{
		/* A ring of 100,002 positions (above the limit). */
		size_t i, cap = 100002 * 24 + 512, w;
		char *s = malloc(cap);

		w = (size_t)snprintf(s, cap,
		    "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":"
		    "\"Feature\",\"properties\":{\"name\":\"Big\"},"
		    "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[");
		for (i = 0; i < 100002; i++)
			w += (size_t)snprintf(s + w, cap - w, "%s[%zu.5,1]",
			    i ? "," : "", i % 100);
		snprintf(s + w, cap - w, "]]}}]}");
		put("big.geojson", s);
		free(s);
		ok(load(l, LAYERS_ZONES, "big.geojson", "x", NULL, NULL, NULL,
		       err, sizeof(err)) == -1 &&
			strstr(err, "100002 positions, more than the limit "
				    "of 100001") != NULL,
		    "a ring above the vertex limit: %s", err);
	}
	put("l.geojson",
	    "{\"type\":\"FeatureCollection\",\"features\":["
	    "{\"type\":\"Feature\",\"properties\":{\"name\":\"Line A\","
	    "\"brk_name_l\":null,\"adm0_left\":\"West\",\"brk_name_r\":"
	    "\"East\"},\"geometry\":{\"type\":\"LineString\",\"coordinates\":"
	    "[[46,40],[46,41]]}},"
	    "{\"type\":\"Feature\",\"properties\":{\"name\":null,"
	    "\"adm0_left\":\"Left\",\"adm0_right\":\"Right\"},\"geometry\":"
	    "{\"type\":\"MultiLineString\",\"coordinates\":"
	    "[[[50,40],[50,41]],[[51,40],[51,41]]]}},"
	    "{\"type\":\"Feature\",\"properties\":{\"name\":\"Other\"},"
	    "\"geometry\":{\"type\":\"LineString\",\"coordinates\":"
	    "[[0,0],[1,1]]}}]}");
	ok(load(l, LAYERS_LINES, "l.geojson", "front", "name", "Line A", NULL,
	       err, sizeof(err)) == 0,
	    "lines filtered by name");
	ln = layers_lines(l, &nl);
	ok(nl == 1 && lines_layer_feature_count(ln[0]) == 1,
	    "  only Line A taken");
	p.lat = 40.5;
	p.lon = 46.1;
	ok(lines_layer_nearest(ln[0], &p, &near) == 0 &&
		strcmp(near.side_name, "East") == 0,
	    "  east of a northward line: right, brk_name_r 'East'");
	p.lon = 45.9;
	ok(lines_layer_nearest(ln[0], &p, &near) == 0 &&
		strcmp(near.side_name, "West") == 0,
	    "  west: left, adm0_left when brk_name_l is null");
	ok(load(l, LAYERS_LINES, "l.geojson", "all", NULL, NULL, NULL, err,
	       sizeof(err)) == 0,
	    "all lines");
	ln = layers_lines(l, &nl);
	ok(nl == 2 && lines_layer_feature_count(ln[1]) == 3 &&
		strcmp(lines_layer_feature_name(ln[1], 1), "Left / Right") ==
		    0,
	    "  an unnamed line is named by its sides");
	ok(load(l, LAYERS_LINES, "l.geojson", "none", "name", "Nope", NULL,
	       err, sizeof(err)) == -1 &&
		strstr(err, "passes the filter") != NULL,
	    "a filter that takes nothing: %s", err);
	/* A zone from line pieces: a square in two pieces. */
	put("ring.geojson",
	    "{\"type\":\"FeatureCollection\",\"features\":["
	    "{\"type\":\"Feature\",\"properties\":{\"name\":\"b\"},"
	    "\"geometry\":{\"type\":\"LineString\",\"coordinates\":"
	    "[[46,40],[47,40],[47,41]]}},"
	    "{\"type\":\"Feature\",\"properties\":{\"name\":\"b\"},"
	    "\"geometry\":{\"type\":\"LineString\",\"coordinates\":"
	    "[[46,40.001],[46,41],[47,41.001]]}}]}");
	ok(load(l, LAYERS_ZONE_FROM_LINES, "ring.geojson", "old", "name", "b",
	       "Old square", err, sizeof(err)) == 0,
	    "a zone chained from two line pieces (gaps of 111 m)");
	z = layers_zones(l, &nz);
	p.lat = 40.5;
	p.lon = 46.5;
	ok(nz >= 2 && strcmp(polygon_layer_name(z[nz - 1]), "old") == 0 &&
		strcmp(polygon_layer_zone_name(z[nz - 1], 0), "Old square") ==
		    0 &&
		polygon_layer_zone_contains(z[nz - 1], 0, &p) == 1,
	    "  it contains its centre");
	put("ring2.geojson",
	    "{\"type\":\"FeatureCollection\",\"features\":["
	    "{\"type\":\"Feature\",\"properties\":{\"name\":\"b\"},"
	    "\"geometry\":{\"type\":\"LineString\",\"coordinates\":"
	    "[[46,40],[47,40],[47,41]]}},"
	    "{\"type\":\"Feature\",\"properties\":{\"name\":\"b\"},"
	    "\"geometry\":{\"type\":\"LineString\",\"coordinates\":"
	    "[[46,40.05],[46,41],[47,41.001]]}}]}");
	ok(load(l, LAYERS_ZONE_FROM_LINES, "ring2.geojson", "old2", "name",
	       "b", "Gappy", err, sizeof(err)) == -1 &&
		strstr(err, "zone Gappy") != NULL &&
		strstr(err, "snap tolerance of 1000 m") != NULL,
	    "a 5.6 km gap is refused: %s", err);
	layers_free(l);
}

static void
test_aliases_datadir(void)
{
	struct layers *l = layers_new();
	struct gazetteer_match m[4];
	size_t n;
	char err[512], path[512], buf[512];

	put("c.csv", HDR "1,Tartar,Tartar,40.34,46.93,P,PPLA,AZ,57,,18000,,,,\n"
			 "2,Tartar,Tartar,41.34,46.93,P,PPL,AZ,58,,100,,,,\n");
	load(l, LAYERS_CITIES500, "c.csv", NULL, NULL, NULL, NULL, err,
	    sizeof(err));
	put("a.txt", "# the center's names\n\nHQ town\tTartar\tAZ\t57\n");
	snprintf(path, sizeof(path), "%s/a.txt", dir);
	ok(layers_load_aliases(l, path, err, sizeof(err)) == 0,
	    "an alias file");
	ok(gazetteer_lookup(layers_gazetteer(l), "HQ Town", m, 4, &n, NULL,
	       err, sizeof(err)) == 0 &&
		n == 1 && m[0].place->id == 1,
	    "  its alias finds the place");
	put("a2.txt", "ok\tTartar\tAZ\t57\nonly-one-field\n");
	ok(layers_load_aliases(l, path, err, sizeof(err)) == 0 &&
		layers_load_aliases(l, put("a2.txt",
					   "ok\tTartar\tAZ\t57\n"
					   "only-one-field\n"),
		    err, sizeof(err)) == -1 &&
		strstr(err, "a2.txt:2: expected 2 to 4") != NULL,
	    "a line of one field: %s", err);
	ok(layers_load_aliases(l, put("a3.txt", "x\tTartar\n"), err,
	       sizeof(err)) == -1 &&
		strstr(err, "a3.txt:1: alias x: 2 places") != NULL,
	    "an ambiguous target named with its line: %s", err);
	setenv("TRUCE_DATA", "/srv/truce/data", 1);
	ok(layers_datadir(buf, sizeof(buf)) == 0 &&
		strcmp(buf, "/srv/truce/data") == 0,
	    "data dir from $TRUCE_DATA");
	unsetenv("TRUCE_DATA");
	ok(layers_datadir(buf, sizeof(buf)) == 0 && strlen(buf) >= 4 &&
		strcmp(buf + strlen(buf) - 4, "data") == 0,
	    "data dir without it: %s", buf);
	ok(layers_datadir(buf, 3) == -1, "a buffer too small: -1");
	ok(layers_load_region(dir, "crimea", err, sizeof(err)) == NULL &&
		strstr(err, "unknown region 'crimea'") != NULL,
	    "an unknown region: %s", err);
	ok(layers_load_region(dir, "karabakh", err, sizeof(err)) == NULL &&
		strstr(err, "geonames_cities500_AZ_AM.csv") != NULL,
	    "a data dir without the files names the first: %s", err);
	layers_free(l);
	layers_free(NULL);
}

int
main(void)
{
	const char *tmp = getenv("TMPDIR");
	char cmd[600];

	snprintf(dir, sizeof(dir), "%s/truce-layers.XXXXXX",
	    tmp ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL) {
		ok(0, "mkdtemp");
		return done_testing();
	}
	test_cities();
	test_postal();
	test_geojson();
	test_aliases_datadir();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		diag("could not remove %s", dir);
	return done_testing();
}
