/*
 * checkpoint: the C2SP tlog-checkpoint note text (c2sp.org/tlog-checkpoint)
 * of an RFC 6962 SHA-256 log:
 *
 *   <origin>\n
 *   <tree size: decimal, no leading zeros>\n
 *   <root hash: base64 of 32 bytes>\n
 *   [<extension line>\n ...]
 *
 * Parsing is strict (docs/tlog.md): a non-empty origin of at most
 * CHECKPOINT_ORIGIN_MAX bytes, "0" or a size without leading zeros or sign
 * up to 2^63 - 1, 44 characters of canonical padded base64 decoding to
 * exactly 32 bytes, non-empty extension lines, UTF-8 without control
 * characters, every line ending in "\n". The signatures around it are
 * tlog/note.h's business. Pure: errors go to the caller's err buffer.
 */
#ifndef TRUCE_CHECKPOINT_H
#define TRUCE_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "tlog/merkle.h"

#define CHECKPOINT_ORIGIN_MAX 1024 /* bytes in the origin line */
#define CHECKPOINT_TEXT_MAX 65536  /* bytes in a checkpoint body */

struct checkpoint;

/*
 * Parses the checkpoint body text[0..len-1] (a note text, without its
 * signatures). Returns a new struct checkpoint (free with checkpoint_free)
 * or NULL with the reason in err (errlen bytes). Cost: O(len).
 */
struct checkpoint *checkpoint_parse(const uint8_t *text, size_t len, char *err,
    size_t errlen);

/* Frees c; checkpoint_free(NULL) does nothing. */
void checkpoint_free(struct checkpoint *c);

/* The origin line without "\n", NUL-terminated; lives as long as c. */
const char *checkpoint_origin(const struct checkpoint *c);

/* The tree size. */
int64_t checkpoint_size(const struct checkpoint *c);

/* The 32-byte root hash; lives as long as c. */
const uint8_t *checkpoint_root(const struct checkpoint *c);

/*
 * The extension lines, each ending in "\n", as one string of *len bytes
 * (0 if none; NUL-terminated); lives as long as c.
 */
const char *checkpoint_extensions(const struct checkpoint *c, size_t *len);

/*
 * Writes the checkpoint body for origin, size and root, then the extension
 * lines ext (NULL or "" for none; else non-empty lines each ending in
 * "\n"), and a NUL, to buf (cap bytes); *outlen gets the length without the
 * NUL. The result always parses back with checkpoint_parse. Returns -1 with
 * the reason in err for arguments that would not, or a buffer too small.
 */
int checkpoint_format(const char *origin, int64_t size,
    const uint8_t root[MERKLE_HASH_SIZE], const char *ext, char *buf,
    size_t cap, size_t *outlen, char *err, size_t errlen);

#endif
