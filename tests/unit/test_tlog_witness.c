/*
 * Unit test of tlog/witness beyond witness_add_checkpoint.json: a log of
 * our own (memlog + checkpoints signed by a generated key) walks a witness
 * through every status of C2SP tlog-witness, including the decisions
 * documented in docs/tlog.md (same size different root: 422; unknown
 * origin: 404) and the request limits.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "tlog/checkpoint.h"
#include "tlog/memlog.h"
#include "tlog/merkle.h"
#include "tlog/note.h"
#include "tlog/witness.h"
#include "tap.h"

#define H MERKLE_HASH_SIZE
#define ORIGIN "truce.example/log"

static struct memlog *mlog;
static struct note_signer *logkey, *witkey;
static struct note_verifier *logv, *witv;
static struct witness_state state;
static struct witness_log wl;
static const struct note_verifier *keys[1];

/* A request body: "old <old>", the proof lines (or `proof` verbatim), "",
 * the checkpoint of size `size` with root `root` signed by `signer`. */
static char *
request(int64_t old, int64_t size, const uint8_t *root, const char *proof,
    const struct note_signer *signer, size_t *len)
{
	uint8_t r[H], p[MERKLE_MAX_PROOF][H];
	char cp[512], b64[MERKLE_BASE64_SIZE], *note = NULL, *body;
	size_t cplen, nlen, plen = 0, i, cap;
	int w;

	if (root == NULL) {
		merkle_tree_hash(size, memlog_read, mlog, r);
		root = r;
	}
	checkpoint_format(ORIGIN, size, root, NULL, cp, sizeof(cp), &cplen,
	    NULL, 0);
	note_sign(signer, (const uint8_t *)cp, cplen, 0, &note, &nlen, NULL,
	    0);
	cap = 64 + 45 * MERKLE_MAX_PROOF + nlen + (proof ? strlen(proof) : 0);
	body = malloc(cap);
	w = snprintf(body, cap, "old %lld\n", (long long)old);
	if (proof != NULL) {
		w += snprintf(body + w, cap - (size_t)w, "%s", proof);
	} else if (old > 0 && old < size) {
		merkle_prove_consistency(old, size, memlog_read, mlog, p,
		    &plen);
		for (i = 0; i < plen; i++) {
			merkle_hash_to_base64(p[i], b64);
			w += snprintf(body + w, cap - (size_t)w, "%s\n", b64);
		}
	}
	w += snprintf(body + w, cap - (size_t)w, "\n%s", note);
	free(note);
	*len = (size_t)w;
	return body;
}

/* Sends a request; on 200 the state is persisted, as a server would. */
static int
submit(int64_t old, int64_t size, const uint8_t *root, const char *proof,
    const struct note_signer *signer, struct witness_result *res)
{
	size_t len;
	char *body = request(old, size, root, proof, signer, &len);

	witness_add_checkpoint((const uint8_t *)body, len, &wl, 1, witkey,
	    1700000000, res);
	free(body);
	if (res->status == 200) {
		state = res->state;
		wl.state = &state;
	}
	return res->status;
}

static void
test_walk(void)
{
	struct witness_result res;
	struct note_signer *stranger;
	uint8_t root[H], empty[H];
	char *body, big[64 * 46 + 1];
	size_t len, i;
	uint32_t x;
	int r;

	for (x = 0; x < 1000; x++) {
		merkle_leaf_hash((const uint8_t *)&x, sizeof(x), root);
		memlog_append(mlog, root);
	}
	merkle_empty_root(empty);
	memset(root, 0x11, H);

	is_int(submit(0, 0, root, NULL, logkey, &res), 422,
	    "size-0 checkpoint with a non-empty root: 422 (%s)", res.message);
	is_int(submit(0, 0, empty, NULL, logkey, &res), 200,
	    "size-0 checkpoint with the empty root: 200");
	is_int(submit(0, 10, NULL, "KioqKioqKioqKioqKioqKioqKioqKioqKioqKioqKio=\n",
		   logkey, &res),
	    422, "old 0 with a non-empty proof: 422 (%s)", res.message);
	is_int(submit(0, 10, NULL, NULL, logkey, &res), 200, "old 0 -> 10: 200");
	ok(res.state.size == 10 &&
		strncmp(res.cosignature, "\xe2\x80\x94 witness.example/w1 ",
		    strlen("\xe2\x80\x94 witness.example/w1 ")) == 0,
	    "200 carries the new state and a cosignature line");
	is_int(submit(10, 10, NULL, NULL, logkey, &res), 200,
	    "same size, same root: 200 (cosigned again)");
	is_int(submit(10, 10, root, NULL, logkey, &res), 422,
	    "same size, different root: 422 (%s)", res.message);
	is_int(submit(10, 11, NULL, "", logkey, &res), 422,
	    "10 -> 11 without a proof: 422");
	is_int(submit(10, 700, NULL, NULL, logkey, &res), 200,
	    "10 -> 700 with a proof: 200");
	is_int(submit(10, 800, NULL, NULL, logkey, &res), 409,
	    "stale old size 10: 409");
	is_int(res.size, 700, "409 reports the recorded size 700");
	is_int(submit(700, 600, NULL, "", logkey, &res), 400,
	    "old size above the checkpoint size: 400 (%s)", res.message);
	stranger = note_signer_generate(ORIGIN, NOTE_KEY_ED25519, NULL, 0);
	is_int(submit(700, 800, NULL, NULL, stranger, &res), 403,
	    "checkpoint signed by another key of the same name: 403 (%s)",
	    res.message);
	note_signer_free(stranger);
	is_int(state.size, 700, "refused requests leave the state alone");

	/* A fork: a checkpoint for another tree of size 800. */
	memset(root, 0x22, H);
	is_int(submit(700, 800, root, NULL, logkey, &res), 422,
	    "fork at 800 (proof does not reach its root): 422");
	is_int(submit(700, 1000, NULL, NULL, logkey, &res), 200,
	    "700 -> 1000: 200");

	/* Limits and malformed bodies. */
	for (i = 0; i < 64; i++)
		memcpy(big + 45 * i,
		    "KioqKioqKioqKioqKioqKioqKioqKioqKioqKioqKio=\n", 45);
	big[45 * 64] = '\0';
	is_int(submit(1000, 1000, NULL, big, logkey, &res), 400,
	    "64 proof lines: 400 (%s)", res.message);
	is_int(submit(1000, 1000, NULL, "bm90IGEgaGFzaA==\n", logkey, &res), 400,
	    "proof line that is not a 32-byte hash: 400 (%s)", res.message);
	body = request(1000, 1000, NULL, NULL, logkey, &len);
	body[4] = '0'; /* "old 0000" */
	witness_add_checkpoint((const uint8_t *)body, len, &wl, 1, witkey, 1,
	    &res);
	is_int(res.status, 400, "old size with leading zeros: 400 (%s)",
	    res.message);
	body[4] = '1';
	witness_add_checkpoint((const uint8_t *)body, 9, &wl, 1, witkey, 1,
	    &res);
	is_int(res.status, 400, "truncated body: 400 (%s)", res.message);
	free(body);
	body = request(1000, 1000, NULL, NULL, logkey, &len);
	wl.origin = "truce.example/other";
	witness_add_checkpoint((const uint8_t *)body, len, &wl, 1, witkey, 1,
	    &res);
	is_int(res.status, 404, "unknown origin: 404 (%s)", res.message);
	wl.origin = ORIGIN;
	r = witness_add_checkpoint((const uint8_t *)body, len, &wl, 1, logkey,
	    1, &res);
	ok(r == -1 && res.status == 500,
	    "an Ed25519 key cannot cosign: internal error");
	free(body);
}

int
main(void)
{
	if (sodium_init() == -1)
		return 1;
	mlog = memlog_new();
	logkey = note_signer_generate(ORIGIN, NOTE_KEY_ED25519, NULL, 0);
	witkey = note_signer_generate("witness.example/w1",
	    NOTE_KEY_COSIGNATURE, NULL, 0);
	logv = note_signer_verifier(logkey);
	witv = note_signer_verifier(witkey);
	keys[0] = logv;
	wl.origin = ORIGIN;
	wl.keys = keys;
	wl.nkeys = 1;
	wl.state = NULL;
	test_walk();
	note_verifier_free(logv);
	note_verifier_free(witv);
	note_signer_free(logkey);
	note_signer_free(witkey);
	memlog_free(mlog);
	return done_testing();
}
