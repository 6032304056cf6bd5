/*
 * truce observe: one observation from command-line flags, checked with the
 * center's validator (record/observation.h) and POSTed to
 * /v1/observations. Prints the id and log index the center gave it.
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
#include "record/observation.h"
#include "record/timefmt.h"

#define CMD "observe"
#define OBSERVE_MAX_EVIDENCE 32 /* --evidence flags */
#define OBSERVE_MAX_ERRORS 16
#define OBSERVE_MAX_TEXT 8192 /* any one flag's value, bytes */

static void
help(void)
{
	printf("usage: truce observe (--at TIME | --from TIME --to TIME)\n"
	       "                     --source-type TYPE (--member M | "
	       "--organisation O)\n"
	       "                     [--unit U] --category C [--weapon W]\n"
	       "                     [--count N [--count-qualifier Q]]\n"
	       "                     (--lat DEG --lon DEG [--precision M] |\n"
	       "                      --place NAME --bearing DEG --distance M\n"
	       "                      [--distance-error M])\n"
	       "                     [--narrative TEXT] [--alleged-by P]\n"
	       "                     [--alleged-against P] [--evidence "
	       "SHA256:TYPE ...]\n"
	       "                     [--casualties-civilian L,B,H]\n"
	       "                     [--casualties-military L,B,H]\n"
	       "                     [--dry-run] [--server URL] [--token T]\n"
	       "\n"
	       "Submits one observation (one report by one source) to the "
	       "center and\n"
	       "prints the id and index it was given, and whether it is new:\n"
	       "    id: <64 hex digits>\n"
	       "    index: <N>\n"
	       "    status: new | existing\n"
	       "Submitting the same observation again is harmless: it keeps "
	       "its id and\n"
	       "index. The observation is checked with the center's own "
	       "validator first;\n"
	       "a problem names the flag (exit status 2).\n"
	       "\n"
	       "when:\n"
	       "  --at TIME            an instant, RFC 3339 "
	       "(2025-03-01T20:14:00Z), or now\n"
	       "  --from T --to T      an interval, for reports that cannot be "
	       "precise\n"
	       "source:\n"
	       "  --source-type TYPE   patrol, observation_post, uav, camera,\n"
	       "                       acoustic_sensor, radar, complaint, "
	       "media, other\n"
	       "  --member M           the member state whose monitors report\n"
	       "  --organisation O     or the organisation that reports\n"
	       "  --unit U             the unit or device (P-12, OP-3, UAV-1)\n"
	       "what:\n"
	       "  --category C         explosion, projectile_in_flight, "
	       "muzzle_flash,\n"
	       "                       illumination_flare, burst_or_shot, "
	       "small_arms_fire,\n"
	       "                       drone_strike, airspace_violation,\n"
	       "                       movement_in_restricted_zone, "
	       "fortification_work,\n"
	       "                       mine_or_uxo, other\n"
	       "  --weapon W           small_arms, heavy_machine_gun, "
	       "grenade_launcher,\n"
	       "                       mortar, artillery, mlrs, tank, "
	       "anti_aircraft, drone,\n"
	       "                       mine, unknown, other\n"
	       "  --count N            how many (default 1)\n"
	       "  --count-qualifier Q  exact (default), about, at_least\n"
	       "where (one of):\n"
	       "  --lat DEG --lon DEG  a point, WGS84 decimal degrees\n"
	       "  --precision M        its precision class in metres (10, 100, "
	       "1000, ...)\n"
	       "  --place NAME         a place of the gazetteer, and from it:\n"
	       "  --bearing DEG        the direction, degrees clockwise from "
	       "north\n"
	       "  --distance M         the distance in metres\n"
	       "  --distance-error M   the distance's uncertainty in metres\n"
	       "more:\n"
	       "  --narrative TEXT     what was seen or heard, in words\n"
	       "  --alleged-by P       for complaints: the party that "
	       "complains\n"
	       "  --alleged-against P  the party accused\n"
	       "  --evidence SHA256:MEDIA_TYPE\n"
	       "                       a digest of a photo or video and its "
	       "media type\n"
	       "                       (image/jpeg); repeat for each, at most "
	       "%d\n"
	       "  --casualties-civilian LOW,BEST,HIGH (or one number for all "
	       "three)\n"
	       "  --casualties-military LOW,BEST,HIGH\n"
	       "\n"
	       "  --dry-run            check and print the observation; send "
	       "nothing\n"
	       "  --server URL         the center (default $TRUCE_SERVER, else "
	       "%s)\n"
	       "  --token T            bearer token (default $TRUCE_TOKEN); "
	       "never printed\n"
	       "  --timeout S          seconds allowed, 1..3600 (default 30)\n"
	       "  -h, --help           this text\n",
	    OBSERVE_MAX_EVIDENCE, CLIENT_DEFAULT_SERVER);
}

/* The flag a validator pointer refers to, for messages. */
static const char *
flag_of(const char *pointer)
{
	static const struct {
		const char *pointer, *flag;
	} map[] = {
		{ "/observed_at/from", "--from" },
		{ "/observed_at/to", "--to" },
		{ "/observed_at", "--at" },
		{ "/source/type", "--source-type" },
		{ "/source/member", "--member" },
		{ "/source/organisation", "--organisation" },
		{ "/source/unit", "--unit" },
		{ "/source", "--member/--organisation" },
		{ "/category", "--category" },
		{ "/weapon", "--weapon" },
		{ "/count/value", "--count" },
		{ "/count/qualifier", "--count-qualifier" },
		{ "/count", "--count" },
		{ "/location/lat", "--lat" },
		{ "/location/lon", "--lon" },
		{ "/location/precision_m", "--precision" },
		{ "/location/place", "--place" },
		{ "/location/bearing_deg", "--bearing" },
		{ "/location/distance_m", "--distance" },
		{ "/location/distance_error_m", "--distance-error" },
		{ "/location", "--lat/--lon or --place" },
		{ "/narrative", "--narrative" },
		{ "/alleged_by", "--alleged-by" },
		{ "/alleged_against", "--alleged-against" },
		{ "/evidence", "--evidence" },
		{ "/casualties/civilian", "--casualties-civilian" },
		{ "/casualties/military", "--casualties-military" },
	};
	size_t i, n;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		n = strlen(map[i].pointer);
		if (strncmp(pointer, map[i].pointer, n) == 0 &&
		    (pointer[n] == '\0' || pointer[n] == '/'))
			return map[i].flag;
	}
	return NULL;
}

/* Sets obj[key] to a number parsed from the value of flag. */
static int
set_number(json_t *obj, const char *key, const char *flag, const char *v)
{
	int64_t i;
	double d;

	/* Ranges are the validator's; here a number only has to be one. */
	if (num_parse_i64(v, INT64_MIN, INT64_MAX, &i, NULL, 0) == 0)
		return json_object_set_new(obj, key, json_integer(i));
	if (args_double(CMD, flag, v, -1e15, 1e15, &d) == -1)
		return -1;
	return json_object_set_new(obj, key, json_real(d));
}

static int
set_string(json_t *obj, const char *key, const char *flag, const char *v)
{
	json_t *s;

	if (args_string(CMD, flag, v, OBSERVE_MAX_TEXT) == -1)
		return -1;
	if ((s = json_string(v)) == NULL) {
		args_usage(CMD, "%s: not valid UTF-8", flag);
		return -1;
	}
	return json_object_set_new(obj, key, s);
}

/* The object at key in obj, created when absent. */
static json_t *
child(json_t *obj, const char *key)
{
	json_t *c = json_object_get(obj, key);

	if (c == NULL) {
		c = json_object();
		json_object_set_new(obj, key, c);
	}
	return c;
}

/* "LOW,BEST,HIGH" or "N" -> {"low","best","high"}. */
static int
set_casualties(json_t *obs, const char *who, const char *flag, const char *v)
{
	static const char *const names[3] = { "low", "best", "high" };
	char part[32];
	const char *p = v, *comma;
	json_t *c = json_object();
	int64_t x[3];
	size_t i, n;

	for (i = 0; i < 3; i++) {
		comma = strchr(p, ',');
		n = comma ? (size_t)(comma - p) : strlen(p);
		if (n >= sizeof(part))
			goto bad;
		memcpy(part, p, n);
		part[n] = '\0';
		if (args_i64(CMD, flag, part, 0, 100000000, &x[i]) == -1)
			goto fail;
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	if (i == 0)
		x[1] = x[2] = x[0];
	else if (i != 2)
		goto bad;
	for (i = 0; i < 3; i++)
		json_object_set_new(c, names[i], json_integer(x[i]));
	json_object_set_new(child(obs, "casualties"), who, c);
	return 0;
bad:
	args_usage(CMD, "%s: '%.40s' is not LOW,BEST,HIGH or one number", flag,
	    v);
fail:
	json_decref(c);
	return -1;
}

static int
add_evidence(json_t *obs, const char *v)
{
	json_t *arr = child(obs, "evidence"), *item;
	const char *colon = strchr(v, ':');

	if (!json_is_array(arr)) {
		json_object_del(obs, "evidence");
		arr = json_array();
		json_object_set_new(obs, "evidence", arr);
	}
	if (json_array_size(arr) == OBSERVE_MAX_EVIDENCE) {
		args_usage(CMD, "--evidence: at most %d", OBSERVE_MAX_EVIDENCE);
		return -1;
	}
	if (colon == NULL || colon == v || colon[1] == '\0' ||
	    strlen(v) > 256) {
		args_usage(CMD, "--evidence: '%.80s' is not SHA256:MEDIA_TYPE",
		    v);
		return -1;
	}
	item = json_pack("{s:s%,s:s}", "sha256", v, (size_t)(colon - v),
	    "media_type", colon + 1);
	return json_array_append_new(arr, item);
}

int
cmd_observe(int argc, char **argv)
{
	enum {
		O_AT = 256,
		O_FROM,
		O_TO,
		O_STYPE,
		O_MEMBER,
		O_ORG,
		O_UNIT,
		O_CATEGORY,
		O_WEAPON,
		O_COUNT,
		O_QUALIFIER,
		O_LAT,
		O_LON,
		O_PRECISION,
		O_PLACE,
		O_BEARING,
		O_DISTANCE,
		O_DERR,
		O_NARRATIVE,
		O_BY,
		O_AGAINST,
		O_EVIDENCE,
		O_CCIV,
		O_CMIL,
		O_DRY,
		O_SERVER,
		O_TOKEN,
		O_TIMEOUT,
	};
	static const struct option opts[] = {
		{ "at", required_argument, NULL, O_AT },
		{ "from", required_argument, NULL, O_FROM },
		{ "to", required_argument, NULL, O_TO },
		{ "source-type", required_argument, NULL, O_STYPE },
		{ "member", required_argument, NULL, O_MEMBER },
		{ "organisation", required_argument, NULL, O_ORG },
		{ "organization", required_argument, NULL, O_ORG },
		{ "unit", required_argument, NULL, O_UNIT },
		{ "category", required_argument, NULL, O_CATEGORY },
		{ "weapon", required_argument, NULL, O_WEAPON },
		{ "count", required_argument, NULL, O_COUNT },
		{ "count-qualifier", required_argument, NULL, O_QUALIFIER },
		{ "lat", required_argument, NULL, O_LAT },
		{ "lon", required_argument, NULL, O_LON },
		{ "precision", required_argument, NULL, O_PRECISION },
		{ "place", required_argument, NULL, O_PLACE },
		{ "bearing", required_argument, NULL, O_BEARING },
		{ "distance", required_argument, NULL, O_DISTANCE },
		{ "distance-error", required_argument, NULL, O_DERR },
		{ "narrative", required_argument, NULL, O_NARRATIVE },
		{ "alleged-by", required_argument, NULL, O_BY },
		{ "alleged-against", required_argument, NULL, O_AGAINST },
		{ "evidence", required_argument, NULL, O_EVIDENCE },
		{ "casualties-civilian", required_argument, NULL, O_CCIV },
		{ "casualties-military", required_argument, NULL, O_CMIL },
		{ "dry-run", no_argument, NULL, O_DRY },
		{ "server", required_argument, NULL, O_SERVER },
		{ "cacert", required_argument, NULL, 'A' },
		{ "token", required_argument, NULL, O_TOKEN },
		{ "timeout", required_argument, NULL, O_TIMEOUT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct observation_error errs[OBSERVE_MAX_ERRORS];
	const char *server = NULL, *token = NULL, *at = NULL, *flag;
	char now[TIMEFMT_LEN], msg[1200];
	json_t *obs = NULL, *entry = NULL, *body = NULL, *when = NULL;
	int64_t timeout = 30;
	struct client *c = NULL;
	size_t nerr = 0, i;
	int ch, dry = 0, ret = 2, rc = 0;
	long status;

	if ((obs = json_object()) == NULL || (when = json_object()) == NULL)
		goto out;
	optind = 0;
	opterr = 0;
	while (
	    rc == 0 && (ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case O_AT: at = optarg; break;
		case O_FROM:
			rc = set_string(when, "from", "--from", optarg);
			break;
		case O_TO: rc = set_string(when, "to", "--to", optarg); break;
		case O_STYPE:
			rc = set_string(child(obs, "source"), "type",
			    "--source-type", optarg);
			break;
		case O_MEMBER:
			rc = set_string(child(obs, "source"), "member",
			    "--member", optarg);
			break;
		case O_ORG:
			rc = set_string(child(obs, "source"), "organisation",
			    "--organisation", optarg);
			break;
		case O_UNIT:
			rc = set_string(child(obs, "source"), "unit", "--unit",
			    optarg);
			break;
		case O_CATEGORY:
			rc = set_string(obs, "category", "--category", optarg);
			break;
		case O_WEAPON:
			rc = set_string(obs, "weapon", "--weapon", optarg);
			break;
		case O_COUNT:
			rc = set_number(child(obs, "count"), "value", "--count",
			    optarg);
			break;
		case O_QUALIFIER:
			rc = set_string(child(obs, "count"), "qualifier",
			    "--count-qualifier", optarg);
			break;
		case O_LAT:
			rc = set_number(child(obs, "location"), "lat", "--lat",
			    optarg);
			break;
		case O_LON:
			rc = set_number(child(obs, "location"), "lon", "--lon",
			    optarg);
			break;
		case O_PRECISION:
			rc = set_number(child(obs, "location"), "precision_m",
			    "--precision", optarg);
			break;
		case O_PLACE:
			rc = set_string(child(obs, "location"), "place",
			    "--place", optarg);
			break;
		case O_BEARING:
			rc = set_number(child(obs, "location"), "bearing_deg",
			    "--bearing", optarg);
			break;
		case O_DISTANCE:
			rc = set_number(child(obs, "location"), "distance_m",
			    "--distance", optarg);
			break;
		case O_DERR:
			rc = set_number(child(obs, "location"),
			    "distance_error_m", "--distance-error", optarg);
			break;
		case O_NARRATIVE:
			rc =
			    set_string(obs, "narrative", "--narrative", optarg);
			break;
		case O_BY:
			rc = set_string(obs, "alleged_by", "--alleged-by",
			    optarg);
			break;
		case O_AGAINST:
			rc = set_string(obs, "alleged_against",
			    "--alleged-against", optarg);
			break;
		case O_EVIDENCE: rc = add_evidence(obs, optarg); break;
		case O_CCIV:
			rc = set_casualties(obs, "civilian",
			    "--casualties-civilian", optarg);
			break;
		case O_CMIL:
			rc = set_casualties(obs, "military",
			    "--casualties-military", optarg);
			break;
		case O_DRY: dry = 1; break;
		case O_SERVER: server = optarg; break;
		case 'A': client_set_cacert(optarg); break;
		case O_TOKEN: token = optarg; break;
		case O_TIMEOUT:
			rc = args_i64(CMD, "--timeout", optarg, 1, 3600,
			    &timeout);
			break;
		case 'h':
			help();
			ret = 0;
			goto out;
		default: args_bad_option(CMD, argv, optind, optopt); goto out;
		}
	}
	if (rc != 0)
		goto out;
	if (optind < argc) {
		args_usage(CMD, "unexpected argument '%.64s'", argv[optind]);
		goto out;
	}
	if (at != NULL && json_object_size(when) > 0) {
		args_usage(CMD, "give --at or --from/--to, not both");
		goto out;
	}
	if (at != NULL && strcmp(at, "now") == 0) {
		timefmt_format(timefmt_now_ms() / 1000 * 1000, now);
		at = now;
	}
	/* The keys in the order a reader expects them. */
	if (at != NULL) {
		if (set_string(obs, "observed_at", "--at", at) == -1)
			goto out;
	} else if (json_object_size(when) > 0)
		json_object_set(obs, "observed_at", when);

	entry = observation_from_input(obs, timefmt_now_ms(), errs,
	    OBSERVE_MAX_ERRORS, &nerr);
	if (entry == NULL) {
		for (i = 0; i < nerr && i < OBSERVE_MAX_ERRORS; i++) {
			flag = flag_of(errs[i].pointer);
			fprintf(stderr, "truce observe: %s: %s\n",
			    flag ? flag : errs[i].pointer, errs[i].message);
		}
		fprintf(stderr, "Try 'truce observe --help'.\n");
		goto out;
	}
	if (dry) {
		if (json_dumpf(obs, stdout,
			JSON_INDENT(2) | JSON_REAL_PRECISION(15)) == -1)
			goto out;
		printf("\n");
		fprintf(stderr,
		    "truce observe: valid (dry run: nothing "
		    "sent)\n");
		ret = 0;
		goto out;
	}

	ret = 1;
	if ((c = client_new(server, token, (long)timeout)) == NULL)
		goto out;
	if (client_post(c, "/v1/observations", obs, &status, &body) == -1)
		goto out;
	if (status != 200 && status != 201) {
		client_problem(status, body, msg, sizeof(msg));
		log_warnx("%s: %s", client_server(c), msg);
		for (i = 0;
		     i < json_array_size(json_object_get(body, "errors"));
		     i++) {
			json_t *e =
			    json_array_get(json_object_get(body, "errors"), i);
			const char *p =
			    json_string_value(json_object_get(e, "pointer"));

			flag = p ? flag_of(p) : NULL;
			fprintf(stderr, "truce observe: %s: %s\n",
			    flag ? flag : (p ? p : "?"),
			    json_string_value(json_object_get(e, "message"))
				? json_string_value(
				      json_object_get(e, "message"))
				: "refused");
		}
		goto out;
	}
	if (!json_is_string(json_object_get(body, "id")) ||
	    !json_is_integer(json_object_get(body, "index"))) {
		log_warnx("%s: the answer lacks an id and an index",
		    client_server(c));
		goto out;
	}
	printf("id: %s\nindex: %lld\nstatus: %s\n",
	    json_string_value(json_object_get(body, "id")),
	    (long long)json_integer_value(json_object_get(body, "index")),
	    status == 201 ? "new" : "existing");
	ret = 0;
out:
	json_decref(when);
	json_decref(obs);
	json_decref(entry);
	json_decref(body);
	client_free(c);
	return ret;
}
