/*
 * fuzz_cosignature: the body of a C2SP tlog-witness add-checkpoint request
 * (tlog/witness.h) as `truce witness` receives it — old size, consistency
 * proof, signed checkpoint — decided against the log of the litewitness
 * vectors (tests/vectors/tlog/witness_add_checkpoint.json) by a witness
 * that has never cosigned and by one that cosigned the size-1 tree; and
 * the cosignature/v1 timestamp of every signature line's blob.
 *
 * Promises checked: the status is one the spec lists; a 200 carries a
 * cosignature line and a new state no smaller than the one recorded.
 */
#include "tlog/b64.h"
#include "tlog/checkpoint.h"
#include "tlog/note.h"
#include "tlog/witness.h"

#include "fuzz.h"

static const char log_vkey[] =
	"sigsum.org/v1/tree/4d6d8825a6bb689d459628312889dfbb0bcd41b5211d9e1ce"
	"768b0ff0309e562+5202289b+Af/cLU2Y5BJNP+r3iMDC+av9eWCD0fBJVDfzAux5zxAP";
static const char root1[] = "KgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

static struct note_verifier *log_key;
static struct note_signer *witness_key;
static struct witness_state size1;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const uint8_t seed[32] = { 17 };
	char err[256];

	(void)argc;
	(void)argv;
	log_key = note_verifier_parse(log_vkey, strlen(log_vkey), err,
	    sizeof(err));
	witness_key = note_signer_from_seed("example.com/witness",
	    NOTE_KEY_COSIGNATURE, seed, err, sizeof(err));
	FUZZ_CHECK(log_key != NULL && witness_key != NULL);
	size1.size = 1;
	FUZZ_CHECK(merkle_hash_from_base64(root1, strlen(root1),
	    size1.root) == 0);
	return 0;
}

static void
decide(const struct witness_request *req, const struct witness_state *st)
{
	const struct note_verifier *const keys[] = { log_key };
	struct witness_result res;
	int rc;

	memset(&res, 0, sizeof(res));
	rc = witness_decide(req, st, keys, 1, witness_key, 1700000000, &res);
	FUZZ_CHECK(rc == 0);
	FUZZ_CHECK(res.status == 200 || res.status == 400 ||
	    res.status == 403 || res.status == 404 || res.status == 409 ||
	    res.status == 422);
	if (res.status == 200) {
		FUZZ_CHECK(strlen(res.cosignature) > 0);
		FUZZ_CHECK(res.state.size >= (st ? st->size : 0));
		FUZZ_CHECK(res.state.size ==
		    checkpoint_size(witness_request_checkpoint(req)));
	}
}

/* The timestamp of every decodable signature line's blob. */
static void
timestamps(const uint8_t *data, size_t size)
{
	uint8_t blob[NOTE_MAX_SIG_BYTES];
	const char *line, *nl, *name;
	size_t namelen, bloblen;
	uint32_t key_id;
	uint64_t ts;
	char err[256];

	for (line = (const char *)data; line < (const char *)data + size;
	     line = nl + 1) {
		nl = memchr(line, '\n', (size_t)((const char *)data + size -
		    line));
		if (nl == NULL)
			break;
		if (note_signature_parse(line, (size_t)(nl - line), &name,
		    &namelen, &key_id, blob, sizeof(blob), &bloblen, err,
		    sizeof(err)) == 0 &&
		    note_cosignature_timestamp(blob, bloblen, &ts) == 0)
			FUZZ_CHECK(bloblen == NOTE_COSIGNATURE_SIZE &&
			    ts <= (uint64_t)INT64_MAX);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct witness_request *req;
	struct witness_result res;
	struct witness_log logs[1];
	const struct note_verifier *const keys[] = { log_key };
	char err[256];

	timestamps(data, size);
	if ((req = witness_request_parse(data, size, err, sizeof(err))) ==
	    NULL)
		return 0;
	decide(req, NULL);
	decide(req, &size1);
	witness_request_free(req);

	logs[0].origin = note_verifier_name(log_key);
	logs[0].keys = keys;
	logs[0].nkeys = 1;
	logs[0].state = &size1;
	memset(&res, 0, sizeof(res));
	FUZZ_CHECK(witness_add_checkpoint(data, size, logs, 1, witness_key,
	    1700000000, &res) == 0);
	return 0;
}
