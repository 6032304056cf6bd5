/*
 * truce mirror URL DIR --log-key VKEY [--witness-key VKEY ...] [--quorum K]
 *              [--token T] [--store sqlite|URI] [--interval S]
 *              [--once | --listen HOST:PORT]
 *              [--geo-data DIR ...] [--geo-aliases FILE]
 * A member's mirror of a center (mirror/mirror.h, docs/mirror.md): exit 0
 * caught up (--once), 1 the center's log was refused (evidence kept in
 * DIR/evidence), 2 bad usage, 3 the center or the disk failed (--once).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "center/center.h"
#include "cli/commands.h"
#include "common/num.h"
#include "mirror/mirror.h"
#include "store/store.h"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: truce mirror URL DIR --log-key VKEY [--witness-key VKEY "
	    "...]\n"
	    "                    [--quorum K] [--token T] [--store "
	    "sqlite|URI]\n"
	    "                    [--interval S] [--once | --listen H:P]\n"
	    "                    [--geo-data DIR ...]\n"
	    "                    [--geo-aliases FILE]\n\n"
	    "Keeps in DIR a verified copy of the center at URL: its joint\n"
	    "checkpoints (signed, cosigned, each consistent with the last),\n"
	    "every entry (hashed against the tiles and the root) in DIR/log,\n"
	    "and a store replayed from them (DIR/store.db, or --store's\n"
	    "PostgreSQL database). A rolled-back,\n"
	    "forked or rewritten log is refused: the evidence is kept in\n"
	    "DIR/evidence and nothing more is applied.\n\n"
	    "  --log-key VKEY      the log's verifier key\n"
	    "  --witness-key VKEY  a member witness's cosignature key; "
	    "repeat\n"
	    "  --quorum K          cosignatures required (1..%d); default "
	    "all\n"
	    "  --token T           a log reader's bearer token; default "
	    "$TRUCE_TOKEN\n"
	    "  --store sqlite|URI  the store: sqlite (DIR/store.db, the "
	    "default), or a\n"
	    "                      postgresql:// URI of a database of "
	    "the mirror's own\n"
	    "  --interval S        seconds between polls when following "
	    "(%d..%d,\n"
	    "                      default 10)\n"
	    "  --once              catch up once and exit\n"
	    "  --listen HOST:PORT  also serve the read API (observations,\n"
	    "                      incidents, proofs, tiles, checkpoint) at "
	    "the\n"
	    "                      verified size; after a refusal, the last "
	    "good\n"
	    "                      state, until SIGINT/SIGTERM\n"
	    "  --geo-data DIR      the copy of data/ the center uses; "
	    "repeat, at\n"
	    "                      most %d, for each other geography the "
	    "log names\n"
	    "  --geo-aliases FILE  the center's alias file, if any\n\n"
	    "Exit status: 0 caught up (--once), 1 the center's log was "
	    "refused\n(evidence kept), 2 bad usage, 3 the center or the disk "
	    "failed (--once).\nSee docs/mirror.md.\n",
	    MIRROR_MAX_WITNESSES, MIRROR_MIN_INTERVAL, MIRROR_MAX_INTERVAL,
	    CENTER_REBUILD_MAX_GEO_DATA + 1);
}

int
cmd_mirror(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "log-key", required_argument, NULL, 'k' },
		{ "witness-key", required_argument, NULL, 'w' },
		{ "quorum", required_argument, NULL, 'q' },
		{ "token", required_argument, NULL, 't' },
		{ "store", required_argument, NULL, 'S' },
		{ "interval", required_argument, NULL, 'i' },
		{ "once", no_argument, NULL, '1' },
		{ "listen", required_argument, NULL, 'l' },
		{ "geo-data", required_argument, NULL, 'g' },
		{ "geo-aliases", required_argument, NULL, 'G' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *witness[MIRROR_MAX_WITNESSES];
	const char *more[CENTER_REBUILD_MAX_GEO_DATA];
	struct mirror_options o;
	struct mirror_summary s;
	char err[4096], nerr[160];
	int64_t k;
	int ch;

	memset(&o, 0, sizeof(o));
	o.witness_keys = witness;
	o.geo_data_more = more;
	o.interval = 10;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'k': o.log_key = optarg; break;
		case 'w':
			if (o.nwitness_keys == MIRROR_MAX_WITNESSES) {
				fprintf(stderr,
				    "truce mirror: --witness-key: more "
				    "than %d\n",
				    MIRROR_MAX_WITNESSES);
				return 2;
			}
			witness[o.nwitness_keys++] = optarg;
			break;
		case 'q':
			if (num_parse_i64(optarg, 1, MIRROR_MAX_WITNESSES, &k,
				nerr, sizeof(nerr)) == -1) {
				fprintf(stderr, "truce mirror: --quorum: %s\n",
				    nerr);
				return 2;
			}
			o.quorum = (size_t)k;
			break;
		case 't': o.token = optarg; break;
		case 'S':
			/* The backends truce.conf's `store` accepts; the
			   mirror opens its store as the center does. */
			if (strcmp(optarg, "sqlite") != 0 &&
			    (!store_pg_uri(optarg) ||
				strlen(optarg) > STORE_PG_URI_MAX)) {
				fprintf(stderr,
				    "truce mirror: --store: '%.100s' is not "
				    "a backend (sqlite, or a postgresql:// "
				    "or postgres:// URI of at most %d "
				    "bytes)\n",
				    optarg, STORE_PG_URI_MAX);
				return 2;
			}
			o.store = optarg;
			break;
		case 'i':
			if (num_parse_i64(optarg, MIRROR_MIN_INTERVAL,
				MIRROR_MAX_INTERVAL, &k, nerr,
				sizeof(nerr)) == -1) {
				fprintf(stderr,
				    "truce mirror: --interval: %s\n", nerr);
				return 2;
			}
			o.interval = (int)k;
			break;
		case '1': o.once = 1; break;
		case 'l': o.listen = optarg; break;
		case 'g':
			if (o.geo_data == NULL)
				o.geo_data = optarg;
			else if (o.ngeo_data_more < CENTER_REBUILD_MAX_GEO_DATA)
				more[o.ngeo_data_more++] = optarg;
			else {
				fprintf(stderr,
				    "truce mirror: --geo-data: more than %d\n",
				    CENTER_REBUILD_MAX_GEO_DATA + 1);
				return 2;
			}
			break;
		case 'G': o.geo_aliases = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (o.once && o.listen != NULL) {
		fprintf(stderr,
		    "truce mirror: --listen serves while following: it "
		    "does not go with --once\n");
		return 2;
	}
	if (optind != argc - 2 || o.log_key == NULL) {
		fprintf(stderr,
		    "truce mirror: URL, DIR and --log-key are required "
		    "(see --help)\n");
		return 2;
	}
	o.url = argv[optind];
	o.dir = argv[optind + 1];
	if (o.token == NULL)
		o.token = getenv("TRUCE_TOKEN");
	if (mirror_run(&o, &s, err, sizeof(err)) == -1) {
		fprintf(stderr, "truce mirror: %s%s\n",
		    s.outcome == MIRROR_INCOMPLETE    ? "could not complete: "
			: s.outcome == MIRROR_REFUSED ? "REFUSED: "
						      : "",
		    err);
		return (int)s.outcome;
	}
	printf("mirror OK: size %lld verified in %s, %lld entries fetched "
	       "and verified, %lld replayed, %.2f s (fetch and verify %.2f s, "
	       "%.2f s CPU; replay %.2f s, %.2f s CPU)\n",
	    (long long)s.size, o.dir, (long long)s.fetched,
	    (long long)s.replayed, s.seconds, s.fetch_seconds, s.fetch_cpu,
	    s.replay_seconds, s.replay_cpu);
	return 0;
}
