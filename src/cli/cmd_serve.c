/*
 * truce serve DIR [--listen HOST:PORT] [--read-only] [--check]
 * Serves the center's HTTP API until SIGINT/SIGTERM, then finishes the
 * requests in flight, lets the sequencer sync what it holds, and exits 0.
 * With --read-only it is a read server beside the writer of DIR
 * (docs/readservers.md): it takes no lock and writes nothing.
 */
#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "center/center.h"
#include "center/control.h"
#include "cli/commands.h"
#include "common/log.h"
#include "ledger/entrylog.h"
#include "ledger/sequencer.h"
#include "server/server.h"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: truce serve DIR [--listen HOST:PORT] [--tls-cert PEM "
	    "--tls-key PEM]\n                   [--read-only] [--check]\n\n"
	    "Serves the center in DIR over HTTP (default: `listen` of "
	    "DIR/truce.conf,\n127.0.0.1:8080; port 0 picks a free port) until "
	    "SIGINT or SIGTERM.\n\n"
	    "  --listen H:P   address to listen on\n"
	    "  --tls-cert PEM, --tls-key PEM\n"
	    "                 serve HTTPS with this certificate (chain) and "
	    "key (or\n                 tls_cert and tls_key in truce.conf)\n"
	    "  --read-only    a read server beside the writer of DIR: serves "
	    "the read\n                 routes from its store and log, "
	    "takes no lock, writes\n                 nothing; writes answer "
	    "405 (docs/readservers.md)\n"
	    "  --check        validate the configuration, print "
	    "`configuration OK` or\n"
	    "                 what is wrong, and exit\n"
	    "  --help-config  list every setting of truce.conf\n"
	    "  --routes       list every route and the roles allowed on it\n"
	    "\nWhile serving, local commands (truce token) reach the server "
	    "through\nDIR/control.sock (mode 0600).\n");
}

int
cmd_serve(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "check", no_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ "help-config", no_argument, NULL, 'H' },
		{ "routes", no_argument, NULL, 'R' },
		{ "tls-cert", required_argument, NULL, 'C' },
		{ "tls-key", required_argument, NULL, 'K' },
		{ "read-only", no_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	const char *listen = NULL, *tls_cert = NULL, *tls_key = NULL;
	char err[2048], path[4096];
	struct center *c = NULL;
	struct server *srv = NULL;
	struct control *ctl = NULL;
	struct config cfg;
	sigset_t set;
	int ch, check = 0, sig = 0, read_only = 0;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'l': listen = optarg; break;
		case 'c': check = 1; break;
		case 'r': read_only = 1; break;
		case 'C': tls_cert = optarg; break;
		case 'K': tls_key = optarg; break;
		case 'h': usage(stdout); return 0;
		case 'H': config_print_help(stdout); return 0;
		case 'R': server_print_routes(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr,
		    "truce serve: DIR: exactly one directory is "
		    "required\n");
		return 2;
	}
	if ((tls_cert == NULL) != (tls_key == NULL)) {
		fprintf(stderr,
		    "truce serve: --tls-cert and --tls-key go "
		    "together\n");
		return 2;
	}
	if (listen != NULL) {
		config_defaults(&cfg);
		if (config_set(&cfg, "listen", listen, err, sizeof(err)) ==
		    -1) {
			fprintf(stderr, "truce serve: --listen: %s\n", err);
			return 2;
		}
	}
	if (check) {
		if (center_path(argv[optind], "truce.conf", path,
			sizeof(path)) == -1 ||
		    config_load(path, &cfg, err, sizeof(err)) == -1) {
			printf("%s\n", err);
			return 1;
		}
		printf("configuration OK\n");
		return 0;
	}
	/*
	 * Batches of thousands of observations allocate and free megabytes
	 * per request in several threads; keep glibc from trimming and
	 * regrowing its arenas each time (mprotect, page faults, consolidation
	 * were a large share of a profile of POST /v1/observations). The
	 * release build links jemalloc instead (Makefile), which serves this
	 * pattern better still; these settings then have no effect, and they
	 * remain for builds on glibc's malloc.
	 */
	mallopt(M_TRIM_THRESHOLD, 256 * 1024 * 1024);
	mallopt(M_TOP_PAD, 64 * 1024 * 1024);
	mallopt(M_MMAP_THRESHOLD, 64 * 1024 * 1024);
	/* Freeing a large body consolidates every fastbin; tcache suffices. */
	mallopt(M_MXFAST, 0);
	/* Signals are taken by sigwait below, never by worker threads. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if ((c = center_open(argv[optind],
		 read_only ? CENTER_READ_ONLY : CENTER_WRITE, err,
		 sizeof(err))) == NULL) {
		fprintf(stderr, "truce serve: %s\n", err);
		return 1;
	}
	if (tls_cert != NULL &&
	    (config_set(&c->cfg, "tls_cert", tls_cert, err, sizeof(err)) ==
		    -1 ||
		config_set(&c->cfg, "tls_key", tls_key, err, sizeof(err)) ==
		    -1)) {
		fprintf(stderr, "truce serve: --tls-cert/--tls-key: %s\n", err);
		center_close(c);
		return 2;
	}
	if (c->seq != NULL)
		sequencer_warm(c->seq);
	if ((srv = server_start(c, listen ? listen : c->cfg.listen, err,
		 sizeof(err))) == NULL) {
		fprintf(stderr, "truce serve: %s\n", err);
		center_close(c);
		return 1;
	}
	/* The control socket is the writer's: a read server makes none. */
	snprintf(err, sizeof(err), "%s: path too long", argv[optind]);
	if (!read_only &&
	    (center_path(argv[optind], "control.sock", path, sizeof(path)) ==
		    -1 ||
		(ctl = control_start(c, path, err, sizeof(err))) == NULL)) {
		fprintf(stderr, "truce serve: %s\n", err);
		server_stop(srv, 1000);
		center_close(c);
		return 1;
	}
	printf("truce: serving %s%s (log size %lld) on %s://%.*s:%u\n",
	    c->cfg.origin, read_only ? " read-only" : "",
	    (long long)entrylog_size(c->log),
	    c->cfg.tls_cert[0] != '\0' ? "https" : "http",
	    (int)(strrchr(listen ? listen : c->cfg.listen, ':') -
		(listen ? listen : c->cfg.listen)),
	    listen ? listen : c->cfg.listen, (unsigned)server_port(srv));
	fflush(stdout);
	sigwait(&set, &sig);
	log_info("signal %d: finishing requests in flight", sig);
	control_stop(ctl);
	server_stop(srv, 10000);
	center_close(c); /* the sequencer completes what is queued */
	log_info("stopped");
	return 0;
}
