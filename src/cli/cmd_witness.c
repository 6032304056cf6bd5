/*
 * truce witness --key KEYFILE --log VKEY [--log VKEY ...]
 *               [--listen HOST:PORT] --state DIR
 * Runs a member's C2SP tlog-witness (witness/witnessd.h) until SIGINT or
 * SIGTERM.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "center/keyfile.h"
#include "cli/commands.h"
#include "common/file.h"
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
	    "is kept\n"
	    "  --tls-cert PEM, --tls-key PEM\n"
	    "                  serve HTTPS with this certificate and key\n");
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
		{ "tls-cert", required_argument, NULL, 'C' },
		{ "tls-key", required_argument, NULL, 'K' },
		{ NULL, 0, NULL, 0 },
	};
	const char *keyfile = NULL, *state = NULL, *listen = "127.0.0.1:7380";
	const char *tls_cert = NULL, *tls_key = NULL;
	char *cert = NULL, *tkey = NULL;
	size_t len;
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
				fprintf(stderr,
				    "truce witness: --log: more "
				    "than %d\n",
				    MAX_LOG_KEYS);
				return 2;
			}
			logs[nlogs++] = optarg;
			break;
		case 'l': listen = optarg; break;
		case 's': state = optarg; break;
		case 'C': tls_cert = optarg; break;
		case 'K': tls_key = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (keyfile == NULL || state == NULL || nlogs == 0 || optind != argc) {
		fprintf(stderr,
		    "truce witness: --key, --state and at least "
		    "one --log are required\n");
		return 2;
	}
	if ((tls_cert == NULL) != (tls_key == NULL)) {
		fprintf(stderr,
		    "truce witness: --tls-cert and --tls-key go "
		    "together\n");
		return 2;
	}
	if (tls_cert != NULL &&
	    (file_read_all(tls_cert, 1 << 20, &cert, &len, err, sizeof(err)) ==
		    -1 ||
		file_read_all(tls_key, 1 << 20, &tkey, &len, err,
		    sizeof(err)) == -1)) {
		fprintf(stderr, "truce witness: --tls-cert/--tls-key: %s\n",
		    err);
		free(cert);
		return 1;
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
	if ((w = witnessd_start(key, logs, nlogs, state, listen, cert, tkey,
		 err, sizeof(err))) == NULL) {
		fprintf(stderr, "truce witness: %s\n", err);
		free(cert);
		free(tkey);
		return 1;
	}
	printf("truce: witness for %zu log key(s) on %s://%.*s:%u\n", nlogs,
	    cert != NULL ? "https" : "http",
	    (int)(strrchr(listen, ':') - listen), listen,
	    (unsigned)witnessd_port(w));
	fflush(stdout);
	sigwait(&set, &sig);
	witnessd_stop(w);
	free(cert);
	free(tkey);
	return 0;
}
