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
 * what it acknowledged survives a crash. On open, a torn tail (a partial
 * record or an index entry past the data) is cut off and synced, so the log
 * always ends on the last entry that was completely written (the recovery
 * rule of SQLite's WAL and of Tessera's POSIX storage alike).
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
 * Opens the log in directory dir (created when create is 1), takes its
 * lock and recovers a torn tail. Returns NULL (after log_warn) if the
 * directory is missing, locked by another process, or unreadable.
 */
struct entrylog *entrylog_open(const char *dir, int create);

/* Closes the log and releases its lock; NULL does nothing. */
void entrylog_close(struct entrylog *log);

/* The number of entries in the log (thread-safe). */
int64_t entrylog_size(struct entrylog *log);

/*
 * Appends n entries at indexes size..size+n-1 and syncs them to disk.
 * Returns 0, or -1 with the log unchanged (the partial write is cut off).
 * Cost: two writes and two fdatasync calls for the whole batch.
 */
int entrylog_append(struct entrylog *log, const struct entrylog_entry *e,
    size_t n);

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
