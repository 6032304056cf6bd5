/*
 * file: the one way truce replaces a small file durably, and syncs a
 * directory so that a name made or renamed in it survives a crash.
 *
 * file_write_atomic follows the rule of SQLite's and PostgreSQL's durable
 * renames: write a temporary file beside the target, fsync it, rename(2)
 * it over the target, then fsync the directory. After a crash the target
 * holds either the old bytes or the new ones, never a mixture. Errors are
 * reported with log_warn where they happen and never name more than the
 * path the caller gave.
 */
#ifndef TRUCE_FILE_H
#define TRUCE_FILE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * Replaces path with the len bytes at data, created with mode (e.g.
 * 0600) when new; path.tmp is the temporary file. 0, or -1 (reported;
 * path unchanged, the temporary file removed).
 */
int file_write_atomic(const char *path, const void *data, size_t len,
    mode_t mode);

/* fsyncs directory dir. 0, or -1 with errno set (not reported). */
int file_sync_dir(const char *dir);

/* fsyncs the directory that holds path ("." for a bare name). 0 or -1. */
int file_sync_parent(const char *path);

#endif
