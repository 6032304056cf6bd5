/*
 * truce source status UNIT --type T (--member M | --organisation O)
 *                     --status operational|degraded|down --reason TEXT
 *                     --from TIME --to TIME [--server URL] [--token T]
 *
 * States, through the API (POST /v1/sources/{unit}/status), that a source
 * — a camera, a sensor, an observation post, a UAV — was operational,
 * degraded or down over a period, and why (record/source_status.h). The
 * statement is a log entry; the daily report's Sources section lists the
 * sources that were down or degraded in its period (docs/products.md).
 * A sensor states its own status (UNIT its principal's name); analysts and
 * admins any source's.
 * Exit status: 0 recorded, 1 refused or failed, 2 usage error.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/args.h"
#include "cli/client.h"
#include "cli/commands.h"
#include "record/source_status.h"

#define CMD "source"

static void
help(void)
{
	printf("usage: truce source status UNIT --type TYPE "
	       "(--member M | --organisation O)\n"
	       "                          --status operational|degraded|down "
	       "--reason TEXT\n"
	       "                          --from TIME --to TIME [--server URL] "
	       "[--token T]\n"
	       "\n"
	       "States that source UNIT (of TYPE: camera, acoustic_sensor, "
	       "radar, uav,\n"
	       "observation_post, patrol, ...) was operational, degraded or "
	       "down from\n"
	       "TIME to TIME (RFC 3339), and why. It goes into the log; the "
	       "daily report\n"
	       "lists the sources that were down or degraded in its period.\n"
	       "\n"
	       "  --server URL   the center (default $TRUCE_SERVER, %s)\n"
	       "  --token T      the bearer token (default $TRUCE_TOKEN)\n"
	       "\n"
	       "Exit status: 0 recorded, 1 refused or failed, 2 usage error.\n",
	    CLIENT_DEFAULT_SERVER);
}

int
cmd_source(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "type", required_argument, NULL, 'y' },
		{ "member", required_argument, NULL, 'm' },
		{ "organisation", required_argument, NULL, 'o' },
		{ "status", required_argument, NULL, 'S' },
		{ "reason", required_argument, NULL, 'r' },
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 'T' },
		{ "server", required_argument, NULL, 's' },
		{ "token", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *type = NULL, *member = NULL, *org = NULL, *status_s = NULL;
	const char *reason = NULL, *from = NULL, *to = NULL, *server = NULL;
	const char *token = NULL, *unit;
	struct client *c = NULL;
	json_t *req = NULL, *body = NULL;
	char path[512], *esc = NULL;
	long status;
	int ch, rc = 1;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		help();
		return argc < 2 ? 2 : 0;
	}
	if (strcmp(argv[1], "status") != 0) {
		args_usage(CMD, "'%.32s': the subcommand is status", argv[1]);
		return 2;
	}
	optind = 2;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'y': type = optarg; break;
		case 'm': member = optarg; break;
		case 'o': org = optarg; break;
		case 'S': status_s = optarg; break;
		case 'r': reason = optarg; break;
		case 'f': from = optarg; break;
		case 'T': to = optarg; break;
		case 's': server = optarg; break;
		case 't': token = optarg; break;
		case 'h': help(); return 0;
		default: args_bad_option(CMD, argv, optind, optopt); return 2;
		}
	}
	if (optind != argc - 1) {
		args_usage(CMD, "status: UNIT (the source's unit) is required");
		return 2;
	}
	unit = argv[optind];
	if (type == NULL || status_s == NULL || reason == NULL ||
	    from == NULL || to == NULL || (member == NULL && org == NULL)) {
		args_usage(CMD,
		    "status: --type, --member or --organisation, "
		    "--status, --reason, --from and --to are required");
		return 2;
	}
	if (args_string(CMD, "UNIT", unit, SOURCE_STATUS_NAME_MAX) == -1 ||
	    args_string(CMD, "--reason", reason, SOURCE_STATUS_REASON_MAX) ==
		-1)
		return 2;
	req = json_pack("{s:s,s:s,s:s,s:s,s:s}", "type", type, "status",
	    status_s, "reason", reason, "from", from, "to", to);
	if (req == NULL) {
		fprintf(stderr, "truce source: a value is not UTF-8\n");
		return 1;
	}
	if (member != NULL)
		json_object_set_new(req, "member", json_string(member));
	if (org != NULL)
		json_object_set_new(req, "organisation", json_string(org));
	if ((c = client_new(server, token, 60)) == NULL ||
	    (esc = client_escape(c, unit)) == NULL)
		goto done;
	if ((size_t)snprintf(path, sizeof(path), "/v1/sources/%s/status",
		esc) >= sizeof(path)) {
		fprintf(stderr, "truce source: UNIT too long\n");
		goto done;
	}
	if (client_post(c, path, req, &status, &body) == -1)
		goto done;
	if (status != 201) {
		client_report(c, status, body);
		goto done;
	}
	printf("unit: %s\nstatus: %s\nindex: %lld\n", unit, status_s,
	    (long long)json_integer_value(json_object_get(body, "index")));
	rc = 0;
done:
	free(esc);
	json_decref(req);
	json_decref(body);
	client_free(c);
	return rc;
}
