/*
 * truce verify-receipt [--log-key VKEY] [--observation FILE]
 *                      [RECEIPT_FILE|-]
 * Verifies offline the receipt of a write (tlog/receipt.h): the
 * checkpoint's log signature, the observation's id, and the inclusion
 * proof of its canonical entry (record/observation.h) in the checkpoint.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/commands.h"
#include "cli/slurp.h"
#include "record/canon.h"
#include "record/observation.h"
#include "tlog/note.h"
#include "tlog/receipt.h"

#define MAX_RECEIPT (NOTE_MAX_SIZE + 65536)
#define MAX_OBSERVATION (1 << 20)
#define MAX_ERRORS 16
/* "now" for the input rule that an observation is not in the future: far
   enough ahead that old observations are accepted as they were. */
#define FAR_FUTURE_MS (INT64_C(1) << 52)

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: truce verify-receipt [--log-key VKEY] [--observation FILE]"
	    "\n                            [RECEIPT_FILE|-]\n\n"
	    "Verifies a write's receipt offline: the JSON answer to POST\n"
	    "/v1/observations for one object, or GET "
	    "/v1/observations/{id}/receipt\n(read from RECEIPT_FILE, or "
	    "standard input for - or none).\n\n"
	    "  --log-key VKEY     the log's verifier key (default: "
	    "$TRUCE_LOG_KEY)\n"
	    "  --observation FILE the observation as submitted (input form) "
	    "or as its\n"
	    "                     canonical entry; its leaf hash is proved "
	    "in the checkpoint\n\n"
	    "Prints \"receipt OK: index N in checkpoint of size S (origin)\" "
	    "and exits 0,\nor names what fails and exits 1; 2 on bad usage.\n");
}

/* The canonical bytes of the observation in path (input form or entry). */
static int
observation_bytes(const char *path, char **bytes, size_t *len, char *err,
    size_t errlen)
{
	struct observation_error errs[MAX_ERRORS];
	char id[OBSERVATION_ID_LEN + 1], *text = NULL;
	json_t *in = NULL, *entry = NULL;
	json_error_t je;
	const char *type;
	size_t tlen, nerr = 0;
	int rc = -1;

	if (slurp_file(path, MAX_OBSERVATION, &text, &tlen, err, errlen) == -1)
		return -1;
	if ((in = json_loadb(text, tlen, JSON_REJECT_DUPLICATES, &je)) ==
	    NULL) {
		snprintf(err, errlen,
		    "--observation %s: not JSON: %s (line "
		    "%d)",
		    path, je.text, je.line);
		goto done;
	}
	type = json_string_value(json_object_get(in, "type"));
	if (type != NULL && strcmp(type, "observation") == 0) {
		/* Already the canonical entry, as the log holds it. */
		if (canon_encode(in, bytes, len) == -1) {
			snprintf(err, errlen,
			    "--observation %s: not a "
			    "canonical entry (integers only, depth at most "
			    "%d)",
			    path, CANON_MAX_DEPTH);
			goto done;
		}
		rc = 0;
		goto done;
	}
	if ((entry = observation_from_input(in, FAR_FUTURE_MS, errs, MAX_ERRORS,
		 &nerr)) == NULL) {
		snprintf(err, errlen, "--observation %s: %s: %s", path,
		    nerr ? errs[0].pointer : "",
		    nerr ? errs[0].message : "invalid");
		goto done;
	}
	if (observation_encode(entry, bytes, len, id) == -1) {
		snprintf(err, errlen,
		    "--observation %s: cannot be encoded "
		    "(over %d bytes?)",
		    path, OBSERVATION_MAX_ENTRY);
		goto done;
	}
	rc = 0;
done:
	json_decref(entry);
	json_decref(in);
	free(text);
	return rc;
}

int
cmd_verify_receipt(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "log-key", required_argument, NULL, 'k' },
		{ "observation", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *vkey = NULL, *obs = NULL, *file = "-";
	struct note_verifier *v = NULL;
	struct receipt_result res;
	char err[1024], *text = NULL, *bytes = NULL;
	size_t tlen, blen;
	json_t *doc = NULL;
	json_error_t je;
	int ch, rc = 1;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'k': vkey = optarg; break;
		case 'o': obs = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc - 1) {
		usage(stderr);
		return 2;
	}
	if (optind == argc - 1)
		file = argv[optind];
	if (vkey == NULL && (vkey = getenv("TRUCE_LOG_KEY")) == NULL) {
		fprintf(stderr,
		    "truce verify-receipt: --log-key (or "
		    "$TRUCE_LOG_KEY) is required\n");
		return 2;
	}
	if ((v = note_verifier_parse(vkey, strlen(vkey), err, sizeof(err))) ==
		NULL ||
	    note_verifier_type(v) != NOTE_KEY_ED25519) {
		fprintf(stderr, "truce verify-receipt: --log-key: %s\n",
		    v ? "not an Ed25519 log key" : err);
		note_verifier_free(v);
		return 2;
	}
	if (obs == NULL) {
		snprintf(err, sizeof(err),
		    "--observation FILE is needed: the "
		    "receipt proves the inclusion of an observation's entry, "
		    "which it does not carry");
		goto fail;
	}
	if (observation_bytes(obs, &bytes, &blen, err, sizeof(err)) == -1)
		goto fail;
	if ((strcmp(file, "-") == 0
		    ? slurp_stream(stdin, "receipt", MAX_RECEIPT, &text, &tlen,
			  err, sizeof(err))
		    : slurp_file(file, MAX_RECEIPT, &text, &tlen, err,
			  sizeof(err))) == -1)
		goto fail;
	if ((doc = json_loadb(text, tlen, 0, &je)) == NULL) {
		snprintf(err, sizeof(err), "receipt: not JSON: %s (line %d)",
		    je.text, je.line);
		goto fail;
	}
	if (receipt_verify(doc, v, (const uint8_t *)bytes, blen, &res, err,
		sizeof(err)) == -1)
		goto fail;
	printf("receipt OK: index %lld in checkpoint of size %lld (%s)\n",
	    (long long)res.index, (long long)res.size, res.origin);
	rc = 0;
	goto done;
fail:
	fprintf(stderr, "truce verify-receipt: FAILED: %s\n", err);
done:
	json_decref(doc);
	free(text);
	free(bytes);
	note_verifier_free(v);
	return rc;
}
