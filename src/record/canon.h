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

/*
 * A growing buffer of canonical bytes, for writers that know their
 * members' order and skip the jansson tree (the state digests' incident
 * rows, format/increcord.h). Start it zeroed; p is NUL-terminated once
 * anything was put; free(p) at the end. failed is set (and later puts
 * ignored) when memory runs out.
 */
struct canon_buf {
	char *p;
	size_t len, cap;
	int failed;
};

/* Appends s[0..n-1] as it is (punctuation, keys the caller knows). */
void canon_put(struct canon_buf *b, const char *s, size_t n);
/* Appends s[0..n-1] as a canonical JSON string (escaped as above). */
void canon_put_string(struct canon_buf *b, const char *s, size_t n);
/* Appends iv in decimal; -1 (nothing put) outside the safe range. */
int canon_put_int(struct canon_buf *b, json_int_t iv);

#endif
