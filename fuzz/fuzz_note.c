/*
 * fuzz_note: C2SP signed notes (tlog/note.h) as a client or a witness
 * reads them: note_split, note_open against known Ed25519 and cosignature
 * keys (the Go note package's test keys, tests/vectors/tlog), each
 * signature line through note_signature_parse, and the first line read as
 * a verifier key and as a signer key.
 *
 * Promises checked: a note that opens has at least one verified key, every
 * one of them a known one, and a text ending in "\n" inside the input; a
 * parsed verifier key formats back to the same text.
 */
#include "tlog/note.h"

#include "fuzz.h"

static const char *const vkeys[] = {
	"PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
	"EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop",
	"Known+451c786d+AXAQ0T7lbwuY4ABJ9/MYY9bWV3hmSyOGVt2x42NkmdUH",
	"example.org/witness+cacf2e50+BGbguFjkYqYJ5m/nE3DIFtiEb/ED1UmaIqf+"
	"w3/bxCSn",
	"sigsum.org/v1/tree/4d6d8825a6bb689d459628312889dfbb0bcd41b5211d9e1ce"
	"768b0ff0309e562+5202289b+Af/cLU2Y5BJNP+r3iMDC+av9eWCD0fBJVDfzAux5zxAP",
};
#define NKEYS (sizeof(vkeys) / sizeof(vkeys[0]))

static struct note_verifier *known[NKEYS];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[256];
	size_t i;

	(void)argc;
	(void)argv;
	for (i = 0; i < NKEYS; i++) {
		known[i] = note_verifier_parse(vkeys[i], strlen(vkeys[i]), err,
		    sizeof(err));
		FUZZ_CHECK(known[i] != NULL);
	}
	return 0;
}

/* Every signature line of the note through note_signature_parse. */
static void
parse_lines(const uint8_t *data, size_t size, size_t textlen)
{
	uint8_t blob[NOTE_MAX_SIG_BYTES];
	const char *line, *nl, *name;
	size_t namelen, bloblen;
	uint32_t key_id;
	char err[256];

	line = (const char *)data + textlen + 1;
	while (line < (const char *)data + size) {
		nl = memchr(line, '\n', (size_t)((const char *)data + size -
		    line));
		if (nl == NULL)
			break;
		if (note_signature_parse(line, (size_t)(nl - line), &name,
		    &namelen, &key_id, blob, sizeof(blob), &bloblen, err,
		    sizeof(err)) == 0) {
			FUZZ_CHECK(name >= line && name + namelen <= nl);
			FUZZ_CHECK(bloblen >= 4 && bloblen <= sizeof(blob));
		}
		line = nl + 1;
	}
}

/* The input's first line as a vkey and as an skey. */
static void
parse_keys(const uint8_t *data, size_t size)
{
	struct note_verifier *v;
	struct note_signer *s;
	const uint8_t *nl;
	char err[256], buf[NOTE_SKEY_MAX];
	size_t len;

	nl = memchr(data, '\n', size);
	len = nl ? (size_t)(nl - data) : size;
	if ((v = note_verifier_parse((const char *)data, len, err,
	    sizeof(err))) != NULL) {
		FUZZ_CHECK(note_verifier_format(v, buf, sizeof(buf)) == 0);
		FUZZ_CHECK(strlen(buf) == len && memcmp(buf, data, len) == 0);
		note_verifier_free(v);
	}
	if ((s = note_signer_parse((const char *)data, len, err,
	    sizeof(err))) != NULL) {
		FUZZ_CHECK(note_signer_format(s, buf, sizeof(buf)) == 0);
		note_signer_free(s);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum note_error error;
	struct note *n;
	const uint8_t *text;
	char err[256];
	size_t textlen, len, i, j, nverified;
	int ok;

	parse_keys(data, size);
	(void)note_text_check(data, size, err, sizeof(err));
	if (note_split(data, size, &textlen, err, sizeof(err)) == 0) {
		FUZZ_CHECK(textlen > 0 && textlen < size);
		FUZZ_CHECK(data[textlen - 1] == '\n' && data[textlen] == '\n');
		parse_lines(data, size, textlen);
	}
	n = note_open(data, size, (const struct note_verifier *const *)known,
	    NKEYS, &error, err, sizeof(err));
	if (n == NULL) {
		FUZZ_CHECK(error != NOTE_OK);
		return 0;
	}
	text = note_text(n, &len);
	FUZZ_CHECK(len > 0 && len < size && text[len - 1] == '\n');
	FUZZ_CHECK(memcmp(text, data, len) == 0);
	nverified = note_verified_count(n);
	FUZZ_CHECK(nverified >= 1);
	for (i = 0; i < nverified; i++) {
		for (ok = 0, j = 0; j < NKEYS; j++)
			ok |= note_verified_key(n, i) == known[j];
		FUZZ_CHECK(ok);
	}
	for (i = 0; i < note_unverified_count(n); i++)
		FUZZ_CHECK(note_unverified_line(n, i, &len) != NULL);
	note_free(n);
	return 0;
}
