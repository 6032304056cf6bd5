/*
 * witness: the decision logic of a C2SP tlog-witness (c2sp.org/tlog-witness)
 * "POST <prefix>/add-checkpoint" endpoint, pure: it parses the request body,
 * checks it against the witness's configuration and recorded state, and
 * says which HTTP status to answer, with what body, and what to persist.
 * The HTTP server, the state store and its locking are the caller's:
 * checking the old size and persisting the new state must be atomic per
 * origin (the spec's rollback race), and the new state must be persisted
 * before a 200 is sent.
 *
 * Request body: "old <size>\n", 0..63 lines of base64 consistency-proof
 * hashes, an empty line, then the signed checkpoint note. Statuses (spec
 * choices in docs/tlog.md):
 *
 *   400 malformed body, note or checkpoint, old size > checkpoint size
 *   404 checkpoint origin not configured (torchwood answers 403; the spec
 *       says 404 and so do we)
 *   403 no signature from the log's keys verifies, or one of them fails
 *   409 old size != recorded size (body: recorded size, text/x.tlog.size)
 *   422 proof does not verify; non-empty proof with old size 0; size-0
 *       checkpoint without the empty-tree root; same size, different root
 *       (C2SP HEAD; v1.0.0 said 409)
 *   200 cosigned: body is the cosignature line, new state to persist
 */
#ifndef TRUCE_WITNESS_H
#define TRUCE_WITNESS_H

#include <stddef.h>
#include <stdint.h>

#include "tlog/merkle.h"
#include "tlog/note.h"

#define WITNESS_MAX_BODY (NOTE_MAX_SIZE + 4096) /* request body bytes */
#define WITNESS_MAX_PROOF 63			/* consistency proof lines */
#define WITNESS_MESSAGE_MAX 256

struct checkpoint;
struct witness_request;

/* What a witness records per log: the latest checkpoint it cosigned. */
struct witness_state {
	int64_t size;
	uint8_t root[MERKLE_HASH_SIZE];
};

/* A decision. Callers hold it on the stack; witness_* fill it in. */
struct witness_result {
	int status;			   /* HTTP status to answer */
	char message[WITNESS_MESSAGE_MAX]; /* why (errors), for body and log */
	int64_t size;			   /* 409: recorded size for the body */
	struct witness_state state;	   /* 200: new state to persist */
	char cosignature[NOTE_SIGLINE_MAX]; /* 200: the response body */
};

/* One configured log, for witness_add_checkpoint's table. */
struct witness_log {
	const char *origin;
	const struct note_verifier *const *keys; /* the log's keys */
	size_t nkeys;
	const struct witness_state *state; /* NULL: never cosigned */
};

/*
 * Parses an add-checkpoint request body (body[0..len-1]): old size line,
 * proof lines (strict base64 of 32-byte hashes, at most WITNESS_MAX_PROOF),
 * empty line, a well-formed signed note whose text is a strict checkpoint,
 * and old size <= checkpoint size. Signatures are not verified yet. Returns
 * a new request (free with witness_request_free) or NULL with the reason in
 * err: the answer is then 400. Cost: O(len).
 */
struct witness_request *witness_request_parse(const uint8_t *body, size_t len,
    char *err, size_t errlen);

/* Frees r; witness_request_free(NULL) does nothing. */
void witness_request_free(struct witness_request *r);

/* The request's checkpoint (lives as long as r). */
const struct checkpoint *witness_request_checkpoint(
    const struct witness_request *r);

/*
 * Decides a parsed request for the log whose trusted keys are
 * log_keys[0..nkeys-1] (nkeys == 0: the origin is not configured) and whose
 * recorded state is *recorded (NULL: never cosigned, i.e. size 0). On 200,
 * res->cosignature is a cosignature/v1 line by witness_key (a
 * NOTE_KEY_COSIGNATURE signer) with the given timestamp (POSIX seconds),
 * and res->state the new state. Returns 0 with res->status set, or -1 on an
 * internal error (bad witness key, out of memory) with res->status 500.
 */
int witness_decide(const struct witness_request *req,
    const struct witness_state *recorded,
    const struct note_verifier *const *log_keys, size_t nkeys,
    const struct note_signer *witness_key, uint64_t timestamp,
    struct witness_result *res);

/*
 * witness_request_parse then witness_decide, looking the origin up in
 * logs[0..nlogs-1]: a 400 for a malformed body, else the decision. Same
 * return values as witness_decide.
 */
int witness_add_checkpoint(const uint8_t *body, size_t len,
    const struct witness_log *logs, size_t nlogs,
    const struct note_signer *witness_key, uint64_t timestamp,
    struct witness_result *res);

#endif
