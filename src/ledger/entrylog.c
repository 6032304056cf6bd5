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

#include "common/log.h"
#include "ledger/entrylog.h"
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

static int
open_in(const char *dir, const char *name, int flags)
{
	char path[PATH_MAX];
	int fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path)) {
		log_warnx("log path too long: %s/%s", dir, name);
		return -1;
	}
	if ((fd = open(path, flags | O_CLOEXEC, 0644)) == -1)
		log_warn("open %s", path);
	return fd;
}

static int
sync_dir(const char *dir)
{
	int fd, rc;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

static int write_hashes(struct entrylog *log);

/*
 * Brings `hashes` in line with the entries: cuts extra hashes and
 * recomputes missing ones from the entries themselves (they are the truth).
 */
static int
recover_hashes(struct entrylog *log)
{
	struct stat st;
	int64_t have, want = merkle_stored_hash_count(log->size), k, i;
	struct entrylog_entry *e = NULL;
	uint8_t **bufs = NULL;
	size_t len, chunk;
	int rc = -1;

	if (fstat(log->hash_fd, &st) == -1)
		return -1;
	have = st.st_size / MERKLE_HASH_SIZE;
	if (have >= want) {
		if (st.st_size == want * MERKLE_HASH_SIZE)
			return 0;
		log_warnx("log %s: cutting stored hashes beyond %lld entries",
		    log->dir, (long long)log->size);
		if (ftruncate(log->hash_fd, want * MERKLE_HASH_SIZE) == -1 ||
		    fdatasync(log->hash_fd) == -1)
			return -1;
		return 0;
	}
	/* The last record whose stored hashes are all there. */
	for (k = log->size; k > 0 && merkle_stored_hash_count(k) > have; k--)
		;
	log_warnx("log %s: recomputing stored hashes of entries %lld..%lld",
	    log->dir, (long long)k, (long long)log->size - 1);
	if (ftruncate(log->hash_fd, merkle_stored_hash_count(k) *
	    MERKLE_HASH_SIZE) == -1)
		return -1;
	while (k < log->size) {
		chunk = (size_t)(log->size - k < 4096 ? log->size - k : 4096);
		if ((e = calloc(chunk, sizeof(*e))) == NULL ||
		    (bufs = calloc(chunk, sizeof(*bufs))) == NULL)
			goto done;
		for (i = 0; i < (int64_t)chunk; i++) {
			if (entrylog_read(log, k + i, &bufs[i], &len) == -1)
				goto done;
			e[i].bytes = bufs[i];
			e[i].len = len;
		}
		log->pending = calloc((size_t)(merkle_stored_hash_count(
		    k + (int64_t)chunk) - merkle_stored_hash_count(k)),
		    MERKLE_HASH_SIZE);
		if (log->pending == NULL ||
		    hash_records(log, k, e, chunk) == -1 ||
		    write_hashes(log) == -1)
			goto done;
		free(log->pending);
		log->pending = NULL;
		for (i = 0; i < (int64_t)chunk; i++)
			free(bufs[i]);
		free(bufs);
		free(e);
		bufs = NULL;
		e = NULL;
		k += (int64_t)chunk;
	}
	rc = fdatasync(log->hash_fd);
done:
	free(log->pending);
	log->pending = NULL;
	if (bufs != NULL)
		for (i = 0; i < (int64_t)chunk; i++)
			free(bufs[i]);
	free(bufs);
	free(e);
	return rc;
}

/* Writes log->pending at its place in `hashes` (not synced). */
static int
write_hashes(struct entrylog *log)
{
	return full_pwrite(log->hash_fd, log->pending,
	    log->npending * MERKLE_HASH_SIZE,
	    (off_t)log->pending_base * MERKLE_HASH_SIZE);
}

/* Cuts a torn tail: keeps the longest prefix whose index and data agree. */
static int
recover(struct entrylog *log)
{
	struct stat ist, dst;
	uint8_t b[8], lp[2];
	int64_t n;
	uint64_t end = 0, start;
	int cut = 0;

	if (fstat(log->index_fd, &ist) == -1 || fstat(log->data_fd, &dst) == -1)
		return -1;
	n = ist.st_size / 8;
	if (ist.st_size % 8 != 0)
		cut = 1;
	while (n > 0) {
		if (full_pread(log->index_fd, b, 8, (n - 1) * 8) == -1)
			return -1;
		end = get_be64(b);
		start = 0;
		if (n > 1) {
			if (full_pread(log->index_fd, b, 8, (n - 2) * 8) == -1)
				return -1;
			start = get_be64(b);
		}
		/* The last record must lie inside the data and be one record. */
		if (end <= (uint64_t)dst.st_size && end >= start + 2 &&
		    full_pread(log->data_fd, lp, 2, (off_t)start) == 0 &&
		    (uint64_t)((lp[0] << 8) | lp[1]) == end - start - 2)
			break;
		n--;
		cut = 1;
	}
	if (n == 0)
		end = 0;
	if ((uint64_t)dst.st_size != end)
		cut = 1;
	if (cut) {
		log_warnx("log %s: cutting a torn tail after %lld entries",
		    log->dir, (long long)n);
		if (ftruncate(log->index_fd, n * 8) == -1 ||
		    ftruncate(log->data_fd, (off_t)end) == -1 ||
		    fdatasync(log->index_fd) == -1 ||
		    fdatasync(log->data_fd) == -1) {
			log_warn("log %s: truncate", log->dir);
			return -1;
		}
	}
	log->size = n;
	log->data_end = end;
	return recover_hashes(log);
}

struct entrylog *
entrylog_open(const char *dir, int create)
{
	struct entrylog *log;
	int flags = O_RDWR | (create ? O_CREAT : 0);

	if (create && mkdir(dir, 0755) == -1 && errno != EEXIST) {
		log_warn("mkdir %s", dir);
		return NULL;
	}
	if ((log = calloc(1, sizeof(*log))) == NULL)
		return NULL;
	log->data_fd = log->index_fd = log->hash_fd = log->lock_fd = -1;
	snprintf(log->dir, sizeof(log->dir), "%s", dir);
	pthread_mutex_init(&log->mu, NULL);
	if ((log->lock_fd = open_in(dir, "lock", flags)) == -1)
		goto fail;
	if (flock(log->lock_fd, LOCK_EX | LOCK_NB) == -1) {
		log_warnx("log %s is in use by another truce process", dir);
		goto fail;
	}
	if ((log->data_fd = open_in(dir, "entries", flags)) == -1 ||
	    (log->index_fd = open_in(dir, "index", flags)) == -1 ||
	    (log->hash_fd = open_in(dir, "hashes", flags)) == -1)
		goto fail;
	if (create && sync_dir(dir) == -1) {
		log_warn("fsync %s", dir);
		goto fail;
	}
	if (recover(log) == -1)
		goto fail;
	map_hashes(log, (uint64_t)merkle_stored_hash_count(log->size) *
	    MERKLE_HASH_SIZE);
	return log;
fail:
	entrylog_close(log);
	return NULL;
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
entrylog_append(struct entrylog *log, const struct entrylog_entry *e,
    size_t n)
{
	uint8_t *data = NULL, *idx = NULL;
	size_t dlen = 0, i, off = 0;
	uint64_t end;
	int64_t size;
	int rc = -1;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++) {
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
	    (log->pending = calloc((size_t)(merkle_stored_hash_count(size +
	    (int64_t)n) - merkle_stored_hash_count(size)),
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
	    fdatasync(log->data_fd) == -1 || fdatasync(log->index_fd) == -1 ||
	    fdatasync(log->hash_fd) == -1) {
		log_warn("log %s: append", log->dir);
		/* Leave the log as it was; a later open would cut it anyway. */
		if (ftruncate(log->index_fd, size * 8) == -1 ||
		    ftruncate(log->data_fd, (off_t)end) == -1 ||
		    ftruncate(log->hash_fd, log->pending_base *
			MERKLE_HASH_SIZE) == -1)
			log_warn("log %s: cut failed append", log->dir);
		goto done;
	}
	map_hashes(log, (uint64_t)(log->pending_base + (int64_t)log->npending) *
	    MERKLE_HASH_SIZE);
	pthread_mutex_lock(&log->mu);
	log->size = size + (int64_t)n;
	log->data_end = end + dlen;
	pthread_mutex_unlock(&log->mu);
	rc = 0;
done:
	free(log->pending);
	log->pending = NULL;
	free(data);
	free(idx);
	return rc;
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
entrylog_read(struct entrylog *log, int64_t index, uint8_t **out,
    size_t *len)
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
