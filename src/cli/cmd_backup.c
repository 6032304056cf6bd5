/*
 * truce backup DIR DEST [--store sqlite|URI]
 * A consistent copy of a center, taken while it is served (center/backup.h).
 */
#include <stdio.h>
#include <string.h>

#include "center/backup.h"
#include "cli/args.h"
#include "cli/commands.h"
#include "common/clock.h"
#include "store/store.h"

int
cmd_backup(int argc, char **argv)
{
	const char *pos[2], *store = NULL;
	char err[1024];
	int64_t n = 0;
	double t0;
	int i, npos = 0;

	if (argc == 2 &&
	    (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		printf(
		    "usage: truce backup DIR DEST [--store sqlite|URI]\n\n"
		    "Copies center DIR to the new directory DEST, also while "
		    "DIR is served:\nthe log's entries up to its latest signed "
		    "checkpoint, the record of its\ncheckpoints, truce.conf, "
		    "the keys and the evidence. The store, the log's\nindex "
		    "and hashes are re-derived when DEST is first served or "
		    "rebuilt;\nthe copy's log is verified against its "
		    "checkpoints before DEST is named.\n\n"
		    "The copy's truce.conf names its own store: sqlite "
		    "(DEST/store.db, the\ndefault, also for a center on "
		    "PostgreSQL), or with --store a\npostgresql:// URI of a "
		    "new, empty database (never the center's own:\nit is "
		    "ahead of the copied log).\n"
		    "Restore: stop the center, move DEST in its place, "
		    "`truce serve` (or\n`truce rebuild` first): the store "
		    "is filled from the copied log.\n");
		return 0;
	}
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--store") == 0) {
			if (i + 1 >= argc) {
				args_usage("backup", "--store needs a value");
				return 2;
			}
			if (args_string("backup", "--store", argv[++i],
				STORE_PG_URI_MAX) == -1)
				return 2;
			store = argv[i];
		} else if (argv[i][0] == '-') {
			args_usage("backup", "unknown option %.64s", argv[i]);
			return 2;
		} else if (npos < 2)
			pos[npos++] = argv[i];
		else {
			args_usage("backup", "one DIR and one DEST");
			return 2;
		}
	}
	if (npos != 2) {
		fprintf(stderr,
		    "usage: truce backup DIR DEST [--store sqlite|URI]\n");
		return 2;
	}
	t0 = clock_now_s();
	if (backup_center(pos[0], pos[1], store, &n, err, sizeof(err)) == -1) {
		fprintf(stderr, "truce backup: %s\n", err);
		return 1;
	}
	printf("backed up %s to %s: %lld log entries, verified, in %.2f s\n",
	    pos[0], pos[1], (long long)n, clock_now_s() - t0);
	return 0;
}
