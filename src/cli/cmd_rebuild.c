/*
 * truce rebuild DIR
 * Recreates the center's store from its log alone (the store is an index).
 */
#include <stdio.h>
#include <string.h>

#include "center/center.h"
#include "cli/commands.h"
#include "record/timefmt.h"

int
cmd_rebuild(int argc, char **argv)
{
	char err[2048];
	int64_t n = 0, t0;

	if (argc == 2 &&
	    (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		printf(
		    "usage: truce rebuild DIR\n\nRecreates DIR/store.db from "
		    "the log alone, then swaps it in. The center must\nnot "
		    "be served meanwhile (the log's lock is checked).\n");
		return 0;
	}
	if (argc != 2) {
		fprintf(stderr, "usage: truce rebuild DIR\n");
		return 2;
	}
	t0 = timefmt_now_ms();
	if (center_rebuild(argv[1], &n, err, sizeof(err)) == -1) {
		fprintf(stderr, "truce rebuild: %s\n", err);
		return 1;
	}
	printf("rebuilt the store of %s from %lld log entries in %.2f s\n",
	    argv[1], (long long)n, (double)(timefmt_now_ms() - t0) / 1000);
	return 0;
}
