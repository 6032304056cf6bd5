/*
 * truce backup DIR DEST
 * A consistent copy of a center, taken while it is served (center/backup.h).
 */
#include <stdio.h>
#include <string.h>

#include "center/backup.h"
#include "cli/commands.h"
#include "common/clock.h"

int
cmd_backup(int argc, char **argv)
{
	char err[1024];
	int64_t n = 0;
	double t0;

	if (argc == 2 &&
	    (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		printf(
		    "usage: truce backup DIR DEST\n\nCopies center DIR to the "
		    "new directory DEST, also while DIR is served:\nthe log's "
		    "entries up to its latest signed checkpoint, the record of "
		    "its\ncheckpoints, truce.conf, the keys and the evidence. "
		    "The store, the log's\nindex and hashes are re-derived "
		    "when DEST is first served or rebuilt;\nthe copy's log is "
		    "verified against its checkpoints before DEST is named.\n"
		    "Restore: stop the center, move DEST in its place, "
		    "`truce serve`.\n");
		return 0;
	}
	if (argc != 3) {
		fprintf(stderr, "usage: truce backup DIR DEST\n");
		return 2;
	}
	t0 = clock_now_s();
	if (backup_center(argv[1], argv[2], &n, err, sizeof(err)) == -1) {
		fprintf(stderr, "truce backup: %s\n", err);
		return 1;
	}
	printf("backed up %s to %s: %lld log entries, verified, in %.2f s\n",
	    argv[1], argv[2], (long long)n, clock_now_s() - t0);
	return 0;
}
