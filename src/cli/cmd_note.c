/*
 * truce note: sign and verify C2SP signed notes (docs/tlog.md):
 *
 *   truce note sign KEYFILE [--time T]   note text on stdin -> signed note
 *   truce note verify VKEY...            signed note on stdin -> its text
 *
 * sign appends one signature line by the key in KEYFILE (a Go-format
 * PRIVATE+KEY+... file as written by `truce keygen`); a cosignature key
 * signs a cosignature/v1 with timestamp T (default: now). verify prints the
 * note text and exits 0 only if every VKEY has a valid signature on it.
 * Exit status: 0 success, 1 bad input or verification failure, 2 usage.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "cli/commands.h"
#include "cli/slurp.h"
#include "common/num.h"
#include "tlog/note.h"

#define NOTE_CLI_MAX_KEYS 64 /* VKEY arguments */

static void
note_usage(FILE *f)
{
	fprintf(f,
	    "usage: truce note sign KEYFILE [--time T] < text > signed-note\n"
	    "       truce note verify VKEY... < signed-note > text\n"
	    "\n"
	    "sign: signs the note text on standard input (UTF-8, at most %d "
	    "bytes, ending\n"
	    "in a newline) with the private key in KEYFILE, as written by "
	    "`truce keygen`,\n"
	    "and prints the signed note. A cosigning key (keygen --cosign) "
	    "makes a C2SP\n"
	    "cosignature/v1 at POSIX time T (default: now).\n"
	    "\n"
	    "verify: checks the signed note on standard input against each "
	    "verifier key\n"
	    "VKEY (name+id+key, at most %d of them) and prints the note "
	    "text if every one\n"
	    "of them signed it. Signatures from other keys are ignored; a bad "
	    "signature\n"
	    "from a given key rejects the note.\n"
	    "\n"
	    "Exit status: 0 success, 1 bad input or verification failure, 2 "
	    "usage error.\n",
	    NOTE_MAX_SIZE, NOTE_CLI_MAX_KEYS);
}

static int
note_sign_cmd(const char *keyfile, uint64_t ts)
{
	struct note_signer *s = NULL;
	char *key = NULL, *text = NULL, *out = NULL, err[256];
	size_t keylen, textlen, outlen;
	int r = 1;

	if (slurp_file(keyfile, NOTE_SKEY_MAX + 1, &key, &keylen, err,
		sizeof(err)) == -1) {
		fprintf(stderr, "truce note sign: key file %s\n", err);
		goto out;
	}
	if (keylen > 0 && key[keylen - 1] == '\n')
		key[--keylen] = '\0';
	if ((s = note_signer_parse(key, keylen, err, sizeof(err))) == NULL) {
		fprintf(stderr, "truce note sign: %s: %s\n", keyfile, err);
		goto out;
	}
	if (slurp_stream(stdin, "note text on standard input", NOTE_MAX_SIZE,
		&text, &textlen, err, sizeof(err)) == -1) {
		fprintf(stderr, "truce note sign: %s\n", err);
		goto out;
	}
	if (note_sign(s, (const uint8_t *)text, textlen, ts, &out, &outlen, err,
		sizeof(err)) == -1) {
		fprintf(stderr,
		    "truce note sign: note text on standard input: "
		    "%s\n",
		    err);
		goto out;
	}
	if (fwrite(out, 1, outlen, stdout) != outlen || fflush(stdout) != 0) {
		fprintf(stderr, "truce note sign: write error\n");
		goto out;
	}
	r = 0;
out:
	if (key != NULL)
		sodium_memzero(key, keylen);
	free(key);
	free(text);
	free(out);
	note_signer_free(s);
	return r;
}

static int
note_verify_cmd(char **vkeys, int nkeys)
{
	struct note_verifier *v[NOTE_CLI_MAX_KEYS];
	struct note *n = NULL;
	enum note_error e;
	char *msg = NULL, err[NOTE_NAME_MAX + 128];
	const uint8_t *text;
	size_t len, textlen, i, j;
	int nv = 0, r = 1;

	for (nv = 0; nv < nkeys; nv++) {
		v[nv] = note_verifier_parse(vkeys[nv], strlen(vkeys[nv]), err,
		    sizeof(err));
		if (v[nv] == NULL) {
			fprintf(stderr, "truce note verify: VKEY %d: %s\n",
			    nv + 1, err);
			r = 2;
			goto out;
		}
	}
	if (slurp_stream(stdin, "signed note on standard input", NOTE_MAX_SIZE,
		&msg, &len, err, sizeof(err)) == -1) {
		fprintf(stderr, "truce note verify: %s\n", err);
		goto out;
	}
	n = note_open((const uint8_t *)msg, len,
	    (const struct note_verifier *const *)v, (size_t)nv, &e, err,
	    sizeof(err));
	if (n == NULL) {
		fprintf(stderr, "truce note verify: %s\n", err);
		goto out;
	}
	for (i = 0; i < (size_t)nv; i++) {
		for (j = 0; j < note_verified_count(n); j++)
			if (note_verified_key(n, j) == v[i])
				break;
		if (j == note_verified_count(n)) {
			fprintf(stderr,
			    "truce note verify: no signature by %s+%08x\n",
			    note_verifier_name(v[i]),
			    (unsigned)note_verifier_key_id(v[i]));
			goto out;
		}
	}
	text = note_text(n, &textlen);
	if (fwrite(text, 1, textlen, stdout) != textlen ||
	    fflush(stdout) != 0) {
		fprintf(stderr, "truce note verify: write error\n");
		goto out;
	}
	r = 0;
out:
	note_free(n);
	free(msg);
	while (nv > 0)
		note_verifier_free(v[--nv]);
	return r;
}

int
cmd_note(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "time", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	const char *sub;
	char err[128];
	int64_t t = -1;
	int ch, sign;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		note_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	sub = argv[1];
	sign = strcmp(sub, "sign") == 0;
	if (!sign && strcmp(sub, "verify") != 0) {
		fprintf(stderr,
		    "truce note: unknown subcommand '%.64s' (sign, verify)\n",
		    sub);
		return 2;
	}
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc - 1, argv + 1, ":h", longopts, NULL)) !=
	    -1) {
		switch (ch) {
		case 'h': note_usage(stdout); return 0;
		case 't':
			if (!sign) {
				fprintf(stderr,
				    "truce note verify: --time is "
				    "for sign\n");
				return 2;
			}
			if (num_parse_i64(optarg, 0, INT64_MAX, &t, err,
				sizeof(err)) == -1) {
				fprintf(stderr, "truce note sign: --time: %s\n",
				    err);
				return 2;
			}
			break;
		case ':':
			fprintf(stderr, "truce note %s: %.64s needs a value\n",
			    sub, argv[optind]);
			return 2;
		default:
			fprintf(stderr,
			    "truce note %s: unknown option %.64s (see "
			    "--help)\n",
			    sub, argv[optind]);
			return 2;
		}
	}
	argc -= optind + 1;
	argv += optind + 1;
	if (sign) {
		if (argc != 1) {
			fprintf(stderr,
			    "truce note sign: needs exactly one "
			    "KEYFILE\n");
			return 2;
		}
		return note_sign_cmd(argv[0],
		    t >= 0 ? (uint64_t)t : (uint64_t)time(NULL));
	}
	if (argc < 1 || argc > NOTE_CLI_MAX_KEYS) {
		fprintf(stderr,
		    "truce note verify: needs 1 to %d VKEY "
		    "arguments\n",
		    NOTE_CLI_MAX_KEYS);
		return 2;
	}
	return note_verify_cmd(argv, argc);
}
