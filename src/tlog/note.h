/*
 * note: C2SP signed notes (c2sp.org/signed-note) with Ed25519 signatures
 * (signature type 0x01) and C2SP tlog-cosignature/v1 Ed25519 cosignatures
 * (type 0x04), key formats compatible with golang.org/x/mod/sumdb/note:
 *
 *   verifier key (vkey)  <name>+<hex key id>+base64(type || 32-byte public key)
 *   signer key (skey)    PRIVATE+KEY+<name>+<hex key id>+base64(type || seed)
 *   signed note          <text ending in \n>\n— <name> base64(key id || sig)\n...
 *
 * key id = first 4 bytes, big-endian, of SHA-256(name || 0x0A || type ||
 * public key). A cosignature (type 0x04) signs "cosignature/v1\ntime
 * <decimal timestamp>\n" || note text, and its signature is timestamp (8
 * bytes, big-endian) || Ed25519 signature. Go's note package knows only type
 * 0x01; skeys of type 0x04 are a truce extension (same layout).
 *
 * Pure: no I/O (key generation draws from libsodium's CSPRNG). Errors are
 * described in the caller's err buffer (errlen bytes), never logged here.
 */
#ifndef TRUCE_NOTE_H
#define TRUCE_NOTE_H

#include <stddef.h>
#include <stdint.h>

#define NOTE_MAX_SIZE (1 << 20) /* bytes in a signed note */
#define NOTE_MAX_SIGNATURES 100 /* signature lines in a note */
#define NOTE_MAX_SIG_BYTES 8192 /* decoded key id + signature */
#define NOTE_NAME_MAX 256	/* bytes in a key name we hold */
#define NOTE_KEY_ED25519 0x01
#define NOTE_KEY_COSIGNATURE 0x04
#define NOTE_COSIGNATURE_SIZE 76 /* key id + timestamp + signature */
/* Text forms: vkey, skey, one signature line (with "\n"), plus NUL. */
#define NOTE_VKEY_MAX (NOTE_NAME_MAX + 1 + 8 + 1 + 44 + 1)
#define NOTE_SKEY_MAX (12 + NOTE_VKEY_MAX)
#define NOTE_SIGLINE_MAX (4 + NOTE_NAME_MAX + 1 + 104 + 1 + 1)

/* Why note_open refused a note. */
enum note_error {
	NOTE_OK = 0,
	NOTE_MALFORMED,		/* not a signed note, or over a limit */
	NOTE_NO_VERIFIABLE,	/* no signature from a known key */
	NOTE_INVALID_SIGNATURE, /* a known key's signature does not verify */
	NOTE_NOMEM
};

struct note_verifier;
struct note_signer;
struct note;

/*
 * 0 if name is a valid key name: non-empty, at most NOTE_NAME_MAX bytes of
 * UTF-8 with no Unicode space, no '+' and no control character; else -1.
 */
int note_name_check(const char *name, size_t len);

/*
 * 0 if text[0..len-1] may be (part of) a note: valid UTF-8 without ASCII
 * control characters other than newline; else -1 with the reason in err.
 * Cost: O(len).
 */
int note_text_check(const uint8_t *text, size_t len, char *err, size_t errlen);

/*
 * Parses a vkey (vkey[0..len-1]) of type 0x01 or 0x04. The key id must be 8
 * lower-case hex digits and match the key; the key 33 bytes of canonical
 * base64. Returns a new verifier (free with note_verifier_free) or NULL with
 * the reason in err.
 */
struct note_verifier *note_verifier_parse(const char *vkey, size_t len,
    char *err, size_t errlen);

/*
 * A verifier for the raw 32-byte Ed25519 public key pub under name, of type
 * NOTE_KEY_ED25519 or NOTE_KEY_COSIGNATURE; NULL with the reason in err.
 */
struct note_verifier *note_verifier_new(const char *name, int type,
    const uint8_t pub[32], char *err, size_t errlen);

/* Frees v; note_verifier_free(NULL) does nothing. */
void note_verifier_free(struct note_verifier *v);

/* Accessors; the name is NUL-terminated and lives as long as v. */
const char *note_verifier_name(const struct note_verifier *v);
uint32_t note_verifier_key_id(const struct note_verifier *v);
int note_verifier_type(const struct note_verifier *v);
const uint8_t *note_verifier_public_key(const struct note_verifier *v);

/* Writes v's vkey and a NUL to buf; -1 if len is too small. */
int note_verifier_format(const struct note_verifier *v, char *buf, size_t len);

/*
 * Parses a signer key (skey[0..len-1], Go note format, type 0x01 or 0x04:
 * base64 of the type byte and the 32-byte Ed25519 seed). The key id must
 * match the key. Returns a new signer (free with note_signer_free, which
 * wipes the secret) or NULL with the reason in err.
 */
struct note_signer *note_signer_parse(const char *skey, size_t len, char *err,
    size_t errlen);

/* A signer from a 32-byte Ed25519 seed; NULL with the reason in err. */
struct note_signer *note_signer_from_seed(const char *name, int type,
    const uint8_t seed[32], char *err, size_t errlen);

/* A new signer with a fresh random key; NULL with the reason in err. */
struct note_signer *note_signer_generate(const char *name, int type, char *err,
    size_t errlen);

/* Wipes and frees s; note_signer_free(NULL) does nothing. */
void note_signer_free(struct note_signer *s);

/* Accessors, as for verifiers. */
const char *note_signer_name(const struct note_signer *s);
uint32_t note_signer_key_id(const struct note_signer *s);
int note_signer_type(const struct note_signer *s);

/* Writes s's skey (the secret!) and a NUL to buf; -1 if too small. */
int note_signer_format(const struct note_signer *s, char *buf, size_t len);

/* Writes the vkey of s's public key and a NUL to buf; -1 if too small. */
int note_signer_vkey(const struct note_signer *s, char *buf, size_t len);

/* A new verifier for s's public key (free with note_verifier_free). */
struct note_verifier *note_signer_verifier(const struct note_signer *s);

/*
 * The message a cosignature with this timestamp signs over text:
 * "cosignature/v1\ntime <timestamp>\n" || text, into buf (cap bytes, no
 * NUL), its length in *outlen. Returns -1 if it does not fit or timestamp
 * exceeds 2^63 - 1.
 */
int note_cosignature_message(const uint8_t *text, size_t len,
    uint64_t timestamp, uint8_t *buf, size_t cap, size_t *outlen);

/*
 * The timestamp of a cosignature/v1 signature blob (key id || timestamp ||
 * signature, exactly NOTE_COSIGNATURE_SIZE bytes, as decoded from a
 * signature line). Returns -1 for any other length or a timestamp above
 * 2^63 - 1.
 */
int note_cosignature_timestamp(const uint8_t *blob, size_t len,
    uint64_t *timestamp);

/*
 * Signs note text text[0..len-1] (non-empty, ending in "\n", passing
 * note_text_check, at most NOTE_MAX_SIZE bytes) and writes the signature
 * line "— <name> <base64(key id || signature)>\n" and a NUL to line (room
 * for NOTE_SIGLINE_MAX). A cosignature signer signs the cosignature/v1
 * message with timestamp (at most 2^63 - 1); an Ed25519 signer ignores
 * timestamp. Appending the line to a signed note adds the signature.
 * Returns -1 with the reason in err.
 */
int note_signature_line(const struct note_signer *s, const uint8_t *text,
    size_t len, uint64_t timestamp, char *line, size_t linelen, char *err,
    size_t errlen);

/*
 * The signed note text || "\n" || signature line, in a new NUL-terminated
 * buffer *out (caller frees with free()) of *outlen bytes (without the NUL).
 * Same rules and errors as note_signature_line.
 */
int note_sign(const struct note_signer *s, const uint8_t *text, size_t len,
    uint64_t timestamp, char **out, size_t *outlen, char *err, size_t errlen);

/*
 * Parses one signature line (line[0..len-1], without its "\n"): sets *name
 * and *namelen to the key name inside line, *key_id, and the decoded key id
 * || signature blob into blob (cap bytes) and *bloblen. Base64 is decoded
 * as Go does (spare bits ignored). Returns -1 with the reason in err for a
 * malformed line.
 */
int note_signature_parse(const char *line, size_t len, const char **name,
    size_t *namelen, uint32_t *key_id, uint8_t *blob, size_t cap,
    size_t *bloblen, char *err, size_t errlen);

/*
 * 0 if msg[0..len-1] is a well-formed signed note (size, encoding, a blank
 * line then 1..NOTE_MAX_SIGNATURES well-formed signature lines); *textlen
 * gets the length of its text. -1 with the reason in err otherwise. Does no
 * signature verification (use it to read the text before choosing keys).
 */
int note_split(const uint8_t *msg, size_t len, size_t *textlen, char *err,
    size_t errlen);

/*
 * Opens a signed note against the known verifiers (known[0..nknown-1]; the
 * caller keeps them alive while the note is used). Rules (C2SP signed-note,
 * decisions in docs/tlog.md): a malformed note, more than
 * NOTE_MAX_SIGNATURES lines or more than NOTE_MAX_SIZE bytes is
 * NOTE_MALFORMED; lines whose (name, key id) match no known key are ignored
 * (kept, deduplicated, as unverified lines); every distinct line from a
 * known key must verify, else NOTE_INVALID_SIGNATURE; identical repeated
 * lines are dropped; with no verified signature, NOTE_NO_VERIFIABLE.
 * Returns a new struct note (free with note_free) or NULL with *error and
 * a message in err. Cost: O(len) plus one Ed25519 verification per distinct
 * known-key line.
 */
struct note *note_open(const uint8_t *msg, size_t len,
    const struct note_verifier *const *known, size_t nknown,
    enum note_error *error, char *err, size_t errlen);

/* Frees n; note_free(NULL) does nothing. */
void note_free(struct note *n);

/* The note text (ends in "\n"), *len bytes, valid while n lives. */
const uint8_t *note_text(const struct note *n, size_t *len);

/*
 * The verified keys, in the order of their first signature line:
 * note_verified_key returns one of the caller's known verifiers, and
 * note_verified_timestamp its cosignature timestamp (0 for Ed25519).
 */
size_t note_verified_count(const struct note *n);
const struct note_verifier *note_verified_key(const struct note *n, size_t i);
uint64_t note_verified_timestamp(const struct note *n, size_t i);

/* The ignored lines from unknown keys, without "\n", valid while n lives. */
size_t note_unverified_count(const struct note *n);
const char *note_unverified_line(const struct note *n, size_t i, size_t *len);

#endif
