/*
 * truce geo describe|resolve|lookup|digest: the geography of a region from the
 * command line (geo/layers.h loads it; geo/describe.h, geo/gazetteer.h and
 * geo/geodesy.h answer). Output is JSON, documented in docs/geography.md.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/commands.h"
#include "common/num.h"
#include "geo/describe.h"
#include "geo/gazetteer.h"
#include "geo/geodesy.h"
#include "geo/geodigest.h"
#include "geo/layers.h"
#include "locate/uncertainty.h"
#include "record/geography.h"

#define MAX_EXTRA 16		    /* --zones / --lines options */
#define MAX_ALTERNATIVES 5	    /* other candidates shown by resolve */
#define DEFAULT_BEARING_ERROR 10.0  /* degrees, one standard deviation */
#define DEFAULT_DISTANCE_ERROR 0.2  /* share of the distance ... */
#define MIN_DISTANCE_ERROR 100.0    /* ... but at least this, metres */
#define PLACE_ERROR_M 5000.0	    /* approximate places, district labels */
#define CHI2_2_95 5.991464547107979 /* 95 % quantile, 2 degrees of freedom */
#define DEG (3.14159265358979323846 / 180)
#define JSON_FLAGS (JSON_INDENT(2) | JSON_REAL_PRECISION(12))

/* What the three subcommands share: where the layers come from. */
struct source {
	const char *data;
	const char *region;
	const char *aliases;
	struct layers_file extra[MAX_EXTRA];
	char *extra_arg[MAX_EXTRA];
	size_t nextra;
};

static void
usage_geo(FILE *f)
{
	fprintf(f,
	    "usage: truce geo describe --lat LAT --lon LON [options]\n"
	    "       truce geo resolve --place NAME --bearing DEG --distance M "
	    "[options]\n"
	    "       truce geo lookup NAME [--limit N] [options]\n"
	    "       truce geo digest [--region R] [--data DIR] [--aliases "
	    "FILE]\n\n"
	    "The geography of a region, as JSON on standard output:\n"
	    "  describe  the zones a point lies in, its distance to each line "
	    "and\n            \"2.4 km north-east of Ağdam\"\n"
	    "  resolve   a place + bearing + distance as a point with its "
	    "uncertainty\n"
	    "  lookup    the gazetteer's candidates for a name, best first\n"
	    "  digest    the digest a center's log names for this data "
	    "(its genesis\n            and `geography` entries)\n\n"
	    "`truce geo <subcommand> --help` lists the options; "
	    "docs/geography.md explains\nthe rules and the data.\n");
}

static void
usage_source(FILE *f)
{
	fprintf(f,
	    "  --region R        karabakh (default) or donbas: the default "
	    "files\n"
	    "  --data DIR        data directory (default $TRUCE_DATA, else "
	    "the data/ of\n"
	    "                    the repository of this binary, else ./data)\n"
	    "  --zones NAME=FILE add a GeoJSON file of polygons as zone layer "
	    "NAME\n"
	    "  --lines NAME=FILE add a GeoJSON file of lines as line layer "
	    "NAME\n"
	    "  --aliases FILE    add alternate names: tab-separated alias, "
	    "place[,\n"
	    "                    country[, admin-1 code]] per line\n"
	    "  --help            this text\n");
}

static void
source_init(struct source *s)
{
	memset(s, 0, sizeof(*s));
	s->region = "karabakh";
}

static void
source_free(struct source *s)
{
	size_t i;

	for (i = 0; i < s->nextra; i++)
		free(s->extra_arg[i]);
	s->nextra = 0;
}

/* --zones/--lines NAME=FILE into s->extra. */
static int
source_extra(struct source *s, enum layers_kind kind, const char *opt,
    const char *arg)
{
	char *copy, *eq;
	struct layers_file *f;

	if (s->nextra == MAX_EXTRA) {
		fprintf(stderr,
		    "truce geo: %s: more than %d extra layer "
		    "files\n",
		    opt, MAX_EXTRA);
		return -1;
	}
	if ((eq = strchr(arg, '=')) == NULL || eq == arg || eq[1] == '\0') {
		fprintf(stderr,
		    "truce geo: %s: expected NAME=FILE, got "
		    "'%.64s'\n",
		    opt, arg);
		return -1;
	}
	if ((copy = strdup(arg)) == NULL) {
		fprintf(stderr, "truce geo: out of memory\n");
		return -1;
	}
	eq = copy + (eq - arg);
	*eq = '\0';
	f = &s->extra[s->nextra];
	memset(f, 0, sizeof(*f));
	f->kind = kind;
	f->layer = copy;
	f->path = eq + 1;
	f->name_props = "name,NAME,BRK_NAME,ADMIN";
	s->extra_arg[s->nextra++] = copy;
	return 0;
}

/* Loads the region, the extra files and the aliases; NULL on error. */
static struct layers *
source_load(const struct source *s)
{
	char dir[LAYERS_MAX_PATH], err[1024];
	struct layers *l = NULL;
	size_t i;

	if (s->data != NULL) {
		if (strlen(s->data) >= sizeof(dir)) {
			fprintf(stderr,
			    "truce geo: --data: path longer than "
			    "%zu bytes\n",
			    sizeof(dir) - 1);
			goto fail;
		}
		snprintf(dir, sizeof(dir), "%s", s->data);
	} else if (layers_datadir(dir, sizeof(dir)) == -1) {
		fprintf(stderr, "truce geo: data directory path too long\n");
		goto fail;
	}
	if ((l = layers_load_region(dir, s->region, err, sizeof(err))) == NULL)
		goto bad;
	for (i = 0; i < s->nextra; i++)
		if (layers_load_file(l, NULL, &s->extra[i], err, sizeof(err)) ==
		    -1)
			goto bad;
	if (s->aliases != NULL &&
	    layers_load_aliases(l, s->aliases, err, sizeof(err)) == -1)
		goto bad;
	return l;
bad:
	fprintf(stderr, "truce geo: %s\n", err);
fail:
	layers_free(l);
	return NULL;
}

/* Prints o (consumed) on stdout; 0, or 1 if it cannot. */
static int
print_json(json_t *o)
{
	char *s;
	int ret = 1;

	if (o == NULL) {
		fprintf(stderr, "truce geo: out of memory\n");
		return 1;
	}
	if ((s = json_dumps(o, JSON_FLAGS)) != NULL) {
		printf("%s\n", s);
		ret = fflush(stdout) == 0 ? 0 : 1;
		free(s);
	}
	json_decref(o);
	return ret;
}

/* Common options: returns 1 if handled, -1 on a bad value, 0 if not ours. */
static int
source_option(struct source *s, int ch, const char *arg)
{
	switch (ch) {
	case 'R': s->region = arg; return 1;
	case 'D': s->data = arg; return 1;
	case 'Z':
		return source_extra(s, LAYERS_ZONES, "--zones", arg) == 0 ? 1
									  : -1;
	case 'L':
		return source_extra(s, LAYERS_LINES, "--lines", arg) == 0 ? 1
									  : -1;
	case 'A': s->aliases = arg; return 1;
	default: return 0;
	}
}

#define SOURCE_OPTIONS                                   \
	{ "region", required_argument, NULL, 'R' },      \
	    { "data", required_argument, NULL, 'D' },    \
	    { "zones", required_argument, NULL, 'Z' },   \
	    { "lines", required_argument, NULL, 'L' },   \
	    { "aliases", required_argument, NULL, 'A' }, \
	{                                                \
		"help", no_argument, NULL, 'h'           \
	}

static int
number(const char *opt, const char *arg, double min, double max, double *out)
{
	char err[160];

	if (num_parse_double(arg, min, max, out, err, sizeof(err)) == -1) {
		fprintf(stderr, "truce geo: %s: %s\n", opt, err);
		return -1;
	}
	return 0;
}

/* ---- describe ---------------------------------------------------------- */

static int
geo_describe(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "lat", required_argument, NULL, 'a' },
		{ "lon", required_argument, NULL, 'o' },
		SOURCE_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	struct source src;
	struct layers *l = NULL;
	struct describe_result *r = NULL;
	struct geodesy_point p;
	const struct polygon_layer *const *z;
	const struct lines_layer *const *ln;
	size_t nz, nl;
	char err[256];
	int ch, have_lat = 0, have_lon = 0, ret = 2, s;

	source_init(&src);
	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if ((s = source_option(&src, ch, optarg)) == 1)
			continue;
		if (s == -1)
			goto out;
		switch (ch) {
		case 'a':
			if (number("--lat", optarg, -90, 90, &p.lat) == -1)
				goto out;
			have_lat = 1;
			break;
		case 'o':
			if (number("--lon", optarg, -180, 180, &p.lon) == -1)
				goto out;
			have_lon = 1;
			break;
		case 'h':
			printf("usage: truce geo describe --lat LAT --lon LON "
			       "[options]\n\nDescribes a point as monitors "
			       "do: the zones it lies in, the distance to\n"
			       "the nearest line of each line layer and its "
			       "side, and \"2.4 km north-east\nof Ağdam\" "
			       "(docs/geography.md). Prints JSON.\n\n"
			       "  --lat LAT         latitude, -90..90 (WGS84 "
			       "degrees)\n"
			       "  --lon LON         longitude, -180..180\n");
			usage_source(stdout);
			ret = 0;
			goto out;
		default: goto usage;
		}
	}
	if (optind != argc) {
		fprintf(stderr,
		    "truce geo describe: unexpected argument "
		    "'%.64s'\n",
		    argv[optind]);
		goto usage;
	}
	if (!have_lat || !have_lon) {
		fprintf(stderr,
		    "truce geo describe: --lat and --lon are "
		    "required\n");
		goto usage;
	}
	ret = 1;
	if ((l = source_load(&src)) == NULL)
		goto out;
	if ((r = malloc(sizeof(*r))) == NULL) {
		fprintf(stderr, "truce geo describe: out of memory\n");
		goto out;
	}
	z = layers_zones(l, &nz);
	ln = layers_lines(l, &nl);
	if (describe_point(layers_gazetteer(l), z, nz, ln, nl, &p, r, err,
		sizeof(err)) == -1) {
		fprintf(stderr, "truce geo describe: %s\n", err);
		goto out;
	}
	ret = print_json(describe_to_json(r));
	goto out;
usage:
	fprintf(stderr,
	    "usage: truce geo describe --lat LAT --lon LON "
	    "[options] (--help)\n");
	ret = 2;
out:
	free(r);
	layers_free(l);
	source_free(&src);
	return ret;
}

/* ---- resolve ----------------------------------------------------------- */

static json_t *
candidate_json(const struct gazetteer_match *m)
{
	json_t *o = describe_place_json(m->place);

	if (o == NULL ||
	    json_object_set_new(o, "match",
		json_string(gazetteer_how_name(m->how))) == -1 ||
	    json_object_set_new(o, "matched", json_string(m->matched)) == -1) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/*
 * The uncertainty of place + bearing + distance at the resolved point:
 * sigma_along = the distance error along the bearing (at the point, azi2)
 * and the bearing error's sag (locate/uncertainty.h) in quadrature,
 * sigma_across = distance * bearing error (radians) across it, plus an
 * isotropic place error for approximate places; all one standard
 * deviation. Covariance in local east/north metres; the 95 % ellipse.
 */
static json_t *
uncertainty_json(double dist, double derr, double berr, double azi2,
    double perr)
{
	double sa = hypot(derr, uncertainty_polar_sag(dist, berr)),
	       sc = dist * berr * DEG, s, c, ee, en, nn, tr, det, l1, l2,
	       orient, k = sqrt(CHI2_2_95);

	s = sin(azi2 * DEG);
	c = cos(azi2 * DEG);
	/* u_along = (s, c), u_across = (c, -s) in (east, north). */
	ee = sa * sa * s * s + sc * sc * c * c + perr * perr;
	nn = sa * sa * c * c + sc * sc * s * s + perr * perr;
	en = (sa * sa - sc * sc) * s * c;
	tr = ee + nn;
	det = ee * nn - en * en;
	l1 = tr / 2 + sqrt(fmax(0, tr * tr / 4 - det));
	l2 = tr / 2 - sqrt(fmax(0, tr * tr / 4 - det));
	/* Bearing of the major axis, clockwise from north, in [0, 180). */
	orient = atan2(2 * en, nn - ee) / 2 / DEG;
	orient = fmod(orient + 180, 180);
	return json_pack("{s:f,s:f,s:f,s:f,s:f,s:[[f,f],[f,f]],"
			 "s:{s:f,s:f,s:f,s:f}}",
	    "distance_error_m", round(derr * 10) / 10, "bearing_error_deg",
	    berr, "along_m", round(sa * 10) / 10, "across_m",
	    round(sc * 10) / 10, "place_error_m", perr, "covariance_enu_m2",
	    round(ee), round(en), round(en), round(nn), "ellipse95",
	    "semi_major_m", round(k * sqrt(fmax(0, l1)) * 10) / 10,
	    "semi_minor_m", round(k * sqrt(fmax(0, l2)) * 10) / 10,
	    "orientation_deg", round(orient * 10) / 10, "confidence", 0.95);
}

static int
geo_resolve(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "place", required_argument, NULL, 'p' },
		{ "bearing", required_argument, NULL, 'b' },
		{ "distance", required_argument, NULL, 'd' },
		{ "distance-error", required_argument, NULL, 'e' },
		{ "bearing-error", required_argument, NULL, 'E' },
		{ "country", required_argument, NULL, 'c' },
		SOURCE_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	struct source src;
	struct layers *l = NULL;
	struct gazetteer_match m[64];
	const struct gazetteer_place *pl;
	struct geodesy_point from, to;
	const char *place = NULL, *country = NULL;
	double bearing = NAN, dist = NAN, derr = NAN, berr, azi2, perr;
	size_t n = 0, i, k, chosen;
	json_t *o = NULL, *alts, *a;
	char err[256];
	int ch, ret = 2, s;

	berr = DEFAULT_BEARING_ERROR;
	source_init(&src);
	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if ((s = source_option(&src, ch, optarg)) == 1)
			continue;
		if (s == -1)
			goto out;
		switch (ch) {
		case 'p': place = optarg; break;
		case 'b':
			if (number("--bearing", optarg, 0, 360, &bearing) == -1)
				goto out;
			break;
		case 'd':
			if (number("--distance", optarg, 0, 1000000, &dist) ==
			    -1)
				goto out;
			break;
		case 'e':
			if (number("--distance-error", optarg, 0, 1000000,
				&derr) == -1)
				goto out;
			break;
		case 'E':
			if (number("--bearing-error", optarg, 0, 180, &berr) ==
			    -1)
				goto out;
			break;
		case 'c': country = optarg; break;
		case 'h':
			printf(
			    "usage: truce geo resolve --place NAME --bearing "
			    "DEG --distance M [options]\n\n"
			    "Resolves \"about M metres at bearing DEG from "
			    "NAME\" into a point, with\nits uncertainty "
			    "(one standard deviation along and across the "
			    "bearing,\nthe covariance in east/north metres "
			    "and the 95 %% ellipse). Prints JSON.\n\n"
			    "  --place NAME          a place of the "
			    "gazetteer, any spelling (best match used;\n"
			    "                        the others are listed "
			    "as alternatives)\n"
			    "  --bearing DEG         from the place, "
			    "clockwise from true north, 0..360\n"
			    "  --distance M          metres, 0..1000000\n"
			    "  --distance-error M    one standard deviation "
			    "(default 20 %% of the\n"
			    "                        distance, at least "
			    "100 m)\n"
			    "  --bearing-error DEG   one standard deviation "
			    "(default 10)\n"
			    "  --country CC          only places of this "
			    "ISO country code\n");
			usage_source(stdout);
			ret = 0;
			goto out;
		default: goto usage;
		}
	}
	if (optind != argc) {
		fprintf(stderr,
		    "truce geo resolve: unexpected argument "
		    "'%.64s'\n",
		    argv[optind]);
		goto usage;
	}
	if (place == NULL || isnan(bearing) || isnan(dist)) {
		fprintf(stderr,
		    "truce geo resolve: --place, --bearing and "
		    "--distance are required\n");
		goto usage;
	}
	if (strlen(place) > GAZETTEER_MAX_NAME) {
		fprintf(stderr,
		    "truce geo resolve: --place: longer than %d "
		    "bytes\n",
		    GAZETTEER_MAX_NAME);
		goto usage;
	}
	ret = 1;
	if ((l = source_load(&src)) == NULL)
		goto out;
	if (gazetteer_lookup(layers_gazetteer(l), place, m,
		sizeof(m) / sizeof(m[0]), &n, NULL, err, sizeof(err)) == -1) {
		fprintf(stderr, "truce geo resolve: --place: %s\n", err);
		goto out;
	}
	for (i = 0, k = 0; i < n; i++)
		if (country == NULL ||
		    strcmp(m[i].place->country, country) == 0)
			m[k++] = m[i];
	n = k;
	if (n == 0) {
		fprintf(stderr,
		    "truce geo resolve: no place named '%s'%s%s in "
		    "the gazetteer of %s\n",
		    place, country ? " in " : "", country ? country : "",
		    src.region);
		goto out;
	}
	chosen = 0;
	pl = m[chosen].place;
	from.lat = pl->lat;
	from.lon = pl->lon;
	if (geodesy_direct(&from, bearing, dist, &to, &azi2) == -1) {
		fprintf(stderr,
		    "truce geo resolve: cannot solve the direct "
		    "problem\n");
		goto out;
	}
	if (isnan(derr))
		derr = fmax(MIN_DISTANCE_ERROR, DEFAULT_DISTANCE_ERROR * dist);
	perr = (pl->approximate || pl->kind != GAZETTEER_SETTLEMENT)
	    ? PLACE_ERROR_M
	    : 0;
	if (dist == 0)
		azi2 = bearing;
	o = json_pack("{s:{s:s,s:f,s:f},s:o,s:[],s:{s:f,s:f},s:o}", "query",
	    "place", place, "bearing_deg", bearing, "distance_m", dist, "place",
	    candidate_json(&m[chosen]), "alternatives", "point", "lat",
	    round(to.lat * 1e7) / 1e7, "lon", round(to.lon * 1e7) / 1e7,
	    "uncertainty", uncertainty_json(dist, derr, berr, azi2, perr));
	if (o == NULL) {
		fprintf(stderr, "truce geo resolve: out of memory\n");
		goto out;
	}
	alts = json_object_get(o, "alternatives");
	for (i = 1; i < n && i <= MAX_ALTERNATIVES; i++) {
		a = candidate_json(&m[i]);
		if (json_array_append_new(alts, a) == -1) {
			fprintf(stderr, "truce geo resolve: out of memory\n");
			goto out;
		}
	}
	ret = print_json(o);
	o = NULL;
	goto out;
usage:
	fprintf(stderr,
	    "usage: truce geo resolve --place NAME --bearing DEG "
	    "--distance M [options] (--help)\n");
	ret = 2;
out:
	json_decref(o);
	layers_free(l);
	source_free(&src);
	return ret;
}

/* ---- lookup ------------------------------------------------------------ */

static int
geo_lookup(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "limit", required_argument, NULL, 'n' },
		SOURCE_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	struct source src;
	struct layers *l = NULL;
	struct gazetteer_match *m = NULL;
	size_t n = 0, total = 0, i;
	int64_t limit = 10;
	json_t *o = NULL, *c;
	char err[256];
	int ch, ret = 2, s;

	source_init(&src);
	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if ((s = source_option(&src, ch, optarg)) == 1)
			continue;
		if (s == -1)
			goto out;
		switch (ch) {
		case 'n':
			if (num_parse_i64(optarg, 1, 1000, &limit, err,
				sizeof(err)) == -1) {
				fprintf(stderr,
				    "truce geo lookup: --limit: "
				    "%s\n",
				    err);
				goto out;
			}
			break;
		case 'h':
			printf("usage: truce geo lookup NAME [--limit N] "
			       "[options]\n\nLists the places of the "
			       "gazetteer matching NAME in any spelling, "
			       "best first\n(exact, folded, alias; see "
			       "docs/geography.md). Prints JSON.\n\n"
			       "  --limit N         at most N candidates, "
			       "1..1000 (default 10)\n");
			usage_source(stdout);
			ret = 0;
			goto out;
		default: goto usage;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr,
		    "truce geo lookup: exactly one NAME is "
		    "needed\n");
		goto usage;
	}
	ret = 1;
	if ((l = source_load(&src)) == NULL)
		goto out;
	if ((m = calloc((size_t)limit, sizeof(*m))) == NULL) {
		fprintf(stderr, "truce geo lookup: out of memory\n");
		goto out;
	}
	if (gazetteer_lookup(layers_gazetteer(l), argv[optind], m,
		(size_t)limit, &n, &total, err, sizeof(err)) == -1) {
		fprintf(stderr, "truce geo lookup: NAME: %s\n", err);
		goto out;
	}
	o = json_pack("{s:s,s:I,s:[]}", "query", argv[optind], "total",
	    (json_int_t)total, "candidates");
	if (o == NULL) {
		fprintf(stderr, "truce geo lookup: out of memory\n");
		goto out;
	}
	for (i = 0; i < n; i++) {
		c = candidate_json(&m[i]);
		if (json_array_append_new(json_object_get(o, "candidates"),
			c) == -1) {
			fprintf(stderr, "truce geo lookup: out of memory\n");
			goto out;
		}
	}
	ret = print_json(o);
	o = NULL;
	goto out;
usage:
	fprintf(stderr,
	    "usage: truce geo lookup NAME [--limit N] [options] "
	    "(--help)\n");
	ret = 2;
out:
	json_decref(o);
	free(m);
	layers_free(l);
	source_free(&src);
	return ret;
}

/* ---- digest ------------------------------------------------------------ */

static int
geo_digest(int argc, char **argv)
{
	static const struct option opts[] = {
		SOURCE_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	struct source src;
	struct geodigest g;
	char dir[LAYERS_MAX_PATH], err[1024];
	int ch, ret = 2, s;

	source_init(&src);
	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (ch == 'Z' || ch == 'L') {
			fprintf(stderr,
			    "truce geo digest: --zones and --lines "
			    "are not part of a center's geography\n");
			goto out;
		}
		if ((s = source_option(&src, ch, optarg)) == 1)
			continue;
		if (s == -1)
			goto out;
		if (ch == 'h') {
			printf(
			    "usage: truce geo digest [--region R] [--data "
			    "DIR] [--aliases FILE]\n\nPrints the digest of "
			    "the geography a center with this region,\n"
			    "geo_data and geo_aliases computes with, and its "
			    "files' SHA-256\n(docs/geography.md, \"The "
			    "geography is part of the record\").\n\n"
			    "  --region R        karabakh (default), donbas "
			    "or none\n"
			    "  --data DIR        data directory (default "
			    "$TRUCE_DATA, else the data/ of\n"
			    "                    the repository of this "
			    "binary, else ./data)\n"
			    "  --aliases FILE    the center's alias file\n");
			ret = 0;
			goto out;
		}
		goto usage;
	}
	if (optind != argc)
		goto usage;
	ret = 1;
	if (src.data != NULL) {
		if ((size_t)snprintf(dir, sizeof(dir), "%s", src.data) >=
		    sizeof(dir)) {
			fprintf(stderr,
			    "truce geo digest: --data: path longer "
			    "than %zu bytes\n",
			    sizeof(dir) - 1);
			goto out;
		}
	} else if (layers_datadir(dir, sizeof(dir)) == -1) {
		fprintf(stderr,
		    "truce geo digest: data directory path too "
		    "long\n");
		goto out;
	}
	if (geodigest_compute(dir, src.region, src.aliases, &g, err,
		sizeof(err)) == -1) {
		fprintf(stderr, "truce geo digest: %s\n", err);
		goto out;
	}
	ret = print_json(geography_json(&g));
	goto out;
usage:
	fprintf(stderr,
	    "usage: truce geo digest [--region R] [--data DIR] "
	    "[--aliases FILE] (--help)\n");
	ret = 2;
out:
	source_free(&src);
	return ret;
}

int
cmd_geo(int argc, char **argv)
{
	if (argc < 2) {
		usage_geo(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage_geo(stdout);
		return 0;
	}
	if (strcmp(argv[1], "describe") == 0)
		return geo_describe(argc - 1, argv + 1);
	if (strcmp(argv[1], "resolve") == 0)
		return geo_resolve(argc - 1, argv + 1);
	if (strcmp(argv[1], "lookup") == 0)
		return geo_lookup(argc - 1, argv + 1);
	if (strcmp(argv[1], "digest") == 0)
		return geo_digest(argc - 1, argv + 1);
	fprintf(stderr, "truce geo: unknown subcommand '%.64s'\n\n", argv[1]);
	usage_geo(stderr);
	return 2;
}
