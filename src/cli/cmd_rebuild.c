/*
 * truce rebuild DIR [--geo-data DIR ...]
 * Recreates the center's store from its log alone (the store is an index),
 * each part of the log with the copy of data/ its geography names
 * (docs/geography.md).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "center/center.h"
#include "cli/args.h"
#include "cli/commands.h"
#include "record/timefmt.h"

#define GEO_DATA_MAX 1023 /* bytes of a path, as geo_data's */

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: truce rebuild DIR [--geo-data DIR ...]\n\n"
	    "Recreates DIR/store.db from the log alone, then swaps it in. "
	    "The center must\nnot be served meanwhile (the log's lock is "
	    "checked).\n\n"
	    "  --geo-data DIR  another copy of data/ (an older gazetteer) "
	    "for the entries\n"
	    "                  the log says were worded with it; repeat, at "
	    "most %d.\n"
	    "                  The configured geo_data is always tried "
	    "first.\n",
	    CENTER_REBUILD_MAX_GEO_DATA);
}

int
cmd_rebuild(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "geo-data", required_argument, NULL, 'g' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *geo[CENTER_REBUILD_MAX_GEO_DATA];
	char err[2048];
	int64_t n = 0, t0;
	size_t ngeo = 0;
	int ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'g':
			if (ngeo == CENTER_REBUILD_MAX_GEO_DATA) {
				args_usage("rebuild",
				    "--geo-data: more than %d",
				    CENTER_REBUILD_MAX_GEO_DATA);
				return 2;
			}
			if (args_string("rebuild", "--geo-data", optarg,
				GEO_DATA_MAX) == -1)
				return 2;
			geo[ngeo++] = optarg;
			break;
		case 'h': usage(stdout); return 0;
		default:
			args_bad_option("rebuild", argv, optind, optopt);
			return 2;
		}
	}
	if (optind != argc - 1) {
		args_usage("rebuild", "one center directory is required");
		return 2;
	}
	t0 = timefmt_now_ms();
	if (center_rebuild(argv[optind], geo, ngeo, &n, err, sizeof(err)) ==
	    -1) {
		fprintf(stderr, "truce rebuild: %s\n", err);
		return 1;
	}
	printf("rebuilt the store of %s from %lld log entries in %.2f s\n",
	    argv[optind], (long long)n, (double)(timefmt_now_ms() - t0) / 1000);
	return 0;
}
