/*
 * truce events [--after INDEX] [--types T,..] [--bbox B] [--zone Z]
 *              [--category C,..] [--count N]
 * truce alert add --name NAME [--category C]... [--state S]... [--bbox B]
 *              [--zone Z] [--min-count N --window S] [--url U --secret S]
 * truce alert list
 * truce alert rm RULE
 *
 * events prints the center's event stream (GET /v1/events, docs/alerts.md)
 * as JSON lines {"event","id"?,"data"}; when the connection drops it
 * resumes after the last id it printed, so nothing is missed or printed
 * twice. alert manages the alert rules (POST/GET/DELETE /v1/alerts/rules).
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/args.h"
#include "cli/client.h"
#include "cli/commands.h"
#include "common/log.h"
#include "common/num.h"

#define LINE_MAX_BYTES (1 << 20) /* one SSE line at most */

/* The SSE parser's state (WHATWG HTML, "Server-sent events"). */
struct sse {
	char *line;
	size_t len, cap;
	char event[64];
	char *data;
	size_t dlen;
	int has_id;
	int64_t id, last_id;
	int64_t count, limit; /* printed, and how many to print (0 all) */
	int failed;
};

static int
sse_dispatch(struct sse *s)
{
	json_t *out, *data;
	char *text;

	if (s->data == NULL) {
		s->event[0] = '\0';
		s->has_id = 0;
		return 0;
	}
	data = json_loadb(s->data, s->dlen, 0, NULL);
	out =
	    json_pack("{s:s,s:o}", "event", s->event[0] ? s->event : "message",
		"data", data ? data : json_stringn(s->data, s->dlen));
	if (out == NULL) {
		s->failed = 1;
		return -1;
	}
	if (s->has_id) {
		json_object_set_new(out, "id", json_integer(s->id));
		s->last_id = s->id;
	}
	text = json_dumps(out,
	    JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(10));
	json_decref(out);
	free(s->data);
	s->data = NULL;
	s->dlen = 0;
	s->event[0] = '\0';
	s->has_id = 0;
	if (text == NULL || printf("%s\n", text) < 0 || fflush(stdout) != 0) {
		free(text);
		s->failed = 1;
		return -1;
	}
	free(text);
	s->count++;
	return s->limit > 0 && s->count >= s->limit ? 1 : 0;
}

/* One line of the stream (without its end). */
static int
sse_line(struct sse *s, const char *l, size_t n)
{
	const char *v;
	size_t vn;
	char *nd;

	if (n == 0)
		return sse_dispatch(s);
	if (l[0] == ':')
		return 0; /* a comment: heartbeats */
	v = memchr(l, ':', n);
	vn = v ? n - (size_t)(v - l) - 1 : 0;
	if (v != NULL) {
		v++;
		if (vn > 0 && *v == ' ') {
			v++;
			vn--;
		}
	} else
		v = l + n;
	if (n >= 5 && strncmp(l, "data:", 5) == 0) {
		if ((nd = realloc(s->data, s->dlen + vn + 2)) == NULL)
			return -1;
		s->data = nd;
		if (s->dlen > 0)
			s->data[s->dlen++] = '\n';
		memcpy(s->data + s->dlen, v, vn);
		s->dlen += vn;
		s->data[s->dlen] = '\0';
	} else if (n >= 6 && strncmp(l, "event:", 6) == 0)
		snprintf(s->event, sizeof(s->event), "%.*s", (int)vn, v);
	else if (n >= 3 && strncmp(l, "id:", 3) == 0) {
		char buf[32];

		snprintf(buf, sizeof(buf), "%.*s", (int)vn, v);
		if (num_parse_i64(buf, 0, INT64_MAX - 1, &s->id, NULL, 0) == 0)
			s->has_id = 1;
	}
	return 0;
}

static int
on_chunk(void *ctx, const char *data, size_t len)
{
	struct sse *s = ctx;
	size_t i;
	char *nl;
	int rc;

	for (i = 0; i < len; i++) {
		if (data[i] == '\n') {
			if (s->len > 0 && s->line[s->len - 1] == '\r')
				s->len--;
			rc = sse_line(s, s->line, s->len);
			s->len = 0;
			if (rc != 0)
				return rc;
			continue;
		}
		if (s->len + 1 >= s->cap) {
			if (s->cap >= LINE_MAX_BYTES) {
				log_warnx("events: a line longer than %d "
					  "bytes",
				    LINE_MAX_BYTES);
				s->failed = 1;
				return -1;
			}
			s->cap = s->cap ? s->cap * 2 : 4096;
			if ((nl = realloc(s->line, s->cap)) == NULL)
				return -1;
			s->line = nl;
		}
		s->line[s->len++] = data[i];
	}
	return 0;
}

static void
events_help(void)
{
	printf(
	    "usage: truce events [--after INDEX] [--types T,...] "
	    "[--bbox MINLON,MINLAT,MAXLON,MAXLAT]\n"
	    "                    [--zone ZONE] [--category C,...] "
	    "[--count N] [--server URL] [--token T]\n\n"
	    "Prints the center's events as JSON lines {\"event\", \"id\", "
	    "\"data\"}: every log\nentry the token may see, alerts and joint "
	    "checkpoints. --after resumes after a\nlog index (the `id` of the "
	    "last line printed); without it, from now on. A\ndropped "
	    "connection is resumed where it left off. --count stops after N "
	    "events.\n");
}

/* Appends &key=escaped(v) to q. */
static int
add_param(struct client *c, char *q, size_t qlen, const char *key,
    const char *v)
{
	return client_add_param(c, q, qlen, key, v);
}

int
cmd_events(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "after", required_argument, NULL, 'a' },
		{ "types", required_argument, NULL, 'y' },
		{ "bbox", required_argument, NULL, 'b' },
		{ "zone", required_argument, NULL, 'z' },
		{ "category", required_argument, NULL, 'c' },
		{ "count", required_argument, NULL, 'n' },
		{ "server", required_argument, NULL, 's' },
		{ "token", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *server = NULL, *token = NULL,
		   *keys[4] = { "types", "bbox", "zone", "category" },
		   *vals[4] = { NULL, NULL, NULL, NULL };
	struct client *c = NULL;
	struct sse s;
	char q[4096], path[4200], num[32];
	long status = 0;
	int ch, ret = 2, rc, k, tries = 0, have_after = 0;

	memset(&s, 0, sizeof(s));
	s.last_id = -1;
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'a':
			if (args_i64("events", "--after", optarg, -1,
				INT64_MAX - 1, &s.last_id) == -1)
				goto out;
			have_after = 1;
			break;
		case 'y': vals[0] = optarg; break;
		case 'b': vals[1] = optarg; break;
		case 'z': vals[2] = optarg; break;
		case 'c': vals[3] = optarg; break;
		case 'n':
			if (args_i64("events", "--count", optarg, 1, INT64_MAX,
				&s.limit) == -1)
				goto out;
			break;
		case 's': server = optarg; break;
		case 't': token = optarg; break;
		case 'h':
			events_help();
			ret = 0;
			goto out;
		default:
			args_bad_option("events", argv, optind, optopt);
			goto out;
		}
	}
	if (optind != argc) {
		args_usage("events", "unexpected argument '%s'", argv[optind]);
		goto out;
	}
	if ((c = client_new(server, token, 0)) == NULL) {
		ret = 1;
		goto out;
	}
	ret = 1;
	for (;;) {
		q[0] = '\0';
		for (k = 0; k < 4; k++)
			if (vals[k] != NULL &&
			    add_param(c, q, sizeof(q), keys[k], vals[k]) == -1)
				goto out;
		if (have_after || s.last_id >= 0) {
			snprintf(num, sizeof(num), "%" PRId64, s.last_id);
			if (add_param(c, q, sizeof(q), "after", num) == -1)
				goto out;
		}
		snprintf(path, sizeof(path), "/v1/events%s%s", q[0] ? "?" : "",
		    q);
		s.len = 0;
		rc = client_stream(c, path, "text/event-stream", on_chunk, &s,
		    &status);
		if (rc == 1 && !s.failed) {
			ret = 0;
			break;
		}
		if (s.failed)
			break;
		if (rc == 0 && status != 200) {
			log_warnx("events: the server answered %ld", status);
			break;
		}
		/* Dropped: resume after the last id printed. */
		have_after = s.last_id >= 0 || have_after;
		if (++tries > 30)
			break;
		sleep(1);
	}
out:
	free(s.line);
	free(s.data);
	client_free(c);
	return ret;
}

/* -------------------------------------------------------------------- */

static void
alert_help(void)
{
	printf(
	    "usage: truce alert add --name NAME [--category C]... "
	    "[--state S]... [--bbox B]\n"
	    "                 [--zone Z] [--min-count N] [--spike F] "
	    "[--window SECONDS]\n"
	    "                 [--url URL --secret S]\n"
	    "       truce alert list\n"
	    "       truce alert rm RULE\n\n"
	    "Manages the alert rules (docs/alerts.md): add prints the new "
	    "rule as JSON,\nlist the rules (never a secret), rm disables one. "
	    "Each is a log entry.\n"
	    "--min-count N --window S fires at N matches within S seconds; "
	    "--spike F\n--window S at F times the mean count per S seconds "
	    "of the week before\n(a spike of 3x the 7-day hourly mean: "
	    "--spike 3 --window 3600).\n"
	    "Common: --server URL, --token T (or TRUCE_SERVER, "
	    "TRUCE_TOKEN).\n");
}

/* A comma list (or repeated option) appended to the array at key. */
static void
add_list(json_t *when, const char *key, const char *v)
{
	json_t *a = json_object_get(when, key);
	const char *p, *comma;

	if (a == NULL) {
		a = json_array();
		json_object_set_new(when, key, a);
	}
	for (p = v; p != NULL; p = comma ? comma + 1 : NULL) {
		comma = strchr(p, ',');
		json_array_append_new(a,
		    json_stringn(p, comma ? (size_t)(comma - p) : strlen(p)));
	}
}

static int
print_json(const json_t *v)
{
	char *t = json_dumps(v,
	    JSON_INDENT(2) | JSON_SORT_KEYS | JSON_REAL_PRECISION(10));
	int rc = t != NULL && printf("%s\n", t) >= 0 ? 0 : -1;

	free(t);
	return rc;
}

int
cmd_alert(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'N' },
		{ "category", required_argument, NULL, 'c' },
		{ "state", required_argument, NULL, 'S' },
		{ "bbox", required_argument, NULL, 'b' },
		{ "zone", required_argument, NULL, 'z' },
		{ "min-count", required_argument, NULL, 'm' },
		{ "window", required_argument, NULL, 'w' },
		{ "spike", required_argument, NULL, 'P' },
		{ "url", required_argument, NULL, 'u' },
		{ "secret", required_argument, NULL, 'k' },
		{ "server", required_argument, NULL, 's' },
		{ "token", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *server = NULL, *token = NULL, *verb, *url = NULL,
		   *secret = NULL, *name = NULL;
	json_t *req = NULL, *when = json_object(), *body = NULL, *bb;
	struct client *c = NULL;
	int64_t v;
	double d[4];
	char path[256], part[256], *p, *end;
	long status;
	int ch, ret = 2, i;

	if (argc < 2 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "--help") == 0) {
		alert_help();
		ret = argc < 2 ? 2 : 0;
		goto out;
	}
	verb = argv[1];
	optind = 2;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'N': name = optarg; break;
		case 'c': add_list(when, "categories", optarg); break;
		case 'S': add_list(when, "states", optarg); break;
		case 'z':
			json_object_set_new(when, "zone", json_string(optarg));
			break;
		case 'b':
			bb = json_array();
			snprintf(part, sizeof(part), "%s", optarg);
			for (p = part, i = 0; i < 4; i++) {
				end = strchr(p, ',');
				if ((end == NULL) != (i == 3) ||
				    (end != NULL && (*end = '\0') != '\0') ||
				    num_parse_double(p, -180, 180, &d[i], NULL,
					0) == -1) {
					json_decref(bb);
					args_usage("alert",
					    "--bbox: must be "
					    "MINLON,MINLAT,MAXLON,MAXLAT");
					goto out;
				}
				json_array_append_new(bb, json_real(d[i]));
				p = end != NULL ? end + 1 : p;
			}
			json_object_set_new(when, "bbox", bb);
			break;
		case 'm':
			if (args_i64("alert", "--min-count", optarg, 1, 100000,
				&v) == -1)
				goto out;
			json_object_set_new(when, "min_count", json_integer(v));
			break;
		case 'w':
			if (args_i64("alert", "--window", optarg, 1,
				30LL * 86400, &v) == -1)
				goto out;
			json_object_set_new(when, "window_s", json_integer(v));
			break;
		case 'P':
			if (args_i64("alert", "--spike", optarg, 2, 100, &v) ==
			    -1)
				goto out;
			json_object_set_new(when, "spike", json_integer(v));
			break;
		case 'u': url = optarg; break;
		case 'k': secret = optarg; break;
		case 's': server = optarg; break;
		case 't': token = optarg; break;
		case 'h':
			alert_help();
			ret = 0;
			goto out;
		default:
			args_bad_option("alert", argv, optind, optopt);
			goto out;
		}
	}
	if ((c = client_new(server, token, 60)) == NULL) {
		ret = 1;
		goto out;
	}
	ret = 1;
	if (strcmp(verb, "add") == 0 && optind == argc) {
		if (name == NULL || (url == NULL) != (secret == NULL)) {
			args_usage("alert",
			    "add needs --name, and --url with "
			    "--secret");
			ret = 2;
			goto out;
		}
		req = json_pack("{s:s,s:O}", "name", name, "when", when);
		if (url != NULL)
			json_object_set_new(req, "webhook",
			    json_pack("{s:s,s:s}", "url", url, "secret",
				secret));
		if (client_post(c, "/v1/alerts/rules", req, &status, &body) ==
		    -1)
			goto out;
		if (status != 201) {
			client_report(c, status, body);
			goto out;
		}
	} else if (strcmp(verb, "list") == 0 && optind == argc) {
		if (client_get(c, "/v1/alerts/rules", &status, &body) == -1)
			goto out;
		if (status != 200) {
			client_report(c, status, body);
			goto out;
		}
	} else if (strcmp(verb, "rm") == 0 && optind == argc - 1) {
		if (strlen(argv[optind]) > 64 ||
		    strspn(argv[optind], "rule-0123456789") !=
			strlen(argv[optind])) {
			args_usage("alert", "rm: '%.64s' is not a rule id",
			    argv[optind]);
			ret = 2;
			goto out;
		}
		snprintf(path, sizeof(path), "/v1/alerts/rules/%s",
		    argv[optind]);
		if (client_delete(c, path, &status, &body) == -1)
			goto out;
		if (status != 200) {
			client_report(c, status, body);
			goto out;
		}
	} else {
		args_usage("alert", "expected add, list or rm RULE");
		ret = 2;
		goto out;
	}
	ret = print_json(body) == 0 ? 0 : 1;
out:
	json_decref(req);
	json_decref(when);
	json_decref(body);
	client_free(c);
	return ret;
}
