/*
 * truce: the one command-line front door (`truce <command> [options]`).
 * Every command lives in its own file under src/cli/ and is listed here.
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "cli/commands.h"
#include "common/jsonmem.h"
#include "common/log.h"
#include "store/store.h"

const struct command commands[] = {
	{ "init", cmd_init,
	    "create a center: configuration, log, store, "
	    "admin token" },
	{ "serve", cmd_serve,
	    "serve a center's HTTP API (--check validates "
	    "its configuration)" },
	{ "token", cmd_token, "add or revoke a principal's bearer token" },
	{ "rebuild", cmd_rebuild, "recreate a center's store from its log" },
	{ "backup", cmd_backup,
	    "copy a center consistently, also while it "
	    "is served" },
	{ "witness", cmd_witness,
	    "run a member's witness (C2SP tlog-witness) "
	    "that cosigns checkpoints" },
	{ "observe", cmd_observe, "submit one observation (client)" },
	{ "import", cmd_import,
	    "validate and submit observations from a "
	    "file (client)" },
	{ "query", cmd_query, "list observations matching filters (client)" },
	{ "incidents", cmd_incidents,
	    "list, show, merge or split incidents "
	    "(client)" },
	{ "events", cmd_events,
	    "print the center's event stream as JSON "
	    "lines (client)" },
	{ "alert", cmd_alert, "add, list or remove alert rules (client)" },
	{ "simulate", cmd_simulate,
	    "write illustrative simulated observations" },
	{ "assess", cmd_assess,
	    "sign a member's assessment of an incident "
	    "with the member's key and submit it (client)" },
	{ "report", cmd_report,
	    "draft, list, fetch, render and sign the "
	    "center's reports (client)" },
	{ "source", cmd_source,
	    "state that a source was operational, degraded or down "
	    "(client)" },
	{ "keygen", cmd_keygen, "make a signed-note key pair" },
	{ "note", cmd_note, "sign or verify a signed note" },
	{ "tlog", cmd_tlog, "Merkle tree roots and proofs" },
	{ "geo", cmd_geo,
	    "describe a point, resolve place + bearing + "
	    "distance, look up a place" },
	{ "locate", cmd_locate,
	    "locate sources from arrival times or "
	    "bearings (JSON lines)" },
	{ "fuse", cmd_fuse,
	    "associate observations into incidents offline "
	    "(JSON lines)" },
	{ "audit", cmd_audit,
	    "check a center end to end: signatures, "
	    "cosignatures, every hash, a replay" },
	{ "mirror", cmd_mirror,
	    "keep a verified copy of a center's log and store" },
	{ "verify-receipt", cmd_verify_receipt,
	    "verify an observation's "
	    "receipt offline" },
	{ "verify-report", cmd_verify_report,
	    "check offline that a report "
	    "is the bytes the members signed" },
	{ NULL, NULL, NULL },
};

static void
usage(FILE *f)
{
	const struct command *c;

	fprintf(f,
	    "usage: truce <command> [options]\n\n"
	    "truce is the software of a joint ceasefire monitoring "
	    "center.\n\ncommands:\n");
	for (c = commands; c->name != NULL; c++)
		fprintf(f, "  %-18s %s\n", c->name, c->summary);
	fprintf(f,
	    "\n`truce <command> --help` explains a command's options; "
	    "see also docs/truce.1.\n");
}

int
main(int argc, char **argv)
{
	const struct command *c;
	const char *level = getenv("TRUCE_LOG");

	/*
	 * What truce makes is its members' and nobody else's: a center's
	 * directory, its store and keys are 0700/0600, as PostgreSQL keeps
	 * its data directory (the store holds complaints and unreleased
	 * incidents).
	 */
	umask(077);
	/* Before any thread: see common/jsonmem.h and store/store.h. */
	jsonmem_install();
	store_nomem_install();
	/* TRUCE_LOG=debug|info|warning: how much the log says on stderr. */
	if (level != NULL)
		log_setverbose(strcmp(level, "debug") == 0 ? 2
			: strcmp(level, "warning") == 0	   ? 0
							   : 1);
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	for (c = commands; c->name != NULL; c++)
		if (strcmp(c->name, argv[1]) == 0) {
			int rc;

			/* Before any thread: libcurl is not thread-safe here. */
			curl_global_init(CURL_GLOBAL_DEFAULT);
			rc = c->run(argc - 1, argv + 1);
			curl_global_cleanup();
			return rc;
		}
	fprintf(stderr, "truce: unknown command '%.64s'\n\n", argv[1]);
	usage(stderr);
	return 2;
}
