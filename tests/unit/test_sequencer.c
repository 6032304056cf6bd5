/*
 * The sequencer's hand-off to the event follower (ledger/sequencer.h):
 * once sequencer_keep_applied is asked, an applied observation is lent
 * with its logged bytes, its parsed entry, its id and where fusion placed
 * it (the incident the store recorded, whether it made it); other entries
 * and entries passed are not (nothing stays kept once the follower has
 * passed it); a lent batch outlives its place in the window until it is
 * given back. Over a real log and SQLite store.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fusion/fusion.h"
#include "ledger/entrylog.h"
#include "ledger/sequencer.h"
#include "record/observation.h"
#include "store/fusionbook.h"
#include "store/store.h"
#include "tap.h"

#define NOW 1795875600000LL
#define NOBS 6

static json_t *entries[NOBS];
static char *bytes[NOBS];
static size_t lens[NOBS];
static char ids[NOBS][OBSERVATION_ID_LEN + 1];

/* Observation k of the run: 0, 1 and 3 at one place, 2, 4, 5 apart. */
static int
make(int k)
{
	static const double lat[NOBS] = { 40.2, 40.2, 40.9, 40.2, 41.3, 41.6 };
	struct observation_error errs[4];
	char text[512];
	json_t *in;
	size_t n;

	snprintf(text, sizeof(text),
	    "{\"observed_at\":\"2026-11-20T10:00:00Z\",\"source\":{\"type\":"
	    "\"patrol\",\"member\":\"RU\",\"unit\":\"P-%d\"},\"category\":"
	    "\"explosion\",\"location\":{\"lat\":%.1f,\"lon\":46.9,"
	    "\"precision_m\":100}}",
	    k, lat[k]);
	in = json_loads(text, 0, NULL);
	entries[k] = observation_from_input(in, NOW, errs, 4, &n);
	json_decref(in);
	return entries[k] != NULL &&
	    observation_encode(entries[k], &bytes[k], &lens[k], ids[k]) == 0;
}

static int
submit(struct sequencer *seq, int from, int to)
{
	struct seq_item items[NOBS];
	int k;

	memset(items, 0, sizeof(items));
	for (k = from; k < to; k++) {
		items[k - from].bytes = bytes[k];
		items[k - from].len = lens[k];
		items[k - from].entry = entries[k];
		items[k - from].id = ids[k];
	}
	return sequencer_run(seq, items, (size_t)(to - from));
}

int
main(void)
{
	char tmpl[] = "/tmp/truce-seq.XXXXXX", path[256], seed[64], *dir;
	struct fusion_geography g;
	struct seq_applied a, b, held;
	struct entrylog *log;
	struct sequencer *seq;
	struct fusion *f;
	struct store *s;
	int k, all = 1;

	dir = mkdtemp(tmpl);
	snprintf(path, sizeof(path), "%s/log", dir);
	log = entrylog_open(path, 1, NULL, 0);
	snprintf(path, sizeof(path), "%s/store.db", dir);
	s = store_open("sqlite", path, 0);
	memset(&g, 0, sizeof(g));
	f = fusion_new(&g);
	if (log == NULL || s == NULL || f == NULL) {
		ok(0, "a log, a store and fusion open in %s", dir);
		return done_testing();
	}
	store_set_fusion(s, f);
	for (k = 0; k < NOBS; k++)
		all &= make(k);
	ok(all, "%d observations made", NOBS);
	seq = sequencer_start(log, s, NULL, NULL);
	ok(seq != NULL, "the sequencer starts");

	ok(submit(seq, 0, 1) == 0 && sequencer_wait_applied(seq, 1, 5000) == 0,
	    "an observation applied before anyone asked to keep them");
	ok(sequencer_applied_get(seq, 0, &a) == 0, "is not kept");

	sequencer_keep_applied(seq);
	ok(submit(seq, 1, 3) == 0 && sequencer_wait_applied(seq, 3, 5000) == 0,
	    "two more applied, kept");
	ok(sequencer_applied_get(seq, 0, &a) == 0, "the first still is not");
	ok(sequencer_applied_get(seq, 1, &a) == 1, "the second is lent");
	is_int(a.index, 1, "at its index");
	ok(a.len == lens[1] && memcmp(a.bytes, bytes[1], lens[1]) == 0,
	    "with its logged bytes");
	is_str(a.id, ids[1], "its id");
	ok(json_equal((json_t *)a.entry, entries[1]), "its parsed entry");
	snprintf(seed, sizeof(seed), "inc-%.24s", ids[0]);
	ok(a.placed != NULL, "and where fusion placed it");
	if (a.placed != NULL) {
		is_str(a.placed->incident, seed,
		    "in the incident the first made");
		is_int(a.placed->created, 0, "which it did not make");
		ok(a.placed->located && fabs(a.placed->lat - 40.2) < 1e-6 &&
			fabs(a.placed->lon - 46.9) < 1e-6,
		    "located where it was seen");
	}
	sequencer_applied_put(seq, &a);
	ok(sequencer_applied_get(seq, 2, &a) == 1 && a.placed != NULL,
	    "the third is lent");
	snprintf(seed, sizeof(seed), "inc-%.24s", ids[2]);
	if (a.placed != NULL) {
		is_str(a.placed->incident, seed, "apart: its own incident");
		is_int(a.placed->created, 1, "which it made");
	}
	sequencer_applied_put(seq, &a);

	/* A lent batch outlives the window that dropped it. */
	ok(submit(seq, 3, 4) == 0 && submit(seq, 4, 6) == 0 &&
		sequencer_wait_applied(seq, 6, 5000) == 0,
	    "two more batches applied");
	ok(sequencer_applied_get(seq, 3, &held) == 1, "the fourth is lent");
	ok(sequencer_applied_get(seq, 2, &a) == 0,
	    "a batch passed is forgotten");
	ok(sequencer_applied_get(seq, 5, &b) == 1,
	    "the sixth too, which drops the fourth's batch from the window");
	ok(sequencer_applied_get(seq, 3, &a) == 0, "the fourth is forgotten");
	snprintf(seed, sizeof(seed), "inc-%.24s", ids[0]);
	ok(held.placed != NULL && strcmp(held.placed->incident, seed) == 0 &&
		held.len == lens[3] &&
		memcmp(held.bytes, bytes[3], lens[3]) == 0,
	    "but what was lent of it is intact until given back");
	sequencer_applied_put(seq, &held);
	sequencer_applied_put(seq, &b);
	sequencer_applied_put(seq, &b); /* given back already: nothing */
	sequencer_applied_passed(seq, 6);
	ok(sequencer_applied_get(seq, 5, &a) == 0,
	    "once passed, nothing stays kept");

	sequencer_stop(seq);
	store_close(s);
	fusion_free(f);
	entrylog_close(log);
	for (k = 0; k < NOBS; k++) {
		json_decref(entries[k]);
		free(bytes[k]);
	}
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	if (system(path) != 0)
		diag("could not remove %s", dir);
	return done_testing();
}
