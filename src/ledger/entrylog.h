/*
 * entrylog: the center's append-only log of canonical entries, on disk.
 *
 * Layout under the log directory (docs/storage.md):
 *   entries  every entry as a big-endian uint16 length and its bytes, back to
 *            back: exactly the C2SP tlog-tiles entry-bundle encoding, so the
 *            bundle of entries [256N, 256N+256) is one contiguous byte range.
 *   index    one big-endian uint64 per entry: the offset in `entries` just
 *            after it (so entry i spans index[i-1] .. index[i]).
 *   hashes   the RFC 6962 Merkle tree's stored hashes, 32 bytes each, in
 *            the order of Go's sumdb/tlog (tlog/merkle.h): the leaf hash of
 *            each entry and the hash of every complete subtree it closes, so
 *            any tree hash or proof costs O(log n) reads. Readers read it
 *            through a read-only mmap(2) of the file, remapped (doubled)
 *            as the log grows: a read is a memcpy from the page cache.
 *   lock     flock(2)ed exclusively by the one process that may append.
 *
 * Appends are written, then fdatasync(2)ed, before entrylog_append returns:
 * what it acknowledged survives a crash. `entries` is the truth; `index`
 * and `hashes` are derived from it. Every open reads all of `entries` once,
 * recomputes the tree, and checks it against the anchors it is given (the
 * checkpoints the log has signed: it must hold at least each one's size,
 * with the same root there). Only when they hold does it repair: a torn
 * tail of `entries` (a record cut short by the end of the file, or zeros
 * where a record should begin) is cut, and `index` and `hashes` are
 * re-derived wherever they differ from `entries` or are missing. When an
 * anchor fails it changes nothing and refuses, naming the first entry that
 * differs: the log then never signs two roots for one size (RFC 9162 §2.1,
 * Certificate Transparency's one rule) and never serves altered entries.
 * Cost of an open: one sequential read and one SHA-256 of every entry
 * (docs/storage.md has the figures).
 *
 * Reads may run in any thread concurrently with one appending thread.
 */
#ifndef TRUCE_ENTRYLOG_H
#define TRUCE_ENTRYLOG_H

#include <stddef.h>
#include <stdint.h>

#define ENTRYLOG_MAX_ENTRY 65535 /* uint16 length prefix of tlog-tiles */

struct entrylog;

/* One entry to append: its bytes (not owned). */
struct entrylog_entry {
	const uint8_t *bytes;
	size_t len;
};

/*
 * A checkpoint the log signed: the log must hold at least size entries
 * whose RFC 6962 root at size is root. what names it in messages ("the
 * joint checkpoint log/checkpoint.joint").
 */
struct entrylog_anchor {
	int64_t size;
	uint8_t root[32];
	char what[96];
};

/*
 * Opens the log in directory dir (created, mode 0700, when create is 1),
 * takes its lock, verifies every entry against the nanchors anchors (may
 * be 0) and recovers as described above. Returns NULL (after log_warn,
 * naming the first entry that differs and how to recover) if the directory
 * or `entries` is missing, the log is locked by another process or
 * unreadable, or an anchor does not hold. Cost: O(size of `entries`).
 */
struct entrylog *entrylog_open(const char *dir, int create,
    const struct entrylog_anchor *anchors, size_t nanchors);

/*
 * Opens the log in dir as a follower, for a read server beside the
 * process that appends (truce serve --read-only, docs/readservers.md):
 * `entries`, `index` and `hashes` read-only, no lock taken, nothing
 * verified or repaired (the appender does that), and size 0 until
 * entrylog_follow says how far the appender's store has applied. Appends
 * and unappends are refused. NULL (reported) if a file cannot be opened.
 */
struct entrylog *entrylog_open_follower(const char *dir);

/*
 * Raises a follower's size to size (never lowers it): the appender syncs
 * entries, index and hashes before its store applies them, so a size the
 * store has applied is on disk. 0, or -1 (reported) if log is no follower
 * or its files hold fewer than size entries (not the appender's log).
 * Called from one thread; readers may run meanwhile. Cost: two fstat(2)
 * and, when the log outgrew the mapping, one mmap(2).
 */
int entrylog_follow(struct entrylog *log, int64_t size);

/* Closes the log and releases its lock; NULL does nothing. */
void entrylog_close(struct entrylog *log);

/* The number of entries in the log (thread-safe). */
int64_t entrylog_size(struct entrylog *log);

/*
 * Appends n entries at indexes size..size+n-1 and syncs them to disk.
 * Returns 0, or -1 with the log unchanged (the partial write is cut off),
 * also for an empty entry (entries never are: a zero length is how a torn
 * tail of zeros is told from records). Cost: three writes and three
 * fdatasync calls for the whole batch.
 */
int entrylog_append(struct entrylog *log, const struct entrylog_entry *e,
    size_t n);

/* Whether the last append failed for want of disk space (ENOSPC). */
int entrylog_nospace(struct entrylog *log);

/*
 * Whether a sync of the log failed (then every append is refused until
 * the log is opened again: after a failed fsync the kernel may have
 * dropped the pages, so the state on disk is unknown, and retrying would
 * only pretend; PostgreSQL stops for the same reason). Copies the failure
 * ("fdatasync: Input/output error") into why (len bytes) if not NULL.
 */
int entrylog_failed(struct entrylog *log, char *why, size_t len);

/*
 * Takes back the entries after the first size, which the caller (the one
 * appending thread) appended itself and which nobody has been told of: no
 * checkpoint covers them, no write was acknowledged with them. For the
 * sequencer when it cannot record the checkpoint of a batch. 0, or -1
 * (reported) if size is not within the log or the files cannot be cut.
 */
int entrylog_unappend(struct entrylog *log, int64_t size);

/*
 * Reads entry index into a new buffer (*out, caller frees; NUL-terminated
 * for convenience, *len without it). Returns -1 if index is out of range or
 * the read fails.
 */
int entrylog_read(struct entrylog *log, int64_t index, uint8_t **out,
    size_t *len);

/*
 * Reads the raw length-prefixed records of entries [start, start+count) into
 * a new buffer (*out, caller frees): a tlog-tiles entry bundle when start is
 * a multiple of 256. Returns -1 if the range is not inside the log.
 */
int entrylog_read_bundle(struct entrylog *log, int64_t start, int64_t count,
    uint8_t **out, size_t *len);

/*
 * A merkle_read_fn (tlog/merkle.h) over the log's stored hashes, with the
 * log as ctx: reads the stored hashes at indexes into out. Thread-safe;
 * returns -1 for an index beyond the log's current size. Cost: one mutex
 * lock and a 32-byte copy from the mapping per hash (a pread(2) for
 * hashes the mapping does not cover, if a remap failed).
 */
int entrylog_read_hashes(void *ctx, const int64_t *indexes, size_t n,
    uint8_t (*out)[32]);

/* The RFC 6962 root hash of the first size entries into out. 0 or -1. */
int entrylog_root(struct entrylog *log, int64_t size, uint8_t out[32]);

#endif
