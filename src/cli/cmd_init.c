/*
 * truce init DIR --origin ORIGIN --member NAME [--member NAME ...]
 * Creates a center (center/center.h) and prints its admin token once.
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
	    "usage: truce init DIR --origin ORIGIN --member NAME "
	    "[--member NAME ...] [--listen HOST:PORT]\n"
	    "                  [--region NAME]\n\n"
	    "Creates a monitoring center in DIR: its configuration "
	    "(DIR/truce.conf), its log\nwith the genesis entry at index 0, its "
	    "store and an admin token, printed once\non a line of its own as "
	    "`token: <token>` (only its hash is kept).\nRefuses to overwrite "
	    "an existing center.\n\n"
	    "  --origin ORIGIN   the log's origin line, e.g. "
	    "truce.example.org/karabakh\n"
	    "  --member NAME     a member state (repeat; 1-%d; letters, "
	    "digits, '_', '-')\n"
	    "  --listen H:P      address `truce serve` listens on "
	    "(default 127.0.0.1:8080)\n"
	    "  --region NAME     the geography of fusion: karabakh (default), "
	    "donbas or\n"
	    "                    none\n"
	    "  --witness 'URL VKEY'  a member's witness (C2SP tlog-witness) "
	    "and its\n"
	    "                    cosignature verifier key (`truce keygen NAME "
	    "--cosign`);\n"
	    "                    repeat per witness\n"
	    "  --quorum K        cosignatures that make a checkpoint joint "
	    "(default:\n"
	    "                    every witness)\n", CONFIG_MAX_MEMBERS);
}

int
cmd_init(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "origin", required_argument, NULL, 'o' },
		{ "member", required_argument, NULL, 'm' },
		{ "listen", required_argument, NULL, 'l' },
		{ "witness", required_argument, NULL, 'w' },
		{ "quorum", required_argument, NULL, 'q' },
		{ "region", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct config cfg;
	char members[CONFIG_MAX_MEMBERS * CONFIG_NAME_LEN + 64] = "";
	char err[512], token[TOKEN_LEN + 1], vkey[512];
	size_t mlen = 0;
	int ch;

	config_defaults(&cfg);
	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'o':
			if (config_set(&cfg, "origin", optarg, err,
				sizeof(err)) == -1)
				goto bad;
			break;
		case 'm':
			if (mlen + strlen(optarg) + 2 >= sizeof(members)) {
				snprintf(err, sizeof(err), "--member: more "
				    "than %d members", CONFIG_MAX_MEMBERS);
				goto bad;
			}
			mlen += (size_t)snprintf(members + mlen,
			    sizeof(members) - mlen, "%s%s", mlen ? "," : "",
			    optarg);
			break;
		case 'l':
			if (config_set(&cfg, "listen", optarg, err,
				sizeof(err)) == -1)
				goto bad;
			break;
		case 'w':
			if (config_set(&cfg, "witness", optarg, err,
				sizeof(err)) == -1)
				goto bad;
			break;
		case 'q':
			if (config_set(&cfg, "witness_quorum", optarg, err,
				sizeof(err)) == -1)
				goto bad;
			break;
		case 'r':
			if (config_set(&cfg, "region", optarg, err,
				sizeof(err)) == -1)
				goto bad;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1) {
		snprintf(err, sizeof(err), "DIR: exactly one directory is "
		    "required");
		goto bad;
	}
	if (config_set(&cfg, "members", members, err, sizeof(err)) == -1)
		goto bad;
	if (cfg.origin[0] == '\0') {
		snprintf(err, sizeof(err), "--origin: is required");
		goto bad;
	}
	if (cfg.nmembers == 0) {
		snprintf(err, sizeof(err), "--member: at least one is "
		    "required");
		goto bad;
	}
	if (config_check(&cfg, err, sizeof(err)) == -1)
		goto bad;
	if (center_create(argv[optind], &cfg, token, vkey, sizeof(vkey), err,
		sizeof(err)) == -1) {
		fprintf(stderr, "truce init: %s\n", err);
		return 1;
	}
	printf("created center %s in %s (members:", cfg.origin, argv[optind]);
	for (mlen = 0; mlen < cfg.nmembers; mlen++)
		printf(" %s", cfg.members[mlen]);
	printf(")\nlog key: %s\n", vkey);
	printf("the admin token is shown once; keep it safe:\n");
	printf("token: %s\n", token);
	return 0;
bad:
	fprintf(stderr, "truce init: %s\n", err);
	return 2;
}
