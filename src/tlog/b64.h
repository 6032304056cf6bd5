/*
 * b64: standard base64 (RFC 4648 §4, with padding) for the transparency-log
 * formats, which all use it: hashes, keys, proof lines, signatures.
 *
 * One place for one reason: libsodium 1.0.18's sodium_base642bin() takes
 * any byte >= 0x80 for an alphabet character (its constant-time lookup
 * assumes unsigned chars), so "canonical" input would not be unique. These
 * functions check the alphabet first and then let libsodium decode.
 */
#ifndef TRUCE_B64_H
#define TRUCE_B64_H

#include <stddef.h>
#include <stdint.h>

/*
 * Strict: s[0..len-1] must be whole 4-character groups of the standard
 * alphabet with '=' padding only at the end and zero spare bits, decoding
 * to at most cap bytes into out (*outlen bytes). Returns 0, or -1 with out
 * and *outlen undefined / untouched. The empty string decodes to nothing.
 */
int b64_decode(const char *s, size_t len, uint8_t *out, size_t cap,
    size_t *outlen);

/*
 * As b64_decode, but the spare bits of the last character before the
 * padding are ignored, as Go's base64.StdEncoding does (golang.org/x/mod's
 * note package decodes signatures so). At most 16 KiB of input.
 */
int b64_decode_go(const char *s, size_t len, uint8_t *out, size_t cap,
    size_t *outlen);

/*
 * Encodes in[0..len-1] with padding and a NUL into out (cap bytes, at least
 * 4 * ceil(len / 3) + 1). Returns -1 if cap is too small.
 */
int b64_encode(const uint8_t *in, size_t len, char *out, size_t cap);

/*
 * As b64_encode (the same output), but with table lookups indexed by the
 * data: several times faster than libsodium's constant-time encoder and
 * NOT constant-time, so for public data only (Merkle hashes, roots,
 * proofs), never for keys or tokens.
 */
int b64_encode_public(const uint8_t *in, size_t len, char *out, size_t cap);

#endif
