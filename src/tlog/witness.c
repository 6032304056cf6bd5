/*
 * witness: C2SP tlog-witness add-checkpoint decisions (see witness.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/num.h"
#include "tlog/checkpoint.h"
#include "tlog/witness.h"

struct witness_request {
	int64_t old;
	uint8_t proof[WITNESS_MAX_PROOF][MERKLE_HASH_SIZE];
	size_t nproof;
	uint8_t *note; /* the signed checkpoint note */
	size_t notelen;
	struct checkpoint *cp;
};

static void
seterr(char *err, size_t errlen, const char *msg)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s", msg);
}

/* The next "\n"-terminated line at body[*pos]; -1 if there is none. */
static int
next_line(const uint8_t *body, size_t len, size_t *pos, const char **line,
    size_t *linelen)
{
	const uint8_t *nl;

	if (*pos >= len || (nl = memchr(body + *pos, '\n', len - *pos)) == NULL)
		return -1;
	*line = (const char *)body + *pos;
	*linelen = (size_t)(nl - (body + *pos));
	*pos += *linelen + 1;
	return 0;
}

/* "old " then "0" or a decimal without leading zeros. */
static int
parse_old(const char *line, size_t len, int64_t *old)
{
	char buf[24];
	size_t i;

	if (len < 5 || memcmp(line, "old ", 4) != 0)
		return -1;
	line += 4;
	len -= 4;
	if (len >= sizeof(buf) || (line[0] == '0' && len > 1))
		return -1;
	for (i = 0; i < len; i++)
		if (line[i] < '0' || line[i] > '9')
			return -1;
	memcpy(buf, line, len);
	buf[len] = '\0';
	return num_parse_i64(buf, 0, INT64_MAX, old, NULL, 0);
}

struct witness_request *
witness_request_parse(const uint8_t *body, size_t len, char *err, size_t errlen)
{
	struct witness_request *r = NULL;
	const char *line;
	size_t linelen, pos = 0, textlen;
	char msg[WITNESS_MESSAGE_MAX], why[WITNESS_MESSAGE_MAX - 32];

	if (len > WITNESS_MAX_BODY) {
		snprintf(msg, sizeof(msg),
		    "request body of %zu bytes exceeds the %d-byte limit", len,
		    WITNESS_MAX_BODY);
		seterr(err, errlen, msg);
		goto fail;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		seterr(err, errlen, "out of memory");
		goto fail;
	}
	if (next_line(body, len, &pos, &line, &linelen) == -1 ||
	    parse_old(line, linelen, &r->old) == -1) {
		seterr(err, errlen,
		    "first line must be \"old <size>\": a decimal in "
		    "[0, 2^63 - 1] without leading zeros");
		goto fail;
	}
	for (;;) {
		if (next_line(body, len, &pos, &line, &linelen) == -1) {
			seterr(err, errlen,
			    "no empty line after the consistency proof");
			goto fail;
		}
		if (linelen == 0)
			break;
		if (r->nproof == WITNESS_MAX_PROOF) {
			snprintf(msg, sizeof(msg),
			    "more than %d consistency proof lines",
			    WITNESS_MAX_PROOF);
			seterr(err, errlen, msg);
			goto fail;
		}
		if (merkle_hash_from_base64(line, linelen,
			r->proof[r->nproof]) == -1) {
			snprintf(msg, sizeof(msg),
			    "consistency proof line %zu is not canonical "
			    "base64 "
			    "of a 32-byte hash",
			    r->nproof + 1);
			seterr(err, errlen, msg);
			goto fail;
		}
		r->nproof++;
	}
	r->notelen = len - pos;
	if (note_split(body + pos, r->notelen, &textlen, why, sizeof(why)) ==
	    -1) {
		snprintf(msg, sizeof(msg), "checkpoint: %s", why);
		seterr(err, errlen, msg);
		goto fail;
	}
	if ((r->note = malloc(r->notelen)) == NULL) {
		seterr(err, errlen, "out of memory");
		goto fail;
	}
	memcpy(r->note, body + pos, r->notelen);
	if ((r->cp = checkpoint_parse(r->note, textlen, err, errlen)) == NULL)
		goto fail;
	if (r->old > checkpoint_size(r->cp)) {
		snprintf(msg, sizeof(msg),
		    "old size %lld exceeds the checkpoint size %lld",
		    (long long)r->old, (long long)checkpoint_size(r->cp));
		seterr(err, errlen, msg);
		goto fail;
	}
	return r;
fail:
	witness_request_free(r);
	return NULL;
}

void
witness_request_free(struct witness_request *r)
{
	if (r == NULL)
		return;
	checkpoint_free(r->cp);
	free(r->note);
	free(r);
}

const struct checkpoint *
witness_request_checkpoint(const struct witness_request *r)
{
	return r->cp;
}

static int
answer(struct witness_result *res, int status, const char *msg)
{
	res->status = status;
	snprintf(res->message, sizeof(res->message), "%s", msg);
	return status == 500 ? -1 : 0;
}

int
witness_decide(const struct witness_request *req,
    const struct witness_state *recorded,
    const struct note_verifier *const *log_keys, size_t nkeys,
    const struct note_signer *witness_key, uint64_t timestamp,
    struct witness_result *res)
{
	struct note *n = NULL;
	enum note_error e;
	const uint8_t *text, *root = checkpoint_root(req->cp);
	uint8_t empty[MERKLE_HASH_SIZE];
	int64_t size = checkpoint_size(req->cp), have;
	size_t textlen;
	char msg[WITNESS_MESSAGE_MAX - 32];
	int r;

	memset(res, 0, sizeof(*res));
	if (witness_key == NULL ||
	    note_signer_type(witness_key) != NOTE_KEY_COSIGNATURE) {
		r = answer(res, 500, "witness key is not a cosignature key");
		goto out;
	}
	if (nkeys == 0) {
		r = answer(res, 404, "unknown log origin");
		goto out;
	}
	n = note_open(req->note, req->notelen, log_keys, nkeys, &e, msg,
	    sizeof(msg));
	if (n == NULL) {
		if (e == NOTE_NOMEM)
			r = answer(res, 500, msg);
		else if (e == NOTE_MALFORMED)
			r = answer(res, 400, msg);
		else
			r = answer(res, 403,
			    e == NOTE_INVALID_SIGNATURE
				? "invalid signature from a log key"
				: "no valid signature from a log key");
		goto out;
	}
	have = recorded != NULL ? recorded->size : 0;
	if (req->old != have) {
		res->size = have;
		snprintf(res->message, sizeof(res->message),
		    "old size %lld does not match the recorded size %lld",
		    (long long)req->old, (long long)have);
		res->status = 409;
		r = 0;
		goto out;
	}
	merkle_empty_root(empty);
	if (req->old == 0) {
		if (req->nproof != 0) {
			r = answer(res, 422,
			    "consistency proof must be empty for old size 0");
			goto out;
		}
		if (size == 0 && memcmp(root, empty, MERKLE_HASH_SIZE) != 0) {
			r = answer(res, 422,
			    "a size-0 checkpoint must have the empty-tree "
			    "root");
			goto out;
		}
	} else if (req->old == size) {
		if (req->nproof != 0 ||
		    memcmp(root, recorded->root, MERKLE_HASH_SIZE) != 0) {
			r = answer(res, 422,
			    "same size as recorded but a different root hash "
			    "(or a non-empty consistency proof)");
			goto out;
		}
	} else if (merkle_verify_consistency(req->old, size,
		       (const uint8_t(*)[MERKLE_HASH_SIZE])req->proof,
		       req->nproof, recorded->root, root) == -1) {
		r = answer(res, 422, "consistency proof does not verify");
		goto out;
	}
	text = note_text(n, &textlen);
	if (note_signature_line(witness_key, text, textlen, timestamp,
		res->cosignature, sizeof(res->cosignature), msg,
		sizeof(msg)) == -1) {
		r = answer(res, 500, msg);
		goto out;
	}
	res->state.size = size;
	memcpy(res->state.root, root, MERKLE_HASH_SIZE);
	r = answer(res, 200, "cosigned");
out:
	note_free(n);
	return r;
}

int
witness_add_checkpoint(const uint8_t *body, size_t len,
    const struct witness_log *logs, size_t nlogs,
    const struct note_signer *witness_key, uint64_t timestamp,
    struct witness_result *res)
{
	struct witness_request *req;
	const struct witness_log *log = NULL;
	const char *origin;
	char msg[WITNESS_MESSAGE_MAX];
	size_t i;
	int r;

	req = witness_request_parse(body, len, msg, sizeof(msg));
	if (req == NULL) {
		memset(res, 0, sizeof(*res));
		return answer(res, 400, msg);
	}
	origin = checkpoint_origin(witness_request_checkpoint(req));
	for (i = 0; i < nlogs; i++)
		if (strcmp(logs[i].origin, origin) == 0) {
			log = &logs[i];
			break;
		}
	r = witness_decide(req, log != NULL ? log->state : NULL,
	    log != NULL ? log->keys : NULL, log != NULL ? log->nkeys : 0,
	    witness_key, timestamp, res);
	witness_request_free(req);
	return r;
}
