/*
 * sequencer: the group-commit loop (see sequencer.h).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "ledger/entrylog.h"
#include "ledger/sequencer.h"
#include "store/store.h"

#define BATCH_MAX_ENTRIES 50000 /* entries per group commit, at most */

struct sequencer {
	struct entrylog *log;
	struct store *store;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct seq_request *head, *tail;
	int stopping;
	sequencer_hook hook;
	void *hook_ctx;
};

/* A small open-addressing set of the ids new in the current batch. */
struct idset {
	struct seq_item **slot;
	size_t cap;
};

static uint64_t
id_hash(const char *id)
{
	uint64_t h = 0;
	int i;

	for (i = 0; i < 16 && id[i]; i++)
		h = h << 4 | (uint64_t)(id[i] <= '9' ? id[i] - '0'
						     : id[i] - 'a' + 10);
	return h;
}

static struct seq_item *
idset_find(struct idset *s, const char *id, int insert, struct seq_item *it)
{
	size_t i = id_hash(id) & (s->cap - 1);

	while (s->slot[i] != NULL) {
		if (strcmp(s->slot[i]->id, id) == 0)
			return s->slot[i];
		i = (i + 1) & (s->cap - 1);
	}
	if (insert)
		s->slot[i] = it;
	return NULL;
}

/* Processes one batch of requests; returns 0 or -1 (all failed). */
static int
sequence(struct sequencer *seq, struct seq_request *batch)
{
	struct seq_request *r;
	struct entrylog_entry *ents = NULL;
	struct seq_item **fresh = NULL, *prev;
	struct idset set = { NULL, 0 };
	size_t total = 0, nfresh = 0, i;
	int64_t size, idx;
	int found, rc = -1, in_txn = 0;

	for (r = batch; r != NULL; r = r->next)
		total += r->n;
	set.cap = 16;
	while (set.cap < total * 2)
		set.cap *= 2;
	if ((set.slot = calloc(set.cap, sizeof(*set.slot))) == NULL ||
	    (ents = calloc(total ? total : 1, sizeof(*ents))) == NULL ||
	    (fresh = calloc(total ? total : 1, sizeof(*fresh))) == NULL)
		goto done;
	size = entrylog_size(seq->log);
	/*
	 * One write transaction for the whole batch: the dedup lookups then
	 * share one read snapshot instead of locking the database per item.
	 */
	if (store_begin(seq->store) == -1)
		goto done;
	in_txn = 1;
	for (r = batch; r != NULL; r = r->next) {
		for (i = 0; i < r->n; i++) {
			struct seq_item *it = &r->items[i];

			if (it->id != NULL) {
				found = store_find_observation(seq->store,
				    it->id, &idx, NULL, NULL);
				if (found == -1)
					goto done;
				if (found == 1) {
					it->index = idx;
					it->created = 0;
					continue;
				}
				if ((prev = idset_find(&set, it->id, 1, it)) !=
				    NULL) {
					/* Same entry twice in this batch. */
					it->index = prev->index;
					it->created = 0;
					continue;
				}
			}
			it->index = size + (int64_t)nfresh;
			it->created = 1;
			ents[nfresh].bytes = (const uint8_t *)it->bytes;
			ents[nfresh].len = it->len;
			fresh[nfresh++] = it;
		}
	}
	if (nfresh == 0) {
		store_rollback(seq->store);
		in_txn = 0;
		rc = 0;
		goto done;
	}
	if (entrylog_append(seq->log, ents, nfresh) == -1)
		goto done;
	/* From here the entries are durable: the store must follow. */
	for (i = 0; i < nfresh; i++)
		if (store_apply(seq->store, fresh[i]->index, fresh[i]->entry,
			fresh[i]->bytes, fresh[i]->len, fresh[i]->id) == -1)
			goto store_failed;
	in_txn = 0; /* store_commit rolls back itself on failure */
	if (store_commit(seq->store, size + (int64_t)nfresh) == -1)
		goto store_failed;
	if (seq->hook != NULL)
		seq->hook(seq->hook_ctx, size + (int64_t)nfresh);
	rc = 0;
	goto done;
store_failed:
	if (in_txn)
		store_rollback(seq->store);
	/*
	 * The log holds entries the store lacks, and dedup reads the store:
	 * carrying on could log an observation twice. Stop here; on restart
	 * the store catches up from the log (center_open).
	 */
	fatalx("store cannot follow the log at index %lld; restart to "
	       "recover from the log", (long long)size);
done:
	if (in_txn)
		store_rollback(seq->store);
	free(set.slot);
	free(ents);
	free(fresh);
	return rc;
}

static void *
run(void *arg)
{
	struct sequencer *seq = arg;
	struct seq_request *batch, *r, *next, *last;
	size_t n;
	int status;

	for (;;) {
		pthread_mutex_lock(&seq->mu);
		while (seq->head == NULL && !seq->stopping)
			pthread_cond_wait(&seq->cv, &seq->mu);
		if (seq->head == NULL) {
			pthread_mutex_unlock(&seq->mu);
			break;
		}
		/* Take what is pending, up to BATCH_MAX_ENTRIES entries. */
		batch = last = seq->head;
		n = batch->n;
		while (last->next != NULL && n + last->next->n <=
		    BATCH_MAX_ENTRIES) {
			last = last->next;
			n += last->n;
		}
		seq->head = last->next;
		if (seq->head == NULL)
			seq->tail = NULL;
		last->next = NULL;
		pthread_mutex_unlock(&seq->mu);

		status = sequence(seq, batch);
		for (r = batch; r != NULL; r = next) {
			next = r->next;
			r->done(r, status, r->arg);
		}
	}
	return NULL;
}

struct sequencer *
sequencer_start(struct entrylog *log, struct store *store,
    sequencer_hook hook, void *hook_ctx)
{
	struct sequencer *seq;

	if ((seq = calloc(1, sizeof(*seq))) == NULL)
		return NULL;
	seq->log = log;
	seq->store = store;
	seq->hook = hook;
	seq->hook_ctx = hook_ctx;
	pthread_mutex_init(&seq->mu, NULL);
	pthread_cond_init(&seq->cv, NULL);
	if (pthread_create(&seq->thread, NULL, run, seq) != 0) {
		log_warnx("cannot start the sequencer thread");
		pthread_mutex_destroy(&seq->mu);
		pthread_cond_destroy(&seq->cv);
		free(seq);
		return NULL;
	}
	return seq;
}

int
sequencer_submit(struct sequencer *seq, struct seq_request *r)
{
	int rc = 0;

	r->next = NULL;
	pthread_mutex_lock(&seq->mu);
	if (seq->stopping)
		rc = -1;
	else {
		if (seq->tail)
			seq->tail->next = r;
		else
			seq->head = r;
		seq->tail = r;
		pthread_cond_signal(&seq->cv);
	}
	pthread_mutex_unlock(&seq->mu);
	return rc;
}

struct waiter {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int finished, status;
};

static void
wake(struct seq_request *r, int status, void *arg)
{
	struct waiter *w = arg;

	(void)r;
	pthread_mutex_lock(&w->mu);
	w->finished = 1;
	w->status = status;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

int
sequencer_run(struct sequencer *seq, struct seq_item *items, size_t n)
{
	struct waiter w = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER,
		0, -1 };
	struct seq_request r = { items, n, wake, &w, NULL };

	if (sequencer_submit(seq, &r) == -1)
		return -1;
	pthread_mutex_lock(&w.mu);
	while (!w.finished)
		pthread_cond_wait(&w.cv, &w.mu);
	pthread_mutex_unlock(&w.mu);
	pthread_mutex_destroy(&w.mu);
	pthread_cond_destroy(&w.cv);
	return w.status;
}

void
sequencer_stop(struct sequencer *seq)
{
	if (seq == NULL)
		return;
	pthread_mutex_lock(&seq->mu);
	seq->stopping = 1;
	pthread_cond_broadcast(&seq->cv);
	pthread_mutex_unlock(&seq->mu);
	pthread_join(seq->thread, NULL);
	pthread_mutex_destroy(&seq->mu);
	pthread_cond_destroy(&seq->cv);
	free(seq);
}
