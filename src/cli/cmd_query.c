/*
 * truce query: lists the observations that match filters, following the
 * API's `next` cursors (GET /v1/observations) until every match is out or
 * --limit rows are. Output is an aligned table, JSON lines (one GeoJSON
 * Feature a line), one GeoJSON FeatureCollection (RFC 7946) or CSV with the
 * columns `truce import` reads, so an export imports again.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/args.h"
#include "cli/client.h"
#include "cli/commands.h"
#include "common/log.h"
#include "common/num.h"
#include "format/obsform.h"
#include "record/observation.h"
#include "record/timefmt.h"

#define CMD "query"
#define QUERY_MAX_ROWS 100000000LL /* --limit */
#define QUERY_MAX_PARAM 1024	   /* bytes of one filter value */
#define QUERY_MAX_MEMBER 64

struct query {
	enum client_format format;
	size_t written;
	int dropped_warned;
	int opened; /* the GeoJSON FeatureCollection was started */
};

static void
help(void)
{
	printf("usage: truce query [--bbox MINLON,MINLAT,MAXLON,MAXLAT] "
	       "[--from TIME]\n"
	       "                   [--to TIME] [--category C[,C...]] [--source "
	       "TYPE]\n"
	       "                   [--member M] [--limit N]\n"
	       "                   [--format table|jsonl|geojson|csv]\n"
	       "                   [--server URL] [--token T]\n"
	       "\n"
	       "Lists the observations recorded by the center that match every "
	       "filter\n"
	       "given, in log order, following the API's paging until all are "
	       "out.\n"
	       "\n"
	       "filters:\n"
	       "  --bbox W,S,E,N   longitudes and latitudes in decimal degrees "
	       "(WGS84)\n"
	       "  --from TIME      observed at or after TIME (RFC 3339, e.g.\n"
	       "                   2025-03-01T00:00:00Z)\n"
	       "  --to TIME        observed at or before TIME\n"
	       "  --category C,..  one or more categories (explosion, "
	       "burst_or_shot, ...)\n"
	       "  --source TYPE    source type (patrol, observation_post, uav, "
	       "camera,\n"
	       "                   acoustic_sensor, radar, complaint, media, "
	       "other)\n"
	       "  --member M       reported by monitors of member M\n"
	       "  --limit N        at most N observations in all, 1..%lld "
	       "(default: all)\n"
	       "\n"
	       "output (standard output):\n"
	       "  --format table   aligned columns: index, observed_at, "
	       "category, count,\n"
	       "                   source, lat, lon or place (default)\n"
	       "  --format jsonl   one GeoJSON Feature per line (id, geometry, "
	       "properties\n"
	       "                   with the index and the observation)\n"
	       "  --format geojson one FeatureCollection\n"
	       "  --format csv     the columns of `truce import` (plus id and "
	       "index,\n"
	       "                   which import ignores): an export imports "
	       "again\n"
	       "\n"
	       "  --server URL     the center (default $TRUCE_SERVER, else "
	       "%s)\n"
	       "  --token T        bearer token (default $TRUCE_TOKEN); never "
	       "printed\n"
	       "  --timeout S      seconds allowed per request, 1..3600 "
	       "(default 60)\n"
	       "  -h, --help       this text\n",
	    QUERY_MAX_ROWS, CLIENT_DEFAULT_SERVER);
}

static int
check_bbox(const char *v)
{
	const char *names[4] = { "min longitude", "min latitude",
		"max longitude", "max latitude" };
	double lim[4] = { 180, 90, 180, 90 }, x[4];
	char part[80], err[160];
	const char *p = v, *comma;
	size_t i, n;

	for (i = 0; i < 4; i++) {
		comma = strchr(p, ',');
		if ((comma == NULL) != (i == 3))
			goto bad;
		n = comma ? (size_t)(comma - p) : strlen(p);
		if (n >= sizeof(part))
			goto bad;
		memcpy(part, p, n);
		part[n] = '\0';
		if (num_parse_double(part, -lim[i], lim[i], &x[i], err,
			sizeof(err)) == -1) {
			args_usage(CMD, "--bbox: %s: %s", names[i], err);
			return -1;
		}
		p = comma ? comma + 1 : p + n;
	}
	if (x[0] > x[2] || x[1] > x[3]) {
		args_usage(CMD,
		    "--bbox: the minimum must not exceed the "
		    "maximum (MINLON,MINLAT,MAXLON,MAXLAT)");
		return -1;
	}
	return 0;
bad:
	args_usage(CMD, "--bbox: '%.80s' is not MINLON,MINLAT,MAXLON,MAXLAT",
	    v);
	return -1;
}

static int
check_categories(const char *v)
{
	char part[64];
	const char *p = v, *comma;
	size_t n;

	if (args_string(CMD, "--category", v, QUERY_MAX_PARAM) == -1)
		return -1;
	for (;;) {
		comma = strchr(p, ',');
		n = comma ? (size_t)(comma - p) : strlen(p);
		if (n == 0 || n >= sizeof(part))
			goto bad;
		memcpy(part, p, n);
		part[n] = '\0';
		if (!observation_is_category(part))
			goto bad;
		if (comma == NULL)
			return 0;
		p = comma + 1;
	}
bad:
	args_usage(CMD,
	    "--category: '%.*s' is not a category (explosion, "
	    "projectile_in_flight, muzzle_flash, "
	    "illumination_flare, burst_or_shot, small_arms_fire, "
	    "drone_strike, airspace_violation, "
	    "movement_in_restricted_zone, fortification_work, "
	    "mine_or_uxo, other)",
	    (int)(n > 64 ? 64 : n), p);
	return -1;
}

static int
check_time(const char *opt, const char *v)
{
	char err[160];
	int64_t ms;

	if (timefmt_parse(v, &ms, err, sizeof(err)) == -1) {
		args_usage(CMD, "%s: %s", opt, err);
		return -1;
	}
	return 0;
}

/* Prints s in a column of width characters (UTF-8 aware), cut with '~'. */
static void
cell(const char *s, size_t width, int last)
{
	size_t chars = 0, i, cut = 0;

	for (i = 0; s[i] != '\0'; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			chars++;
	if (!last && chars > width) {
		/* Keep width - 1 characters, then mark the cut. */
		for (i = 0, chars = 0; s[i] != '\0'; i++) {
			if (((unsigned char)s[i] & 0xc0) != 0x80 &&
			    chars++ == width - 1)
				break;
		}
		cut = i;
		fwrite(s, 1, cut, stdout);
		putchar('~');
		chars = width;
	} else
		fputs(s, stdout);
	if (!last)
		for (i = chars; i < width + 2; i++)
			putchar(' ');
}

static const char *
str(const json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s ? s : "";
}

static void
table_header(void)
{
	cell("INDEX", 7, 0);
	cell("OBSERVED_AT", 25, 0);
	cell("CATEGORY", 27, 0);
	cell("COUNT", 7, 0);
	cell("SOURCE", 28, 0);
	cell("LAT", 10, 0);
	cell("LON/PLACE", 0, 1);
	putchar('\n');
}

static void
table_row(const json_t *feature)
{
	const json_t *p = json_object_get(feature, "properties");
	const json_t *at = json_object_get(p, "observed_at"), *v;
	const json_t *src = json_object_get(p, "source");
	const json_t *cnt = json_object_get(p, "count");
	const json_t *loc = json_object_get(p, "location");
	char buf[256], idx[32];
	const char *q, *who;

	v = json_object_get(p, "index");
	snprintf(idx, sizeof(idx), "%lld",
	    json_is_integer(v) ? (long long)json_integer_value(v) : -1LL);
	cell(idx, 7, 0);
	if (json_is_object(at)) {
		/* An interval: YYYY-MM-DDTHH:MMZ..HH:MMZ (..date when not the
		 * same day). */
		const char *f = str(at, "from"), *t = str(at, "to");

		if (strlen(f) >= 16 && strlen(t) >= 16 &&
		    strncmp(f, t, 10) == 0)
			snprintf(buf, sizeof(buf), "%.16sZ..%.5sZ", f, t + 11);
		else
			snprintf(buf, sizeof(buf), "%.16s..%.16s", f, t);
		cell(buf, 25, 0);
	} else
		cell(json_is_string(at) ? json_string_value(at) : "", 25, 0);
	cell(str(p, "category"), 27, 0);
	q = str(cnt, "qualifier");
	v = json_object_get(cnt, "value");
	snprintf(buf, sizeof(buf), "%s%lld",
	    strcmp(q, "about") == 0	     ? "~"
		: strcmp(q, "at_least") == 0 ? ">="
					     : "",
	    json_is_integer(v) ? (long long)json_integer_value(v) : 1LL);
	cell(buf, 7, 0);
	who = str(src, "member");
	if (*who == '\0')
		who = str(src, "organisation");
	snprintf(buf, sizeof(buf), "%s %s%s%s", str(src, "type"), who,
	    *str(src, "unit") ? " " : "", str(src, "unit"));
	cell(buf, 28, 0);
	if (json_is_number(json_object_get(loc, "lat"))) {
		snprintf(buf, sizeof(buf), "%.5f",
		    json_number_value(json_object_get(loc, "lat")));
		cell(buf, 10, 0);
		snprintf(buf, sizeof(buf), "%.5f",
		    json_number_value(json_object_get(loc, "lon")));
		cell(buf, 0, 1);
	} else if (json_is_string(json_object_get(loc, "place"))) {
		cell("", 10, 0);
		snprintf(buf, sizeof(buf), "%s, %.0f deg, %.1f km",
		    str(loc, "place"),
		    json_number_value(json_object_get(loc, "bearing_deg")),
		    json_number_value(json_object_get(loc, "distance_m")) /
			1000.0);
		cell(buf, 0, 1);
	} else {
		cell("", 10, 0);
		cell("", 0, 1);
	}
	putchar('\n');
}

/* Writes one feature in the chosen format. */
static int
emit(void *ctx, const json_t *feature)
{
	struct query *qr = ctx;
	char dropped[256], *line;
	int ret = -1;

	switch (qr->format) {
	case CLIENT_TABLE: table_row(feature); break;
	case CLIENT_JSONL:
	case CLIENT_GEOJSON:
		if (qr->format == CLIENT_GEOJSON && qr->written > 0)
			fputs(",\n", stdout);
		if (json_dumpf(feature, stdout,
			JSON_COMPACT | JSON_REAL_PRECISION(15)) == -1)
			goto out;
		if (qr->format == CLIENT_JSONL)
			putchar('\n');
		break;
	case CLIENT_CSV:
		if ((line = obsform_csv_line(feature, dropped,
			 sizeof(dropped))) == NULL)
			goto out;
		fputs(line, stdout);
		free(line);
		if (dropped[0] != '\0' && !qr->dropped_warned) {
			fprintf(stderr,
			    "truce query: warning: CSV has no "
			    "column for %s (first seen at index "
			    "%lld); use --format jsonl or geojson "
			    "for a complete export\n",
			    dropped,
			    (long long)json_integer_value(
				json_object_get(json_object_get(feature,
						    "properties"),
				    "index")));
			qr->dropped_warned = 1;
		}
		break;
	}
	qr->written++;
	ret = 0;
out:
	return ret;
}

int
cmd_query(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "bbox", required_argument, NULL, 'b' },
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 'u' },
		{ "category", required_argument, NULL, 'c' },
		{ "source", required_argument, NULL, 'S' },
		{ "member", required_argument, NULL, 'm' },
		{ "limit", required_argument, NULL, 'l' },
		{ "format", required_argument, NULL, 'F' },
		{ "server", required_argument, NULL, 's' },
		{ "cacert", required_argument, NULL, 'A' },
		{ "token", required_argument, NULL, 't' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *bbox = NULL, *from = NULL, *to = NULL, *category = NULL;
	const char *source = NULL, *member = NULL, *server = NULL;
	const char *token = NULL;
	char filters[4 * QUERY_MAX_PARAM];
	int64_t limit = QUERY_MAX_ROWS, timeout = 60;
	struct client *c = NULL;
	struct query qr;
	int ch, ret = 2;

	memset(&qr, 0, sizeof(qr));
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'b':
			if (check_bbox(optarg) == -1)
				goto out;
			bbox = optarg;
			break;
		case 'f':
			if (check_time("--from", optarg) == -1)
				goto out;
			from = optarg;
			break;
		case 'u':
			if (check_time("--to", optarg) == -1)
				goto out;
			to = optarg;
			break;
		case 'c':
			if (check_categories(optarg) == -1)
				goto out;
			category = optarg;
			break;
		case 'S':
			if (!observation_is_source_type(optarg)) {
				args_usage(CMD,
				    "--source: '%.64s' is not a "
				    "source type (patrol, "
				    "observation_post, uav, camera, "
				    "acoustic_sensor, radar, "
				    "complaint, media, other)",
				    optarg);
				goto out;
			}
			source = optarg;
			break;
		case 'm':
			if (args_string(CMD, "--member", optarg,
				QUERY_MAX_MEMBER) == -1)
				goto out;
			member = optarg;
			break;
		case 'l':
			if (args_i64(CMD, "--limit", optarg, 1, QUERY_MAX_ROWS,
				&limit) == -1)
				goto out;
			break;
		case 'F':
			if (client_parse_format(CMD, optarg, &qr.format) == -1)
				goto out;
			break;
		case 's': server = optarg; break;
		case 'A': client_set_cacert(optarg); break;
		case 't': token = optarg; break;
		case 'T':
			if (args_i64(CMD, "--timeout", optarg, 1, 3600,
				&timeout) == -1)
				goto out;
			break;
		case 'h':
			help();
			ret = 0;
			goto out;
		default: args_bad_option(CMD, argv, optind, optopt); goto out;
		}
	}
	if (optind < argc) {
		args_usage(CMD, "unexpected argument '%.64s'", argv[optind]);
		goto out;
	}

	ret = 1;
	if ((c = client_new(server, token, (long)timeout)) == NULL)
		goto out;
	filters[0] = '\0';
	if ((bbox &&
		client_add_param(c, filters, sizeof(filters), "bbox", bbox)) ||
	    (from &&
		client_add_param(c, filters, sizeof(filters), "from", from)) ||
	    (to && client_add_param(c, filters, sizeof(filters), "to", to)) ||
	    (category &&
		client_add_param(c, filters, sizeof(filters), "category",
		    category)) ||
	    (source &&
		client_add_param(c, filters, sizeof(filters), "source",
		    source)) ||
	    (member &&
		client_add_param(c, filters, sizeof(filters), "member",
		    member)))
		goto out;

	if (qr.format == CLIENT_TABLE)
		table_header();
	else if (qr.format == CLIENT_GEOJSON) {
		fputs("{\"type\":\"FeatureCollection\",\"features\":[\n",
		    stdout);
		qr.opened = 1;
	} else if (qr.format == CLIENT_CSV) {
		char *h = obsform_csv_header();

		if (h == NULL)
			goto out;
		fputs(h, stdout);
		free(h);
	}
	if (client_features(c, "/v1/observations", filters, limit, emit, &qr) ==
	    -1)
		goto out;
	ret = 0;
out:
	if (qr.opened)
		fputs("\n]}\n", stdout);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		log_warn("standard output");
		ret = 1;
	}
	client_free(c);
	return ret;
}
