/*
 * truce report draft daily --date D
 * truce report draft summary --from D --to D
 * truce report draft weekly --date D      (a summary of the 7 days to D)
 * truce report draft monthly --month YYYY-MM   (a summary of the month)
 * truce report draft spot --incident ID [--incident ID ...] --narrative TEXT
 * truce report list [--state S] [--kind K]
 * truce report get ID [--format json|html|svg|trend|pdf|png] [--out FILE]
 * truce report sign ID --key KEYFILE [--refuse REASON]
 *        (every form: [--server URL] [--token T])
 *
 * The center's products through the API (docs/products.md). `get` writes
 * the report's record as the center serves it (GET /v1/reports/ID: the
 * report, its state and the members' signed notes) and renders HTML or
 * the SVG map here, from those bytes, exactly as the center would. `sign`
 * fetches the report, computes its hash here from the report's canonical
 * bytes, refuses if that is not ID, and signs a signed note with the
 * member's key (the assessment's mechanism): a member never signs bytes
 * it has not seen.
 * Exit status: 0 done, 1 refused or failed, 2 usage error.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "center/keyfile.h"
#include "center/products.h"
#include "cli/args.h"
#include "cli/client.h"
#include "cli/commands.h"
#include "geo/layers.h"
#include "record/timefmt.h"
#include "report/render.h"
#include "report/report.h"
#include "report/reportentry.h"
#include "tlog/note.h"

#define CMD "report"

static void
help(void)
{
	printf("usage: truce report draft daily --date YYYY-MM-DD\n"
	       "       truce report draft summary --from YYYY-MM-DD --to "
	       "YYYY-MM-DD\n"
	       "       truce report draft weekly --date YYYY-MM-DD   (the 7 "
	       "days to it)\n"
	       "       truce report draft monthly --month YYYY-MM\n"
	       "       truce report draft spot --incident ID [...] --narrative "
	       "TEXT\n"
	       "       truce report list [--state S] [--kind K]\n"
	       "       truce report get ID [--format "
	       "json|html|svg|trend|pdf|png] "
	       "[--out FILE]\n"
	       "                        [--region karabakh|donbas|none]\n"
	       "       truce report sign ID --key KEYFILE [--refuse REASON]\n"
	       "       (each with [--server URL] [--token T])\n"
	       "\n"
	       "Drafts, lists, fetches and signs the center's reports "
	       "(docs/products.md).\n"
	       "A daily report covers the day before's cut-off to the day's "
	       "(truce.conf\n"
	       "report_cutoff and report_timezone). `get` renders HTML and the "
	       "SVG map\n"
	       "here from the report's bytes, over the geography of --region "
	       "(the\n"
	       "center's `region`, default karabakh). `sign` hashes the report "
	       "here and signs\n"
	       "that hash with the member's key (KEYFILE, as `truce keygen "
	       "MEMBER` wrote\n"
	       "it); --refuse records the member's refusal, with its reason, "
	       "instead.\n"
	       "\n"
	       "  --server URL   the center (default $TRUCE_SERVER, %s)\n"
	       "  --token T      the bearer token (default $TRUCE_TOKEN)\n"
	       "\n"
	       "Exit status: 0 done, 1 refused or failed, 2 usage error.\n",
	    CLIENT_DEFAULT_SERVER);
}

static const struct option opts[] = {
	{ "date", required_argument, NULL, 'd' },
	{ "month", required_argument, NULL, 'm' },
	{ "from", required_argument, NULL, 'f' },
	{ "to", required_argument, NULL, 'T' },
	{ "incident", required_argument, NULL, 'i' },
	{ "narrative", required_argument, NULL, 'n' },
	{ "state", required_argument, NULL, 'S' },
	{ "kind", required_argument, NULL, 'k' },
	{ "format", required_argument, NULL, 'F' },
	{ "out", required_argument, NULL, 'o' },
	{ "key", required_argument, NULL, 'K' },
	{ "refuse", required_argument, NULL, 'r' },
	{ "region", required_argument, NULL, 'R' },
	{ "server", required_argument, NULL, 's' },
	{ "token", required_argument, NULL, 't' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

struct args {
	const char *date, *from, *to, *narrative, *state, *kind, *format;
	const char *month;
	const char *out, *key, *refuse, *server, *token, *region;
	const char *incidents[REPORT_MAX_INCIDENTS];
	size_t nincidents;
};

static int
parse(int argc, char **argv, struct args *a)
{
	int ch;

	memset(a, 0, sizeof(*a));
	optind = 2;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'd': a->date = optarg; break;
		case 'm': a->month = optarg; break;
		case 'f': a->from = optarg; break;
		case 'T': a->to = optarg; break;
		case 'n': a->narrative = optarg; break;
		case 'S': a->state = optarg; break;
		case 'k': a->kind = optarg; break;
		case 'F': a->format = optarg; break;
		case 'o': a->out = optarg; break;
		case 'K': a->key = optarg; break;
		case 'r': a->refuse = optarg; break;
		case 'R': a->region = optarg; break;
		case 's': a->server = optarg; break;
		case 't': a->token = optarg; break;
		case 'i':
			if (a->nincidents == REPORT_MAX_INCIDENTS) {
				args_usage(CMD, "--incident: more than %d",
				    REPORT_MAX_INCIDENTS);
				return -1;
			}
			a->incidents[a->nincidents++] = optarg;
			break;
		case 'h': help(); return 1;
		default: args_bad_option(CMD, argv, optind, optopt); return -1;
		}
	}
	return 0;
}

/* Prints an answer's failure; 1. */
static int
refused(struct client *c, long status, const json_t *body)
{
	client_report(c, status, body);
	return 1;
}

/*
 * The summary request of a weekly (the REPORT_WEEK_DAYS report days
 * ending with --date) or monthly (the days of --month) report: a new
 * object, or NULL after a usage error.
 */
static json_t *
span_request(const char *kind, const struct args *a)
{
	int weekly = strcmp(kind, "weekly") == 0;
	const char *v = weekly ? a->date : a->month;
	int64_t first = 0, last = 0;
	char why[128], d1[16], d2[16];

	if (v == NULL) {
		args_usage(CMD, "draft %s: %s is required", kind,
		    weekly ? "--date" : "--month");
		return NULL;
	}
	if ((weekly ? report_date_parse(v, &last, why, sizeof(why))
		    : report_month_parse(v, &first, &last, why, sizeof(why))) ==
	    -1) {
		args_usage(CMD, "draft %s: %s: %s", kind,
		    weekly ? "--date" : "--month", why);
		return NULL;
	}
	if (weekly)
		first = last - (REPORT_WEEK_DAYS - 1);
	report_date_format(first, d1);
	report_date_format(last, d2);
	return json_pack("{s:s,s:s,s:s}", "kind", "summary", "from", d1, "to",
	    d2);
}

static int
draft(struct client *c, const char *kind, const struct args *a)
{
	json_t *req, *body = NULL, *list;
	char from[TIMEFMT_LEN], to[TIMEFMT_LEN];
	long status;
	size_t i;
	int rc = 1;

	req = json_pack("{s:s}", "kind", kind);
	if (strcmp(kind, "weekly") == 0 || strcmp(kind, "monthly") == 0) {
		json_decref(req);
		if ((req = span_request(kind, a)) == NULL)
			return 2;
	} else if (strcmp(kind, "daily") == 0 && a->date != NULL)
		json_object_set_new(req, "date", json_string(a->date));
	else if (strcmp(kind, "summary") == 0 && a->from && a->to) {
		json_object_set_new(req, "from", json_string(a->from));
		json_object_set_new(req, "to", json_string(a->to));
	} else if (strcmp(kind, "spot") == 0 && a->nincidents > 0 &&
	    a->narrative != NULL) {
		list = json_array();
		for (i = 0; i < a->nincidents; i++)
			json_array_append_new(list,
			    json_string(a->incidents[i]));
		json_object_set_new(req, "incidents", list);
		json_object_set_new(req, "narrative",
		    json_string(a->narrative));
	} else {
		args_usage(CMD, "draft %s: %s", kind,
		    strcmp(kind, "daily") == 0 ? "--date is required"
			: strcmp(kind, "summary") == 0
			? "--from and --to are required"
			: strcmp(kind, "spot") == 0
			? "--incident and --narrative are required"
			: "the kind is daily, weekly, monthly, summary "
			  "or spot");
		json_decref(req);
		return 2;
	}
	if (client_post(c, "/v1/reports", req, &status, &body) == -1)
		goto done;
	if (status != 201 && status != 200) {
		rc = refused(c, status, body);
		goto done;
	}
	timefmt_format(json_integer_value(
			   json_object_get(json_object_get(body, "period"),
			       "from_ms")),
	    from);
	timefmt_format(json_integer_value(
			   json_object_get(json_object_get(body, "period"),
			       "to_ms")),
	    to);
	printf("id: %s\nnumber: %s\nperiod: %s to %s\nlog_size: %lld\n"
	       "state: %s\nindex: %lld\n%s",
	    json_string_value(json_object_get(body, "id")),
	    json_string_value(json_object_get(body, "number")), from, to,
	    (long long)json_integer_value(json_object_get(body, "log_size")),
	    json_string_value(json_object_get(body, "state")),
	    (long long)json_integer_value(json_object_get(body, "index")),
	    status == 200 ? "(drafted already: nothing it reads has changed)\n"
			  : "");
	rc = 0;
done:
	json_decref(req);
	json_decref(body);
	return rc;
}

static int
list(struct client *c, const struct args *a)
{
	char q[256] = "", path[300];
	json_t *body = NULL, *r;
	long status;
	size_t i;
	int rc = 1;

	if ((a->state &&
		client_add_param(c, q, sizeof(q), "state", a->state) == -1) ||
	    (a->kind &&
		client_add_param(c, q, sizeof(q), "kind", a->kind) == -1))
		return 1;
	snprintf(path, sizeof(path), "/v1/reports%s%s", q[0] ? "?" : "", q);
	if (client_get(c, path, &status, &body) == -1)
		return 1;
	if (status != 200) {
		rc = refused(c, status, body);
		goto done;
	}
	json_array_foreach(json_object_get(body, "reports"), i, r)
	    printf("%s\t%s\t%s\t%lld\n",
		json_string_value(json_object_get(r, "id")),
		json_string_value(json_object_get(r, "state")),
		json_string_value(json_object_get(r, "number")),
		(long long)json_integer_value(json_object_get(r, "log_size")));
	rc = 0;
done:
	json_decref(body);
	return rc;
}

/* GET /v1/reports/ID: the record; 0, or 1 (reported). */
static int
fetch(struct client *c, const char *id, json_t **env)
{
	char path[256];
	json_t *body = NULL;
	long status;

	if (!report_is_id(id)) {
		fprintf(stderr,
		    "truce report: '%.80s' is not a report id (64 "
		    "hex digits)\n",
		    id);
		return 1;
	}
	snprintf(path, sizeof(path), "/v1/reports/%s", id);
	if (client_get(c, path, &status, &body) == -1)
		return 1;
	if (status != 200) {
		refused(c, status, body);
		json_decref(body);
		return 1;
	}
	*env = body;
	return 0;
}

static int
write_out(const char *path, const void *data, size_t len)
{
	FILE *f = path ? fopen(path, "wb") : stdout;

	if (f == NULL) {
		fprintf(stderr, "truce report: --out %s: cannot open\n", path);
		return 1;
	}
	if (fwrite(data, 1, len, f) != len || (path && fclose(f) != 0)) {
		fprintf(stderr, "truce report: cannot write %s\n",
		    path ? path : "the output");
		return 1;
	}
	if (!path)
		fflush(stdout);
	return 0;
}

/* The geography of region (NULL: karabakh; "none": no layers). */
static int
geography(const char *region, struct layers **out)
{
	char dir[LAYERS_MAX_PATH], err[512];

	*out = NULL;
	if (region != NULL && strcmp(region, "none") == 0)
		return 0;
	if (layers_datadir(dir, sizeof(dir)) == -1 ||
	    (*out = layers_load_region(dir, region ? region : "karabakh", err,
		 sizeof(err))) == NULL) {
		fprintf(stderr, "truce report: --region: %s\n", err);
		return -1;
	}
	return 0;
}

/*
 * Readies env for a rendering: a rendering is of the record, as the
 * center's is, without the release's proof that only the JSON carries
 * (it changes as the log grows). Always 0.
 */
static int
render_record(json_t *env)
{
	json_object_del(env, "release");
	return 0;
}

static int
get(struct client *c, const char *id, const struct args *a)
{
	struct render_out out = { NULL, 0 };
	struct products_geo geo;
	struct layers *layers = NULL;
	const char *fmt = a->format ? a->format : "json";
	json_t *env = NULL;
	char *text = NULL, err[256] = "";
	int rc = 1;

	if (strcmp(fmt, "json") != 0 && strcmp(fmt, "html") != 0 &&
	    strcmp(fmt, "svg") != 0 && strcmp(fmt, "pdf") != 0 &&
	    strcmp(fmt, "png") != 0 && strcmp(fmt, "trend") != 0) {
		args_usage(CMD, "--format: json, html, svg, trend, pdf or png");
		return 2;
	}
	memset(&geo, 0, sizeof(geo));
	if (fetch(c, id, &env) != 0)
		return 1;
	if (strcmp(fmt, "json") == 0) {
		text = json_dumps(env, JSON_COMPACT | JSON_SORT_KEYS);
		if (text != NULL) {
			out.len = strlen(text);
			rc = write_out(a->out, text, out.len);
			if (a->out == NULL)
				fputc('\n', stdout);
		}
	} else if (render_record(env) == 0 &&
	    geography(a->region, &layers) == 0 &&
	    products_geo(layers, &geo) == 0 &&
	    (strcmp(fmt, "html") == 0 ? render_html(env, &geo.geo, &out)
		    : strcmp(fmt, "svg") == 0
		    ? render_map_svg(json_object_get(env, "report"), &geo.geo,
			  &out)
		    : strcmp(fmt, "trend") == 0
		    ? render_trend_svg(json_object_get(env, "report"), &out)
		    : strcmp(fmt, "pdf") == 0
		    ? products_pdf(env, &geo.geo, &out, err, sizeof(err))
		    : products_png(json_object_get(env, "report"), &geo.geo,
			  &out, err, sizeof(err))) == 0)
		rc = write_out(a->out, out.data, out.len);
	else
		fprintf(stderr,
		    "truce report: the report cannot be "
		    "rendered%s%s\n",
		    err[0] ? ": " : "", err);
	products_geo_clear(&geo);
	layers_free(layers);
	free(text);
	free(out.data);
	json_decref(env);
	return rc;
}

/* The canonical bytes' hash of the report inside env, into id. */
static int
hash_of(const json_t *env, char id[REPORT_ID_LEN + 1])
{
	char *bytes;
	size_t len;

	if (!json_is_object(json_object_get(env, "report")) ||
	    report_encode(json_object_get(env, "report"), &bytes, &len, id) ==
		-1)
		return -1;
	free(bytes);
	return 0;
}

static int
sign(struct client *c, const char *id, const struct args *a)
{
	struct note_signer *signer = NULL;
	json_t *env = NULL, *body = NULL;
	char err[512], path[256], mine[REPORT_ID_LEN + 1];
	char *text = NULL, *note = NULL;
	size_t len, nlen;
	long status;
	int rc = 1;

	if ((rc = args_member_key(CMD, a->key, &signer)) != 0)
		return rc;
	rc = 1;
	if (fetch(c, id, &env) != 0)
		goto done;
	if (hash_of(env, mine) == -1 || strcmp(mine, id) != 0) {
		fprintf(stderr,
		    "truce report: the center served a report "
		    "whose SHA-256 is %s, not %s: not signing it\n",
		    mine, id);
		goto done;
	}
	if (reportentry_signature_text(id,
		json_string_value(
		    json_object_get(json_object_get(env, "report"), "number")),
		note_signer_name(signer), a->refuse != NULL, a->refuse,
		timefmt_now_ms(), &text, &len, err, sizeof(err)) == -1) {
		args_usage(CMD, "%s", err);
		rc = 2;
		goto done;
	}
	if (note_sign(signer, (const uint8_t *)text, len, 0, &note, &nlen, err,
		sizeof(err)) == -1) {
		fprintf(stderr, "truce report: %s\n", err);
		goto done;
	}
	snprintf(path, sizeof(path), "/v1/reports/%s/signatures", id);
	if (client_post_note(c, path, note, nlen, &status, &body) == -1)
		goto done;
	if (status != 201) {
		rc = refused(c, status, body);
		goto done;
	}
	printf("report: %s\nmember: %s\ndecision: %s\nindex: %lld\n"
	       "state: %s\n",
	    id, note_signer_name(signer), a->refuse ? "refuse" : "sign",
	    (long long)json_integer_value(json_object_get(body, "index")),
	    json_string_value(json_object_get(body, "state"))
		? json_string_value(json_object_get(body, "state"))
		: "?");
	rc = 0;
done:
	free(text);
	free(note);
	json_decref(env);
	json_decref(body);
	note_signer_free(signer);
	return rc;
}

int
cmd_report(int argc, char **argv)
{
	struct client *c = NULL;
	struct args a;
	const char *sub = argc > 1 ? argv[1] : NULL, *what = NULL;
	int rc;

	if (sub == NULL || strcmp(sub, "--help") == 0 ||
	    strcmp(sub, "-h") == 0) {
		help();
		return sub == NULL ? 2 : 0;
	}
	if ((rc = parse(argc, argv, &a)) != 0)
		return rc == 1 ? 0 : 2;
	if (optind < argc)
		what = argv[optind++];
	if (optind != argc) {
		args_usage(CMD, "%s: unexpected argument '%.64s'", sub,
		    argv[optind]);
		return 2;
	}
	if (strcmp(sub, "list") != 0 && what == NULL) {
		args_usage(CMD, "%s: %s is required", sub,
		    strcmp(sub, "draft") == 0
			? "the kind (daily, weekly, monthly, summary, "
			  "spot)"
			: "the report id");
		return 2;
	}
	if (strcmp(sub, "draft") != 0 && strcmp(sub, "list") != 0 &&
	    strcmp(sub, "get") != 0 && strcmp(sub, "sign") != 0) {
		args_usage(CMD,
		    "'%.32s': the subcommands are draft, list, get "
		    "and sign",
		    sub);
		return 2;
	}
	if ((c = client_new(a.server, a.token, 120)) == NULL)
		return 1;
	if (strcmp(sub, "draft") == 0)
		rc = draft(c, what, &a);
	else if (strcmp(sub, "list") == 0)
		rc = list(c, &a);
	else if (strcmp(sub, "get") == 0)
		rc = get(c, what, &a);
	else
		rc = sign(c, what, &a);
	client_free(c);
	return rc;
}
