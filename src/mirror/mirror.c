/*
 * mirror: a member's verified copy of a center's log and store (mirror.h,
 * docs/mirror.md). The checks are the audit's (audit_verify_joint,
 * audit_parse_proof) and tlog/'s; the log is the center's entry log and
 * the replay that of `truce rebuild` (center_replayer_run).
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "audit/audit.h"
#include "audit/fetch.h"
#include "center/center.h"
#include "center/config.h"
#include "common/file.h"
#include "common/log.h"
#include "common/num.h"
#include "ledger/checkpointer.h"
#include "ledger/entrylog.h"
#include "mirror/mirror.h"
#include "record/geography.h"
#include "record/timefmt.h"
#include "server/server.h"
#include "store/store.h"
#include "tlog/merkle.h"
#include "tlog/note.h"
#include "tlog/tile.h"

#define MAX_NOTE NOTE_MAX_SIZE
#define MAX_TILE TILE_FULL_BYTES
#define MAX_BUNDLE ((size_t)TILE_WIDTH * (2 + TILE_ENTRY_MAX))
#define COMMIT_EVERY 1000 /* entries per store commit in a replay */
#define APPEND_BUNDLES 16 /* checked bundles per append (and fdatasync) */
#define AHEAD 8		  /* bundles whose tile and entries are in flight */
#define CONNECTIONS 4	  /* to the center, kept alive */

struct mirror {
	const struct mirror_options *o;
	struct mirror_summary *sum;
	char *err;
	size_t errlen;
	struct audit_keys keys;
	struct fetch *f;
	struct entrylog *log;
	struct store *store;
	struct center_replayer *rp; /* the replay's geographies */
	/* The held checkpoint (size 0: none yet). */
	char *held_note;
	size_t held_len;
	int64_t held_size;
	uint8_t held_root[MERKLE_HASH_SIZE];
	/* The center's joint checkpoint of this round. */
	char *note;
	size_t note_len;
	int64_t size;
	uint8_t root[MERKLE_HASH_SIZE];
	int64_t kill_after;   /* tests: SIGKILL after this applied size */
	int64_t kill_fetched; /* tests: SIGKILL before the root check once
				 this many entries are appended */
	/* Checked bundles waiting to be appended together: their bodies
	   (owned) and the new entries, which point into them. */
	uint8_t *bodies[APPEND_BUNDLES];
	size_t nbodies;
	struct entrylog_entry pending[APPEND_BUNDLES * TILE_WIDTH];
	size_t npending;
	/* Bundles fetched ahead (catch_up): slot n % AHEAD holds bundle n's
	   hash tile and entries once they arrive; next: the first bundle
	   not queued yet, end: the round's last bundle + 1. */
	struct ahead {
		int64_t n; /* -1: free */
		int have;  /* 1: the tile, 2: the entries */
		struct fetch_reply tile, bundle;
	} ahead[AHEAD];
	int64_t ahead_next, ahead_end;
	/* --listen: the center's server over DIR, read-only. */
	struct center *view;
	struct server *srv;
};

static int __attribute__((format(printf, 3, 4)))
fail(struct mirror *m, enum mirror_outcome kind, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m->err, m->errlen, fmt, ap);
	va_end(ap);
	m->sum->outcome = kind;
	return -1;
}

/* CPU seconds this process has used (user + system, every thread). */
static double
cpu_seconds(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) == -1)
		return 0;
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* The store's backend (--store), opened as the center opens its own
 * (store_open(cfg.store, DIR/store.db)). */
static const char *
backend(const struct mirror *m)
{
	return m->o->store != NULL ? m->o->store : "sqlite";
}

/* DIR/name into out (PATH_MAX); -1 when it does not fit. */
static int
path_of(struct mirror *m, const char *name, char *out)
{
	if ((size_t)snprintf(out, PATH_MAX, "%s/%s", m->o->dir, name) >=
	    PATH_MAX)
		return fail(m, MIRROR_USAGE, "DIR: longer than %d bytes",
		    PATH_MAX - 64);
	return 0;
}

/*
 * Checks a reply as the audit does (audit_reply_check). Unlike the audit,
 * a mirror does not count an error answer against the center: whatever
 * the status, it is retried at the next round (or ends --once with exit 3),
 * since only what the mirror can prove (a fork, a rollback, a rewritten
 * entry) is kept as evidence and stops it.
 */
static int
reply_ok(struct mirror *m, const struct fetch_reply *r, const char *what)
{
	if (audit_reply_check(r, what, m->err, m->errlen) == AUDIT_OK)
		return 0;
	m->sum->outcome = MIRROR_INCOMPLETE;
	return -1;
}

/* Parses the keys and the quorum, with the audit's code. */
static int
setup_keys(struct mirror *m)
{
	const struct mirror_options *o = m->o;
	char why[512];

	if (audit_keys_parse(&m->keys, o->log_key, o->witness_keys,
		o->nwitness_keys, o->quorum, why, sizeof(why)) == -1)
		return fail(m, MIRROR_USAGE, "%s", why);
	return 0;
}

/* Verifies a joint checkpoint note; sets *size and root. */
static int
verify_note(struct mirror *m, const char *what, const uint8_t *note, size_t len,
    int64_t *size, uint8_t root[MERKLE_HASH_SIZE])
{
	char why[1024];
	size_t have;

	if (audit_verify_joint(note, len, m->keys.log_v,
		(const struct note_verifier *const *)m->keys.wit_v,
		m->keys.nwit, m->keys.quorum, size, root, &have, why,
		sizeof(why)) == -1)
		return fail(m, MIRROR_REFUSED, "%s: %s", what, why);
	if (*size > AUDIT_MAX_ENTRIES)
		return fail(m, MIRROR_INCOMPLETE,
		    "%s: size %lld is over the mirror's limit of %lld entries",
		    what, (long long)*size, (long long)AUDIT_MAX_ENTRIES);
	return 0;
}

/* Writes one file of an evidence folder; errors are reported, not fatal. */
static void
keep(const char *folder, const char *name, const void *data, size_t len)
{
	char path[PATH_MAX], why[PATH_MAX + 128];

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", folder, name) >=
	    sizeof(path)) {
		log_warnx("evidence %s: path too long", name);
		return;
	}
	if (file_write_atomic(path, data, len, 0600, 0, why, sizeof(why)) == -1)
		log_warnx("evidence: %s", why);
}

/*
 * Records a refusal: DIR/evidence/<kind>-<ms>/ with both checkpoints, the
 * conflicting bytes (name1: data1[0..len1-1]; name2: the NUL-terminated
 * data2; either name may be NULL) and the reason, then
 * DIR/refused naming it. Returns -1 (MIRROR_REFUSED) for the caller.
 */
static int __attribute__((format(printf, 8, 9)))
refuse(struct mirror *m, const char *kind, const char *name1, const void *data1,
    size_t len1, const char *name2, const void *data2, const char *fmt, ...)
{
	char folder[PATH_MAX], path[PATH_MAX], why[2048], msg[PATH_MAX + 64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (path_of(m, "evidence", path) == -1)
		return -1;
	if (mkdir(path, 0700) == -1 && errno != EEXIST)
		log_warn("mkdir %s", path);
	if ((size_t)snprintf(folder, sizeof(folder), "%s/%s-%lld", path, kind,
		(long long)timefmt_now_ms()) >= sizeof(folder) ||
	    mkdir(folder, 0700) == -1) {
		log_warn("evidence folder %s", folder);
		folder[0] = '\0';
	}
	if (folder[0] != '\0') {
		if (m->held_note != NULL)
			keep(folder, "held.checkpoint", m->held_note,
			    m->held_len);
		if (m->note != NULL)
			keep(folder, "center.checkpoint", m->note, m->note_len);
		if (name1 != NULL)
			keep(folder, name1, data1, len1);
		if (name2 != NULL) /* a NUL-terminated entry */
			keep(folder, name2, data2, strlen(data2));
		keep(folder, "reason", why, strlen(why));
		snprintf(msg, sizeof(msg), "%s\n", folder);
		keep(m->o->dir, "refused", msg, strlen(msg));
		file_sync_dir(m->o->dir);
	}
	snprintf(m->sum->evidence, sizeof(m->sum->evidence), "%s", folder);
	return fail(m, MIRROR_REFUSED, "%s; evidence kept in %s", why,
	    folder[0] != '\0' ? folder : "(nowhere: see above)");
}

/* Loads DIR/checkpoint (verified) into held_*; absent: size 0. */
static int
load_held(struct mirror *m)
{
	char path[PATH_MAX], why[PATH_MAX + 128];

	if (path_of(m, "checkpoint", path) == -1)
		return -1;
	if (access(path, F_OK) == -1 && errno == ENOENT) {
		m->held_size = 0;
		return 0;
	}
	if (file_read_all(path, MAX_NOTE, &m->held_note, &m->held_len, why,
		sizeof(why)) == -1)
		return fail(m, MIRROR_INCOMPLETE, "%s", why);
	return verify_note(m, path, (const uint8_t *)m->held_note, m->held_len,
	    &m->held_size, m->held_root);
}

/* Opens DIR/log against the held checkpoint and cuts unverified entries. */
static int
open_log(struct mirror *m)
{
	struct entrylog_anchor a;
	char path[PATH_MAX];

	memset(&a, 0, sizeof(a));
	a.size = m->held_size;
	memcpy(a.root, m->held_root, sizeof(a.root));
	snprintf(a.what, sizeof(a.what), "the mirror's checkpoint");
	if (path_of(m, "log", path) == -1)
		return -1;
	if ((m->log = entrylog_open(path, 1, &a, m->held_size > 0)) == NULL)
		return fail(m, MIRROR_INCOMPLETE,
		    "cannot open the mirror's log %s (see above)", path);
	if (entrylog_size(m->log) > m->held_size &&
	    entrylog_unappend(m->log, m->held_size) == -1)
		return fail(m, MIRROR_INCOMPLETE,
		    "cannot cut the unverified entries after %lld",
		    (long long)m->held_size);
	return 0;
}

/* The center's joint checkpoint of this round into note, size, root. */
static int
fetch_joint(struct mirror *m)
{
	struct fetch_reply r;
	int rc = -1;

	free(m->note);
	m->note = NULL;
	if (fetch_get(m->f, "/checkpoint", MAX_NOTE, &r) == -1)
		return fail(m, MIRROR_INCOMPLETE, "checkpoint: %s", r.error);
	if (reply_ok(m, &r, "checkpoint") == -1 ||
	    verify_note(m, "checkpoint", r.body, r.len, &m->size, m->root) ==
		-1)
		goto done;
	if ((m->note = strndup((const char *)r.body, r.len)) == NULL) {
		fail(m, MIRROR_INCOMPLETE, "out of memory");
		goto done;
	}
	m->note_len = r.len;
	rc = 0;
done:
	free(r.body);
	return rc;
}

/* The held and the center's checkpoints must be one history. */
static int
check_consistent(struct mirror *m)
{
	uint8_t proof[MERKLE_MAX_PROOF][MERKLE_HASH_SIZE];
	struct fetch_reply r;
	char path[128], why[FETCH_URL_MAX + 512];
	enum audit_outcome k;
	size_t plen;
	int rc = -1;

	if (m->size < m->held_size)
		return refuse(m, "rollback", NULL, NULL, 0, NULL, NULL,
		    "rolled back: the center's joint checkpoint has %lld "
		    "entries, the mirror holds a joint checkpoint of %lld "
		    "(entry %lld is the first missing)",
		    (long long)m->size, (long long)m->held_size,
		    (long long)m->size);
	if (m->size == m->held_size) {
		if (memcmp(m->root, m->held_root, MERKLE_HASH_SIZE) == 0)
			return 0;
		return refuse(m, "fork", NULL, NULL, 0, NULL, NULL,
		    "fork: the center's joint checkpoint of size %lld has "
		    "another root than the one the mirror holds",
		    (long long)m->size);
	}
	if (m->held_size == 0)
		return 0;
	snprintf(path, sizeof(path),
	    "/v1/log/proof/consistency?from=%lld&to=%lld",
	    (long long)m->held_size, (long long)m->size);
	memset(&r, 0, sizeof(r));
	k = audit_get_proof(m->f, path, "consistency proof", proof, &plen, &r,
	    why, sizeof(why));
	if (k == AUDIT_FAILED && r.status == 200) {
		/* An answer that is no proof: evidence. */
		refuse(m, "fork", "consistency.json", r.body, r.len, NULL, NULL,
		    "consistency proof %lld -> %lld: %s",
		    (long long)m->held_size, (long long)m->size, why);
		goto done;
	}
	if (k != AUDIT_OK) { /* an error answer: retried (reply_ok) */
		fail(m, MIRROR_INCOMPLETE, "%s", why);
		goto done;
	}
	if (merkle_verify_consistency(m->held_size, m->size,
		(const uint8_t(*)[MERKLE_HASH_SIZE])proof, plen, m->held_root,
		m->root) != 0) {
		refuse(m, "fork", "consistency.json", r.body, r.len, NULL, NULL,
		    "fork: the center's checkpoint of size %lld is not "
		    "consistent with the mirror's of size %lld (the "
		    "consistency proof does not verify: history rewritten)",
		    (long long)m->size, (long long)m->held_size);
		goto done;
	}
	rc = 0;
done:
	free(r.body);
	return rc;
}

/* The path of tile t ("/tile/0/005.p/170") into path (TILE_PATH_MAX + 1). */
static int
tile_url(struct mirror *m, const struct tile *t, char *path)
{
	char p[TILE_PATH_MAX];

	if (tile_path_format(t, p, sizeof(p)) == -1)
		return fail(m, MIRROR_INCOMPLETE, "tile %lld: bad path",
		    (long long)t->n);
	snprintf(path, TILE_PATH_MAX + 1, "/%s", p);
	return 0;
}

/*
 * Queues the hash tiles and entry bundles of the round's bundles up to
 * (not including) upto, AHEAD at most in flight, so that the center and
 * the network work while the mirror checks and appends.
 */
static int
queue_ahead(struct mirror *m, int64_t upto)
{
	struct ahead *a;
	struct tile t;
	char path[TILE_PATH_MAX + 1], why[256];

	for (; m->ahead_next < upto && m->ahead_next < m->ahead_end;
	     m->ahead_next++) {
		a = &m->ahead[m->ahead_next % AHEAD];
		if (a->n != -1)
			break; /* still held: queued when it is taken */
		if (tile_for_size(0, m->ahead_next, m->size, &t) == -1)
			return fail(m, MIRROR_INCOMPLETE, "no tile %lld",
			    (long long)m->ahead_next);
		a->n = m->ahead_next;
		a->have = 0;
		if (tile_url(m, &t, path) == -1)
			return -1;
		if (fetch_queue(m->f, path, MAX_TILE, &a->tile, why,
			sizeof(why)) == -1)
			return fail(m, MIRROR_INCOMPLETE, "%s: %s", path, why);
		t.level = TILE_LEVEL_ENTRIES;
		if (tile_url(m, &t, path) == -1)
			return -1;
		if (fetch_queue(m->f, path, MAX_BUNDLE, &a->bundle, why,
			sizeof(why)) == -1)
			return fail(m, MIRROR_INCOMPLETE, "%s: %s", path, why);
	}
	return 0;
}

/* Files a reply that came in under its bundle's slot. */
static void
file_reply(struct mirror *m, struct fetch_reply *r)
{
	size_t i;

	for (i = 0; i < AHEAD; i++) {
		if (r->tag == &m->ahead[i].tile) {
			m->ahead[i].tile = *r;
			m->ahead[i].have |= 1;
			return;
		}
		if (r->tag == &m->ahead[i].bundle) {
			m->ahead[i].bundle = *r;
			m->ahead[i].have |= 2;
			return;
		}
	}
	free(r->body); /* not ours: cannot happen */
}

/*
 * Bundle n's hash tile and entries into *h and *b (the caller frees their
 * bodies), queuing the next ones first. -1 when they could not be queued
 * or a transfer was lost.
 */
static int
take_ahead(struct mirror *m, int64_t n, struct fetch_reply *h,
    struct fetch_reply *b)
{
	struct ahead *a = &m->ahead[n % AHEAD];
	struct fetch_reply r;

	if (queue_ahead(m, n + AHEAD) == -1)
		return -1;
	if (a->n != n)
		return fail(m, MIRROR_INCOMPLETE, "bundle %lld: not queued",
		    (long long)n);
	while (a->have != 3) {
		if (fetch_next(m->f, &r) == 0)
			return fail(m, MIRROR_INCOMPLETE,
			    "bundle %lld: transfer lost", (long long)n);
		file_reply(m, &r);
	}
	*h = a->tile;
	*b = a->bundle;
	memset(a, 0, sizeof(*a));
	a->n = -1;
	return queue_ahead(m, n + AHEAD);
}

/* Waits for what is still in flight and frees it (the end of a round). */
static void
drain_ahead(struct mirror *m)
{
	struct fetch_reply r;
	size_t i;

	while (fetch_next(m->f, &r) == 1)
		file_reply(m, &r);
	for (i = 0; i < AHEAD; i++) {
		if (m->ahead[i].have & 1)
			free(m->ahead[i].tile.body);
		if (m->ahead[i].have & 2)
			free(m->ahead[i].bundle.body);
		memset(&m->ahead[i], 0, sizeof(m->ahead[i]));
		m->ahead[i].n = -1;
	}
}

/*
 * Fetches bundle n (up to m->size) and its level-0 tile; entries below
 * the log's size must be the mirror's own, the others must hash to the
 * tile; those wait in m->pending (the body kept in m->bodies) for
 * append_pending.
 */
static int
fetch_bundle(struct mirror *m, int64_t n)
{
	struct tile_entry e[TILE_WIDTH];
	struct fetch_reply b, h;
	struct tile t;
	char bpath[TILE_PATH_MAX + 1], hpath[TILE_PATH_MAX + 1], why[256];
	uint8_t leaf[MERKLE_HASH_SIZE], *mine = NULL;
	/* Entries below the log's size are only in the first bundle of a
	   round (the held checkpoint's partial one), before any is pending. */
	int64_t base = n * TILE_WIDTH, have = entrylog_size(m->log), idx;
	size_t mlen;
	int i, rc = -1;

	memset(&b, 0, sizeof(b));
	memset(&h, 0, sizeof(h));
	if (tile_for_size(0, n, m->size, &t) == -1)
		return fail(m, MIRROR_INCOMPLETE, "no tile %lld", (long long)n);
	if (tile_url(m, &t, hpath) == -1)
		return -1;
	t.level = TILE_LEVEL_ENTRIES;
	if (tile_url(m, &t, bpath) == -1 || take_ahead(m, n, &h, &b) == -1)
		goto done;
	if (reply_ok(m, &h, hpath + 1) == -1 ||
	    reply_ok(m, &b, bpath + 1) == -1)
		goto done;
	if (h.len != (size_t)t.width * MERKLE_HASH_SIZE) {
		fail(m, MIRROR_INCOMPLETE, "%s: %zu bytes for %d hashes", hpath,
		    h.len, t.width);
		goto done;
	}
	if (tile_entries_parse(b.body, b.len, t.width, e, why, sizeof(why)) ==
	    -1) {
		refuse(m, "entries", "bundle", b.body, b.len, NULL, NULL,
		    "%s: %s", bpath, why);
		goto done;
	}
	for (i = 0; i < t.width; i++) {
		idx = base + i;
		if (idx < have) {
			/* Held and verified: must not have changed. */
			if (entrylog_read(m->log, idx, &mine, &mlen) == -1) {
				fail(m, MIRROR_INCOMPLETE,
				    "the mirror's entry %lld is unreadable",
				    (long long)idx);
				goto done;
			}
			if (mlen != e[i].len ||
			    memcmp(mine, e[i].data, mlen) != 0) {
				refuse(m, "rewritten", "bundle", b.body, b.len,
				    "held-entry", mine,
				    "rewritten: entry %lld (%s) differs from "
				    "the one the mirror verified",
				    (long long)idx, bpath + 1);
				goto done;
			}
			free(mine);
			mine = NULL;
			continue;
		}
		merkle_leaf_hash(e[i].data, e[i].len, leaf);
		if (memcmp(leaf, h.body + (size_t)i * MERKLE_HASH_SIZE,
			MERKLE_HASH_SIZE) != 0) {
			refuse(m, "entries", "bundle", b.body, b.len, NULL,
			    NULL,
			    "entry %lld (%s): leaf hash does not match %s",
			    (long long)idx, bpath + 1, hpath + 1);
			if (m->sum->evidence[0] != '\0')
				keep(m->sum->evidence, "tile", h.body, h.len);
			goto done;
		}
		m->pending[m->npending].bytes = e[i].data;
		m->pending[m->npending].len = e[i].len;
		m->npending++;
	}
	m->bodies[m->nbodies++] = b.body; /* the entries point into it */
	b.body = NULL;
	rc = 0;
done:
	free(mine);
	free(b.body);
	free(h.body);
	return rc;
}

/* Drops the pending bundles (not appended). */
static void
drop_pending(struct mirror *m)
{
	size_t i;

	for (i = 0; i < m->nbodies; i++)
		free(m->bodies[i]);
	m->nbodies = m->npending = 0;
}

/* Appends the pending entries (one write and fdatasync each file). */
static int
append_pending(struct mirror *m)
{
	int64_t from = entrylog_size(m->log);
	int rc = 0;

	if (m->npending > 0 &&
	    entrylog_append(m->log, m->pending, m->npending) == -1)
		rc = fail(m, MIRROR_INCOMPLETE,
		    "cannot append entries %lld.. to the mirror's log (see "
		    "above)",
		    (long long)from);
	else
		m->sum->fetched += (int64_t)m->npending;
	drop_pending(m);
	return rc;
}

/* Fetches and verifies entries [held_size, size), then saves the note. */
static int
catch_up(struct mirror *m)
{
	uint8_t root[MERKLE_HASH_SIZE];
	char path[PATH_MAX], why[PATH_MAX + 128], r1[MERKLE_BASE64_SIZE],
	    r2[MERKLE_BASE64_SIZE];
	int64_t n;

	m->ahead_next = m->held_size / TILE_WIDTH;
	m->ahead_end = (m->size + TILE_WIDTH - 1) / TILE_WIDTH;
	for (n = m->held_size / TILE_WIDTH; n * TILE_WIDTH < m->size; n++)
		if (fetch_bundle(m, n) == -1 ||
		    (m->nbodies == APPEND_BUNDLES && append_pending(m) == -1))
			goto cut;
	drain_ahead(m);
	if (append_pending(m) == -1)
		goto cut;
	/* Tests only: die as a kill -9 would, fetched but not verified. */
	if (m->kill_fetched > 0 && m->sum->fetched >= m->kill_fetched)
		raise(SIGKILL);
	if (entrylog_root(m->log, m->size, root) == -1) {
		fail(m, MIRROR_INCOMPLETE, "cannot hash the mirror's log");
		goto cut;
	}
	if (memcmp(root, m->root, MERKLE_HASH_SIZE) != 0) {
		merkle_hash_to_base64(root, r1);
		merkle_hash_to_base64(m->root, r2);
		refuse(m, "entries", NULL, NULL, 0, NULL, NULL,
		    "the center's entries up to %lld hash to root %s, its "
		    "checkpoint says %s",
		    (long long)m->size, r1, r2);
		goto cut;
	}
	if (path_of(m, "checkpoint", path) == -1)
		goto cut;
	if (file_write_atomic(path, m->note, m->note_len, 0600, 0, why,
		sizeof(why)) == -1) {
		fail(m, MIRROR_INCOMPLETE, "%s", why);
		goto cut;
	}
	free(m->held_note);
	m->held_note = m->note;
	m->held_len = m->note_len;
	m->note = NULL;
	m->held_size = m->size;
	memcpy(m->held_root, m->root, MERKLE_HASH_SIZE);
	return 0;
cut:
	drain_ahead(m);
	drop_pending(m);
	/* Nothing unverified stays in the log. */
	if (entrylog_size(m->log) > m->held_size)
		entrylog_unappend(m->log, m->held_size);
	return -1;
}

/* Replay progress; the test hook stops the process like a kill -9. */
static void
committed(void *ctx, int64_t applied)
{
	struct mirror *m = ctx;

	log_debug("mirror: replayed up to %lld", (long long)applied);
	if (m->kill_after > 0 && applied >= m->kill_after)
		raise(SIGKILL);
}

/* What a mirror lacking the data of a geography is to do. */
#define GEO_REMEDY                                                         \
	"give the mirror the copy of data/ the center used for them "      \
	"(--geo-data DIR, repeated for each geography the log names, and " \
	"--geo-aliases FILE)"

/*
 * Opens the store, and the replay's geographies once the log holds its
 * genesis entry: the region it names, --geo-data's copies of data/
 * (center_replayer_new: the first one loaded now, the others when a
 * geography entry asks for them).
 */
static int
open_store(struct mirror *m)
{
	struct config cfg;
	json_t *genesis = NULL;
	const char *digest, *region = "none";
	char path[PATH_MAX], why[2048];
	uint8_t *bytes = NULL;
	size_t len;
	int rc = -1, r;

	if (m->store == NULL) {
		if (path_of(m, "store.db", path) == -1)
			goto done;
		if ((m->store = store_open(backend(m), path, 0)) == NULL) {
			fail(m, MIRROR_INCOMPLETE, "cannot open the store %s",
			    store_kind_is_file(backend(m))
				? path
				: "(PostgreSQL, see above)");
			goto done;
		}
	}
	if (m->rp != NULL || entrylog_size(m->log) == 0)
		return 0;
	if (entrylog_read(m->log, 0, &bytes, &len) == -1 ||
	    (genesis = json_loadb((const char *)bytes, len, 0, NULL)) == NULL) {
		fail(m, MIRROR_INCOMPLETE, "entry 0: unreadable");
		goto done;
	}
	if ((r = geography_read(genesis, &digest, &region, why, sizeof(why))) ==
	    -1) {
		fail(m, MIRROR_INCOMPLETE, "entry 0: %s", why);
		goto done;
	}
	config_defaults(&cfg);
	snprintf(cfg.region, sizeof(cfg.region), "%s",
	    r == 1 ? region : "none");
	if (m->o->geo_data != NULL)
		snprintf(cfg.geo_data, sizeof(cfg.geo_data), "%s",
		    m->o->geo_data);
	if (m->o->geo_aliases != NULL)
		snprintf(cfg.geo_aliases, sizeof(cfg.geo_aliases), "%s",
		    m->o->geo_aliases);
	if ((m->rp = center_replayer_new(&cfg, m->o->geo_data_more,
		 m->o->ngeo_data_more, why, sizeof(why))) == NULL) {
		fail(m, MIRROR_USAGE, "geography: %s", why);
		goto done;
	}
	if (m->view != NULL)
		m->view->geo = center_replayer_layers(m->rp);
	rc = 0;
done:
	json_decref(genesis);
	free(bytes);
	return rc;
}

/*
 * Replays what the log holds beyond what the store applied, each entry
 * with the geography the log names for it (center_replayer_run), as the
 * center and `truce rebuild` do.
 */
static int
replay(struct mirror *m)
{
	int64_t applied, t0;
	double c0;
	char why[2048];
	int rc;

	if (open_store(m) == -1)
		return -1;
	if (store_applied_size(m->store, &applied) == -1)
		return fail(m, MIRROR_INCOMPLETE, "the store is unreadable");
	if (applied > entrylog_size(m->log))
		return fail(m, MIRROR_INCOMPLETE,
		    "the store has applied %lld entries, the log holds %lld: "
		    "%s to replay it again",
		    (long long)applied, (long long)entrylog_size(m->log),
		    store_kind_is_file(backend(m))
			? "remove store.db"
			: "give --store a new, empty database (this one is "
			  "another's or ahead)");
	if (applied == entrylog_size(m->log))
		return 0;
	if (center_replayer_check(m->rp, m->log, applied, GEO_REMEDY, why,
		sizeof(why)) == -1)
		return fail(m, MIRROR_USAGE, "%s", why);
	t0 = timefmt_now_ms();
	c0 = cpu_seconds();
	rc = center_replayer_run(m->rp, m->log, m->store, applied, COMMIT_EVERY,
	    committed, m, GEO_REMEDY, why, sizeof(why));
	m->sum->replay_seconds += (double)(timefmt_now_ms() - t0) / 1000;
	m->sum->replay_cpu += cpu_seconds() - c0;
	if (rc == -1)
		return fail(m, MIRROR_INCOMPLETE, "replay: %s", why);
	m->sum->replayed += entrylog_size(m->log) - applied;
	return 0;
}

/* What the server shows: the held checkpoint, once replayed. */
static void
publish(struct mirror *m)
{
	if (m->view != NULL && m->held_note != NULL &&
	    checkpointer_publish(m->view->cp, m->held_note, m->held_size) == -1)
		log_warnx("mirror: out of memory publishing size %lld",
		    (long long)m->held_size);
}

/*
 * --listen: the center's server over a struct center made of the mirror's
 * log, a pool of readers of its store and a checkpointer that only serves
 * the held checkpoint; no sequencer, so the server only reads.
 */
static int
start_server(struct mirror *m)
{
	struct center *c;
	char path[PATH_MAX], why[512];

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return fail(m, MIRROR_INCOMPLETE, "out of memory");
	m->view = c;
	snprintf(c->dir, sizeof(c->dir), "%s", m->o->dir);
	config_defaults(&c->cfg);
	snprintf(c->cfg.origin, sizeof(c->cfg.origin), "%s",
	    note_verifier_name(m->keys.log_v));
	snprintf(c->log_vkey, sizeof(c->log_vkey), "%s", m->o->log_key);
	c->log = m->log;
	c->geo = m->rp != NULL ? center_replayer_layers(m->rp) : NULL;
	if (path_of(m, "store.db", path) == -1)
		return -1;
	if ((c->readers = store_pool_new(backend(m), path,
		 (int)c->cfg.threads + 4)) == NULL)
		return fail(m, MIRROR_INCOMPLETE,
		    "cannot open the store's readers");
	if ((c->cp = checkpointer_follow()) == NULL)
		return fail(m, MIRROR_INCOMPLETE, "out of memory");
	publish(m);
	if ((m->srv = server_start(c, m->o->listen, why, sizeof(why))) == NULL)
		return fail(m, MIRROR_USAGE, "--listen: %s", why);
	printf("truce: mirror of %s (verified size %lld) serving on "
	       "http://%.*s:%u\n",
	    c->cfg.origin, (long long)m->held_size,
	    (int)(strrchr(m->o->listen, ':') - m->o->listen), m->o->listen,
	    (unsigned)server_port(m->srv));
	fflush(stdout);
	return 0;
}

static void
stop_server(struct mirror *m)
{
	if (m->view == NULL)
		return;
	server_stop(m->srv, 5000);
	store_pool_free(m->view->readers);
	checkpointer_stop(m->view->cp);
	free(m->view);
	m->view = NULL;
}

/* Waits seconds (0: until a signal) for SIGINT/SIGTERM; 1 if one came. */
static int
stopped(const sigset_t *set, int seconds)
{
	struct timespec ts;

	ts.tv_sec = seconds;
	ts.tv_nsec = 0;
	if (seconds == 0)
		return sigwaitinfo(set, NULL) > 0;
	return sigtimedwait(set, NULL, &ts) > 0;
}

/* One round: the checkpoint, its consistency, the entries, the replay. */
static int
round_once(struct mirror *m)
{
	int64_t t0 = timefmt_now_ms();
	double c0 = cpu_seconds();
	int rc;

	rc = fetch_joint(m) == -1 || check_consistent(m) == -1 ||
		(m->size > m->held_size && catch_up(m) == -1)
	    ? -1
	    : 0;
	m->sum->fetch_seconds += (double)(timefmt_now_ms() - t0) / 1000;
	m->sum->fetch_cpu += cpu_seconds() - c0;
	if (rc == -1)
		return -1;
	m->sum->size = m->held_size;
	if (replay(m) == -1)
		return -1;
	publish(m);
	return 0;
}

/* Refuses to start while DIR/refused names an earlier refusal. */
static int
check_refused(struct mirror *m)
{
	char path[PATH_MAX], why[PATH_MAX + 128], *text = NULL;
	size_t len;
	int rc;

	if (path_of(m, "refused", path) == -1)
		return -1;
	if (access(path, F_OK) == -1)
		return 0;
	if (file_read_all(path, 4096, &text, &len, why, sizeof(why)) == -1)
		return fail(m, MIRROR_INCOMPLETE, "%s", why);
	if (len > 0 && text[len - 1] == '\n')
		text[len - 1] = '\0';
	snprintf(m->sum->evidence, sizeof(m->sum->evidence), "%s", text);
	rc = fail(m, MIRROR_REFUSED,
	    "the mirror refused the center's log earlier (evidence in %s); "
	    "it applies nothing more until %s is removed",
	    text, path);
	free(text);
	return rc;
}

int
mirror_run(const struct mirror_options *o, struct mirror_summary *s, char *err,
    size_t errlen)
{
	struct mirror m;
	sigset_t set;
	const char *k;
	char why[256];
	int64_t t0 = timefmt_now_ms(), v;
	size_t i;
	int rc = -1, refused = 0;

	memset(&m, 0, sizeof(m));
	memset(s, 0, sizeof(*s));
	for (i = 0; i < AHEAD; i++)
		m.ahead[i].n = -1;
	m.o = o;
	m.sum = s;
	m.err = err;
	m.errlen = errlen;
	err[0] = '\0';
	/* Tests only: die as a kill -9 would, mid-replay or mid-round. */
	if ((k = getenv("TRUCE_MIRROR_KILL_AFTER")) != NULL &&
	    num_parse_i64(k, 1, AUDIT_MAX_ENTRIES, &v, why, sizeof(why)) == 0)
		m.kill_after = v;
	if ((k = getenv("TRUCE_MIRROR_KILL_FETCHED")) != NULL &&
	    num_parse_i64(k, 1, AUDIT_MAX_ENTRIES, &v, why, sizeof(why)) == 0)
		m.kill_fetched = v;
	/* Stopped by SIGINT/SIGTERM between rounds (taken by sigtimedwait,
	   never by the server's threads); a kill at any point is safe. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	if (!o->once)
		pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (setup_keys(&m) == -1)
		goto done;
	if (o->interval < MIRROR_MIN_INTERVAL ||
	    o->interval > MIRROR_MAX_INTERVAL) {
		fail(&m, MIRROR_USAGE, "--interval: %d is not within %d..%d s",
		    o->interval, MIRROR_MIN_INTERVAL, MIRROR_MAX_INTERVAL);
		goto done;
	}
	if (mkdir(o->dir, 0700) == -1 && errno != EEXIST) {
		fail(&m, MIRROR_INCOMPLETE, "mkdir %s: %s", o->dir,
		    strerror(errno));
		goto done;
	}
	if (check_refused(&m) == -1) {
		if (o->listen == NULL || s->outcome != MIRROR_REFUSED)
			goto done;
		refused = 1; /* serve the last good state, apply nothing */
		log_warnx("mirror: REFUSED: %s", err);
	}
	if (load_held(&m) == -1 || open_log(&m) == -1)
		goto done;
	s->size = m.held_size;
	/* A replay cut short (crash, kill) resumes before any fetch. */
	if (replay(&m) == -1)
		goto done;
	if ((m.f = fetch_new(o->url, o->token, CONNECTIONS, why,
		 sizeof(why))) == NULL) {
		fail(&m, MIRROR_USAGE, "%s", why);
		goto done;
	}
	if (o->listen != NULL && start_server(&m) == -1)
		goto done;
	if (refused) {
		(void)stopped(&set, 0);
		goto done;
	}
	for (;;) {
		if (round_once(&m) == 0) {
			if (o->once)
				break;
		} else if (o->once)
			goto done;
		else if (s->outcome != MIRROR_INCOMPLETE) {
			if (m.view == NULL)
				goto done;
			/* Keep serving the last good state. */
			log_warnx("mirror: %s%s; applying nothing more, "
				  "serving size %lld until stopped",
			    s->outcome == MIRROR_REFUSED ? "REFUSED: " : "",
			    err, (long long)m.held_size);
			(void)stopped(&set, 0);
			goto done;
		} else
			log_warnx("mirror: %s; trying again in %d s", err,
			    o->interval);
		s->outcome = MIRROR_OK;
		if (stopped(&set, o->interval))
			break;
	}
	rc = 0;
done:
	stop_server(&m);
	s->seconds = (double)(timefmt_now_ms() - t0) / 1000;
	s->size = m.held_size;
	store_close(m.store);
	center_replayer_free(m.rp);
	entrylog_close(m.log);
	fetch_free(m.f);
	free(m.note);
	free(m.held_note);
	audit_keys_free(&m.keys);
	return rc;
}
