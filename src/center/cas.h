/*
 * cas: the center's content-addressed evidence store under DIR/evidence/
 * (docs/verification.md "Evidence"; docs/storage.md).
 *
 *   DIR/evidence/sha256/ab/abcdef...   one file per item, named by the
 *                                      lower-case hex SHA-256 of its bytes,
 *                                      mode 0440, never rewritten
 *   DIR/evidence/tmp/                  uploads in progress
 *
 * An upload is streamed into a temporary file while it is hashed, synced,
 * checked against the digest the uploader expected (if any), then renamed
 * into place and the directory synced: an item either is complete under
 * its digest or does not exist. The same bytes uploaded twice are stored
 * once. Who uploaded and fetched an item is recorded in the log, not here.
 */
#ifndef TRUCE_CAS_H
#define TRUCE_CAS_H

#include <stddef.h>
#include <stdint.h>

#define CAS_HEX_LEN 64

struct cas_writer;

/*
 * Starts an upload under root (DIR/evidence, created if missing). NULL
 * with the reason in err.
 */
struct cas_writer *cas_writer_new(const char *root, char *err, size_t errlen);

/* Appends len bytes to the upload (and its hash). 0, or -1 with err. */
int cas_writer_write(struct cas_writer *w, const void *data, size_t len,
    char *err, size_t errlen);

/*
 * Completes the upload: syncs it and computes its SHA-256 (hex into hex,
 * size into *size). If expected (32 bytes) is not NULL and differs,
 * discards the upload, sets *mismatch and returns -1. Otherwise stores it
 * under its digest (*existed = 1 if those bytes were stored already, then
 * the copy is discarded) and returns 0. -1 with the reason in err on an
 * I/O error. The writer must still be freed.
 */
int cas_writer_finish(struct cas_writer *w, const uint8_t *expected,
    char hex[CAS_HEX_LEN + 1], int64_t *size, int *existed, int *mismatch,
    char *err, size_t errlen);

/* Frees w, deleting an unfinished upload; NULL does nothing. */
void cas_writer_free(struct cas_writer *w);

/*
 * Opens item hex (64 lower-case hex) under root for reading and, to prove
 * the bytes are still the ones named, hashes them all first (cost: one
 * read of the file). Returns 0 with a file descriptor positioned at 0 in
 * *fd (the caller closes it) and the size in *size, or -1 with the reason
 * in err (*corrupt = 1 when the bytes no longer match their name).
 */
int cas_open(const char *root, const char *hex, int *fd, int64_t *size,
    int *corrupt, char *err, size_t errlen);

#endif
