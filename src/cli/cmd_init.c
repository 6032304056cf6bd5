/*
 * truce init DIR --origin ORIGIN --member NAME[=VKEY] [--member ...]
 *            [--rule all|K-of-N] [--party NAME ...]
 * Creates a center (center/center.h) and prints its admin token once.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "center/center.h"
#include "cli/commands.h"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: truce init DIR --origin ORIGIN --member NAME[=VKEY] "
	    "[--member ...]\n"
	    "                  [--rule all|K-of-N] [--party NAME ...] "
	    "[--listen HOST:PORT]\n"
	    "                  [--region NAME]\n\n"
	    "Creates a monitoring center in DIR: its configuration "
	    "(DIR/truce.conf), its log\nwith the genesis entry at index 0 "
	    "(members and their keys, the ruling rule,\nthe parties, the "
	    "admin principal), its store, and prints the admin token once\n"
	    "on a line of its own as `token: <token>` (only its hash is "
	    "kept).\nRefuses to overwrite an existing center.\n\n"
	    "  --origin ORIGIN   the log's origin line, e.g. "
	    "truce.example.org/karabakh\n"
	    "  --member NAME=VKEY  a member state and its verifier key, made "
	    "on the member's\n"
	    "                    own machine by `truce keygen NAME` (repeat; "
	    "1-%d members)\n"
	    "  --member NAME     a member whose key pair is generated into "
	    "DIR/keys/NAME.key\n"
	    "                    (a demonstration: the key should live with "
	    "the member)\n"
	    "  --rule R          when members agree on a ruling: all "
	    "(default) or K-of-N,\n"
	    "                    N the number of members\n"
	    "  --party NAME      a conflict party whose liaisons file "
	    "complaints (repeat)\n"
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
	    "                    every witness)\n",
	    CONFIG_MAX_MEMBERS);
}

int
cmd_init(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "origin", required_argument, NULL, 'o' },
		{ "member", required_argument, NULL, 'm' },
		{ "rule", required_argument, NULL, 'R' },
		{ "party", required_argument, NULL, 'P' },
		{ "listen", required_argument, NULL, 'l' },
		{ "witness", required_argument, NULL, 'w' },
		{ "quorum", required_argument, NULL, 'q' },
		{ "region", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct center_genesis g;
	struct config cfg;
	char members[CONFIG_MAX_MEMBERS * CONFIG_NAME_LEN + 64] = "";
	char err[512], token[PRINCIPAL_TOKEN_LEN + 1], vkey[512], name[80];
	char vkeys[CONFIG_MAX_MEMBERS][NOTE_VKEY_MAX];
	const char *rule = "all", *eq;
	size_t mlen = 0, nm = 0, i;
	int ch;

	memset(&g, 0, sizeof(g));
	memset(vkeys, 0, sizeof(vkeys));
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
			/* NAME or NAME=VKEY: the key goes with member nm. */
			eq = strchr(optarg, '=');
			if (nm == CONFIG_MAX_MEMBERS ||
			    (size_t)(eq ? eq - optarg : (long)strlen(optarg)) >=
				sizeof(name)) {
				snprintf(err, sizeof(err),
				    "--member: more "
				    "than %d members, or a name too long",
				    CONFIG_MAX_MEMBERS);
				goto bad;
			}
			snprintf(name, sizeof(name), "%.*s",
			    eq ? (int)(eq - optarg) : (int)strlen(optarg),
			    optarg);
			if (eq != NULL && strlen(eq + 1) >= sizeof(vkeys[0])) {
				snprintf(err, sizeof(err),
				    "--member %s: the "
				    "key is over %zu bytes",
				    name, sizeof(vkeys[0]) - 1);
				goto bad;
			}
			snprintf(vkeys[nm++], sizeof(vkeys[0]), "%s",
			    eq ? eq + 1 : "");
			mlen += (size_t)snprintf(members + mlen,
			    sizeof(members) - mlen, "%s%s", mlen ? "," : "",
			    name);
			break;
		case 'R': rule = optarg; break;
		case 'P':
			if (g.nparties == CENTER_MAX_PARTIES ||
			    principal_name_check(optarg) == -1) {
				snprintf(err, sizeof(err),
				    "--party: '%.64s' "
				    "is not a name (1-63 letters, digits, "
				    "'_', '-'), or more than %d parties",
				    optarg, CENTER_MAX_PARTIES);
				goto bad;
			}
			for (i = 0; i < g.nparties; i++)
				if (strcmp(g.parties[i], optarg) == 0) {
					snprintf(err, sizeof(err),
					    "--party: "
					    "'%s' is given twice",
					    optarg);
					goto bad;
				}
			snprintf(g.parties[g.nparties++], sizeof(g.parties[0]),
			    "%s", optarg);
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
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc - 1) {
		snprintf(err, sizeof(err),
		    "DIR: exactly one directory is "
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
		snprintf(err, sizeof(err),
		    "--member: at least one is "
		    "required");
		goto bad;
	}
	if (cfg.nmembers != nm) {
		snprintf(err, sizeof(err),
		    "--member: names must be given one "
		    "per --member");
		goto bad;
	}
	for (i = 0; i < nm; i++) {
		memcpy(g.vkeys[i], vkeys[i], sizeof(vkeys[i]));
		if (g.vkeys[i][0] != '\0' &&
		    member_vkey_check(cfg.members[i], g.vkeys[i], err,
			sizeof(err)) == -1)
			goto bad;
	}
	if (member_rule_parse(rule, cfg.nmembers, &g.rule, err, sizeof(err)) ==
	    -1)
		goto bad;
	if (config_check(&cfg, err, sizeof(err)) == -1)
		goto bad;
	if (center_create(argv[optind], &cfg, &g, token, vkey, sizeof(vkey),
		err, sizeof(err)) == -1) {
		fprintf(stderr, "truce init: %s\n", err);
		return 1;
	}
	member_rule_format(&g.rule, name, sizeof(name));
	printf("created center %s in %s (members:", cfg.origin, argv[optind]);
	for (i = 0; i < cfg.nmembers; i++)
		printf(" %s", cfg.members[i]);
	printf("; rule: %s)\nlog key: %s\n", name, vkey);
	for (i = 0; i < cfg.nmembers; i++)
		printf("member key: %s%s\n", g.vkeys[i],
		    vkeys[i][0]
			? ""
			: " (generated into keys/; give it to the member)");
	printf("the admin token is shown once; keep it safe:\n");
	printf("token: %s\n", token);
	sodium_memzero(token, sizeof(token));
	return 0;
bad:
	fprintf(stderr, "truce init: %s\n", err);
	return 2;
}
