/*
 * canon: canonical JSON for log entries (DESIGN.md "The record").
 *
 * Follows RFC 8785 (JSON Canonicalization Scheme) restricted to integers:
 * object members sorted by key, no insignificant white space, strings as
 * UTF-8 with only the escapes of RFC 8785 §3.2.2.2 (\b \t \n \f \r \" \\ and
 * \u00xx in lower-case hex for the other control characters). Numbers must be
 * integers in the I-JSON safe range ±(2^53-1); a real number is an error, so
 * every implementation writes the same bytes. Keys are compared byte-wise,
 * which equals RFC 8785's UTF-16 order for the ASCII keys truce uses.
 */
#ifndef TRUCE_CANON_H
#define TRUCE_CANON_H

#include <stddef.h>
#include <jansson.h>

#define CANON_MAX_DEPTH 16
#define CANON_SAFE_INT 9007199254740991LL /* 2^53 - 1 */

/*
 * Encodes v into a new NUL-terminated buffer; *out (caller frees with free())
 * and *outlen (without the NUL) are set on success. Returns -1 and leaves the
 * outputs untouched for a real number, an integer outside the safe range, or
 * nesting deeper than CANON_MAX_DEPTH (errno EINVAL), or when memory runs out
 * (errno ENOMEM). Cost: O(size + keys log keys).
 */
int canon_encode(const json_t *v, char **out, size_t *outlen);

#endif
