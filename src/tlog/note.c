/*
 * note: C2SP signed notes, Ed25519 (0x01) signatures and tlog-cosignature/v1
 * (0x04) cosignatures; see note.h for the formats and rules.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "tlog/b64.h"
#include "tlog/note.h"

#define SEED_SIZE crypto_sign_SEEDBYTES	    /* 32 */
#define PUB_SIZE crypto_sign_PUBLICKEYBYTES /* 32 */
#define SIG_SIZE crypto_sign_BYTES	    /* 64 */
#define COSIG_HEADER_MAX 48 /* "cosignature/v1\ntime <20 digits>\n" */

/* The signature line prefix: U+2014 EM DASH, space. */
static const char sig_prefix[] = "\xe2\x80\x94 ";
#define SIG_PREFIX_LEN 4

struct note_verifier {
	char name[NOTE_NAME_MAX + 1];
	int type;
	uint32_t key_id;
	uint8_t pub[PUB_SIZE];
};

struct note_signer {
	char name[NOTE_NAME_MAX + 1];
	int type;
	uint32_t key_id;
	uint8_t pub[PUB_SIZE];
	uint8_t seed[SEED_SIZE];
	uint8_t sk[crypto_sign_SECRETKEYBYTES];
};

struct note_line {
	const char *p; /* into the note copy, without "\n" */
	size_t len;
};

struct note {
	uint8_t *msg; /* copy of the signed note */
	size_t textlen;
	size_t nverified;
	const struct note_verifier *verified[NOTE_MAX_SIGNATURES];
	uint64_t timestamp[NOTE_MAX_SIGNATURES];
	size_t nunverified;
	struct note_line unverified[NOTE_MAX_SIGNATURES];
};

static void
seterr(char *err, size_t errlen, const char *msg)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s", msg);
}

/*
 * Decodes one UTF-8 sequence at s[0..len-1] (RFC 3629: no overlongs, no
 * surrogates, at most U+10FFFF). Returns its length and sets *cp, or 0.
 */
static size_t
utf8_decode(const uint8_t *s, size_t len, uint32_t *cp)
{
	uint32_t c;
	size_t n, i;
	uint8_t lo = 0x80, hi = 0xbf;

	if (len == 0)
		return 0;
	c = s[0];
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		c &= 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
		c &= 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
		c &= 0x07;
	} else {
		return 0;
	}
	if (len < n)
		return 0;
	for (i = 1; i < n; i++) {
		if (s[i] < lo || s[i] > hi)
			return 0;
		lo = 0x80;
		hi = 0xbf;
		c = (c << 6) | (s[i] & 0x3f);
	}
	*cp = c;
	return n;
}

/* Unicode White_Space (Go's unicode.IsSpace). */
static int
is_space(uint32_t c)
{
	return c == ' ' || (c >= 0x09 && c <= 0x0d) || c == 0x85 || c == 0xa0 ||
	    c == 0x1680 || (c >= 0x2000 && c <= 0x200a) || c == 0x2028 ||
	    c == 0x2029 || c == 0x202f || c == 0x205f || c == 0x3000;
}

int
note_text_check(const uint8_t *text, size_t len, char *err, size_t errlen)
{
	size_t i = 0, n;
	uint32_t c;
	char msg[96];

	while (i < len) {
		n = utf8_decode(text + i, len - i, &c);
		if (n == 0) {
			snprintf(msg, sizeof(msg), "invalid UTF-8 at byte %zu",
			    i);
			seterr(err, errlen, msg);
			return -1;
		}
		if (c < 0x20 && c != '\n') {
			snprintf(msg, sizeof(msg),
			    "control character 0x%02x at byte %zu", c, i);
			seterr(err, errlen, msg);
			return -1;
		}
		i += n;
	}
	return 0;
}

/* The characters of a key name, at any length: see note_name_check. */
static int
name_chars_ok(const char *name, size_t len)
{
	const uint8_t *s = (const uint8_t *)name;
	size_t i = 0, n;
	uint32_t c;

	if (len == 0)
		return 0;
	while (i < len) {
		n = utf8_decode(s + i, len - i, &c);
		if (n == 0 || c < 0x20 || c == 0x7f || c == '+' || is_space(c))
			return 0;
		i += n;
	}
	return 1;
}

int
note_name_check(const char *name, size_t len)
{
	return len <= NOTE_NAME_MAX && name_chars_ok(name, len) ? 0 : -1;
}

static uint32_t
key_id(const char *name, int type, const uint8_t pub[PUB_SIZE])
{
	crypto_hash_sha256_state st;
	uint8_t h[crypto_hash_sha256_BYTES], b[2];

	b[0] = '\n';
	b[1] = (uint8_t)type;
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *)name, strlen(name));
	crypto_hash_sha256_update(&st, b, 2);
	crypto_hash_sha256_update(&st, pub, PUB_SIZE);
	crypto_hash_sha256_final(&st, h);
	return (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 |
	    (uint32_t)h[2] << 8 | h[3];
}

static int
type_ok(int type)
{
	return type == NOTE_KEY_ED25519 || type == NOTE_KEY_COSIGNATURE;
}

/* Splits s[0..len-1] at the first '+': head, then the rest. */
static int
chop_plus(const char **s, size_t *len, const char **head, size_t *headlen)
{
	const char *plus = memchr(*s, '+', *len);

	if (plus == NULL)
		return -1;
	*head = *s;
	*headlen = (size_t)(plus - *s);
	*len -= *headlen + 1;
	*s = plus + 1;
	return 0;
}

/* Exactly 8 lower-case hex digits. */
static int
parse_key_id(const char *s, size_t len, uint32_t *id)
{
	size_t i;
	uint32_t v = 0;

	if (len != 8)
		return -1;
	for (i = 0; i < 8; i++) {
		if (s[i] >= '0' && s[i] <= '9')
			v = v << 4 | (uint32_t)(s[i] - '0');
		else if (s[i] >= 'a' && s[i] <= 'f')
			v = v << 4 | (uint32_t)(s[i] - 'a' + 10);
		else
			return -1;
	}
	*id = v;
	return 0;
}

/*
 * Parses "<name>+<hexid>+<base64(type || 32 bytes)>" (the part of a vkey or
 * skey after any PRIVATE+KEY+): name into name, the rest into the outputs.
 */
static int
parse_key(const char *s, size_t len, const char *what, char *name, uint32_t *id,
    int *type, uint8_t key[32], char *err, size_t errlen)
{
	const char *part, *b64 = NULL;
	size_t partlen, got = 0;
	uint8_t raw[33];
	char msg[160];
	int r = -1;

	if (chop_plus(&s, &len, &part, &partlen) == -1 ||
	    note_name_check(part, partlen) == -1) {
		snprintf(msg, sizeof(msg),
		    "%s: key name missing or invalid (1..%d bytes, no spaces "
		    "or '+')",
		    what, NOTE_NAME_MAX);
		seterr(err, errlen, msg);
		goto out;
	}
	memcpy(name, part, partlen);
	name[partlen] = '\0';
	if (chop_plus(&s, &len, &part, &partlen) == -1 ||
	    parse_key_id(part, partlen, id) == -1) {
		snprintf(msg, sizeof(msg),
		    "%s: key id must be 8 lower-case hex digits", what);
		seterr(err, errlen, msg);
		goto out;
	}
	b64 = s;
	if (len != 44 || b64_decode(b64, len, raw, sizeof(raw), &got) != 0 ||
	    got != sizeof(raw)) {
		snprintf(msg, sizeof(msg),
		    "%s: key must be 44 characters of canonical base64 "
		    "(type byte and 32-byte key)",
		    what);
		seterr(err, errlen, msg);
		goto out;
	}
	if (!type_ok(raw[0])) {
		snprintf(msg, sizeof(msg),
		    "%s: unsupported signature type 0x%02x (want 0x01 Ed25519 "
		    "or 0x04 cosignature)",
		    what, raw[0]);
		seterr(err, errlen, msg);
		goto out;
	}
	*type = raw[0];
	memcpy(key, raw + 1, 32);
	r = 0;
out:
	sodium_memzero(raw, sizeof(raw));
	return r;
}

struct note_verifier *
note_verifier_new(const char *name, int type, const uint8_t pub[32], char *err,
    size_t errlen)
{
	struct note_verifier *v;

	if (name == NULL || note_name_check(name, strlen(name)) == -1 ||
	    !type_ok(type)) {
		seterr(err, errlen, "verifier: invalid key name or type");
		return NULL;
	}
	if ((v = calloc(1, sizeof(*v))) == NULL) {
		seterr(err, errlen, "verifier: out of memory");
		return NULL;
	}
	snprintf(v->name, sizeof(v->name), "%s", name);
	v->type = type;
	memcpy(v->pub, pub, PUB_SIZE);
	v->key_id = key_id(v->name, type, v->pub);
	return v;
}

struct note_verifier *
note_verifier_parse(const char *vkey, size_t len, char *err, size_t errlen)
{
	char name[NOTE_NAME_MAX + 1];
	uint8_t pub[PUB_SIZE];
	uint32_t id;
	int type;
	struct note_verifier *v = NULL;

	if (len >= NOTE_VKEY_MAX || memchr(vkey, '\0', len) != NULL) {
		seterr(err, errlen, "vkey: longer than the 310-byte limit");
		return NULL;
	}
	if (parse_key(vkey, len, "vkey", name, &id, &type, pub, err, errlen) ==
	    -1)
		return NULL;
	if (key_id(name, type, pub) != id) {
		seterr(err, errlen, "vkey: key id does not match the key");
		return NULL;
	}
	v = note_verifier_new(name, type, pub, err, errlen);
	return v;
}

void
note_verifier_free(struct note_verifier *v)
{
	free(v);
}

const char *
note_verifier_name(const struct note_verifier *v)
{
	return v->name;
}

uint32_t
note_verifier_key_id(const struct note_verifier *v)
{
	return v->key_id;
}

int
note_verifier_type(const struct note_verifier *v)
{
	return v->type;
}

const uint8_t *
note_verifier_public_key(const struct note_verifier *v)
{
	return v->pub;
}

/* "<prefix><name>+<id>+base64(type || key)" into buf. */
static int
format_key(const char *prefix, const char *name, uint32_t id, int type,
    const uint8_t key[32], char *buf, size_t len)
{
	uint8_t raw[33];
	char b64[48];
	int w;

	raw[0] = (uint8_t)type;
	memcpy(raw + 1, key, 32);
	sodium_bin2base64(b64, sizeof(b64), raw, sizeof(raw),
	    sodium_base64_VARIANT_ORIGINAL);
	w = snprintf(buf, len, "%s%s+%08x+%s", prefix, name, (unsigned)id, b64);
	sodium_memzero(raw, sizeof(raw));
	sodium_memzero(b64, sizeof(b64));
	if (w < 0 || (size_t)w >= len)
		return -1;
	return 0;
}

int
note_verifier_format(const struct note_verifier *v, char *buf, size_t len)
{
	return format_key("", v->name, v->key_id, v->type, v->pub, buf, len);
}

struct note_signer *
note_signer_from_seed(const char *name, int type, const uint8_t seed[32],
    char *err, size_t errlen)
{
	struct note_signer *s;

	if (name == NULL || note_name_check(name, strlen(name)) == -1 ||
	    !type_ok(type)) {
		seterr(err, errlen, "signer: invalid key name or type");
		return NULL;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		seterr(err, errlen, "signer: out of memory");
		return NULL;
	}
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->type = type;
	memcpy(s->seed, seed, SEED_SIZE);
	crypto_sign_seed_keypair(s->pub, s->sk, s->seed);
	s->key_id = key_id(s->name, type, s->pub);
	return s;
}

struct note_signer *
note_signer_parse(const char *skey, size_t len, char *err, size_t errlen)
{
	char name[NOTE_NAME_MAX + 1];
	uint8_t seed[SEED_SIZE];
	uint32_t id;
	int type;
	struct note_signer *s = NULL;

	if (len >= NOTE_SKEY_MAX || memchr(skey, '\0', len) != NULL) {
		seterr(err, errlen, "skey: longer than the 322-byte limit");
		goto out;
	}
	if (len < 12 || memcmp(skey, "PRIVATE+KEY+", 12) != 0) {
		seterr(err, errlen, "skey: does not start with PRIVATE+KEY+");
		goto out;
	}
	if (parse_key(skey + 12, len - 12, "skey", name, &id, &type, seed, err,
		errlen) == -1)
		goto out;
	s = note_signer_from_seed(name, type, seed, err, errlen);
	if (s != NULL && s->key_id != id) {
		seterr(err, errlen, "skey: key id does not match the key");
		note_signer_free(s);
		s = NULL;
	}
out:
	sodium_memzero(seed, sizeof(seed));
	return s;
}

struct note_signer *
note_signer_generate(const char *name, int type, char *err, size_t errlen)
{
	uint8_t seed[SEED_SIZE];
	struct note_signer *s = NULL;

	if (sodium_init() == -1) {
		seterr(err, errlen, "signer: libsodium failed to initialise");
		goto out;
	}
	randombytes_buf(seed, sizeof(seed));
	s = note_signer_from_seed(name, type, seed, err, errlen);
out:
	sodium_memzero(seed, sizeof(seed));
	return s;
}

void
note_signer_free(struct note_signer *s)
{
	if (s == NULL)
		return;
	sodium_memzero(s, sizeof(*s));
	free(s);
}

const char *
note_signer_name(const struct note_signer *s)
{
	return s->name;
}

uint32_t
note_signer_key_id(const struct note_signer *s)
{
	return s->key_id;
}

int
note_signer_type(const struct note_signer *s)
{
	return s->type;
}

int
note_signer_format(const struct note_signer *s, char *buf, size_t len)
{
	return format_key("PRIVATE+KEY+", s->name, s->key_id, s->type, s->seed,
	    buf, len);
}

int
note_signer_vkey(const struct note_signer *s, char *buf, size_t len)
{
	return format_key("", s->name, s->key_id, s->type, s->pub, buf, len);
}

struct note_verifier *
note_signer_verifier(const struct note_signer *s)
{
	return note_verifier_new(s->name, s->type, s->pub, NULL, 0);
}

int
note_cosignature_message(const uint8_t *text, size_t len, uint64_t timestamp,
    uint8_t *buf, size_t cap, size_t *outlen)
{
	char head[COSIG_HEADER_MAX];
	int w;

	if (timestamp > (uint64_t)INT64_MAX)
		return -1;
	w = snprintf(head, sizeof(head), "cosignature/v1\ntime %llu\n",
	    (unsigned long long)timestamp);
	if (w < 0 || (size_t)w >= sizeof(head) || cap < (size_t)w ||
	    cap - (size_t)w < len)
		return -1;
	memcpy(buf, head, (size_t)w);
	if (len > 0)
		memcpy(buf + w, text, len);
	*outlen = (size_t)w + len;
	return 0;
}

static uint64_t
get_be64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static void
put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

int
note_cosignature_timestamp(const uint8_t *blob, size_t len, uint64_t *timestamp)
{
	uint64_t t;

	if (len != NOTE_COSIGNATURE_SIZE)
		return -1;
	t = get_be64(blob + 4);
	if (t > (uint64_t)INT64_MAX)
		return -1;
	*timestamp = t;
	return 0;
}

/* The note text rules shared by signing: non-empty, "\n"-terminated. */
static int
text_ok(const uint8_t *text, size_t len, char *err, size_t errlen)
{
	char msg[128];

	if (len == 0 || len > NOTE_MAX_SIZE || text[len - 1] != '\n') {
		snprintf(msg, sizeof(msg),
		    "note text must be 1..%d bytes ending in a newline",
		    NOTE_MAX_SIZE);
		seterr(err, errlen, msg);
		return -1;
	}
	if (note_text_check(text, len, msg, sizeof(msg)) == -1) {
		seterr(err, errlen, msg);
		return -1;
	}
	return 0;
}

int
note_signature_line(const struct note_signer *s, const uint8_t *text,
    size_t len, uint64_t timestamp, char *line, size_t linelen, char *err,
    size_t errlen)
{
	uint8_t blob[NOTE_COSIGNATURE_SIZE], *msg = NULL;
	char b64[sizeof(blob) * 4 / 3 + 4];
	size_t bloblen, msglen, cap;
	int w, r = -1;

	if (text_ok(text, len, err, errlen) == -1)
		goto out;
	put_be32(blob, s->key_id);
	if (s->type == NOTE_KEY_ED25519) {
		crypto_sign_detached(blob + 4, NULL, text, len, s->sk);
		bloblen = 4 + SIG_SIZE;
	} else {
		cap = COSIG_HEADER_MAX + len;
		if ((msg = malloc(cap)) == NULL) {
			seterr(err, errlen, "sign: out of memory");
			goto out;
		}
		if (note_cosignature_message(text, len, timestamp, msg, cap,
			&msglen) == -1) {
			seterr(err, errlen,
			    "sign: cosignature timestamp above 2^63 - 1");
			goto out;
		}
		for (w = 0; w < 8; w++)
			blob[4 + w] = (uint8_t)(timestamp >> (56 - 8 * w));
		crypto_sign_detached(blob + 12, NULL, msg, msglen, s->sk);
		bloblen = NOTE_COSIGNATURE_SIZE;
	}
	sodium_bin2base64(b64, sizeof(b64), blob, bloblen,
	    sodium_base64_VARIANT_ORIGINAL);
	w = snprintf(line, linelen, "%s%s %s\n", sig_prefix, s->name, b64);
	if (w < 0 || (size_t)w >= linelen) {
		seterr(err, errlen, "sign: signature line buffer too small");
		goto out;
	}
	r = 0;
out:
	free(msg);
	return r;
}

int
note_sign(const struct note_signer *s, const uint8_t *text, size_t len,
    uint64_t timestamp, char **out, size_t *outlen, char *err, size_t errlen)
{
	char line[NOTE_SIGLINE_MAX];
	size_t linelen;
	char *buf;

	if (note_signature_line(s, text, len, timestamp, line, sizeof(line),
		err, errlen) == -1)
		return -1;
	linelen = strlen(line);
	if ((buf = malloc(len + 1 + linelen + 1)) == NULL) {
		seterr(err, errlen, "sign: out of memory");
		return -1;
	}
	memcpy(buf, text, len);
	buf[len] = '\n';
	memcpy(buf + len + 1, line, linelen + 1);
	*out = buf;
	*outlen = len + 1 + linelen;
	return 0;
}

int
note_signature_parse(const char *line, size_t len, const char **name,
    size_t *namelen, uint32_t *id, uint8_t *blob, size_t cap, size_t *bloblen,
    char *err, size_t errlen)
{
	const char *sp, *b64;
	size_t n, blen = 0;

	if (len < SIG_PREFIX_LEN || memcmp(line, sig_prefix, SIG_PREFIX_LEN)) {
		seterr(err, errlen,
		    "signature line does not start with an em dash and space");
		return -1;
	}
	line += SIG_PREFIX_LEN;
	len -= SIG_PREFIX_LEN;
	sp = memchr(line, ' ', len);
	if (sp == NULL) {
		seterr(err, errlen, "signature line has no signature");
		return -1;
	}
	n = (size_t)(sp - line);
	b64 = sp + 1;
	/* Names of unknown keys may be longer than the ones we hold. */
	if (!name_chars_ok(line, n)) {
		seterr(err, errlen, "signature line has an invalid key name");
		return -1;
	}
	if (b64_decode_go(b64, len - n - 1, blob, cap, &blen) == -1 ||
	    blen < 5) {
		seterr(err, errlen,
		    "signature line has a malformed or oversized base64 "
		    "signature");
		return -1;
	}
	*name = line;
	*namelen = n;
	*id = (uint32_t)blob[0] << 24 | (uint32_t)blob[1] << 16 |
	    (uint32_t)blob[2] << 8 | blob[3];
	*bloblen = blen;
	return 0;
}

int
note_split(const uint8_t *msg, size_t len, size_t *textlen, char *err,
    size_t errlen)
{
	uint8_t blob[NOTE_MAX_SIG_BYTES];
	const char *line, *name;
	size_t i, pos, end, namelen, bloblen, nsig = 0;
	uint32_t id;
	char msgbuf[128], why[96];

	if (len > NOTE_MAX_SIZE) {
		snprintf(msgbuf, sizeof(msgbuf),
		    "note of %zu bytes exceeds the %d-byte limit", len,
		    NOTE_MAX_SIZE);
		seterr(err, errlen, msgbuf);
		return -1;
	}
	if (note_text_check(msg, len, why, sizeof(why)) == -1) {
		snprintf(msgbuf, sizeof(msgbuf), "note: %s", why);
		seterr(err, errlen, msgbuf);
		return -1;
	}
	/* The text ends at the last blank line. */
	for (i = len; i >= 2; i--)
		if (msg[i - 1] == '\n' && msg[i - 2] == '\n')
			break;
	if (i < 2) {
		seterr(err, errlen, "note has no blank line before signatures");
		return -1;
	}
	pos = i;
	if (pos == len || msg[len - 1] != '\n') {
		seterr(err, errlen,
		    "note has no signature lines, or the last one does not end "
		    "in a newline");
		return -1;
	}
	while (pos < len) {
		line = (const char *)msg + pos;
		end = (size_t)((const uint8_t *)memchr(line, '\n', len - pos) -
		    msg);
		if (++nsig > NOTE_MAX_SIGNATURES) {
			snprintf(msgbuf, sizeof(msgbuf),
			    "note has more than %d signature lines",
			    NOTE_MAX_SIGNATURES);
			seterr(err, errlen, msgbuf);
			return -1;
		}
		if (note_signature_parse(line, end - pos, &name, &namelen, &id,
			blob, sizeof(blob), &bloblen, why, sizeof(why)) == -1) {
			snprintf(msgbuf, sizeof(msgbuf),
			    "note signature line %zu: %s", nsig, why);
			seterr(err, errlen, msgbuf);
			return -1;
		}
		pos = end + 1;
	}
	*textlen = i - 1;
	return 0;
}

/* Verifies one decoded signature blob of a known key over text. */
static int
verify_blob(const struct note_verifier *v, const uint8_t *text, size_t len,
    const uint8_t *blob, size_t bloblen, uint64_t *timestamp)
{
	uint8_t *msg = NULL;
	size_t cap, msglen;
	int r = -1;

	if (v->type == NOTE_KEY_ED25519) {
		if (bloblen != 4 + SIG_SIZE ||
		    crypto_sign_verify_detached(blob + 4, text, len, v->pub) !=
			0)
			goto out;
		*timestamp = 0;
		r = 0;
		goto out;
	}
	if (note_cosignature_timestamp(blob, bloblen, timestamp) == -1)
		goto out;
	cap = COSIG_HEADER_MAX + len;
	if ((msg = malloc(cap)) == NULL ||
	    note_cosignature_message(text, len, *timestamp, msg, cap,
		&msglen) == -1)
		goto out;
	if (crypto_sign_verify_detached(blob + 12, msg, msglen, v->pub) == 0)
		r = 0;
out:
	free(msg);
	return r;
}

static const struct note_verifier *
find_known(const struct note_verifier *const *known, size_t nknown,
    const char *name, size_t namelen, uint32_t id)
{
	size_t i;

	for (i = 0; i < nknown; i++)
		if (known[i]->key_id == id &&
		    strlen(known[i]->name) == namelen &&
		    memcmp(known[i]->name, name, namelen) == 0)
			return known[i];
	return NULL;
}

static int
line_seen(const struct note_line *lines, size_t n, const char *p, size_t len)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (lines[i].len == len && memcmp(lines[i].p, p, len) == 0)
			return 1;
	return 0;
}

struct note *
note_open(const uint8_t *msg, size_t len,
    const struct note_verifier *const *known, size_t nknown,
    enum note_error *error, char *err, size_t errlen)
{
	struct note *n = NULL;
	struct note_line seen[NOTE_MAX_SIGNATURES];
	uint8_t blob[NOTE_MAX_SIG_BYTES];
	const struct note_verifier *v;
	const char *line, *name;
	size_t textlen, pos, end, namelen, bloblen, nseen = 0, i;
	uint32_t id;
	uint64_t ts;
	char msgbuf[NOTE_NAME_MAX + 96];
	enum note_error e = NOTE_MALFORMED;

	if (note_split(msg, len, &textlen, err, errlen) == -1)
		goto fail;
	e = NOTE_NOMEM;
	if ((n = calloc(1, sizeof(*n))) == NULL ||
	    (n->msg = malloc(len)) == NULL) {
		seterr(err, errlen, "note: out of memory");
		goto fail;
	}
	memcpy(n->msg, msg, len);
	n->textlen = textlen;
	for (pos = textlen + 1; pos < len; pos = end + 1) {
		line = (const char *)n->msg + pos;
		end = (size_t)((const uint8_t *)memchr(line, '\n', len - pos) -
		    n->msg);
		/* note_split accepted every line already. */
		note_signature_parse(line, end - pos, &name, &namelen, &id,
		    blob, sizeof(blob), &bloblen, NULL, 0);
		v = find_known(known, nknown, name, namelen, id);
		if (v == NULL) {
			if (!line_seen(n->unverified, n->nunverified, line,
				end - pos)) {
				n->unverified[n->nunverified].p = line;
				n->unverified[n->nunverified++].len = end - pos;
			}
			continue;
		}
		if (line_seen(seen, nseen, line, end - pos))
			continue;
		seen[nseen].p = line;
		seen[nseen++].len = end - pos;
		if (verify_blob(v, n->msg, textlen, blob, bloblen, &ts) == -1) {
			snprintf(msgbuf, sizeof(msgbuf),
			    "note: invalid signature for key %s+%08x", v->name,
			    (unsigned)v->key_id);
			seterr(err, errlen, msgbuf);
			e = NOTE_INVALID_SIGNATURE;
			goto fail;
		}
		for (i = 0; i < n->nverified; i++)
			if (n->verified[i] == v)
				break;
		if (i == n->nverified) {
			n->verified[n->nverified] = v;
			n->timestamp[n->nverified++] = ts;
		}
	}
	if (n->nverified == 0) {
		seterr(err, errlen, "note: no signature from a known key");
		e = NOTE_NO_VERIFIABLE;
		goto fail;
	}
	if (error != NULL)
		*error = NOTE_OK;
	return n;
fail:
	note_free(n);
	if (error != NULL)
		*error = e;
	return NULL;
}

void
note_free(struct note *n)
{
	if (n == NULL)
		return;
	free(n->msg);
	free(n);
}

const uint8_t *
note_text(const struct note *n, size_t *len)
{
	*len = n->textlen;
	return n->msg;
}

size_t
note_verified_count(const struct note *n)
{
	return n->nverified;
}

const struct note_verifier *
note_verified_key(const struct note *n, size_t i)
{
	return i < n->nverified ? n->verified[i] : NULL;
}

uint64_t
note_verified_timestamp(const struct note *n, size_t i)
{
	return i < n->nverified ? n->timestamp[i] : 0;
}

size_t
note_unverified_count(const struct note *n)
{
	return n->nunverified;
}

const char *
note_unverified_line(const struct note *n, size_t i, size_t *len)
{
	if (i >= n->nunverified) {
		*len = 0;
		return NULL;
	}
	*len = n->unverified[i].len;
	return n->unverified[i].p;
}
