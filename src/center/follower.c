/*
 * follower: the thread that follows the writer's applied size for a read
 * server (see follower.h).
 */
#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "center/follower.h"
#include "common/clock.h"
#include "common/file.h"
#include "common/log.h"
#include "ledger/checkpointer.h"
#include "ledger/entrylog.h"
#include "store/store.h"
#include "tlog/checkpoint.h"

/* A joint checkpoint file is a few KiB; refuse anything far larger. */
#define JOINT_MAX (2 * CHECKPOINT_TEXT_MAX)

struct follower {
	struct entrylog *log;
	struct store_pool *readers;
	struct checkpointer *cp;
	char joint_path[PATH_MAX];
	int64_t poll_ms;
	pthread_t thread;
	int started;
	pthread_mutex_t mu;
	pthread_cond_t grew; /* applied rose (waiters) or stop was set */
	int64_t applied;     /* under mu */
	int stop;	     /* under mu */
	char trouble[256];   /* under mu; "" when the last step succeeded */
	/* The thread's own: the joint checkpoint file last published. */
	struct stat joint_st;
	int64_t joint_size;
};

/* 1 if a and b are the same version of one file. */
static int
same_file(const struct stat *a, const struct stat *b)
{
	return a->st_ino == b->st_ino && a->st_size == b->st_size &&
	    a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	    a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/*
 * Publishes the joint checkpoint file when it changed, the store has
 * applied its size and its root is the log's at that size; otherwise
 * leaves the one published (a newer file is looked at again next time).
 */
static void
follow_joint(struct follower *f, int64_t applied)
{
	struct checkpoint *ck = NULL;
	struct stat st;
	uint8_t root[32];
	char *note = NULL, err[256];
	const char *end;
	size_t len;
	int64_t size;

	if (stat(f->joint_path, &st) == -1 || same_file(&st, &f->joint_st))
		return;
	if (file_read_all(f->joint_path, JOINT_MAX, &note, &len, err,
		sizeof(err)) == -1) {
		log_warnx("read server: %s", err);
		goto done;
	}
	if ((end = strstr(note, "\n\n")) == NULL ||
	    (ck = checkpoint_parse((const uint8_t *)note,
		 (size_t)(end - note) + 1, err, sizeof(err))) == NULL)
		goto done; /* being replaced: rename(2) makes that rare */
	size = checkpoint_size(ck);
	if (size > applied)
		goto done; /* not yet: the store has not applied it */
	if (size > f->joint_size &&
	    (entrylog_root(f->log, size, root) == -1 ||
		memcmp(root, checkpoint_root(ck), sizeof(root)) != 0)) {
		log_warnx("read server: %s of size %lld does not match the "
			  "log's root there; not served",
		    f->joint_path, (long long)size);
		f->joint_st = st;
		goto done;
	}
	if (size > f->joint_size &&
	    checkpointer_publish(f->cp, note, size) == -1)
		goto done;
	if (size > f->joint_size)
		f->joint_size = size;
	f->joint_st = st;
done:
	checkpoint_free(ck);
	free(note);
}

/* One step: read the applied size, follow it. 0, or -1 with why. */
static int
follow_step(struct follower *f, char *why, size_t len)
{
	struct store *s;
	int64_t applied, have;
	int rc;

	/* A SQLite `truce rebuild` renames a new store.db over the one
	   opened: the connections move to it as they are next taken. */
	if (store_pool_refresh(f->readers) == 1)
		log_info("read server: the store was replaced (a rebuild); "
			 "reading the new one");
	s = store_pool_get(f->readers);
	rc = store_applied_size(s, &applied);
	store_pool_put(f->readers, s);
	if (rc == -1) {
		snprintf(why, len, "cannot read the store's applied size");
		return -1;
	}
	pthread_mutex_lock(&f->mu);
	have = f->applied;
	pthread_mutex_unlock(&f->mu);
	if (applied < have) {
		/* Emptied and replaying (truce rebuild on PostgreSQL), or
		   another store: its rows are not those of `have` entries. */
		snprintf(why, len,
		    "the store's applied size fell from %lld to %lld (is it "
		    "being rebuilt?); reads are refused until it is back",
		    (long long)have, (long long)applied);
		return -1;
	}
	if (applied > have) {
		if (entrylog_follow(f->log, applied) == -1) {
			snprintf(why, len,
			    "the store has applied %lld entries "
			    "but the log beside it holds fewer",
			    (long long)applied);
			return -1;
		}
		pthread_mutex_lock(&f->mu);
		f->applied = applied;
		pthread_cond_broadcast(&f->grew);
		pthread_mutex_unlock(&f->mu);
		have = applied;
	}
	follow_joint(f, have);
	return 0;
}

static void *
follow_main(void *arg)
{
	struct follower *f = arg;
	struct timespec ts;
	char why[256];
	int rc;

	pthread_mutex_lock(&f->mu);
	while (!f->stop) {
		pthread_mutex_unlock(&f->mu);
		why[0] = '\0';
		rc = follow_step(f, why, sizeof(why));
		pthread_mutex_lock(&f->mu);
		if (rc == -1 && strcmp(why, f->trouble) != 0)
			log_warnx("read server: %s", why);
		snprintf(f->trouble, sizeof(f->trouble), "%s",
		    rc == -1 ? why : "");
		if (f->stop)
			break;
		clock_deadline(&ts, f->poll_ms);
		(void)pthread_cond_timedwait(&f->grew, &f->mu, &ts);
	}
	pthread_mutex_unlock(&f->mu);
	return NULL;
}

struct follower *
follower_start(struct entrylog *log, struct store_pool *readers,
    struct checkpointer *cp, const char *joint_path, int64_t poll_ms, char *err,
    size_t errlen)
{
	struct follower *f;

	if ((f = calloc(1, sizeof(*f))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	f->log = log;
	f->readers = readers;
	f->cp = cp;
	f->poll_ms = poll_ms;
	snprintf(f->joint_path, sizeof(f->joint_path), "%s", joint_path);
	pthread_mutex_init(&f->mu, NULL);
	pthread_cond_init(&f->grew, NULL);
	if (follow_step(f, err, errlen) == -1)
		goto fail;
	if (pthread_create(&f->thread, NULL, follow_main, f) != 0) {
		snprintf(err, errlen, "cannot start the follower thread");
		goto fail;
	}
	f->started = 1;
	return f;
fail:
	follower_stop(f);
	return NULL;
}

int64_t
follower_size(struct follower *f)
{
	int64_t n;

	pthread_mutex_lock(&f->mu);
	n = f->applied;
	pthread_mutex_unlock(&f->mu);
	return n;
}

int
follower_wait(struct follower *f, int64_t size, int64_t timeout_ms)
{
	struct timespec ts;
	int rc = 0;

	clock_deadline(&ts, timeout_ms);
	pthread_mutex_lock(&f->mu);
	while (f->applied < size && !f->stop && rc != ETIMEDOUT)
		rc = pthread_cond_timedwait(&f->grew, &f->mu, &ts);
	rc = f->applied >= size ? 0 : -1;
	pthread_mutex_unlock(&f->mu);
	return rc;
}

int
follower_trouble(struct follower *f, char *why, size_t len)
{
	int bad;

	pthread_mutex_lock(&f->mu);
	bad = f->trouble[0] != '\0';
	if (bad)
		snprintf(why, len, "%s", f->trouble);
	pthread_mutex_unlock(&f->mu);
	return bad;
}

void
follower_stop(struct follower *f)
{
	if (f == NULL)
		return;
	if (f->started) {
		pthread_mutex_lock(&f->mu);
		f->stop = 1;
		pthread_cond_broadcast(&f->grew);
		pthread_mutex_unlock(&f->mu);
		pthread_join(f->thread, NULL);
	}
	pthread_cond_destroy(&f->grew);
	pthread_mutex_destroy(&f->mu);
	free(f);
}
