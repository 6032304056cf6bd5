/*
 * backup: a consistent copy of a center, taken while it is served.
 *
 * What is copied is what cannot be derived (docs/storage.md): the log's
 * entries, the record of the checkpoints the log signed, truce.conf, the
 * keys and the evidence files. The store, index and hashes are not: they
 * are re-derived from the entries when the copy is first opened. The copy
 * is consistent because the log is append-only and every checkpoint is
 * recorded before anyone sees it: the backup reads the checkpoints first,
 * then copies exactly the entries of the largest one (bytes the served
 * center never changes again), so the copy is the log at a size its
 * members' witnesses may have cosigned, and its own open verifies that
 * size's root (ledger/entrylog.h) before the copy is given its name. The
 * model is PostgreSQL's base backup of a WAL-based system, without the
 * WAL replay: here the log is the database.
 */
#ifndef TRUCE_BACKUP_H
#define TRUCE_BACKUP_H

#include <stddef.h>
#include <stdint.h>

/*
 * Copies center dir into dest, which must not exist (dest.partial is used
 * while copying and renamed at the end). The copy's truce.conf is the
 *  center's with its store set to store: "sqlite" (also NULL), or a
 * postgresql:// URI naming a new, empty database (never the center's
 * own: its store is ahead of the copied log and would be refused); the
 * copy's first `truce serve` or `truce rebuild` fills it from the log.
 * *size gets the number of log entries copied. 0, or -1 with the reason
 * in err (dest not made).
 */
int backup_center(const char *dir, const char *dest, const char *store,
    int64_t *size, char *err, size_t errlen);

#endif
