/*
 * keyfile: private key files (C2SP signed-note / Go note "PRIVATE+KEY+..."
 * text, one line). Written once with mode 0600 and O_EXCL (never
 * overwritten), synced; read back with a size limit and a mode check.
 */
#ifndef TRUCE_KEYFILE_H
#define TRUCE_KEYFILE_H

#include <stddef.h>

struct note_signer;

/* Writes signer's private key to path (must not exist). 0 or -1 + err. */
int keyfile_write(const char *path, const struct note_signer *signer, char *err,
    size_t errlen);

/*
 * Reads the private key at path into a new signer (caller frees with
 * note_signer_free). Refuses a file readable by group or others. NULL with
 * the reason in err.
 */
struct note_signer *keyfile_read(const char *path, char *err, size_t errlen);

#endif
