/*
 * truce token add DIR --name NAME --role ROLE [--member NAME]
 * truce token revoke DIR --name NAME
 * Manages the center's bearer tokens (center/tokens.h) on its own machine.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "center/center.h"
#include "cli/commands.h"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: truce token add DIR --name NAME --role ROLE "
	    "[--member MEMBER]\n"
	    "       truce token revoke DIR --name NAME\n\n"
	    "add prints a new token once as `token: <token>`; only its hash "
	    "is stored.\nrevoke disables every token of NAME at once.\n\n"
	    "  --name NAME      the principal (1-63 letters, digits, '_', "
	    "'-')\n"
	    "  --role ROLE      admin, monitor (submits observations) or "
	    "viewer (reads)\n"
	    "  --member MEMBER  the member state the principal belongs to\n");
}

int
cmd_token(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "role", required_argument, NULL, 'r' },
		{ "member", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *name = NULL, *role = NULL, *member = NULL, *verb, *dir;
	char path[4096], token[TOKEN_LEN + 1], err[512];
	struct config cfg;
	struct tokens *t;
	enum role r = ROLE_NONE;
	size_t i;
	int ch, rc = 1, found = 0, n;

	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 ||
			     strcmp(argv[1], "-h") == 0)) {
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
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc - 2) {
		fprintf(stderr, "truce token: DIR: exactly one directory is "
				"required\n");
		return 2;
	}
	dir = argv[optind + 1];
	if (name == NULL || config_valid_name(name) == -1) {
		fprintf(stderr, "truce token: --name: required, 1-63 letters, "
				"digits, '_' or '-'\n");
		return 2;
	}
	if (center_path(dir, "truce.conf", path, sizeof(path)) == -1 ||
	    config_load(path, &cfg, err, sizeof(err)) == -1) {
		fprintf(stderr, "truce token: %s\n", err);
		return 1;
	}
	if (strcmp(verb, "add") == 0) {
		if (role == NULL || (r = tokens_role(role)) == ROLE_NONE) {
			fprintf(stderr, "truce token: --role: required, one "
					"of admin, monitor, viewer\n");
			return 2;
		}
		if (member != NULL) {
			for (i = 0; i < cfg.nmembers; i++)
				found |= strcmp(cfg.members[i], member) == 0;
			if (!found) {
				fprintf(stderr, "truce token: --member: '%.64s'"
				    " is not a member of this center\n",
				    member);
				return 2;
			}
		}
	}
	center_path(dir, "auth.db", path, sizeof(path));
	if ((t = tokens_open(path, 0)) == NULL) {
		fprintf(stderr, "truce token: cannot open %s\n", path);
		return 1;
	}
	if (strcmp(verb, "add") == 0) {
		if (tokens_add(t, name, r, member, token) == 0) {
			printf("token: %s\n", token);
			rc = 0;
		}
	} else if ((n = tokens_revoke(t, name)) >= 0) {
		printf("revoked %d token(s) of %s\n", n, name);
		rc = n > 0 ? 0 : 1;
	}
	tokens_close(t);
	return rc;
}
