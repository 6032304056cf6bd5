/*
 * entrylog: append-only entries + offsets index with fdatasync and torn-tail
 * recovery (see entrylog.h).
 *
 * Stored hashes are read through a read-only shared mapping of `hashes`
 * (LMDB's model: the page cache is the cache, a read is a memcpy), so a
 * proof costs O(log n) memory reads and no system call. The mapping is
 * made larger than the file (pages past the end of the file are never
 * touched: a reader only reads hashes of entries it has seen published,
 * which the file holds) and doubled when the log outgrows it. An outgrown
 * mapping stays mapped until close, since readers may still be in it
 * without a lock; doubling keeps them all together under twice the final
 * size, in address space only. If a mapping cannot be made, the hashes
 * beyond the current one are read with pread(2) as before.
 */
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/file.h"
#include "common/log.h"
#include "ledger/entrylog.h"
#include "tlog/compact.h"
#include "tlog/merkle.h"

/* The first mapping of `hashes` covers this many bytes; then doubling. */
#define HASH_MAP_MIN (64 * 1024)

static int full_pread(int fd, void *buf, size_t len, off_t off);

/* A mapping of `hashes`, and the one it replaced (unmapped at close). */
struct hash_map {
	const uint8_t *base;
	size_t len;
	struct hash_map *older;
};

struct entrylog {
	int data_fd, index_fd, hash_fd, lock_fd;
	pthread_mutex_t mu;   /* guards size, data_end and map */
	int64_t size;	      /* entries */
	uint64_t data_end;    /* bytes of `entries` in use */
	struct hash_map *map; /* the newest mapping of `hashes`, or NULL */
	char dir[PATH_MAX];
	/* While appending: stored hashes computed but not yet on disk. */
	int64_t pending_base;
	uint8_t (*pending)[MERKLE_HASH_SIZE];
	size_t npending;
	/* Set once a sync fails: the state on disk is unknown from then on
	   (PostgreSQL's lesson: a failed fsync is not retried). */
	char failed[160];
	int nospace;  /* the last append failed for want of space */
	int follower; /* opened by entrylog_open_follower: never appends */
};

/*
 * Reads stored hash index into out: from map when it covers it, else from
 * the file. 0, or -1 (reported) if the read fails.
 */
static int
read_stored(struct entrylog *log, const struct hash_map *map, int64_t index,
    uint8_t out[MERKLE_HASH_SIZE])
{
	uint64_t off = (uint64_t)index * MERKLE_HASH_SIZE;

	if (map != NULL && off + MERKLE_HASH_SIZE <= map->len) {
		memcpy(out, map->base + off, MERKLE_HASH_SIZE);
		return 0;
	}
	if (full_pread(log->hash_fd, out, MERKLE_HASH_SIZE, (off_t)off) == -1) {
		log_warn("log %s: read stored hash %lld", log->dir,
		    (long long)index);
		return -1;
	}
	return 0;
}

/*
 * Makes the newest mapping cover the first need bytes of `hashes`: maps
 * the file anew, twice as large as needed, when it does not. Called by
 * the one thread that writes the log (open, append) before it publishes
 * the size that needs them. A failure is reported and leaves the old
 * mapping (reads past it use pread); it is not an error of the log.
 */
static void
map_hashes(struct entrylog *log, uint64_t need)
{
	struct hash_map *m;
	size_t len = HASH_MAP_MIN;
	void *base;

	if (log->map != NULL && need <= log->map->len)
		return;
	while (len < need && len <= SIZE_MAX / 4)
		len *= 2;
	if (len < need)
		return;
	len *= 2;
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return;
	base = mmap(NULL, len, PROT_READ, MAP_SHARED, log->hash_fd, 0);
	if (base == MAP_FAILED) {
		log_warn("log %s: map %zu bytes of stored hashes", log->dir,
		    len);
		free(m);
		return;
	}
	m->base = base;
	m->len = len;
	pthread_mutex_lock(&log->mu);
	m->older = log->map;
	log->map = m;
	pthread_mutex_unlock(&log->mu);
}

/* merkle_read_fn over the `hashes` file and the pending batch. */
static int
read_hashes(void *ctx, const int64_t *indexes, size_t n,
    uint8_t (*out)[MERKLE_HASH_SIZE])
{
	struct entrylog *log = ctx;
	size_t i;

	for (i = 0; i < n; i++) {
		if (log->pending != NULL && indexes[i] >= log->pending_base) {
			if ((size_t)(indexes[i] - log->pending_base) >=
			    log->npending)
				return -1;
			memcpy(out[i],
			    log->pending[indexes[i] - log->pending_base],
			    MERKLE_HASH_SIZE);
			continue;
		}
		/* The writing thread: only it changes log->map. */
		if (read_stored(log, log->map, indexes[i], out[i]) == -1)
			return -1;
	}
	return 0;
}

/*
 * Computes the stored hashes of records first..first+n-1 (bytes in e) into
 * log->pending, which must have room for merkle_stored_hash_count(first+n)
 * - merkle_stored_hash_count(first) hashes.
 */
static int
hash_records(struct entrylog *log, int64_t first,
    const struct entrylog_entry *e, size_t n)
{
	uint8_t leaf[MERKLE_HASH_SIZE], out[MERKLE_MAX_PROOF][MERKLE_HASH_SIZE];
	size_t i, nout;

	log->pending_base = merkle_stored_hash_count(first);
	log->npending = 0;
	for (i = 0; i < n; i++) {
		merkle_leaf_hash(e[i].bytes, e[i].len, leaf);
		if (merkle_stored_hashes_for_record(first + (int64_t)i, leaf,
			read_hashes, log, out, &nout) == -1)
			return -1;
		memcpy(log->pending[log->npending], out,
		    nout * MERKLE_HASH_SIZE);
		log->npending += nout;
	}
	return 0;
}

static void
put_be64(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--) {
		p[i] = (uint8_t)v;
		v >>= 8;
	}
}

static uint64_t
get_be64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static int
full_pwrite(int fd, const void *buf, size_t len, off_t off)
{
	const uint8_t *p = buf;
	ssize_t w;

	while (len > 0) {
		w = pwrite(fd, p, len, off);
		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		len -= (size_t)w;
		off += w;
	}
	return 0;
}

static int
full_pread(int fd, void *buf, size_t len, off_t off)
{
	uint8_t *p = buf;
	ssize_t r;

	while (len > 0) {
		r = pread(fd, p, len, off);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		len -= (size_t)r;
		off += r;
	}
	return 0;
}

/* Opens dir/name; quiet: a missing file is not reported. */
static int
open_in(const char *dir, const char *name, int flags, int quiet)
{
	char path[PATH_MAX];
	int fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path)) {
		log_warnx("log path too long: %s/%s", dir, name);
		return -1;
	}
	if ((fd = open(path, flags | O_CLOEXEC, 0600)) == -1 &&
	    (errno != ENOENT || !quiet))
		log_warn("open %s", path);
	return fd;
}

/*
 * Opens the derived file name (index or hashes) into *fd, creating it
 * empty (and setting *made) when it is missing: recover() re-derives it
 * (said, unless the log is being created).
 */
static int
open_derived(struct entrylog *log, const char *name, int *fd, int create,
    int *made)
{
	if ((*fd = open_in(log->dir, name, O_RDWR, 1)) != -1)
		return 0;
	if (errno != ENOENT)
		return -1;
	if (!create)
		log_warnx("log %s: %s is missing: re-deriving it from "
			  "entries",
		    log->dir, name);
	*made = 1;
	return (*fd = open_in(log->dir, name, O_RDWR | O_CREAT, 0)) == -1 ? -1
									  : 0;
}

/*
 * Recovery and verification at open (docs/storage.md, "What open checks").
 *
 * `entries` is the log; `index` and `hashes` are derived from it and are
 * re-derived whenever they disagree with it, never the other way round.
 * One sequential pass reads every record of `entries`, recomputes its leaf
 * hash and the tree's stored hashes (tlog/compact.h), and compares them
 * with `index` and `hashes` and, at each anchor's size, the tree's root
 * with the root the log signed. Then, and only when every anchor holds:
 *   - a genuinely torn tail of `entries` is cut: a record cut short by the
 *     end of the file, or a zero length prefix with only zeros after it
 *     (the look of a file extended but never written; entries are never
 *     empty), or, beyond every anchor, any zero length prefix;
 *   - `index` and `hashes` are rewritten from the first place they differ.
 * When an anchor does not hold (the log holds fewer entries than a size it
 * signed, or another root at that size) nothing is changed and the open
 * fails with the first entry that differs: a transparency log must never
 * sign two roots for one size, and an altered log must never be served.
 */
#define SCAN_CHUNK (1 << 20) /* bytes read from a file at a time */

static const uint8_t zero_hash[MERKLE_HASH_SIZE];

/* Writes log->pending at its place in `hashes` (not synced). */
static int
write_hashes(struct entrylog *log)
{
	return full_pwrite(log->hash_fd, log->pending,
	    log->npending * MERKLE_HASH_SIZE,
	    (off_t)log->pending_base * MERKLE_HASH_SIZE);
}

/* Sequential reader of one file, in SCAN_CHUNK pieces. */
struct seqread {
	int fd;
	uint64_t size; /* of the file */
	uint64_t base; /* file offset of buf[0] */
	size_t len;    /* bytes in buf */
	uint8_t *buf;
};

/*
 * Points *p at the n bytes at off (n <= SCAN_CHUNK, off + n <= size),
 * reading the chunk that holds them. Offsets must not go backwards by more
 * than the chunk. 0, or -1 on a read error.
 */
static int
seq_at(struct seqread *r, uint64_t off, size_t n, const uint8_t **p)
{
	size_t want;

	if (off < r->base || off + n > r->base + r->len) {
		want = r->size - off < SCAN_CHUNK ? (size_t)(r->size - off)
						  : SCAN_CHUNK;
		if (full_pread(r->fd, r->buf, want, (off_t)off) == -1)
			return -1;
		r->base = off;
		r->len = want;
	}
	*p = r->buf + (off - r->base);
	return 0;
}

/* What the pass over `entries` found. */
struct scan {
	struct entrylog *log;
	struct seqread hashes;
	struct compact tree;
	int64_t cur;	     /* the record being hashed */
	int64_t hash_bad;    /* first record whose stored hashes differ */
	int hash_short;	     /* ... because `hashes` ends before them */
	int hash_zero;	     /* ... where `hashes` holds zeros */
	int write_from;	     /* 2nd pass: write stored hashes of records */
	int64_t write_first; /* >= this one */
	uint8_t *wbuf;	     /* 2nd pass: stored hashes to write */
	size_t wlen;
	int64_t wbase; /* stored hash index of wbuf[0] */
};

static int
scan_flush(struct scan *s)
{
	if (s->wlen == 0)
		return 0;
	if (full_pwrite(s->log->hash_fd, s->wbuf, s->wlen,
		(off_t)s->wbase * MERKLE_HASH_SIZE) == -1)
		return -1;
	s->wbase += (int64_t)(s->wlen / MERKLE_HASH_SIZE);
	s->wlen = 0;
	return 0;
}

/* compact_visit_fn: compares (1st pass) or writes (2nd) a stored hash. */
static int
scan_visit(void *ctx, int level, int64_t n, const uint8_t h[32])
{
	struct scan *s = ctx;
	int64_t idx = merkle_stored_hash_index(level, n);
	uint64_t off = (uint64_t)idx * MERKLE_HASH_SIZE;
	const uint8_t *p;

	if (s->write_from) {
		if (s->cur < s->write_first)
			return 0;
		if (s->wlen == 0)
			s->wbase = idx;
		memcpy(s->wbuf + s->wlen, h, MERKLE_HASH_SIZE);
		s->wlen += MERKLE_HASH_SIZE;
		return s->wlen + MERKLE_HASH_SIZE > SCAN_CHUNK ? scan_flush(s)
							       : 0;
	}
	if (s->hash_bad != -1)
		return 0;
	if (off + MERKLE_HASH_SIZE > s->hashes.size) {
		s->hash_bad = s->cur;
		s->hash_short = 1;
		return 0;
	}
	if (seq_at(&s->hashes, off, MERKLE_HASH_SIZE, &p) == -1) {
		log_warn("log %s: read stored hashes", s->log->dir);
		return -1;
	}
	if (memcmp(p, h, MERKLE_HASH_SIZE) != 0) {
		s->hash_bad = s->cur;
		s->hash_zero = memcmp(p, zero_hash, MERKLE_HASH_SIZE) == 0;
	}
	return 0;
}

/* Whether the n bytes of `entries` from off on are all zero. */
static int
all_zero(struct seqread *r, uint64_t off, int *zero)
{
	const uint8_t *p;
	size_t n, i;

	*zero = 1;
	while (off < r->size) {
		n = r->size - off < SCAN_CHUNK ? (size_t)(r->size - off)
					       : SCAN_CHUNK;
		if (seq_at(r, off, n, &p) == -1)
			return -1;
		for (i = 0; i < n; i++)
			if (p[i] != 0) {
				*zero = 0;
				return 0;
			}
		off += n;
	}
	return 0;
}

/* The result of a pass over `entries`. */
struct records {
	int64_t n;	/* complete records */
	uint64_t end;	/* the byte just after the last of them */
	uint64_t *ends; /* ends[i]: the byte after record i (the index) */
	size_t cap;
	int64_t hash_bad; /* first record whose stored hashes differ, or -1 */
	int hash_short;	  /* ... only because `hashes` ends before it */
	int hash_zero;	  /* ... where `hashes` holds zeros (never written) */
	uint8_t (*roots)[MERKLE_HASH_SIZE]; /* root at each anchor's size */
	const char *tail; /* why the bytes after end are not records */
};

/*
 * One pass over `entries`: records, leaf hashes and the tree (compared
 * with `hashes`, or written to it from record write_first on when that is
 * not -1), and the root at every anchor's size. 0, or -1 (reported).
 */
static int
scan_entries(struct entrylog *log, const struct entrylog_anchor *anchors,
    size_t nanchors, int64_t write_first, struct records *out)
{
	struct seqread data = { log->data_fd, 0, 0, 0, NULL };
	struct scan s;
	struct stat st;
	const uint8_t *p;
	uint8_t leaf[MERKLE_HASH_SIZE];
	uint64_t off = 0, max_anchor = 0, *grown;
	size_t len, i;
	int zero, rc = -1;

	memset(&s, 0, sizeof(s));
	s.log = log;
	s.hash_bad = -1;
	s.hashes.fd = log->hash_fd;
	s.write_from = write_first != -1;
	s.write_first = write_first;
	compact_init(&s.tree);
	for (i = 0; i < nanchors; i++)
		if ((uint64_t)anchors[i].size > max_anchor)
			max_anchor = (uint64_t)anchors[i].size;
	if (fstat(log->data_fd, &st) == -1)
		goto done;
	data.size = (uint64_t)st.st_size;
	if (fstat(log->hash_fd, &st) == -1)
		goto done;
	s.hashes.size = (uint64_t)st.st_size;
	if ((data.buf = malloc(SCAN_CHUNK)) == NULL ||
	    (s.hashes.buf = malloc(SCAN_CHUNK)) == NULL ||
	    (s.write_from && (s.wbuf = malloc(SCAN_CHUNK)) == NULL))
		goto done;
	for (i = 0; i < nanchors; i++)
		if (anchors[i].size == 0)
			merkle_empty_root(out->roots[i]);
	out->tail = NULL;
	while (off < data.size) {
		if (data.size - off < 2) {
			out->tail = "a length prefix cut short";
			break;
		}
		if (seq_at(&data, off, 2, &p) == -1)
			goto readerr;
		len = (size_t)p[0] << 8 | p[1];
		if (len == 0) {
			if (all_zero(&data, off, &zero) == -1)
				goto readerr;
			if (!zero && (uint64_t)s.tree.size < max_anchor) {
				log_warnx("log %s: entry %lld (byte %llu of "
					  "entries) has length 0, and entries "
					  "are "
					  "never empty: the file is damaged",
				    log->dir, (long long)s.tree.size,
				    (unsigned long long)off);
				goto done;
			}
			out->tail = zero ? "zeros (a file extended but never "
					   "written)"
					 : "an empty record after every signed "
					   "checkpoint";
			break;
		}
		if (data.size - off - 2 < len) {
			out->tail = "a record cut short";
			break;
		}
		if (seq_at(&data, off + 2, len, &p) == -1)
			goto readerr;
		merkle_leaf_hash(p, len, leaf);
		s.cur = s.tree.size;
		if (compact_append(&s.tree, leaf, scan_visit, &s) == -1)
			goto done;
		off += 2 + len;
		if (out->n == (int64_t)out->cap) {
			out->cap = out->cap ? out->cap * 2 : 4096;
			if ((grown = realloc(out->ends,
				 out->cap * sizeof(*grown))) == NULL)
				goto done;
			out->ends = grown;
		}
		out->ends[out->n++] = off;
		for (i = 0; i < nanchors; i++)
			if (anchors[i].size == s.tree.size)
				compact_root(&s.tree, out->roots[i]);
	}
	if (s.write_from && scan_flush(&s) == -1) {
		log_warn("log %s: write stored hashes", log->dir);
		goto done;
	}
	out->end = off;
	out->hash_bad = s.hash_bad;
	out->hash_short = s.hash_short;
	out->hash_zero = s.hash_zero;
	/* Stored hashes beyond the records are extra, not different. */
	rc = 0;
	goto done;
readerr:
	log_warn("log %s: read entries", log->dir);
done:
	free(data.buf);
	free(s.hashes.buf);
	free(s.wbuf);
	return rc;
}

/*
 * Compares `index` with the re-derived ends: the first entry whose index
 * slot differs, or n when the first n agree (-1 on a read error).
 */
static int64_t
index_differs(struct entrylog *log, const struct records *rec)
{
	struct seqread idx = { log->index_fd, 0, 0, 0, NULL };
	struct stat st;
	const uint8_t *p;
	int64_t i, bad = -1;

	if (fstat(log->index_fd, &st) == -1 ||
	    (idx.buf = malloc(SCAN_CHUNK)) == NULL)
		return -1;
	idx.size = (uint64_t)st.st_size;
	for (i = 0; i < rec->n; i++) {
		if ((uint64_t)(i + 1) * 8 > idx.size) {
			bad = i;
			break;
		}
		if (seq_at(&idx, (uint64_t)i * 8, 8, &p) == -1) {
			log_warn("log %s: read index", log->dir);
			free(idx.buf);
			return -1;
		}
		if (get_be64(p) != rec->ends[i]) {
			bad = i;
			break;
		}
	}
	if (bad == -1)
		bad = idx.size == (uint64_t)rec->n * 8 ? rec->n + 1 : rec->n;
	free(idx.buf);
	return bad;
}

/* Rewrites `index` from entry first on (synced). 0 or -1 (reported). */
static int
rewrite_index(struct entrylog *log, const struct records *rec, int64_t first)
{
	uint8_t *buf;
	int64_t i;
	int rc = -1;

	if ((buf = malloc((size_t)(rec->n - first) * 8 + 1)) == NULL)
		return -1;
	for (i = first; i < rec->n; i++)
		put_be64(buf + (i - first) * 8, rec->ends[i]);
	if (full_pwrite(log->index_fd, buf, (size_t)(rec->n - first) * 8,
		(off_t)first * 8) == 0 &&
	    ftruncate(log->index_fd, (off_t)rec->n * 8) == 0 &&
	    fdatasync(log->index_fd) == 0)
		rc = 0;
	else
		log_warn("log %s: rewrite index", log->dir);
	free(buf);
	return rc;
}

/* Checks every anchor against the records; 0, or -1 (reported). */
static int
check_anchors(struct entrylog *log, const struct entrylog_anchor *anchors,
    size_t nanchors, const struct records *rec)
{
	char hex[2 * MERKLE_HASH_SIZE + 1];
	int64_t max_anchor = 0;
	size_t i;

	for (i = 0; i < nanchors; i++) {
		const struct entrylog_anchor *a = &anchors[i];

		if (a->size > max_anchor)
			max_anchor = a->size;

		if (a->size > rec->n) {
			log_warnx("log %s holds %lld complete entries, but the "
				  "log signed %s at size %lld: entries "
				  "%lld..%lld "
				  "are lost (after byte %llu of entries). The "
				  "log "
				  "must not sign that size again with another "
				  "root, so it will not start: restore "
				  "log/entries from a backup or from a "
				  "member's "
				  "mirror (its /tile/entries bundles) up to at "
				  "least %lld entries, then start again "
				  "(docs/storage.md)",
			    log->dir, (long long)rec->n, a->what,
			    (long long)a->size, (long long)rec->n,
			    (long long)a->size - 1,
			    (unsigned long long)rec->end, (long long)a->size);
			return -1;
		}
		if (memcmp(rec->roots[i], a->root, MERKLE_HASH_SIZE) == 0)
			continue;
		merkle_hash_to_hex(a->root, hex);
		if (rec->hash_bad != -1 && rec->hash_bad < a->size)
			log_warnx("log %s: its entries do not hash to the "
				  "root %s of %s at size %lld: entry %lld is "
				  "the "
				  "first that differs from its stored hash, so "
				  "it "
				  "was altered after it was logged. The log "
				  "will "
				  "not start: restore log/entries from a "
				  "backup "
				  "or from a member's mirror (docs/storage.md)",
			    log->dir, hex, a->what, (long long)a->size,
			    (long long)rec->hash_bad);
		else
			log_warnx("log %s: its entries do not hash to the "
				  "root %s of %s at size %lld, and its stored "
				  "hashes were altered to match them: compare "
				  "log/entries with a member's mirror to find "
				  "the "
				  "altered entries. The log will not start "
				  "(docs/storage.md)",
			    log->dir, hex, a->what, (long long)a->size);
		return -1;
	}
	/*
	 * Past every anchor nothing says whether the entry or its stored hash
	 * changed. Hashes missing or zero are a crash's torn tail (recomputed);
	 * another hash is refused rather than guessed.
	 */
	if (rec->hash_bad != -1 && !rec->hash_short && !rec->hash_zero &&
	    rec->hash_bad >= max_anchor) {
		log_warnx("log %s: entry %lld is the first that differs from "
			  "its stored hash, and no checkpoint the log signed "
			  "covers "
			  "it to say which is right. The log will not start: "
			  "compare log/entries with a member's mirror; if the "
			  "entries are right, delete log/hashes and it is "
			  "re-derived from them (docs/storage.md)",
		    log->dir, (long long)rec->hash_bad);
		return -1;
	}
	return 0;
}

/*
 * Recovers and verifies the log against anchors (see above). Sets
 * log->size and log->data_end. 0, or -1 (reported, files unchanged).
 */
static int
recover(struct entrylog *log, const struct entrylog_anchor *anchors,
    size_t nanchors)
{
	struct records rec, again;
	struct stat st;
	int64_t ibad, want;
	int rc = -1;

	memset(&rec, 0, sizeof(rec));
	memset(&again, 0, sizeof(again));
	if ((rec.roots = calloc(nanchors + 1, sizeof(*rec.roots))) == NULL)
		return -1;
	if (scan_entries(log, anchors, nanchors, -1, &rec) == -1 ||
	    check_anchors(log, anchors, nanchors, &rec) == -1 ||
	    fstat(log->data_fd, &st) == -1)
		goto done;
	if ((uint64_t)st.st_size != rec.end) {
		log_warnx("log %s: cutting a torn tail of %llu bytes after "
			  "%lld entries: %s",
		    log->dir, (unsigned long long)st.st_size - rec.end,
		    (long long)rec.n, rec.tail ? rec.tail : "?");
		if (ftruncate(log->data_fd, (off_t)rec.end) == -1 ||
		    fdatasync(log->data_fd) == -1) {
			log_warn("log %s: truncate entries", log->dir);
			goto done;
		}
	}
	if ((ibad = index_differs(log, &rec)) == -1)
		goto done;
	if (ibad <= rec.n) {
		log_warnx("log %s: index differs from entries at entry %lld: "
			  "re-deriving it from entries",
		    log->dir, (long long)ibad);
		if (rewrite_index(log, &rec, ibad) == -1)
			goto done;
	}
	want = merkle_stored_hash_count(rec.n) * MERKLE_HASH_SIZE;
	if (rec.hash_bad != -1) {
		log_warnx("log %s: stored hashes %s from entry %lld on: "
			  "re-deriving them from entries",
		    log->dir,
		    rec.hash_short ? "missing" : "differ from entries",
		    (long long)rec.hash_bad);
		if (scan_entries(log, NULL, 0, rec.hash_bad, &again) == -1)
			goto done;
	}
	if (fstat(log->hash_fd, &st) == -1)
		goto done;
	if (st.st_size != want || rec.hash_bad != -1) {
		if (st.st_size > want)
			log_warnx("log %s: cutting stored hashes beyond %lld "
				  "entries",
			    log->dir, (long long)rec.n);
		if (ftruncate(log->hash_fd, want) == -1 ||
		    fdatasync(log->hash_fd) == -1) {
			log_warn("log %s: truncate hashes", log->dir);
			goto done;
		}
	}
	log->size = rec.n;
	log->data_end = rec.end;
	rc = 0;
done:
	free(rec.ends);
	free(rec.roots);
	free(again.ends);
	return rc;
}

struct entrylog *
entrylog_open(const char *dir, int create,
    const struct entrylog_anchor *anchors, size_t nanchors)
{
	struct entrylog *log;
	int flags = O_RDWR | (create ? O_CREAT : 0), made = create;

	if (create && mkdir(dir, 0700) == -1 && errno != EEXIST) {
		log_warn("mkdir %s", dir);
		return NULL;
	}
	if ((log = calloc(1, sizeof(*log))) == NULL)
		return NULL;
	log->data_fd = log->index_fd = log->hash_fd = log->lock_fd = -1;
	snprintf(log->dir, sizeof(log->dir), "%s", dir);
	pthread_mutex_init(&log->mu, NULL);
	if ((log->lock_fd = open_in(dir, "lock", O_RDWR | O_CREAT, 0)) == -1)
		goto fail;
	if (flock(log->lock_fd, LOCK_EX | LOCK_NB) == -1) {
		log_warnx("log %s is in use by another truce process", dir);
		goto fail;
	}
	if ((log->data_fd = open_in(dir, "entries", flags, 0)) == -1)
		goto fail;
	/* index and hashes are derived: re-derived when missing. */
	if (open_derived(log, "index", &log->index_fd, create, &made) == -1 ||
	    open_derived(log, "hashes", &log->hash_fd, create, &made) == -1)
		goto fail;
	if (made && file_sync_dir(dir) == -1) {
		log_warn("fsync %s", dir);
		goto fail;
	}
	if (recover(log, anchors, nanchors) == -1)
		goto fail;
	map_hashes(log,
	    (uint64_t)merkle_stored_hash_count(log->size) * MERKLE_HASH_SIZE);
	return log;
fail:
	entrylog_close(log);
	return NULL;
}

struct entrylog *
entrylog_open_follower(const char *dir)
{
	struct entrylog *log;

	if ((log = calloc(1, sizeof(*log))) == NULL)
		return NULL;
	log->data_fd = log->index_fd = log->hash_fd = log->lock_fd = -1;
	log->follower = 1;
	snprintf(log->dir, sizeof(log->dir), "%s", dir);
	pthread_mutex_init(&log->mu, NULL);
	if ((log->data_fd = open_in(dir, "entries", O_RDONLY, 0)) == -1 ||
	    (log->index_fd = open_in(dir, "index", O_RDONLY, 0)) == -1 ||
	    (log->hash_fd = open_in(dir, "hashes", O_RDONLY, 0)) == -1)
		goto fail;
	return log;
fail:
	entrylog_close(log);
	return NULL;
}

int
entrylog_follow(struct entrylog *log, int64_t size)
{
	struct stat ist, hst;
	uint64_t need;

	if (!log->follower || size < 0)
		return -1;
	if (size <= entrylog_size(log))
		return 0;
	need = (uint64_t)merkle_stored_hash_count(size) * MERKLE_HASH_SIZE;
	if (fstat(log->index_fd, &ist) == -1 ||
	    fstat(log->hash_fd, &hst) == -1) {
		log_warn("log %s: stat", log->dir);
		return -1;
	}
	if ((uint64_t)ist.st_size < (uint64_t)size * 8 ||
	    (uint64_t)hst.st_size < need) {
		log_warnx("log %s holds fewer than the %lld entries the store "
			  "has applied (index %lld bytes, hashes %lld bytes): "
			  "is it the writer's log?",
		    log->dir, (long long)size, (long long)ist.st_size,
		    (long long)hst.st_size);
		return -1;
	}
	/* Mapped before the size that needs it is published, as appends. */
	map_hashes(log, need);
	pthread_mutex_lock(&log->mu);
	log->size = size;
	pthread_mutex_unlock(&log->mu);
	return 0;
}

void
entrylog_close(struct entrylog *log)
{
	struct hash_map *m, *older;

	if (log == NULL)
		return;
	for (m = log->map; m != NULL; m = older) {
		older = m->older;
		munmap((void *)m->base, m->len);
		free(m);
	}
	if (log->data_fd != -1)
		close(log->data_fd);
	if (log->index_fd != -1)
		close(log->index_fd);
	if (log->hash_fd != -1)
		close(log->hash_fd);
	if (log->lock_fd != -1)
		close(log->lock_fd);
	pthread_mutex_destroy(&log->mu);
	free(log);
}

int64_t
entrylog_size(struct entrylog *log)
{
	int64_t n;

	pthread_mutex_lock(&log->mu);
	n = log->size;
	pthread_mutex_unlock(&log->mu);
	return n;
}

int
entrylog_append(struct entrylog *log, const struct entrylog_entry *e, size_t n)
{
	uint8_t *data = NULL, *idx = NULL;
	size_t dlen = 0, i, off = 0;
	uint64_t end;
	int64_t size;
	int rc = -1, synced = 1;

	if (n == 0)
		return 0;
	if (log->follower) {
		log_warnx("log %s: a follower does not append", log->dir);
		return -1;
	}
	if (entrylog_failed(log, NULL, 0)) {
		log_warnx("log %s: refusing entries after a failed sync",
		    log->dir);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (e[i].len == 0) {
			log_warnx("log entry %zu of the batch is empty; "
				  "entries never are",
			    i);
			return -1;
		}
		if (e[i].len > ENTRYLOG_MAX_ENTRY) {
			log_warnx("log entry of %zu bytes over the limit of %d",
			    e[i].len, ENTRYLOG_MAX_ENTRY);
			return -1;
		}
		dlen += 2 + e[i].len;
	}
	pthread_mutex_lock(&log->mu);
	end = log->data_end;
	size = log->size;
	pthread_mutex_unlock(&log->mu);
	if ((data = malloc(dlen)) == NULL || (idx = malloc(8 * n)) == NULL ||
	    (log->pending = calloc((size_t)(merkle_stored_hash_count(
						size + (int64_t)n) -
				       merkle_stored_hash_count(size)),
		 MERKLE_HASH_SIZE)) == NULL)
		goto done;
	if (hash_records(log, size, e, n) == -1)
		goto done;
	for (i = 0; i < n; i++) {
		data[off] = (uint8_t)(e[i].len >> 8);
		data[off + 1] = (uint8_t)e[i].len;
		memcpy(data + off + 2, e[i].bytes, e[i].len);
		off += 2 + e[i].len;
		put_be64(idx + 8 * i, end + off);
	}
	if (full_pwrite(log->data_fd, data, dlen, (off_t)end) == -1 ||
	    full_pwrite(log->index_fd, idx, 8 * n, (off_t)size * 8) == -1 ||
	    write_hashes(log) == -1 ||
	    (synced = 0, fdatasync(log->data_fd)) == -1 ||
	    fdatasync(log->index_fd) == -1 || fdatasync(log->hash_fd) == -1) {
		log_warn("log %s: append", log->dir);
		pthread_mutex_lock(&log->mu);
		log->nospace = errno == ENOSPC || errno == EDQUOT;
		pthread_mutex_unlock(&log->mu);
		if (!synced) {
			pthread_mutex_lock(&log->mu);
			snprintf(log->failed, sizeof(log->failed),
			    "fdatasync: "
			    "%s",
			    strerror(errno));
			pthread_mutex_unlock(&log->mu);
			log_warnx("log %s: a sync failed: the log takes no "
				  "more "
				  "entries until the center is restarted",
			    log->dir);
		}
		/* Leave the log as it was; a later open would cut it anyway. */
		if (ftruncate(log->index_fd, size * 8) == -1 ||
		    ftruncate(log->data_fd, (off_t)end) == -1 ||
		    ftruncate(log->hash_fd,
			log->pending_base * MERKLE_HASH_SIZE) == -1)
			log_warn("log %s: cut failed append", log->dir);
		goto done;
	}
	map_hashes(log,
	    (uint64_t)(log->pending_base + (int64_t)log->npending) *
		MERKLE_HASH_SIZE);
	pthread_mutex_lock(&log->mu);
	log->size = size + (int64_t)n;
	log->data_end = end + dlen;
	log->nospace = 0;
	pthread_mutex_unlock(&log->mu);
	rc = 0;
done:
	free(log->pending);
	log->pending = NULL;
	free(data);
	free(idx);
	return rc;
}

int
entrylog_nospace(struct entrylog *log)
{
	int n;

	pthread_mutex_lock(&log->mu);
	n = log->nospace;
	pthread_mutex_unlock(&log->mu);
	return n;
}

int
entrylog_failed(struct entrylog *log, char *why, size_t len)
{
	int failed;

	pthread_mutex_lock(&log->mu);
	failed = log->failed[0] != '\0';
	if (failed && why != NULL)
		snprintf(why, len, "%s", log->failed);
	pthread_mutex_unlock(&log->mu);
	return failed;
}

int
entrylog_unappend(struct entrylog *log, int64_t size)
{
	uint8_t b[8];
	uint64_t end = 0;

	if (log->follower || size < 0 || size > entrylog_size(log))
		return -1;
	if (size > 0 && full_pread(log->index_fd, b, 8, (size - 1) * 8) == -1) {
		log_warn("log %s: read index", log->dir);
		return -1;
	}
	if (size > 0)
		end = get_be64(b);
	pthread_mutex_lock(&log->mu);
	log->size = size;
	log->data_end = end;
	pthread_mutex_unlock(&log->mu);
	if (ftruncate(log->data_fd, (off_t)end) == -1 ||
	    ftruncate(log->index_fd, (off_t)size * 8) == -1 ||
	    ftruncate(log->hash_fd,
		(off_t)merkle_stored_hash_count(size) * MERKLE_HASH_SIZE) ==
		-1 ||
	    fdatasync(log->data_fd) == -1 || fdatasync(log->index_fd) == -1 ||
	    fdatasync(log->hash_fd) == -1) {
		log_warn("log %s: take back entries after %lld", log->dir,
		    (long long)size);
		return -1;
	}
	return 0;
}

/* Byte range of entries [start, start+count) in `entries`. */
static int
span(struct entrylog *log, int64_t start, int64_t count, uint64_t *from,
    uint64_t *to)
{
	uint8_t b[8];

	if (start < 0 || count < 1 || start + count > entrylog_size(log))
		return -1;
	*from = 0;
	if (start > 0) {
		if (full_pread(log->index_fd, b, 8, (start - 1) * 8) == -1)
			return -1;
		*from = get_be64(b);
	}
	if (full_pread(log->index_fd, b, 8, (start + count - 1) * 8) == -1)
		return -1;
	*to = get_be64(b);
	return *to >= *from ? 0 : -1;
}

int
entrylog_read(struct entrylog *log, int64_t index, uint8_t **out, size_t *len)
{
	uint64_t from, to;
	uint8_t *buf;

	if (span(log, index, 1, &from, &to) == -1 || to - from < 2)
		return -1;
	if ((buf = malloc(to - from - 1)) == NULL)
		return -1;
	if (full_pread(log->data_fd, buf, to - from - 2, (off_t)from + 2) ==
	    -1) {
		log_warn("log %s: read entry %lld", log->dir, (long long)index);
		free(buf);
		return -1;
	}
	buf[to - from - 2] = '\0';
	*out = buf;
	*len = to - from - 2;
	return 0;
}

int
entrylog_read_bundle(struct entrylog *log, int64_t start, int64_t count,
    uint8_t **out, size_t *len)
{
	uint64_t from, to;
	uint8_t *buf;

	if (span(log, start, count, &from, &to) == -1)
		return -1;
	if ((buf = malloc(to - from + 1)) == NULL)
		return -1;
	if (full_pread(log->data_fd, buf, to - from, (off_t)from) == -1) {
		log_warn("log %s: read bundle at %lld", log->dir,
		    (long long)start);
		free(buf);
		return -1;
	}
	*out = buf;
	*len = to - from;
	return 0;
}

int
entrylog_read_hashes(void *ctx, const int64_t *indexes, size_t n,
    uint8_t (*out)[32])
{
	struct entrylog *log = ctx;
	const struct hash_map *map;
	int64_t max;
	size_t i;

	pthread_mutex_lock(&log->mu);
	max = merkle_stored_hash_count(log->size);
	map = log->map;
	pthread_mutex_unlock(&log->mu);
	for (i = 0; i < n; i++)
		if (indexes[i] < 0 || indexes[i] >= max)
			return -1;
	/* Readers never see pending hashes: those are the appender's. */
	for (i = 0; i < n; i++)
		if (read_stored(log, map, indexes[i], out[i]) == -1)
			return -1;
	return 0;
}

int
entrylog_root(struct entrylog *log, int64_t size, uint8_t out[32])
{
	if (size < 0 || size > entrylog_size(log))
		return -1;
	return merkle_tree_hash(size, entrylog_read_hashes, log, out);
}
