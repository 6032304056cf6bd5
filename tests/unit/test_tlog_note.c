/*
 * Unit test of tlog/note and tlog/checkpoint beyond the external vectors:
 * key generation and formats, sign/open round trips for Ed25519 and
 * cosignature keys, the strict rules and limits of note_open, and
 * checkpoint formatting and parsing limits.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "tlog/checkpoint.h"
#include "tlog/merkle.h"
#include "tlog/note.h"
#include "tap.h"

static const char text[] = "example.com/log\n8\n"
			   "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n";

static struct note *
open1(const char *msg, size_t len, const struct note_verifier *v,
    enum note_error *e)
{
	const struct note_verifier *known[1] = { v };

	return note_open((const uint8_t *)msg, len, known, v != NULL ? 1 : 0,
	    e, NULL, 0);
}

static void
test_keys(void)
{
	struct note_signer *s, *s2;
	struct note_verifier *v = NULL, *v2;
	char skey[NOTE_SKEY_MAX], vkey[NOTE_VKEY_MAX], err[256];
	char longname[NOTE_NAME_MAX + 2];

	s = note_signer_generate("truce.example/log", NOTE_KEY_ED25519, err,
	    sizeof(err));
	ok(s != NULL && note_signer_format(s, skey, sizeof(skey)) == 0 &&
		strncmp(skey, "PRIVATE+KEY+truce.example/log+", 30) == 0,
	    "generated key formats as a Go skey");
	s2 = note_signer_parse(skey, strlen(skey), err, sizeof(err));
	ok(s2 != NULL && note_signer_key_id(s2) == note_signer_key_id(s),
	    "skey parses back to the same key");
	ok(note_signer_vkey(s, vkey, sizeof(vkey)) == 0 &&
		(v = note_verifier_parse(vkey, strlen(vkey), err,
		     sizeof(err))) != NULL &&
		note_verifier_key_id(v) == note_signer_key_id(s),
	    "its vkey parses with the same key id");
	v2 = note_signer_verifier(s);
	ok(v2 != NULL &&
		memcmp(note_verifier_public_key(v), note_verifier_public_key(v2),
		    32) == 0,
	    "note_signer_verifier gives the same public key");
	note_verifier_free(v2);
	note_verifier_free(v);
	note_signer_free(s2);

	/* The same key as a cosigner has another key id and vkey type. */
	s2 = note_signer_generate("witness.example/w1", NOTE_KEY_COSIGNATURE,
	    err, sizeof(err));
	ok(s2 != NULL && note_signer_vkey(s2, vkey, sizeof(vkey)) == 0 &&
		strstr(vkey, "+B") != NULL,
	    "cosignature vkey is of type 0x04 (base64 starts with B): %s",
	    vkey);
	note_signer_format(s2, skey, sizeof(skey));
	note_signer_free(s2);
	ok((s2 = note_signer_parse(skey, strlen(skey), err, sizeof(err))) !=
		NULL &&
		note_signer_type(s2) == NOTE_KEY_COSIGNATURE,
	    "type-0x04 skey parses (truce extension)");
	note_signer_free(s2);

	/* Refusals, each with a message. */
	skey[strlen("PRIVATE+KEY+witness.example/w1+") + 2] ^= 1;
	ok(note_signer_parse(skey, strlen(skey), err, sizeof(err)) == NULL,
	    "skey with a wrong key id: %s", err);
	ok(note_verifier_parse("a+01234567+AQ", 13, err, sizeof(err)) == NULL,
	    "vkey with a short key: %s", err);
	ok(note_verifier_parse("PeterNeumann+C74F20A3+"
			       "ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
		   66, err, sizeof(err)) == NULL,
	    "vkey with upper-case hex id: %s", err);
	v = note_verifier_parse("PeterNeumann+c74f20a3+"
				"ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
	    66, err, sizeof(err));
	ok(v != NULL, "(control) the same vkey in lower case parses");
	note_verifier_free(v);
	ok(note_signer_generate("has space", NOTE_KEY_ED25519, err,
	       sizeof(err)) == NULL,
	    "name with a space refused");
	ok(note_signer_generate("nbsp\xc2\xa0name", NOTE_KEY_ED25519, err,
	       sizeof(err)) == NULL,
	    "name with U+00A0 refused");
	ok(note_signer_generate("a+b", NOTE_KEY_ED25519, err, sizeof(err)) ==
		NULL,
	    "name with '+' refused");
	ok(note_signer_generate("", NOTE_KEY_ED25519, err, sizeof(err)) ==
		NULL,
	    "empty name refused");
	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	ok(note_signer_generate(longname, NOTE_KEY_ED25519, err,
	       sizeof(err)) == NULL,
	    "name of %d bytes refused", NOTE_NAME_MAX + 1);
	longname[NOTE_NAME_MAX] = '\0';
	ok((s2 = note_signer_generate(longname, NOTE_KEY_ED25519, err,
		sizeof(err))) != NULL &&
		note_signer_format(s2, skey, sizeof(skey)) == 0 &&
		note_signer_vkey(s2, vkey, sizeof(vkey)) == 0,
	    "name of %d bytes fits NOTE_SKEY_MAX and NOTE_VKEY_MAX",
	    NOTE_NAME_MAX);
	note_signer_free(s2);
	ok(note_signer_generate("x", 2, err, sizeof(err)) == NULL,
	    "signature type 0x02 refused");
	note_signer_free(s);
}

static void
test_sign_open(void)
{
	struct note_signer *log, *wit, *other;
	struct note_verifier *logv, *witv, *otherv;
	const struct note_verifier *known[2];
	char *signed1 = NULL, line[NOTE_SIGLINE_MAX], err[256], *big, *p;
	uint8_t blob[NOTE_MAX_SIG_BYTES];
	size_t len, tl, i, bl, nl;
	const char *name;
	uint32_t kid;
	uint64_t ts;
	const uint8_t *t;
	struct note *n;
	enum note_error e;

	log = note_signer_generate("example.com/log", NOTE_KEY_ED25519, NULL,
	    0);
	wit = note_signer_generate("witness.example/w1", NOTE_KEY_COSIGNATURE,
	    NULL, 0);
	other = note_signer_generate("example.com/log", NOTE_KEY_ED25519, NULL,
	    0);
	logv = note_signer_verifier(log);
	witv = note_signer_verifier(wit);
	otherv = note_signer_verifier(other);

	ok(note_sign(log, (const uint8_t *)text, strlen(text), 0, &signed1,
	       &len, err, sizeof(err)) == 0,
	    "log signs the checkpoint");
	n = open1(signed1, len, logv, &e);
	t = n != NULL ? note_text(n, &tl) : NULL;
	ok(n != NULL && tl == strlen(text) && memcmp(t, text, tl) == 0 &&
		note_verified_count(n) == 1 &&
		note_verified_timestamp(n, 0) == 0,
	    "opens with the log key, text intact");
	note_free(n);
	n = open1(signed1, len, otherv, &e);
	ok(n == NULL && e == NOTE_NO_VERIFIABLE,
	    "same name, another key: ignored, nothing verifiable");

	/* Append a cosignature, as a witness's response. */
	ok(note_signature_line(wit, (const uint8_t *)text, strlen(text),
	       1700000123, line, sizeof(line), err, sizeof(err)) == 0,
	    "witness cosigns");
	nl = strlen(line);
	signed1 = realloc(signed1, len + nl + 1);
	memcpy(signed1 + len, line, nl + 1);
	len += nl;
	known[0] = logv;
	known[1] = witv;
	n = note_open((const uint8_t *)signed1, len, known, 2, &e, err,
	    sizeof(err));
	ok(n != NULL && note_verified_count(n) == 2 &&
		note_verified_key(n, 1) == witv &&
		note_verified_timestamp(n, 1) == 1700000123,
	    "log signature and cosignature verify, timestamp kept");
	note_free(n);
	ok(note_signature_parse(line, nl - 1, &name, &tl, &kid, blob,
	       sizeof(blob), &bl, err, sizeof(err)) == 0 &&
		bl == NOTE_COSIGNATURE_SIZE &&
		note_cosignature_timestamp(blob, bl, &ts) == 0 &&
		ts == 1700000123 && kid == note_verifier_key_id(witv),
	    "the cosignature line parses: 76 bytes, key id, timestamp");

	/* A second, different line from a known key must verify too. */
	ok(note_signature_line(wit, (const uint8_t *)text, strlen(text),
	       1700000999, line, sizeof(line), err, sizeof(err)) == 0,
	    "witness cosigns again later");
	nl = strlen(line);
	signed1 = realloc(signed1, len + nl + 1);
	memcpy(signed1 + len, line, nl + 1);
	n = note_open((const uint8_t *)signed1, len + nl, known, 2, &e, err,
	    sizeof(err));
	ok(n != NULL && note_verified_count(n) == 2,
	    "two valid cosignatures from one key: key counted once");
	note_free(n);
	/* Corrupt the second cosignature's signature bytes. */
	p = signed1 + len + nl - 6;
	*p = *p == 'A' ? 'B' : 'A';
	n = note_open((const uint8_t *)signed1, len + nl, known, 2, &e, err,
	    sizeof(err));
	ok(n == NULL && e == NOTE_INVALID_SIGNATURE,
	    "a bad second line from a verified key rejects the note: %s",
	    err);

	/* Signing refuses what cannot be a note text. */
	ok(note_signature_line(log, (const uint8_t *)"no newline", 10, 0, line,
	       sizeof(line), err, sizeof(err)) == -1,
	    "text without final newline refused: %s", err);
	ok(note_signature_line(log, (const uint8_t *)"tab\there\n", 9, 0, line,
	       sizeof(line), err, sizeof(err)) == -1,
	    "control character refused: %s", err);
	ok(note_signature_line(log, (const uint8_t *)"\xc0\xafx\n", 4, 0, line,
	       sizeof(line), err, sizeof(err)) == -1,
	    "overlong UTF-8 refused: %s", err);
	ok(note_signature_line(log, (const uint8_t *)"\xed\xa0\x80x\n", 5, 0,
	       line, sizeof(line), err, sizeof(err)) == -1,
	    "UTF-8 surrogate refused: %s", err);
	ok(note_signature_line(wit, (const uint8_t *)text, strlen(text),
	       (uint64_t)INT64_MAX + 1, line, sizeof(line), err,
	       sizeof(err)) == -1,
	    "cosignature timestamp above 2^63 - 1 refused");
	ok(note_signature_line(log, (const uint8_t *)"caf\xc3\xa9 \xe2\x80\x94\n",
	       10, 0, line, sizeof(line), err, sizeof(err)) == 0,
	    "non-ASCII UTF-8 text signs");

	/* Limits: 16 must be accepted, 100 is our maximum, 101 malformed. */
	big = malloc(strlen(text) + 1 + 101 * 200);
	memcpy(big, text, strlen(text));
	len = strlen(text);
	big[len++] = '\n';
	note_signature_line(log, (const uint8_t *)text, strlen(text), 0, line,
	    sizeof(line), NULL, 0);
	nl = strlen(line);
	for (i = 1; i <= 101; i++) {
		memcpy(big + len, line, nl);
		len += nl;
		if (i == 16 || i == 100 || i == 101) {
			n = open1(big, len, logv, &e);
			ok((n != NULL) == (i <= 100),
			    "%zu identical signature lines: %s", i,
			    n != NULL ? "accepted" : "malformed");
			note_free(n);
		}
	}
	free(big);
	big = malloc(NOTE_MAX_SIZE + 2);
	memset(big, 'a', NOTE_MAX_SIZE + 2);
	big[0] = '\n';
	n = note_open((const uint8_t *)big, NOTE_MAX_SIZE + 1, known, 2, &e,
	    err, sizeof(err));
	ok(n == NULL && e == NOTE_MALFORMED, "note over 1 MiB refused: %s",
	    err);
	free(big);
	ok(note_split((const uint8_t *)"a\n\n\xe2\x80\x94 k QUJDRA==\n", 18,
	       &tl, err, sizeof(err)) == -1,
	    "a 4-byte signature blob (no signature after the id) refused");
	ok(note_split((const uint8_t *)"a\n\n\xe2\x80\x94 k QUJDREU=\n", 18,
	       &tl, err, sizeof(err)) == 0 &&
		tl == 2,
	    "a 5-byte blob from an unknown key is well formed");
	ok(note_split((const uint8_t *)"a\n\n\xe2\x80\x94 k QUJDREV=\n", 18,
	       &tl, err, sizeof(err)) == 0,
	    "non-zero spare base64 bits are tolerated in signatures (Go)");
	ok(note_split((const uint8_t *)"a\n\n\xe2\x80\x94 k QUJDREU\n", 17,
	       &tl, err, sizeof(err)) == -1,
	    "unpadded base64 signature refused");
	ok(note_split((const uint8_t *)"a\n\n- k QUJDREU=\n", 16, &tl, err,
	       sizeof(err)) == -1,
	    "hyphen instead of em dash refused");

	note_verifier_free(logv);
	note_verifier_free(witv);
	note_verifier_free(otherv);
	note_signer_free(log);
	note_signer_free(wit);
	note_signer_free(other);
	free(signed1);
}

static void
test_checkpoint(void)
{
	struct checkpoint *c;
	uint8_t root[MERKLE_HASH_SIZE];
	char buf[4096], err[256], origin[CHECKPOINT_ORIGIN_MAX + 2];
	size_t len, el;

	memset(root, 0x2a, sizeof(root));
	ok(checkpoint_format("example.com/log", 12345, root,
	       "ext one\next two\n", buf, sizeof(buf), &len, err,
	       sizeof(err)) == 0,
	    "format with two extension lines");
	c = checkpoint_parse((const uint8_t *)buf, len, err, sizeof(err));
	ok(c != NULL && strcmp(checkpoint_origin(c), "example.com/log") == 0 &&
		checkpoint_size(c) == 12345 &&
		memcmp(checkpoint_root(c), root, 32) == 0 &&
		strcmp(checkpoint_extensions(c, &el), "ext one\next two\n") ==
		    0 &&
		el == 16,
	    "parses back: origin, size, root, extensions");
	checkpoint_free(c);
	ok(checkpoint_format("a", 1, root, "bad\n\n", buf, sizeof(buf), &len,
	       err, sizeof(err)) == -1,
	    "empty extension line refused: %s", err);
	ok(checkpoint_format("a\n5", 1, root, NULL, buf, sizeof(buf), &len, err,
	       sizeof(err)) == -1,
	    "multi-line origin refused");
	ok(checkpoint_format("a", -1, root, NULL, buf, sizeof(buf), &len, err,
	       sizeof(err)) == -1,
	    "negative size refused");
	ok(checkpoint_format("a", 1, root, NULL, buf, 10, &len, err,
	       sizeof(err)) == -1,
	    "short buffer refused");
	ok(checkpoint_format("a", INT64_MAX, root, NULL, buf, sizeof(buf), &len,
	       err, sizeof(err)) == 0 &&
		(c = checkpoint_parse((const uint8_t *)buf, len, err,
		     sizeof(err))) != NULL &&
		checkpoint_size(c) == INT64_MAX,
	    "size 2^63 - 1 round-trips");
	checkpoint_free(c);
	c = checkpoint_parse((const uint8_t *)"a\n9223372036854775808\n"
					      "KioqKioqKioqKioqKioqKioqKioqKioqKioqKioqKio=\n",
	    67, err, sizeof(err));
	ok(c == NULL, "size 2^63 refused: %s", err);
	c = checkpoint_parse((const uint8_t *)"a\n-0\n"
					      "KioqKioqKioqKioqKioqKioqKioqKioqKioqKioqKio=\n",
	    50, err, sizeof(err));
	ok(c == NULL, "size -0 refused");
	c = checkpoint_parse((const uint8_t *)"a\n 1\n"
					      "KioqKioqKioqKioqKioqKioqKioqKioqKioqKioqKio=\n",
	    50, err, sizeof(err));
	ok(c == NULL, "size with a leading space refused");
	memset(origin, 'o', sizeof(origin));
	origin[CHECKPOINT_ORIGIN_MAX + 1] = '\0';
	ok(checkpoint_format(origin, 1, root, NULL, buf, sizeof(buf), &len, err,
	       sizeof(err)) == -1,
	    "origin of %d bytes refused: %s", CHECKPOINT_ORIGIN_MAX + 1, err);
	origin[CHECKPOINT_ORIGIN_MAX] = '\0';
	ok(checkpoint_format(origin, 1, root, NULL, buf, sizeof(buf), &len, err,
	       sizeof(err)) == 0,
	    "origin of %d bytes accepted", CHECKPOINT_ORIGIN_MAX);
	ok(checkpoint_format("go.sum database tree", 1, root, NULL, buf,
	       sizeof(buf), &len, err, sizeof(err)) == 0,
	    "origin with spaces accepted (clients must not assume URLs)");
}

int
main(void)
{
	if (sodium_init() == -1)
		return 1;
	test_keys();
	test_sign_open();
	test_checkpoint();
	return done_testing();
}
