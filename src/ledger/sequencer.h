/*
 * sequencer: turns submitted entries into log entries with group commit,
 * and has the store follow the log.
 *
 * One thread owns the append side of the log. HTTP handlers and commands
 * submit requests (one or many entries); the thread takes everything
 * pending at once, deduplicates observations by id against an in-memory
 * index of the log's ids (ledger/idmap.h), gives each new entry the next
 * index, appends and syncs the whole batch with one pair of fdatasync
 * calls, lets the checkpointer sign, and only then completes the requests
 * (the MySQL/PostgreSQL group-commit pattern; Tessera batches the same
 * way). So a completed request is durable, and throughput does not pay one
 * fsync per entry. Resubmitting an observation completes with its existing
 * index and created = 0.
 *
 * A second thread, the applier, applies each durable batch to the store
 * (the store is an index of the log, DESIGN.md), several batches in one
 * transaction when it has fallen behind. The store is therefore never
 * ahead of the log and at most APPLY_BACKLOG_MAX entries behind it (the
 * sequencer waits past that). Observation requests complete as soon as
 * their entries are durable; a request holding any other entry (which the
 * store may refuse: a decision that lost a race) completes only once the
 * store has applied it, so its answer can carry the store's verdict.
 * Readers that must see every acknowledged write call
 * sequencer_wait_applied with the log's size first (read-your-writes).
 * After a crash the store catches up from the log (center_open).
 */
#ifndef TRUCE_SEQUENCER_H
#define TRUCE_SEQUENCER_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

struct entrylog;
struct fusionbook_placed;
struct store;
struct sequencer;

/* One entry of a request. The caller fills the inputs and keeps them alive
 * until the request completes. */
struct seq_item {
	const char *bytes; /* canonical entry bytes */
	size_t len;
	const json_t *entry; /* the parsed entry, for the store */
	const char *id;	     /* observation id (64 hex) or NULL: no dedup */
	int64_t index;	     /* out: its log index */
	int created;	     /* out: 1 new, 0 it already existed */
};

struct seq_request {
	struct seq_item *items;
	size_t n;
	/* Called once from the sequencer thread; status 0 or -1. */
	void (*done)(struct seq_request *r, int status, void *arg);
	void *arg;
	struct seq_request *next; /* private */
};

/*
 * Called on the sequencer thread after each batch is durable in the log,
 * before its requests complete, with the log's new size (the checkpointer
 * signs and records it here, so answers can carry a receipt). Returns 0,
 * or -1 when the batch must not be acknowledged: the sequencer then takes
 * its entries back out of the log (entrylog_unappend) and fails its
 * requests, so a failed request changes nothing.
 */
typedef int (*sequencer_hook)(void *ctx, int64_t size);

/*
 * Starts the sequencer thread over log and store (neither owned; the store
 * must have applied the whole log); hook (may be NULL) runs after each
 * batch. Returns NULL on failure.
 */
struct sequencer *sequencer_start(struct entrylog *log, struct store *store,
    sequencer_hook hook, void *hook_ctx);

/*
 * Queues r; r->done is called when its entries are durable (or failed).
 * Returns -1 without calling done if the sequencer is stopping.
 */
int sequencer_submit(struct sequencer *seq, struct seq_request *r);

/*
 * The log index at which the store failed to apply (a full disk), while
 * the applier is trying it again; -1 when the store follows the log.
 */
int64_t sequencer_trouble(struct sequencer *seq);

/* Submits items and waits for them: 0 when durable, -1 on failure. */
int sequencer_run(struct sequencer *seq, struct seq_item *items, size_t n);

/*
 * Asks the applier to ready the store's in-memory state now
 * (store_prepare_fusion: fusion's book), while it has nothing to apply,
 * rather than when the first entry arrives; returns at once. For a
 * server, not for a command that writes one entry and exits.
 */
void sequencer_warm(struct sequencer *seq);

/*
 * An observation as the applier applied it, for the event follower
 * (alert/events.h), which then need not read it from the log, parse, hash
 * and place it again: its canonical bytes, parsed entry and id, and where
 * fusion placed it (store_placed; NULL: nothing placed). Read-only, valid
 * until sequencer_applied_put.
 */
struct seq_applied {
	int64_t index;
	const char *bytes;
	size_t len;
	const json_t *entry;
	const char *id;
	const struct fusionbook_placed *placed;
	void *hold; /* private: the batch held */
};

/*
 * From now on the applier keeps the batches it applied for one follower
 * (sequencer_applied_get), at most 16,384 entries it has not passed
 * (older ones are dropped, and a larger batch is not kept: the follower
 * then reads the log).
 */
void sequencer_keep_applied(struct sequencer *seq);

/*
 * The observation at log index (applied: see sequencer_wait_applied) as
 * the applier applied it: 1 with *out, to give back with
 * sequencer_applied_put; 0 when not kept (another entry type, dropped, or
 * kept before sequencer_keep_applied): read the log. Forgets what is kept
 * below index, so ask in log order. One follower at a time.
 */
int sequencer_applied_get(struct sequencer *seq, int64_t index,
    struct seq_applied *out);

/* Gives back what sequencer_applied_get lent into *a. */
void sequencer_applied_put(struct sequencer *seq, struct seq_applied *a);

/*
 * Forgets what is kept below index below (the follower has passed it), so
 * that nothing stays held while the log is idle.
 */
void sequencer_applied_passed(struct sequencer *seq, int64_t below);

/*
 * Waits until the store has applied the log's first size entries, at most
 * timeout_ms. 0, or -1 on timeout.
 */
int sequencer_wait_applied(struct sequencer *seq, int64_t size, int timeout_ms);

/* Refuses new requests, completes the queued ones, joins the thread and
 * frees seq. NULL does nothing. */
void sequencer_stop(struct sequencer *seq);

#endif
