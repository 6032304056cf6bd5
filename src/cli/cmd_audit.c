/*
 * truce audit URL --log-key VKEY [--witness-key VKEY ...] [--quorum K]
 *             [--state DIR] [--token T] [--geo-data DIR]
 *             [--geo-aliases FILE] [--observations-only]
 * A member's auditor checks a center end to end (audit/audit.h,
 * docs/audit.md): exit 0 with a one-line summary, 1 with the first failure
 * found, 2 on bad usage, 3 when the audit could not be completed.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "cli/commands.h"
#include "common/num.h"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: truce audit URL --log-key VKEY [--witness-key VKEY ...]\n"
	    "                   [--quorum K] [--state DIR] [--token T]\n"
	    "                   [--geo-data DIR] [--geo-aliases FILE]\n"
	    "                   [--observations-only]\n\n"
	    "Checks the center at URL: its joint checkpoint's log signature "
	    "and\ncosignatures, every tile and entry up to the checkpoint "
	    "(all hashes\nrecomputed up to the root), a replay of every entry "
	    "into a scratch store\ncompared with the center's observations "
	    "and state (incidents, states,\nassessments, tasks, principals, "
	    "members, custody, reports; by digests),\nthe center's own "
	    "proofs, and, with --state, "
	    "consistency with the checkpoint the previous\naudit saved.\n\n"
	    "  --log-key VKEY      the log's verifier key (`truce init` prints "
	    "it)\n"
	    "  --witness-key VKEY  a member witness's cosignature verifier "
	    "key; "
	    "repeat;\n"
	    "                      all of them must have cosigned unless "
	    "--quorum\n"
	    "  --quorum K          cosignatures required among the witness "
	    "keys "
	    "(1..%d)\n"
	    "  --state DIR         remembers the audited checkpoint; the next "
	    "audit\n"
	    "                      proves the log only grew since (created if "
	    "missing)\n"
	    "  --token T           a log reader's bearer token (entry bundles "
	    "and digests\n"
	    "                      need one); default: $TRUCE_TOKEN\n"
	    "  --geo-data DIR      the copy of data/ the center computes "
	    "incidents with\n"
	    "                      (default: $TRUCE_DATA, else the source "
	    "tree's data/);\n"
	    "                      its digest must be the one the log names;\n"
	    "                      repeat (up to %d) for a log that names "
	    "several\n"
	    "  --geo-aliases FILE  the center's alias file, if it has one\n"
	    "  --observations-only compare only the observations, not the "
	    "state\n\n"
	    "Exit status: 0 every check holds (one summary line on stdout), 1 "
	    "a check\nfailed (the first failure on stderr names the entry, "
	    "tile or checkpoint),\n2 bad usage, 3 the audit could not be "
	    "completed (network, server error).\nSee docs/audit.md.\n",
	    AUDIT_MAX_WITNESSES, AUDIT_MAX_GEO_DATA);
}

int
cmd_audit(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "log-key", required_argument, NULL, 'k' },
		{ "witness-key", required_argument, NULL, 'w' },
		{ "quorum", required_argument, NULL, 'q' },
		{ "state", required_argument, NULL, 's' },
		{ "token", required_argument, NULL, 't' },
		{ "cacert", required_argument, NULL, 'A' },
		{ "geo-data", required_argument, NULL, 'g' },
		{ "geo-aliases", required_argument, NULL, 'G' },
		{ "observations-only", no_argument, NULL, 'O' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *witness[AUDIT_MAX_WITNESSES];
	const char *more[AUDIT_MAX_GEO_DATA];
	struct audit_options o;
	struct audit_summary s;
	char err[2048], nerr[160];
	int64_t k;
	int ch;

	memset(&o, 0, sizeof(o));
	o.witness_keys = witness;
	o.geo_data_more = more;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'k': o.log_key = optarg; break;
		case 'w':
			if (o.nwitness_keys == AUDIT_MAX_WITNESSES) {
				fprintf(stderr,
				    "truce audit: --witness-key: "
				    "more than %d\n",
				    AUDIT_MAX_WITNESSES);
				return 2;
			}
			witness[o.nwitness_keys++] = optarg;
			break;
		case 'q':
			if (num_parse_i64(optarg, 1, AUDIT_MAX_WITNESSES, &k,
				nerr, sizeof(nerr)) == -1) {
				fprintf(stderr, "truce audit: --quorum: %s\n",
				    nerr);
				return 2;
			}
			o.quorum = (size_t)k;
			break;
		case 's': o.state_dir = optarg; break;
		case 't': o.token = optarg; break;
		/* The audit's fetcher reads TRUCE_CACERT, as every client. */
		case 'A': setenv("TRUCE_CACERT", optarg, 1); break;
		case 'g':
			if (o.geo_data == NULL)
				o.geo_data = optarg;
			else if (o.ngeo_data_more < AUDIT_MAX_GEO_DATA - 1)
				more[o.ngeo_data_more++] = optarg;
			else {
				fprintf(stderr,
				    "truce audit: --geo-data: more than %d\n",
				    AUDIT_MAX_GEO_DATA);
				return 2;
			}
			break;
		case 'G': o.geo_aliases = optarg; break;
		case 'O': o.observations_only = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc - 1 || o.log_key == NULL) {
		fprintf(stderr,
		    "truce audit: URL and --log-key are required "
		    "(see --help)\n");
		return 2;
	}
	o.url = argv[optind];
	if (o.token == NULL)
		o.token = getenv("TRUCE_TOKEN");
	if (audit_run(&o, &s, err, sizeof(err)) == -1) {
		fprintf(stderr, "truce audit: %s%s\n",
		    s.outcome == AUDIT_INCOMPLETE   ? "could not complete: "
			: s.outcome == AUDIT_FAILED ? "FAILED: "
						    : "",
		    err);
		return (int)s.outcome;
	}
	printf("audit OK: %s size %lld root %s, %zu of %zu cosignatures, "
	       "%lld entries verified and replayed (%.0f/s), %lld "
	       "observations match the center",
	    s.origin, (long long)s.size, s.root, s.cosignatures,
	    o.nwitness_keys, (long long)s.replayed,
	    s.tree_seconds > 0 ? (double)s.replayed / s.tree_seconds : 0.0,
	    (long long)s.observations);
	if (s.state_compared)
		printf(", %lld state rows match the center",
		    (long long)s.state_rows);
	printf(", %.2f s", s.seconds);
	if (s.previous_size >= 0)
		printf("; consistent with size %lld saved in %s",
		    (long long)s.previous_size, o.state_dir);
	printf("\n");
	return 0;
}
