/*
 * geodata: data/geo -> struct region. See geodata.h. The files are
 * third-party (Natural Earth, public domain; GeoNames, CC BY 4.0): they are
 * read defensively, with every size bounded.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "common/log.h"
#include "common/num.h"
#include "format/csv.h"
#include "sim/geodata.h"
#include "sim/region.h"

/* A GeoJSON file and the features of it to take (key == value, or all). */
struct layer {
	const char *file;
	const char *key; /* NULL: every feature */
	const char *value;
};

struct region_def {
	const char *name;
	const char *members;
	struct layer line;
	struct layer area;
	const char *cities; /* GeoNames cities500 CSV */
	const char *postal; /* GeoNames postal TSV, or NULL */
};

static const struct region_def regions[] = {
	{ "karabakh", "RU,TR",
	    { "ne10m_karabakh_ceasefire1994_and_nkao1991_lines.geojson", "name",
		"Ceasefire Line 1994" },
	    { "ne10m_nagorno_karabakh_breakaway_area.geojson", NULL, NULL },
	    "geonames_cities500_AZ_AM.csv", "geonames_postal_AZ.txt" },
	{ "donbas", "RU,UA",
	    { "ne10m_donbass_crimea_breakaway_areas_and_line.geojson",
		"featurecla", "Breakaway" },
	    { "ne10m_donbass_crimea_breakaway_areas_and_line.geojson",
		"BRK_NAME", "Donbass" },
	    "geonames_cities500_UA_donetsk_luhansk.csv", NULL },
};
#define NREGIONS (sizeof(regions) / sizeof(regions[0]))

static const struct region_def *
find_region(const char *name)
{
	size_t i;

	for (i = 0; i < NREGIONS; i++)
		if (strcmp(regions[i].name, name) == 0)
			return &regions[i];
	return NULL;
}

const char *
geodata_region_members(const char *name)
{
	const struct region_def *d = find_region(name);

	return d ? d->members : NULL;
}

static int
path_of(char *buf, size_t len, const char *dir, const char *file)
{
	if ((size_t)snprintf(buf, len, "%s/%s", dir, file) >= len) {
		log_warnx("%s/%s: path too long", dir, file);
		return -1;
	}
	return 0;
}

static json_t *
load_geojson(const char *path)
{
	struct stat st;
	json_error_t jerr;
	json_t *doc = NULL;

	if (stat(path, &st) == -1) {
		log_warn("%s", path);
		goto out;
	}
	if (st.st_size > GEODATA_MAX_FILE) {
		log_warnx("%s: larger than the %ld MiB limit", path,
		    GEODATA_MAX_FILE >> 20);
		goto out;
	}
	doc = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (doc == NULL) {
		log_warnx("%s:%d: %s", path, jerr.line, jerr.text);
		goto out;
	}
	if (!json_is_array(json_object_get(doc, "features"))) {
		log_warnx("%s: not a GeoJSON FeatureCollection", path);
		json_decref(doc);
		doc = NULL;
	}
out:
	return doc;
}

static int
position(const json_t *pt, double *lon, double *lat)
{
	if (!json_is_array(pt) || json_array_size(pt) < 2 ||
	    !json_is_number(json_array_get(pt, 0)) ||
	    !json_is_number(json_array_get(pt, 1)))
		return -1;
	*lon = json_number_value(json_array_get(pt, 0));
	*lat = json_number_value(json_array_get(pt, 1));
	return 0;
}

static int
add_linestring(struct region *r, const json_t *coords)
{
	double lon1, lat1, lon2, lat2;
	size_t i;

	if (!json_is_array(coords))
		return -1;
	for (i = 1; i < json_array_size(coords); i++) {
		if (position(json_array_get(coords, i - 1), &lon1, &lat1) ||
		    position(json_array_get(coords, i), &lon2, &lat2) ||
		    region_add_segment(r, lon1, lat1, lon2, lat2) == -1)
			return -1;
	}
	return 0;
}

static int
add_polygon(struct region *r, const json_t *rings)
{
	const json_t *ring;
	double *xy = NULL;
	size_t i, k, n;
	int ret = -1;

	if (!json_is_array(rings))
		goto out;
	json_array_foreach(rings, k, ring)
	{
		n = json_array_size(ring);
		if (n < 4 || n > REGION_MAX_RING_POINTS)
			goto out;
		free(xy);
		if ((xy = malloc(n * 2 * sizeof(double))) == NULL)
			goto out;
		for (i = 0; i < n; i++)
			if (position(json_array_get(ring, i), &xy[2 * i],
				&xy[2 * i + 1]) == -1)
				goto out;
		if (region_add_ring(r, xy, n) == -1)
			goto out;
	}
	ret = 0;
out:
	free(xy);
	return ret;
}

/* Adds the features of layer l: lines as segments, polygons as rings. */
static int
load_layer(struct region *r, const char *dir, const struct layer *l,
    int want_lines, size_t *added)
{
	char path[4096];
	json_t *doc = NULL, *f, *g, *c, *part;
	const char *type, *v;
	size_t i, k;
	int ret = -1, bad;

	*added = 0;
	if (path_of(path, sizeof(path), dir, l->file) == -1 ||
	    (doc = load_geojson(path)) == NULL)
		goto out;
	json_array_foreach(json_object_get(doc, "features"), i, f)
	{
		if (l->key != NULL) {
			v = json_string_value(
			    json_object_get(json_object_get(f, "properties"),
				l->key));
			if (v == NULL || strcmp(v, l->value) != 0)
				continue;
		}
		g = json_object_get(f, "geometry");
		type = json_string_value(json_object_get(g, "type"));
		c = json_object_get(g, "coordinates");
		if (type == NULL)
			continue;
		bad = 0;
		if (want_lines && strcmp(type, "LineString") == 0)
			bad = add_linestring(r, c);
		else if (want_lines && strcmp(type, "MultiLineString") == 0) {
			json_array_foreach(c, k, part) bad |=
			    add_linestring(r, part);
		} else if (!want_lines && strcmp(type, "Polygon") == 0)
			bad = add_polygon(r, c);
		else if (!want_lines && strcmp(type, "MultiPolygon") == 0) {
			json_array_foreach(c, k, part) bad |=
			    add_polygon(r, part);
		} else
			continue;
		if (bad) {
			log_warnx("%s: feature %zu: bad or too large %s", path,
			    i, type);
			goto out;
		}
		(*added)++;
	}
	ret = 0;
out:
	json_decref(doc);
	return ret;
}

static FILE *
open_bounded(const char *path)
{
	struct stat st;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL) {
		log_warn("%s", path);
		return NULL;
	}
	if (fstat(fileno(f), &st) == -1 || st.st_size > GEODATA_MAX_FILE) {
		log_warnx("%s: unreadable or larger than the %ld MiB limit",
		    path, GEODATA_MAX_FILE >> 20);
		fclose(f);
		return NULL;
	}
	return f;
}

/* Reads one line into buf; 1 read, 0 end of file, -1 too long. */
static int
read_line(FILE *f, char *buf, size_t len)
{
	size_t n;

	if (fgets(buf, (int)len, f) == NULL)
		return 0;
	n = strlen(buf);
	if (n == len - 1 && buf[n - 1] != '\n')
		return -1;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	return 1;
}

/* GeoNames cities500 CSV: a header row naming name, latitude, longitude. */
static int
load_cities(struct region *r, const char *dir, const char *file)
{
	char path[4096], line[GEODATA_MAX_LINE], err[128];
	struct csv_record *rec = NULL;
	long cname = -1, clat = -1, clon = -1;
	size_t i, lineno = 0;
	double lat, lon;
	FILE *f = NULL;
	int ret = -1, rc;

	if (path_of(path, sizeof(path), dir, file) == -1 ||
	    (f = open_bounded(path)) == NULL ||
	    (rec = csv_record_new()) == NULL)
		goto out;
	while ((rc = read_line(f, line, sizeof(line))) == 1) {
		lineno++;
		if (csv_parse(rec, line, strlen(line), err, sizeof(err)) != 1) {
			log_warnx("%s:%zu: %s", path, lineno,
			    err[0] ? err : "quoted field spans lines");
			goto out;
		}
		if (lineno == 1) {
			for (i = 0; i < csv_record_count(rec); i++) {
				const char *h = csv_record_field(rec, i);

				if (strcmp(h, "name") == 0)
					cname = (long)i;
				else if (strcmp(h, "latitude") == 0)
					clat = (long)i;
				else if (strcmp(h, "longitude") == 0)
					clon = (long)i;
			}
			if (cname < 0 || clat < 0 || clon < 0) {
				log_warnx("%s:1: header lacks name, latitude "
					  "or longitude",
				    path);
				goto out;
			}
			continue;
		}
		if (csv_record_count(rec) <= (size_t)cname ||
		    csv_record_count(rec) <= (size_t)clat ||
		    csv_record_count(rec) <= (size_t)clon ||
		    num_parse_double(csv_record_field(rec, (size_t)clat), -90,
			90, &lat, err, sizeof(err)) == -1 ||
		    num_parse_double(csv_record_field(rec, (size_t)clon), -180,
			180, &lon, err, sizeof(err)) == -1) {
			log_warnx("%s:%zu: bad row, skipped", path, lineno);
			continue;
		}
		if (region_add_settlement(r,
			csv_record_field(rec, (size_t)cname), lat, lon,
			GEODATA_SETTLEMENT_KM) == -1)
			goto out;
	}
	if (rc == -1) {
		log_warnx("%s:%zu: line longer than %d bytes", path, lineno + 1,
		    GEODATA_MAX_LINE);
		goto out;
	}
	ret = 0;
out:
	csv_record_free(rec);
	if (f != NULL)
		fclose(f);
	return ret;
}

/*
 * GeoNames postal dump, tab-separated: country, code, place name, admin
 * names and codes (5), latitude, longitude, accuracy. Only places located
 * to accuracy 4 or better are taken: the others are area centroids.
 */
static int
load_postal(struct region *r, const char *dir, const char *file)
{
	char path[4096], line[GEODATA_MAX_LINE];
	char *field[12], *p;
	size_t n, lineno = 0;
	int64_t acc;
	double lat, lon;
	FILE *f = NULL;
	int ret = -1, rc;

	if (path_of(path, sizeof(path), dir, file) == -1 ||
	    (f = open_bounded(path)) == NULL)
		goto out;
	while ((rc = read_line(f, line, sizeof(line))) == 1) {
		lineno++;
		for (n = 0, p = line; n < 12; n++) {
			field[n] = p;
			if ((p = strchr(p, '\t')) == NULL) {
				n++;
				break;
			}
			*p++ = '\0';
		}
		if (n != 12 ||
		    num_parse_double(field[9], -90, 90, &lat, NULL, 0) == -1 ||
		    num_parse_double(field[10], -180, 180, &lon, NULL, 0) ==
			-1 ||
		    num_parse_i64(field[11], 0, 6, &acc, NULL, 0) == -1)
			continue;
		if (acc < 4)
			continue;
		if (region_add_settlement(r, field[2], lat, lon,
			GEODATA_SETTLEMENT_KM) == -1)
			goto out;
	}
	if (rc == -1) {
		log_warnx("%s:%zu: line longer than %d bytes", path, lineno + 1,
		    GEODATA_MAX_LINE);
		goto out;
	}
	ret = 0;
out:
	if (f != NULL)
		fclose(f);
	return ret;
}

int
geodata_load(struct region *r, const char *dir, const char *name)
{
	const struct region_def *d = find_region(name);
	size_t nline, narea;
	int ret = -1;

	if (d == NULL) {
		log_warnx("unknown region '%.64s'", name);
		goto out;
	}
	if (load_layer(r, dir, &d->line, 1, &nline) == -1 ||
	    load_layer(r, dir, &d->area, 0, &narea) == -1)
		goto out;
	if (nline == 0 || narea == 0) {
		log_warnx("%s: no %s found in %s", name,
		    nline == 0 ? "ceasefire line" : "area", dir);
		goto out;
	}
	if (load_cities(r, dir, d->cities) == -1 ||
	    (d->postal != NULL && load_postal(r, dir, d->postal) == -1))
		goto out;
	if (region_nsettlements(r) < 3) {
		log_warnx("%s: fewer than 3 settlements near the line in %s",
		    name, dir);
		goto out;
	}
	ret = 0;
out:
	return ret;
}
