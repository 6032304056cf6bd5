/*
 * sequencer: turns submitted entries into log entries with group commit.
 *
 * One thread owns the append side of the log and the store's writer. HTTP
 * handlers and commands submit requests (one or many entries); the thread
 * takes everything pending at once, gives each new entry the next index,
 * appends and syncs the whole batch with one pair of fdatasync calls, applies
 * it to the store in one transaction, and only then completes the requests
 * (the MySQL/PostgreSQL group-commit pattern; Tessera batches the same way).
 * So a completed request is durable, and throughput does not pay one fsync
 * per entry. Observations are deduplicated by id: resubmitting one completes
 * with its existing index and created = 0.
 */
#ifndef TRUCE_SEQUENCER_H
#define TRUCE_SEQUENCER_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

struct entrylog;
struct store;
struct sequencer;

/* One entry of a request. The caller fills the inputs and keeps them alive
 * until the request completes. */
struct seq_item {
	const char *bytes;   /* canonical entry bytes */
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
 * Called on the sequencer thread after each batch is durable in the log and
 * applied to the store, before its requests complete, with the log's new
 * size (the checkpointer signs it here, so answers can carry a receipt).
 */
typedef void (*sequencer_hook)(void *ctx, int64_t size);

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

/* Submits items and waits for them: 0 when durable, -1 on failure. */
int sequencer_run(struct sequencer *seq, struct seq_item *items, size_t n);

/* Refuses new requests, completes the queued ones, joins the thread and
 * frees seq. NULL does nothing. */
void sequencer_stop(struct sequencer *seq);

#endif
