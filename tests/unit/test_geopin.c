/*
 * Unit test of geopin (center/geopin.h) over a real entry log in a
 * temporary directory: the geographies a log names, scanned whole
 * (geopin_scan) and then only the entries added since (geopin_scan_more,
 * what a following mirror and center_replayer_run use): a new geography
 * entry adds a span, an observation after it makes that span fused, and
 * geopin_check then asks for that geography's data for those entries
 * only.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "center/geopin.h"
#include "ledger/entrylog.h"
#include "tap.h"

#define DA "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define DB "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

static const char *const entries[] = {
	"{\"geography\":{\"digest\":\"" DA "\",\"region\":\"karabakh\"},"
	"\"type\":\"genesis\"}",
	"{\"type\":\"observation\"}",
	"{\"type\":\"member\"}",
	"{\"digest\":\"" DB "\",\"region\":\"karabakh\",\"type\":\"geography\"}",
	"{\"type\":\"member\"}",
	"{\"type\":\"observation\"}",
};

/* Appends entries [from, to) to log. */
static int
append(struct entrylog *log, size_t from, size_t to)
{
	struct entrylog_entry e[8];
	size_t i;

	for (i = from; i < to; i++) {
		e[i - from].bytes = (const uint8_t *)entries[i];
		e[i - from].len = strlen(entries[i]);
	}
	return entrylog_append(log, e, to - from);
}

/* Removes the log's files and folders under d. */
static void
cleanup(const char *d)
{
	static const char *const files[] = { "entries", "index", "hashes",
		"lock", NULL };
	char path[128];
	size_t i;

	for (i = 0; files[i] != NULL; i++) {
		snprintf(path, sizeof(path), "%s/log/%s", d, files[i]);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/log", d);
	rmdir(path);
	rmdir(d);
}

int
main(void)
{
	char d[] = "/tmp/truce-geopin.XXXXXX", dir[64], err[1024];
	struct geodigest a, b;
	struct entrylog *log;
	struct geopin *p;

	if (mkdtemp(d) == NULL || (p = calloc(1, sizeof(*p))) == NULL)
		return 1;
	snprintf(dir, sizeof(dir), "%s/log", d);
	log = entrylog_open(dir, 1, NULL, 0);
	ok(log != NULL && append(log, 0, 3) == 0, "a log of 3 entries");
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	snprintf(a.digest, sizeof(a.digest), "%s", DA);
	snprintf(a.region, sizeof(a.region), "karabakh");
	snprintf(b.digest, sizeof(b.digest), "%s", DB);
	snprintf(b.region, sizeof(b.region), "karabakh");

	ok(geopin_scan(log, 3, p, err, sizeof(err)) == 0, "scanned");
	is_int((int)p->n, 1, "  one geography, the genesis's");
	is_int((int)p->scanned, 3, "  3 entries scanned");
	ok(p->span[0].from == 0 && p->span[0].fused &&
		strcmp(p->span[0].digest, DA) == 0,
	    "  from entry 0, worded (an observation), digest A");

	ok(append(log, 3, 5) == 0 &&
		geopin_scan_more(log, 5, p, err, sizeof(err)) == 0,
	    "2 more entries, a geography entry among them: scanned on");
	is_int((int)p->n, 2, "  two geographies");
	is_int((int)p->scanned, 5, "  5 entries scanned");
	ok(p->span[1].from == 3 && !p->span[1].fused &&
		strcmp(p->span[1].digest, DB) == 0,
	    "  B from entry 3, nothing worded with it yet");
	is_str(geopin_last(p), DB, "  the last named is B");
	ok(geopin_check(p, 3, 5, &a, "/d/a", "remedy", err, sizeof(err)) ==
		0,
	    "  entries 3-4 replay with A's data: nothing is worded there");

	ok(append(log, 5, 6) == 0 &&
		geopin_scan_more(log, 6, p, err, sizeof(err)) == 0,
	    "an observation after it");
	is_int((int)p->n, 2, "  still two geographies");
	ok(p->span[1].fused, "  B now words an entry");
	ok(geopin_check(p, 3, 6, &a, "/d/a", "remedy", err, sizeof(err)) ==
		-1,
	    "  entries 3-5 with A's data: refused");
	if (!ok(strstr(err,
		    "entries 3 to 5 were computed with geography " DB) != NULL,
		"  naming the entries and B"))
		diag("  got '%s'", err);
	ok(geopin_check(p, 3, 6, &b, "/d/b", "remedy", err, sizeof(err)) ==
		0,
	    "  with B's data: allowed");
	ok(geopin_check(p, 0, 6, &b, "/d/b", "remedy", err, sizeof(err)) ==
		-1,
	    "  from entry 0 with B's alone: refused (A worded entry 1)");
	ok(geopin_scan_more(log, 6, p, err, sizeof(err)) == 0 && p->n == 2 &&
		p->scanned == 6,
	    "scanning again with nothing new changes nothing");

	entrylog_close(log);
	free(p);
	cleanup(d);
	return done_testing();
}
