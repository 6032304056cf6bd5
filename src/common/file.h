/*
 * file: the one way truce replaces a small file durably, and syncs a
 * directory so that a name made or renamed in it survives a crash.
 *
 * file_write_atomic follows the rule of SQLite's and PostgreSQL's durable
 * renames: write a temporary file beside the target, fsync it, rename(2)
 * it over the target (renameat2 RENAME_NOREPLACE when the target must not
 * exist yet), then fsync the directory. After a crash the target holds
 * either the old bytes or the new ones, never a mixture.
 */
#ifndef TRUCE_FILE_H
#define TRUCE_FILE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Flags of file_write_atomic. */
#define FILE_NO_REPLACE 1 /* fail (EEXIST) if path exists: keys */

/*
 * Replaces path with the len bytes at data, created with mode (e.g.
 * 0600); path.tmp is the temporary file. 0, or -1 with the failed step,
 * the path and strerror in err (errlen bytes; not reported: the caller
 * decides whether a path may be shown) and errno set; path is then
 * unchanged and the temporary file removed.
 */
int file_write_atomic(const char *path, const void *data, size_t len,
    mode_t mode, int flags, char *err, size_t errlen);

/*
 * Reads all of the file path into a new NUL-terminated buffer (*out,
 * caller frees; *len without the NUL), refusing one over max bytes. 0, or
 * -1 with the path and the reason (or the limit) in err.
 */
int file_read_all(const char *path, size_t max, char **out, size_t *len,
    char *err, size_t errlen);

/*
 * A folder of the source tree the binary was built in: $env_name if set,
 * else <the binary's folder>/../../rel (build/<flavour>/truce -> rel) if
 * that is a directory holding the directory probe (NULL: rel itself),
 * else rel relative to the working directory. Writes it into buf. -1 if
 * it does not fit.
 */
int file_source_dir(const char *env_name, const char *rel, const char *probe,
    char *buf, size_t len);

/* fsyncs directory dir. 0, or -1 with errno set (not reported). */
int file_sync_dir(const char *dir);

/* fsyncs the file path (its data and size). 0, or -1 with errno set (not
 * reported). */
int file_sync(const char *path);

/* fsyncs the directory that holds path ("." for a bare name). 0 or -1. */
int file_sync_parent(const char *path);

#endif
