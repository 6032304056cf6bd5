/*
 * receipt: offline verification of the receipt a truce center gives for a
 * write (docs/api.md, docs/audit.md): the entry's log index, a C2SP
 * tlog-checkpoint signed by the log key (C2SP signed-note) and an RFC 9162
 * inclusion proof of the entry in that checkpoint's tree, as JSON:
 *
 *   {"index": N, "checkpoint": "<signed note>", "inclusion_proof": [b64..]}
 *
 * also accepted wrapped as the answer to POST /v1/observations for one
 * object ({"id", "index", "receipt": {...}}) or with an "id" beside it (GET
 * /v1/observations/{id}/receipt). Pure: no I/O; errors go to err.
 */
#ifndef TRUCE_RECEIPT_H
#define TRUCE_RECEIPT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "tlog/checkpoint.h"

struct note_verifier;

/* What a verified receipt proves; the caller holds it on the stack. */
struct receipt_result {
	int64_t index;				/* the entry's log index */
	int64_t size;				/* the checkpoint's tree size */
	char origin[CHECKPOINT_ORIGIN_MAX + 1]; /* the checkpoint's origin */
};

/*
 * Verifies receipt doc for the log entry entry[0..len-1] (its canonical
 * bytes) against the log's verifier key: the checkpoint carries a valid
 * signature by log_key and names its origin, the receipt's id (if any) is
 * the hex SHA-256 of the entry, and the inclusion proof proves the entry's
 * RFC 6962 leaf hash at the index in the checkpoint's tree. Limits: a
 * checkpoint note of NOTE_MAX_SIZE bytes, MERKLE_MAX_PROOF proof hashes.
 * Returns 0 with *res filled, or -1 with what fails (naming the field) in
 * err. Cost: one Ed25519 verification, O(proof length) hashes.
 */
int receipt_verify(const json_t *doc, const struct note_verifier *log_key,
    const uint8_t *entry, size_t len, struct receipt_result *res, char *err,
    size_t errlen);

#endif
