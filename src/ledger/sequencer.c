/*
 * sequencer: the group-commit loop and the store's applier (see
 * sequencer.h).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "common/clock.h"
#include "common/log.h"
#include "ledger/entrylog.h"
#include "ledger/idmap.h"
#include "ledger/sequencer.h"
#include "store/fusionbook.h"
#include "store/store.h"

#define BATCH_MAX_ENTRIES 50000 /* entries per group commit, at most */
/*
 * Entries logged but not yet applied to the store, at most: past it the
 * sequencer waits for the applier (backpressure). It bounds the memory the
 * backlog holds (the entries' bytes and parsed trees, ~3 KiB each) and how
 * long a read waits for the store to catch up: with fusion the applier
 * does about 8,000 observations/s on this project's 2-core machine on a
 * young store and 4,000/s on a store of a million (bench/RESULTS.md), so
 * 6 to 13 s, inside a read's 30 s wait (server.c, STORE_WAIT_MS).
 */
#define APPLY_BACKLOG_MAX 50000
/*
 * Applied entries kept for the event follower (sequencer_keep_applied)
 * that it has not reached yet, at most: past it the oldest batches are
 * dropped and the follower reads those entries from the log instead. It
 * bounds the memory a follower that fell behind holds (~3 KiB an entry).
 */
#define APPLIED_KEEP_MAX 16384

/* One logged entry on its way to the store (its own copy of the bytes). */
struct apply_item {
	const char *bytes;
	size_t len;
	json_t *entry; /* a reference of the applier's */
	const char *id;
	int64_t index;
	struct fusionbook_placed placed; /* index -1: nothing placed */
};

/* A durable batch for the applier. */
struct apply_batch {
	int64_t size; /* the log's size once this batch is applied */
	size_t n;
	struct apply_item *items;
	char *arena;		     /* the bytes and ids of items */
	struct seq_request *waiters; /* complete once applied */
	struct apply_batch *next;
	int refs; /* once applied and kept: the list's and holds (mu) */
};

struct sequencer {
	struct entrylog *log;
	struct store *store;
	struct idmap *ids; /* the sequencer thread's */
	pthread_t thread, applier;
	pthread_mutex_t mu;
	pthread_cond_t cv;	   /* requests queued, or stopping */
	pthread_cond_t apply_cv;   /* batches queued, or applier stopping */
	pthread_cond_t applied_cv; /* the store moved forward */
	struct seq_request *head, *tail;
	struct apply_batch *ahead, *atail;
	int64_t logged;	 /* the log's size after the last batch */
	int64_t applied; /* the store's applied size */
	int stopping, applier_stopping;
	int warm;	 /* sequencer_warm asked, not yet done */
	int64_t trouble; /* > 0: the store failed at this index; retrying */
	/* Applied batches kept for the event follower, oldest first
	   (sequencer_keep_applied), and how many entries they hold. */
	int keep;
	struct apply_batch *dhead, *dtail;
	size_t dheld;
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
		h = h << 4 |
		    (uint64_t)(id[i] <= '9' ? id[i] - '0' : id[i] - 'a' + 10);
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

/* idmap's confirmation: whether log entry index hashes to id. */
static int
log_holds(void *ctx, int64_t index, const uint8_t id[32])
{
	struct sequencer *seq = ctx;
	uint8_t *bytes, h[32];
	size_t len;

	if (entrylog_read(seq->log, index, &bytes, &len) == -1)
		return -1;
	crypto_hash_sha256(h, bytes, len);
	free(bytes);
	return sodium_memcmp(h, id, 32) == 0;
}

static void
load_id(void *ctx, const uint8_t id[32], int64_t index)
{
	struct sequencer *seq = ctx;

	if (idmap_put(seq->ids, id, index) == -1)
		seq->stopping = 1; /* out of memory: sequencer_start fails */
}

static void
batch_free(struct apply_batch *b)
{
	size_t i;

	if (b == NULL)
		return;
	for (i = 0; i < b->n; i++)
		json_decref(b->items[i].entry);
	free(b->items);
	free(b->arena);
	free(b);
}

/*
 * The applier's copy of the fresh entries, so that their requests can
 * complete (and free them) before the store has them. NULL when out of
 * memory.
 */
static struct apply_batch *
batch_new(struct seq_item **fresh, size_t n, int64_t size)
{
	struct apply_batch *b;
	size_t i, bytes = 0, off = 0;
	char *p;

	for (i = 0; i < n; i++)
		bytes += fresh[i]->len + 1 +
		    (fresh[i]->id ? strlen(fresh[i]->id) + 1 : 0);
	if ((b = calloc(1, sizeof(*b))) == NULL)
		return NULL;
	if ((b->items = calloc(n, sizeof(*b->items))) == NULL ||
	    (b->arena = malloc(bytes ? bytes : 1)) == NULL) {
		batch_free(b);
		return NULL;
	}
	for (i = 0; i < n; i++) {
		p = b->arena + off;
		memcpy(p, fresh[i]->bytes, fresh[i]->len);
		p[fresh[i]->len] = '\0';
		b->items[i].bytes = p;
		b->items[i].len = fresh[i]->len;
		off += fresh[i]->len + 1;
		if (fresh[i]->id != NULL) {
			p = b->arena + off;
			memcpy(p, fresh[i]->id, strlen(fresh[i]->id) + 1);
			b->items[i].id = p;
			off += strlen(p) + 1;
		}
		/* jansson's reference counts are atomic (2.11 and later). */
		b->items[i].entry = json_incref((json_t *)fresh[i]->entry);
		b->items[i].index = fresh[i]->index;
		b->items[i].placed.index = -1;
	}
	b->n = n;
	b->size = size;
	return b;
}

/*
 * Sequences one batch of requests: dedup against the id index, then one
 * append + sync of the fresh entries. Returns 0 with the applier's batch in
 * *out (NULL when nothing was new), or -1 (all failed, nothing logged).
 */
static int
sequence(struct sequencer *seq, struct seq_request *batch,
    struct apply_batch **out)
{
	struct seq_request *r;
	struct entrylog_entry *ents = NULL;
	struct seq_item **fresh = NULL, *prev;
	struct idset set = { NULL, 0 };
	size_t total = 0, nfresh = 0, i;
	uint8_t(*bid)[32] = NULL; /* fresh entries' ids, parsed once */
	int64_t size, idx;
	int rc = -1;

	*out = NULL;
	for (r = batch; r != NULL; r = r->next)
		total += r->n;
	set.cap = 16;
	while (set.cap < total * 2)
		set.cap *= 2;
	if ((set.slot = calloc(set.cap, sizeof(*set.slot))) == NULL ||
	    (ents = calloc(total ? total : 1, sizeof(*ents))) == NULL ||
	    (fresh = calloc(total ? total : 1, sizeof(*fresh))) == NULL ||
	    (bid = calloc(total ? total : 1, sizeof(*bid))) == NULL)
		goto done;
	size = entrylog_size(seq->log);
	for (r = batch; r != NULL; r = r->next) {
		for (i = 0; i < r->n; i++) {
			struct seq_item *it = &r->items[i];

			if (it->id != NULL) {
				if (sodium_hex2bin(bid[nfresh], sizeof(bid[0]),
					it->id, strlen(it->id), NULL, NULL,
					NULL) != 0)
					goto done;
				idx = idmap_find(seq->ids, bid[nfresh],
				    log_holds, seq);
				if (idx == -2)
					goto done;
				if (idx >= 0) {
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
		rc = 0;
		goto done;
	}
	/* Copied before the append, so that a failure leaves no trace. */
	if ((*out = batch_new(fresh, nfresh, size + (int64_t)nfresh)) == NULL)
		goto done;
	if (entrylog_append(seq->log, ents, nfresh) == -1) {
		batch_free(*out);
		*out = NULL;
		goto done;
	}
	/* Durable; acknowledged only once the hook signed and recorded it. */
	if (seq->hook != NULL &&
	    seq->hook(seq->hook_ctx, size + (int64_t)nfresh) == -1) {
		batch_free(*out);
		*out = NULL;
		if (entrylog_unappend(seq->log, size) == -1)
			fatalx("the log holds %zu entries of a batch that "
			       "could "
			       "not be signed, and they cannot be taken back: "
			       "stopping rather than serve an unknown log",
			    nfresh);
		goto done;
	}
	for (i = 0; i < nfresh; i++) {
		if (fresh[i]->id == NULL)
			continue;
		if (idmap_put(seq->ids, bid[i], fresh[i]->index) == -1)
			fatalx("out of memory for the id index at log index "
			       "%lld",
			    (long long)fresh[i]->index);
	}
	rc = 0;
done:
	free(set.slot);
	free(ents);
	free(fresh);
	free(bid);
	return rc;
}

/* Whether r must wait for the store: an entry the store may refuse (any
 * entry but an observation) needs the store's verdict in its answer. */
static int
needs_store(const struct seq_request *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (r->items[i].id == NULL)
			return 1;
	return 0;
}

static void *
run(void *arg)
{
	struct sequencer *seq = arg;
	struct seq_request *batch, *r, *next, *last;
	struct apply_batch *ab;
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
		/* Backpressure: let the store come within reach first. */
		while (seq->logged - seq->applied > APPLY_BACKLOG_MAX)
			pthread_cond_wait(&seq->applied_cv, &seq->mu);
		/* Take what is pending, up to BATCH_MAX_ENTRIES entries. */
		batch = last = seq->head;
		n = batch->n;
		while (last->next != NULL &&
		    n + last->next->n <= BATCH_MAX_ENTRIES) {
			last = last->next;
			n += last->n;
		}
		seq->head = last->next;
		if (seq->head == NULL)
			seq->tail = NULL;
		last->next = NULL;
		pthread_mutex_unlock(&seq->mu);

		status = sequence(seq, batch, &ab);
		for (r = batch; r != NULL; r = next) {
			next = r->next;
			if (status == 0 && ab != NULL && needs_store(r)) {
				r->next = ab->waiters;
				ab->waiters = r;
				continue;
			}
			r->done(r, status, r->arg);
		}
		if (ab == NULL)
			continue;
		pthread_mutex_lock(&seq->mu);
		seq->logged = ab->size;
		if (seq->atail)
			seq->atail->next = ab;
		else
			seq->ahead = ab;
		seq->atail = ab;
		pthread_cond_signal(&seq->apply_cv);
		pthread_mutex_unlock(&seq->mu);
	}
	return NULL;
}

/*
 * Applies the batches of list in one transaction: 0, or -1 with the
 * transaction rolled back (the store drops what it held in memory for it
 * and reloads it from its tables: store_rollback).
 */
static int
apply_list(struct sequencer *seq, struct apply_batch *list)
{
	struct apply_batch *b;
	size_t i;

	if (store_begin(seq->store) == -1)
		goto failed;
	for (b = list; b != NULL; b = b->next)
		for (i = 0; i < b->n; i++) {
			struct apply_item *it = &b->items[i];

			if (store_apply(seq->store, it->index, it->entry,
				it->bytes, it->len, it->id) == -1)
				goto failed;
			/* Where fusion put it, for the event follower. */
			if (it->id != NULL &&
			    store_placed(seq->store, it->index, &it->placed) !=
				1)
				it->placed.index = -1;
		}
	for (b = list; b->next != NULL; b = b->next)
		;
	if (store_commit(seq->store, b->size) == -1)
		goto failed;
	return 0;
failed:
	store_rollback(seq->store);
	return -1;
}

/*
 * After a failed apply: marks the store in trouble and waits delay_ms (or
 * until the applier is stopped). Returns 1 if it is being stopped.
 */
static int
apply_wait(struct sequencer *seq, int64_t index, int delay_ms)
{
	struct timespec until;
	int stopping;

	clock_deadline(&until, delay_ms);
	pthread_mutex_lock(&seq->mu);
	if (seq->trouble == 0)
		log_warnx("the store cannot apply the log from index %lld "
			  "(see above): writes are refused and reads answer "
			  "from "
			  "what it holds until it can; trying again",
		    (long long)index);
	seq->trouble = index + 1;
	while (!seq->applier_stopping &&
	    pthread_cond_timedwait(&seq->apply_cv, &seq->mu, &until) !=
		ETIMEDOUT)
		;
	stopping = seq->applier_stopping;
	pthread_mutex_unlock(&seq->mu);
	return stopping;
}

/*
 * The applier: applies durable batches to the store, several in one
 * transaction when it has fallen behind, then publishes the store's new
 * applied size and completes the requests that waited for it. When the
 * store fails (a full disk: SQLITE_FULL), nothing is lost: the entries are
 * in the log; the transaction is rolled back and tried again, every
 * APPLY_RETRY_MIN_MS doubling to APPLY_RETRY_MAX_MS, while the server
 * refuses writes (sequencer_trouble) and serves what the store holds
 * (docs/reliability.md, defect 6). Stopped meanwhile, it leaves the rest
 * to the next start's catch-up from the log.
 */
#define APPLY_RETRY_MIN_MS 250
#define APPLY_RETRY_MAX_MS 5000

/*
 * Drops the kept batches the follower has passed (their entries all below
 * below), and the oldest while more than APPLIED_KEEP_MAX entries are
 * kept, under mu. Those no hold keeps go on *gone, for batch_free outside
 * the lock.
 */
static void
keep_trim(struct sequencer *seq, int64_t below, struct apply_batch **gone)
{
	struct apply_batch *b;

	while ((b = seq->dhead) != NULL &&
	    (b->items[b->n - 1].index < below ||
		seq->dheld > APPLIED_KEEP_MAX)) {
		if ((seq->dhead = b->next) == NULL)
			seq->dtail = NULL;
		seq->dheld -= b->n;
		b->next = NULL;
		if (--b->refs == 0) {
			b->next = *gone;
			*gone = b;
		}
	}
}

/* Frees the batches of list (linked by next). */
static void
batch_free_list(struct apply_batch *list)
{
	struct apply_batch *next;

	for (; list != NULL; list = next) {
		next = list->next;
		batch_free(list);
	}
}

static void *
apply_run(void *arg)
{
	struct sequencer *seq = arg;
	struct apply_batch *list, *b, *next, *gone = NULL;
	struct seq_request *r, *rn, *waiters = NULL, **wtail;
	int delay, status;

	for (;;) {
		pthread_mutex_lock(&seq->mu);
		while (
		    seq->ahead == NULL && !seq->applier_stopping && !seq->warm)
			pthread_cond_wait(&seq->apply_cv, &seq->mu);
		if (seq->warm && seq->ahead == NULL && !seq->applier_stopping) {
			seq->warm = 0;
			pthread_mutex_unlock(&seq->mu);
			/* An error is tried again by the first entry. */
			store_prepare_fusion(seq->store);
			continue;
		}
		seq->warm = 0;
		list = seq->ahead;
		seq->ahead = seq->atail = NULL;
		pthread_mutex_unlock(&seq->mu);
		if (list == NULL)
			break;
		status = 0;
		for (delay = APPLY_RETRY_MIN_MS; apply_list(seq, list) == -1;
		     delay = delay * 2 > APPLY_RETRY_MAX_MS ? APPLY_RETRY_MAX_MS
							    : delay * 2)
			if (apply_wait(seq, list->items[0].index, delay)) {
				status = -1;
				break;
			}
		/* The requests that waited, in batch order, taken off their
		   batches before these may be kept for the follower. */
		wtail = &waiters;
		for (b = list; b != NULL; b = b->next) {
			*wtail = b->waiters;
			while (*wtail != NULL)
				wtail = &(*wtail)->next;
			b->waiters = NULL;
		}
		for (b = list; b->next != NULL; b = b->next)
			;
		pthread_mutex_lock(&seq->mu);
		if (status == 0) {
			if (seq->trouble > 0)
				log_info("the store applies the log again, up "
					 "to index %lld",
				    (long long)b->size - 1);
			seq->trouble = 0;
			seq->applied = b->size;
			if (seq->keep) {
				for (b = list; b != NULL; b = b->next) {
					b->refs = 1;
					seq->dheld += b->n;
				}
				if (seq->dtail != NULL)
					seq->dtail->next = list;
				else
					seq->dhead = list;
				for (b = list; b->next != NULL; b = b->next)
					;
				seq->dtail = b;
				list = NULL; /* the kept list's now */
				keep_trim(seq, -1, &gone);
			}
			pthread_cond_broadcast(&seq->applied_cv);
		}
		pthread_mutex_unlock(&seq->mu);
		for (r = waiters; r != NULL; r = rn) {
			rn = r->next;
			r->done(r, status, r->arg);
		}
		waiters = NULL;
		for (b = list; b != NULL; b = next) {
			next = b->next;
			batch_free(b);
		}
		batch_free_list(gone);
		gone = NULL;
	}
	return NULL;
}

int64_t
sequencer_trouble(struct sequencer *seq)
{
	int64_t t;

	pthread_mutex_lock(&seq->mu);
	t = seq->trouble - 1;
	pthread_mutex_unlock(&seq->mu);
	return t;
}

/* Stops the applier (when it runs: it drains what is queued first) and
 * frees seq; the sequencer thread must be stopped already. */
static void
finish(struct sequencer *seq, int applier_runs)
{
	if (applier_runs) {
		pthread_mutex_lock(&seq->mu);
		seq->applier_stopping = 1;
		pthread_cond_broadcast(&seq->apply_cv);
		pthread_mutex_unlock(&seq->mu);
		pthread_join(seq->applier, NULL);
	}
	/* The follower holds none by now (it stops first). */
	batch_free_list(seq->dhead);
	idmap_free(seq->ids);
	pthread_mutex_destroy(&seq->mu);
	pthread_cond_destroy(&seq->cv);
	pthread_cond_destroy(&seq->apply_cv);
	pthread_cond_destroy(&seq->applied_cv);
	free(seq);
}

struct sequencer *
sequencer_start(struct entrylog *log, struct store *store, sequencer_hook hook,
    void *hook_ctx)
{
	struct sequencer *seq;
	int have_thread = 0;

	if ((seq = calloc(1, sizeof(*seq))) == NULL)
		return NULL;
	seq->log = log;
	seq->store = store;
	seq->hook = hook;
	seq->hook_ctx = hook_ctx;
	seq->logged = seq->applied = entrylog_size(log);
	pthread_mutex_init(&seq->mu, NULL);
	pthread_cond_init(&seq->cv, NULL);
	pthread_cond_init(&seq->apply_cv, NULL);
	pthread_cond_init(&seq->applied_cv, NULL);
	if ((seq->ids = idmap_new()) == NULL ||
	    store_observation_ids(store, load_id, seq) == -1 || seq->stopping) {
		log_warnx("cannot load the observation ids into memory");
		goto fail;
	}
	if (pthread_create(&seq->applier, NULL, apply_run, seq) != 0)
		goto fail;
	have_thread = 1;
	if (pthread_create(&seq->thread, NULL, run, seq) != 0)
		goto fail;
	/* Named for top -H and the benchmark's per-thread CPU figures. */
	pthread_setname_np(seq->thread, "sequencer");
	pthread_setname_np(seq->applier, "applier");
	return seq;
fail:
	log_warnx("cannot start the sequencer");
	finish(seq, have_thread);
	return NULL;
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

void
sequencer_keep_applied(struct sequencer *seq)
{
	pthread_mutex_lock(&seq->mu);
	seq->keep = 1;
	pthread_mutex_unlock(&seq->mu);
}

int
sequencer_applied_get(struct sequencer *seq, int64_t index,
    struct seq_applied *out)
{
	struct apply_batch *b, *gone = NULL;
	struct apply_item *it;
	int rc = 0;

	pthread_mutex_lock(&seq->mu);
	keep_trim(seq, index, &gone);
	if ((b = seq->dhead) != NULL && index >= b->items[0].index &&
	    index - b->items[0].index < (int64_t)b->n) {
		it = &b->items[index - b->items[0].index];
		if (it->id != NULL && it->index == index) {
			out->index = index;
			out->bytes = it->bytes;
			out->len = it->len;
			out->entry = it->entry;
			out->id = it->id;
			out->placed =
			    it->placed.index == index ? &it->placed : NULL;
			out->hold = b;
			b->refs++;
			rc = 1;
		}
	}
	pthread_mutex_unlock(&seq->mu);
	batch_free_list(gone);
	return rc;
}

void
sequencer_applied_passed(struct sequencer *seq, int64_t below)
{
	struct apply_batch *gone = NULL;

	pthread_mutex_lock(&seq->mu);
	keep_trim(seq, below, &gone);
	pthread_mutex_unlock(&seq->mu);
	batch_free_list(gone);
}

void
sequencer_applied_put(struct sequencer *seq, struct seq_applied *a)
{
	struct apply_batch *b = a->hold;
	int last;

	if (b == NULL)
		return;
	a->hold = NULL;
	pthread_mutex_lock(&seq->mu);
	last = --b->refs == 0;
	pthread_mutex_unlock(&seq->mu);
	if (last)
		batch_free(b);
}

void
sequencer_warm(struct sequencer *seq)
{
	pthread_mutex_lock(&seq->mu);
	seq->warm = 1;
	pthread_cond_signal(&seq->apply_cv);
	pthread_mutex_unlock(&seq->mu);
}

int
sequencer_wait_applied(struct sequencer *seq, int64_t size, int timeout_ms)
{
	struct timespec until;
	int rc = 0;

	clock_deadline(&until, timeout_ms);
	pthread_mutex_lock(&seq->mu);
	while (seq->applied < size && rc == 0)
		if (pthread_cond_timedwait(&seq->applied_cv, &seq->mu,
			&until) == ETIMEDOUT)
			rc = seq->applied < size ? -1 : 0;
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
	/* The applier drains what the sequencer logged, then stops. */
	finish(seq, 1);
}
