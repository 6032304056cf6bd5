/*
 * truce token add DIR --name NAME --role ROLE [--member M] [--party P]
 * truce token revoke DIR --name NAME
 *
 * Creates or revokes a principal on the center's own machine, by a log
 * entry (verify/principal.h). While the center is served (its log is
 * locked), the request goes to the server through DIR/control.sock
 * (center/control.h); otherwise the command opens the center and appends
 * the entry itself. Either way `add` prints the new token once, as
 * `token: <token>`.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "center/center.h"
#include "center/control.h"
#include "cli/commands.h"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: truce token add DIR --name NAME --role ROLE "
	    "[--member MEMBER] [--party PARTY]\n"
	    "       truce token revoke DIR --name NAME\n\n"
	    "add creates principal NAME and prints its token once as "
	    "`token: <token>`;\nonly its hash is logged. revoke ends the "
	    "principal: its tokens stop working at once.\nBoth write a log "
	    "entry; while the center is served they go through its control\n"
	    "socket (DIR/control.sock).\n\n"
	    "  --name NAME      the principal (1-63 letters, digits, '_', "
	    "'-')\n"
	    "  --role ROLE      admin, monitor, sensor, liaison, analyst, "
	    "assessor, viewer\n"
	    "  --member MEMBER  the member state an assessor (required), "
	    "monitor or sensor\n"
	    "                   belongs to\n"
	    "  --party PARTY    the conflict party a liaison speaks for "
	    "(required for liaisons)\n");
}

/* Runs req on the served center; 1 if nobody listens, else 0 / -1. */
static int
via_socket(const char *dir, const json_t *req, json_t **answer)
{
	char path[4096], err[512];
	int unreachable;

	if (center_path(dir, "control.sock", path, sizeof(path)) == -1)
		return 1;
	if (control_request(path, req, answer, &unreachable, err,
		sizeof(err)) == 0)
		return 0;
	if (unreachable)
		return 1;
	fprintf(stderr, "truce token: %s\n", err);
	return -1;
}

/* Runs req on the center opened here; answer as the socket would. */
static int
direct(const char *dir, const char *verb, struct principal *p, json_t **answer)
{
	char err[2048], token[PRINCIPAL_TOKEN_LEN + 1];
	struct center *c;
	int status;

	if ((c = center_open(dir, CENTER_WRITE, err, sizeof(err))) == NULL) {
		fprintf(stderr,
		    "truce token: %s (if the center is being "
		    "served, its control socket did not answer)\n",
		    err);
		return -1;
	}
	if (strcmp(verb, "add") == 0) {
		if (center_add_principal(c, PRINCIPAL_LOCAL, p, token, &status,
			err, sizeof(err)) == -1)
			*answer = json_pack("{s:i,s:s}", "status", status,
			    "error", err);
		else
			*answer = json_pack("{s:i,s:s}", "status", 201, "token",
			    token);
		sodium_memzero(token, sizeof(token));
	} else if (center_revoke_principal(c, PRINCIPAL_LOCAL, p->name, &status,
		       err, sizeof(err)) == -1)
		*answer =
		    json_pack("{s:i,s:s}", "status", status, "error", err);
	else
		*answer = json_pack("{s:i}", "status", 200);
	center_close(c);
	return 0;
}

int
cmd_token(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "role", required_argument, NULL, 'r' },
		{ "member", required_argument, NULL, 'm' },
		{ "party", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *name = NULL, *role = NULL, *member = NULL, *party = NULL;
	const char *verb, *dir, *tok;
	char err[512];
	struct principal p;
	json_t *req = NULL, *answer = NULL;
	int ch, rc = 1, r;

	if (argc >= 2 &&
	    (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		usage(stdout);
		return 0;
	}
	if (argc < 3 || (strcmp(argv[1], "add") && strcmp(argv[1], "revoke"))) {
		usage(stderr);
		return 2;
	}
	verb = argv[1];
	optind = 1;
	while ((ch = getopt_long(argc - 1, argv + 1, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'n': name = optarg; break;
		case 'r': role = optarg; break;
		case 'm': member = optarg; break;
		case 'p': party = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc - 2) {
		fprintf(stderr,
		    "truce token: DIR: exactly one directory is "
		    "required\n");
		return 2;
	}
	dir = argv[optind + 1];
	memset(&p, 0, sizeof(p));
	if (name == NULL || principal_name_check(name) == -1) {
		fprintf(stderr,
		    "truce token: --name: required, 1-63 letters, "
		    "digits, '_' or '-'\n");
		return 2;
	}
	snprintf(p.name, sizeof(p.name), "%s", name);
	if (strcmp(verb, "add") == 0) {
		if ((p.role = principal_role(role)) == ROLE_NONE) {
			fprintf(stderr,
			    "truce token: --role: required, one "
			    "of admin, monitor, sensor, liaison, analyst, "
			    "assessor, viewer\n");
			return 2;
		}
		snprintf(p.member, sizeof(p.member), "%s",
		    member ? member : "");
		snprintf(p.party, sizeof(p.party), "%s", party ? party : "");
		if ((member && strlen(member) >= sizeof(p.member)) ||
		    (party && strlen(party) >= sizeof(p.party)) ||
		    principal_check(&p, err, sizeof(err)) == -1) {
			fprintf(stderr, "truce token: %s\n",
			    member && strlen(member) >= sizeof(p.member)
				? "--member: "
				  "too long"
				: party && strlen(party) >= sizeof(p.party)
				? "--party: too long"
				: err);
			return 2;
		}
		req = json_pack("{s:s,s:s,s:s,s:s,s:s}", "op", "principal_add",
		    "name", p.name, "role", principal_role_name(p.role),
		    "member", p.member, "party", p.party);
		if (p.member[0] == '\0')
			json_object_del(req, "member");
		if (p.party[0] == '\0')
			json_object_del(req, "party");
	} else
		req = json_pack("{s:s,s:s}", "op", "principal_revoke", "name",
		    p.name);
	if ((r = via_socket(dir, req, &answer)) == 1)
		r = direct(dir, verb, &p, &answer);
	if (r == -1)
		goto done;
	if (json_integer_value(json_object_get(answer, "status")) / 100 != 2) {
		fprintf(stderr, "truce token: %s\n",
		    json_string_value(json_object_get(answer, "error"))
			? json_string_value(json_object_get(answer, "error"))
			: "refused");
		goto done;
	}
	if (strcmp(verb, "add") == 0) {
		tok = json_string_value(json_object_get(answer, "token"));
		printf("token: %s\n", tok ? tok : "");
	} else
		printf("revoked %s\n", p.name);
	rc = 0;
done:
	json_decref(req);
	json_decref(answer);
	return rc;
}
