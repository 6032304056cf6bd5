/*
 * truce incidents: the center's incidents from the command line (client of
 * the HTTP API, docs/api.md and docs/fusion.md).
 *
 *   truce incidents [filters] [--format table|jsonl|geojson|csv]
 *       lists the live incidents that match, following the API's `next`
 *       cursors (GET /v1/incidents) until all are out or --limit are
 *   truce incidents show ID          one incident as a GeoJSON Feature
 *   truce incidents merge ID --with ID2 --reason TEXT
 *   truce incidents split ID --observation OBS [...] --reason TEXT
 *       an analyst's decision (POST /v1/incidents/ID/merge, /split): a log
 *       entry, so it holds on replay
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/args.h"
#include "cli/client.h"
#include "cli/commands.h"
#include "common/log.h"
#include "format/incform.h"
#include "record/decision.h"
#include "record/observation.h"
#include "record/timefmt.h"

#define CMD "incidents"
#define MAX_ROWS 100000000LL /* --limit */
#define MAX_PARAM 1024	     /* bytes of one filter value */
#define MAX_SPLIT DECISION_MAX_SPLIT

static void
help(void)
{
	printf("usage: truce incidents [--bbox W,S,E,N] [--from TIME] [--to "
	       "TIME]\n"
	       "                       [--category C[,C...]] [--zone NAME] "
	       "[--limit N]\n"
	       "                       [--format table|jsonl|geojson|csv]\n"
	       "       truce incidents show ID\n"
	       "       truce incidents merge ID --with ID2 --reason TEXT\n"
	       "       truce incidents split ID --observation OBS "
	       "[--observation OBS...]\n"
	       "                             --reason TEXT\n"
	       "       (each with [--server URL] [--token T] [--timeout S])\n"
	       "\n"
	       "Lists the incidents fusion made of the center's observations "
	       "(live ones,\n"
	       "in the order they were created), shows one, or records an "
	       "analyst's\n"
	       "decision: merge ID2 into ID, or split the named observations "
	       "off ID into\n"
	       "a new incident. Decisions are log entries: they hold on "
	       "replay.\n"
	       "\n"
	       "filters:\n"
	       "  --bbox W,S,E,N   the incident's position inside (decimal "
	       "degrees)\n"
	       "  --from, --to T   its time window overlaps [from, to] (RFC "
	       "3339)\n"
	       "  --category C,..  one or more categories (explosion, "
	       "burst_or_shot, ...)\n"
	       "  --zone NAME      it lies in the zone NAME (e.g. "
	       "Nagorno-Karabakh)\n"
	       "  --limit N        at most N incidents in all, 1..%lld "
	       "(default: all)\n"
	       "\n"
	       "output (standard output):\n"
	       "  --format table   id, time, category, count, sources, "
	       "position and\n"
	       "                   description (default)\n"
	       "  --format jsonl   one GeoJSON Feature per line\n"
	       "  --format geojson one FeatureCollection\n"
	       "  --format csv     id, kind, category, count, qualifier, "
	       "time_from,\n"
	       "                   time_to, lat, lon, the 95%% ellipse, zone,\n"
	       "                   description, sources, members, counts of "
	       "observations\n"
	       "                   and complaints, uncorroborated\n"
	       "\n"
	       "  --server URL     the center (default $TRUCE_SERVER, else "
	       "%s)\n"
	       "  --token T        bearer token (default $TRUCE_TOKEN); never "
	       "printed\n"
	       "  --timeout S      seconds allowed per request, 1..3600 "
	       "(default 60)\n"
	       "  -h, --help       this text\n",
	    MAX_ROWS, CLIENT_DEFAULT_SERVER);
}

struct out {
	enum client_format format;
	size_t written;
	int opened;
};

static const char *
str(const json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s ? s : "";
}

static void
table_header(void)
{
	printf("%-28s  %-17s  %-20s  %-6s  %-4s  %-21s  %s\n", "ID",
	    "TIME (UTC)", "CATEGORY", "COUNT", "SRC", "POSITION",
	    "DESCRIPTION");
}

static void
table_row(const json_t *f)
{
	const json_t *p = json_object_get(f, "properties");
	const json_t *tw = json_object_get(p, "time_window");
	const json_t *cnt = json_object_get(p, "count");
	const json_t *pos = json_object_get(p, "position");
	const json_t *cor = json_object_get(p, "corroboration");
	char when[64], count[32], where[64], src[16];
	const char *q = str(cnt, "qualifier"), *desc;

	snprintf(when, sizeof(when), "%.10s %.5s", str(tw, "from"),
	    strlen(str(tw, "from")) > 11 ? str(tw, "from") + 11 : "");
	snprintf(count, sizeof(count), "%s%lld",
	    strcmp(q, "about") == 0	     ? "~"
		: strcmp(q, "at_least") == 0 ? ">="
					     : "",
	    (long long)json_integer_value(json_object_get(cnt, "value")));
	if (json_is_object(pos))
		snprintf(where, sizeof(where), "%.5f,%.5f",
		    json_number_value(json_object_get(pos, "lat")),
		    json_number_value(json_object_get(pos, "lon")));
	else
		snprintf(where, sizeof(where), "unlocated");
	snprintf(src, sizeof(src), "%lld",
	    (long long)json_integer_value(
		json_object_get(cor, "independent_sources")));
	desc = str(p, "description");
	printf("%-28s  %-17s  %-20.20s  %-6s  %-4s  %-21s  %s%s%s\n",
	    str(f, "id"), when, str(p, "category"), count, src, where, desc,
	    json_is_true(json_object_get(p, "uncorroborated"))
		? (desc[0] ? " " : "")
		: "",
	    json_is_true(json_object_get(p, "uncorroborated"))
		? "(uncorroborated complaint)"
		: "");
}

static int
csv_row(const json_t *f)
{
	char *line;

	if ((line = incform_csv_line(f)) == NULL)
		return -1;
	fputs(line, stdout);
	free(line);
	return 0;
}

static int
emit(void *ctx, const json_t *f)
{
	struct out *o = ctx;

	switch (o->format) {
	case CLIENT_TABLE: table_row(f); break;
	case CLIENT_JSONL:
	case CLIENT_GEOJSON:
		if (o->format == CLIENT_GEOJSON && o->written > 0)
			fputs(",\n", stdout);
		if (json_dumpf(f, stdout,
			JSON_COMPACT | JSON_REAL_PRECISION(15)) == -1)
			return -1;
		if (o->format == CLIENT_JSONL)
			putchar('\n');
		break;
	case CLIENT_CSV:
		if (csv_row(f) == -1)
			return -1;
		break;
	}
	o->written++;
	return 0;
}

/* The options every form shares; returns 1 if ch was one of them. */
struct common {
	const char *server, *token;
	int64_t timeout;
};

static int
common_option(struct common *c, int ch, const char *arg, int *bad)
{
	switch (ch) {
	case 's': c->server = arg; return 1;
	case 'A': client_set_cacert(arg); return 1;
	case 't': c->token = arg; return 1;
	case 'T':
		if (args_i64(CMD, "--timeout", arg, 1, 3600, &c->timeout) == -1)
			*bad = 1;
		return 1;
	default: return 0;
	}
}

#define COMMON_OPTIONS                                   \
	{ "server", required_argument, NULL, 's' },      \
	    { "cacert", required_argument, NULL, 'A' },  \
	    { "token", required_argument, NULL, 't' },   \
	    { "timeout", required_argument, NULL, 'T' }, \
	{                                                \
		"help", no_argument, NULL, 'h'           \
	}

static int
show(int argc, char **argv)
{
	static const struct option opts[] = { COMMON_OPTIONS,
		{ NULL, 0, NULL, 0 } };
	struct common cm = { NULL, NULL, 60 };
	struct client *c = NULL;
	char path[128];
	json_t *body = NULL;
	long status;
	int ch, bad = 0, ret = 2;

	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (common_option(&cm, ch, optarg, &bad)) {
			if (bad)
				goto out;
			continue;
		}
		if (ch == 'h') {
			help();
			ret = 0;
		} else
			args_bad_option(CMD, argv, optind, optopt);
		goto out;
	}
	if (optind != argc - 1 || !decision_is_incident_id(argv[optind])) {
		args_usage(CMD,
		    "show: one incident id (inc- and 24 hex "
		    "digits) is required");
		goto out;
	}
	ret = 1;
	if ((c = client_new(cm.server, cm.token, (long)cm.timeout)) == NULL)
		goto out;
	snprintf(path, sizeof(path), "/v1/incidents/%s", argv[optind]);
	if (client_get(c, path, &status, &body) == -1)
		goto out;
	if (status != 200) {
		client_report(c, status, body);
		goto out;
	}
	if (json_dumpf(body, stdout,
		JSON_INDENT(2) | JSON_REAL_PRECISION(15)) == -1)
		goto out;
	putchar('\n');
	ret = 0;
out:
	json_decref(body);
	client_free(c);
	return ret;
}

static int
decide(int argc, char **argv, int split)
{
	static const struct option opts[] = {
		{ "with", required_argument, NULL, 'w' },
		{ "observation", required_argument, NULL, 'o' },
		{ "reason", required_argument, NULL, 'r' },
		COMMON_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	struct common cm = { NULL, NULL, 60 };
	struct client *c = NULL;
	const char *with = NULL, *reason = NULL;
	char path[128];
	json_t *req = NULL, *body = NULL, *obs;
	long status;
	int ch, bad = 0, ret = 2;

	obs = json_array();
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (common_option(&cm, ch, optarg, &bad)) {
			if (bad)
				goto out;
			continue;
		}
		switch (ch) {
		case 'w': with = optarg; break;
		case 'o':
			if (json_array_size(obs) >= MAX_SPLIT) {
				args_usage(CMD, "--observation: more than %d",
				    MAX_SPLIT);
				goto out;
			}
			json_array_append_new(obs, json_string(optarg));
			break;
		case 'r':
			if (args_string(CMD, "--reason", optarg,
				DECISION_MAX_REASON) == -1)
				goto out;
			reason = optarg;
			break;
		case 'h':
			help();
			ret = 0;
			goto out;
		default: args_bad_option(CMD, argv, optind, optopt); goto out;
		}
	}
	if (optind != argc - 1 || !decision_is_incident_id(argv[optind])) {
		args_usage(CMD,
		    "%s: one incident id (inc- and 24 hex digits) "
		    "is required",
		    split ? "split" : "merge");
		goto out;
	}
	if (reason == NULL) {
		args_usage(CMD, "--reason: is required (say why)");
		goto out;
	}
	if (split ? json_array_size(obs) == 0 : with == NULL) {
		args_usage(CMD,
		    split ? "split: --observation is required"
			  : "merge: --with is required");
		goto out;
	}
	req = split
	    ? json_pack("{s:O,s:s}", "observations", obs, "reason", reason)
	    : json_pack("{s:s,s:s}", "with", with, "reason", reason);
	ret = 1;
	if (req == NULL ||
	    (c = client_new(cm.server, cm.token, (long)cm.timeout)) == NULL)
		goto out;
	snprintf(path, sizeof(path), "/v1/incidents/%s/%s", argv[optind],
	    split ? "split" : "merge");
	if (client_post(c, path, req, &status, &body) == -1)
		goto out;
	if (status != 200) {
		client_report(c, status, body);
		goto out;
	}
	printf("%s (log index %lld)\n", str(body, "message"),
	    (long long)json_integer_value(json_object_get(body, "index")));
	if (split)
		printf("new incident: %s\n", str(body, "new_incident"));
	ret = 0;
out:
	json_decref(obs);
	json_decref(req);
	json_decref(body);
	client_free(c);
	return ret;
}

static int
check_categories(const char *v)
{
	char part[64];
	const char *p = v, *comma;
	size_t n;

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
	args_usage(CMD, "--category: '%.*s' is not a category",
	    (int)(n > 64 ? 64 : n), p);
	return -1;
}

static int
list(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "bbox", required_argument, NULL, 'b' },
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 'u' },
		{ "category", required_argument, NULL, 'c' },
		{ "zone", required_argument, NULL, 'z' },
		{ "limit", required_argument, NULL, 'l' },
		{ "format", required_argument, NULL, 'F' },
		COMMON_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	static const char *const keys[] = { "bbox", "from", "to", "category",
		"zone" };
	struct common cm = { NULL, NULL, 60 };
	const char *val[5] = { NULL, NULL, NULL, NULL, NULL };
	char filters[6 * MAX_PARAM], terr[160];
	int64_t limit = MAX_ROWS, ms;
	struct client *c = NULL;
	struct out o;
	int ch, bad = 0, ret = 2, k;

	memset(&o, 0, sizeof(o));
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (common_option(&cm, ch, optarg, &bad)) {
			if (bad)
				goto out;
			continue;
		}
		switch (ch) {
		case 'b':
		case 'z':
			if (args_string(CMD, ch == 'b' ? "--bbox" : "--zone",
				optarg, 127) == -1)
				goto out;
			val[ch == 'b' ? 0 : 4] = optarg;
			break;
		case 'f':
		case 'u':
			if (timefmt_parse(optarg, &ms, terr, sizeof(terr)) ==
			    -1) {
				args_usage(CMD, "%s: %s",
				    ch == 'f' ? "--from" : "--to", terr);
				goto out;
			}
			val[ch == 'f' ? 1 : 2] = optarg;
			break;
		case 'c':
			if (args_string(CMD, "--category", optarg, MAX_PARAM) ==
				-1 ||
			    check_categories(optarg) == -1)
				goto out;
			val[3] = optarg;
			break;
		case 'l':
			if (args_i64(CMD, "--limit", optarg, 1, MAX_ROWS,
				&limit) == -1)
				goto out;
			break;
		case 'F':
			if (client_parse_format(CMD, optarg, &o.format) == -1)
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
		args_usage(CMD,
		    "unexpected argument '%.64s' (show, merge or "
		    "split come first)",
		    argv[optind]);
		goto out;
	}
	ret = 1;
	if ((c = client_new(cm.server, cm.token, (long)cm.timeout)) == NULL)
		goto out;
	filters[0] = '\0';
	for (k = 0; k < 5; k++)
		if (val[k] != NULL &&
		    client_add_param(c, filters, sizeof(filters), keys[k],
			val[k]) == -1)
			goto out;
	if (o.format == CLIENT_TABLE)
		table_header();
	else if (o.format == CLIENT_GEOJSON) {
		fputs("{\"type\":\"FeatureCollection\",\"features\":[\n",
		    stdout);
		o.opened = 1;
	} else if (o.format == CLIENT_CSV) {
		char *h = incform_csv_header();

		if (h == NULL)
			goto out;
		fputs(h, stdout);
		free(h);
	}
	if (client_features(c, "/v1/incidents", filters, limit, emit, &o) == -1)
		goto out;
	ret = 0;
out:
	if (o.opened)
		fputs("\n]}\n", stdout);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		log_warn("standard output");
		ret = 1;
	}
	client_free(c);
	return ret;
}

int
cmd_incidents(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "show") == 0)
		return show(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "merge") == 0)
		return decide(argc - 1, argv + 1, 0);
	if (argc >= 2 && strcmp(argv[1], "split") == 0)
		return decide(argc - 1, argv + 1, 1);
	return list(argc, argv);
}
