/*
 * truce witness --key KEYFILE --log VKEY [--log VKEY ...]
 *               [--listen HOST:PORT] --state DIR
 * Runs a member's C2SP tlog-witness (witness/witnessd.h) until SIGINT or
 * SIGTERM.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "center/keyfile.h"
#include "cli/commands.h"
#include "common/log.h"
#include "tlog/note.h"
#include "witness/witnessd.h"

#define MAX_LOG_KEYS 64

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: truce witness --key KEYFILE --log VKEY [--log VKEY ...]\n"
	    "                     [--listen HOST:PORT] --state DIR\n\n"
	    "Runs a C2SP tlog-witness: POST /add-checkpoint cosigns a "
	    "checkpoint of a\nknown log (C2SP tlog-cosignature) only if it is "
	    "consistent with the last one\nit cosigned for that log.\n\n"
	    "  --key KEYFILE   the witness's cosignature key "
	    "(`truce keygen NAME --cosign`)\n"
	    "  --log VKEY      a log's verifier key (`truce init` prints it; "
	    "GET /v1/log/key)\n"
	    "  --listen H:P    address (default 127.0.0.1:7380; port 0 picks "
	    "one)\n"
	    "  --state DIR     where the latest cosigned checkpoint per log "
	    "is kept\n");
}

int
cmd_witness(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "log", required_argument, NULL, 'L' },
		{ "listen", required_argument, NULL, 'l' },
		{ "state", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *keyfile = NULL, *state = NULL, *listen = "127.0.0.1:7380";
	const char *logs[MAX_LOG_KEYS];
	struct note_signer *key;
	struct witnessd *w;
	char err[512];
	size_t nlogs = 0;
	sigset_t set;
	int ch, sig;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'k': keyfile = optarg; break;
		case 'L':
			if (nlogs == MAX_LOG_KEYS) {
				fprintf(stderr, "truce witness: --log: more "
				    "than %d\n", MAX_LOG_KEYS);
				return 2;
			}
			logs[nlogs++] = optarg;
			break;
		case 'l': listen = optarg; break;
		case 's': state = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (keyfile == NULL || state == NULL || nlogs == 0 || optind != argc) {
		fprintf(stderr, "truce witness: --key, --state and at least "
				"one --log are required\n");
		return 2;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if ((key = keyfile_read(keyfile, err, sizeof(err))) == NULL) {
		fprintf(stderr, "truce witness: --key: %s\n", err);
		return 1;
	}
	if ((w = witnessd_start(key, logs, nlogs, state, listen, err,
		 sizeof(err))) == NULL) {
		fprintf(stderr, "truce witness: %s\n", err);
		return 1;
	}
	printf("truce: witness for %zu log key(s) on http://%.*s:%u\n", nlogs,
	    (int)(strrchr(listen, ':') - listen), listen,
	    (unsigned)witnessd_port(w));
	fflush(stdout);
	sigwait(&set, &sig);
	witnessd_stop(w);
	return 0;
}
