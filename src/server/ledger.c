/*
 * ledger: the log's public face over HTTP, per C2SP tlog-tiles and RFC 9162.
 *
 *   GET /tile/<L>/<N>[.p/<W>]          hash tiles (public: hashes only)
 *   GET /tile/entries/<N>[.p/<W>]      entry bundles (a reader's token: the
 *                                      entries are the observations)
 *   GET /v1/log/proof/inclusion?index=I&size=N
 *   GET /v1/log/proof/consistency?from=M&to=N
 *
 * A full tile never changes and is served as immutable (tlog-tiles: clients
 * and caches may keep it forever); a partial tile is served with no-cache,
 * as Sunlight and Tessera do, since clients should move to the full tile
 * once it exists. Proofs are JSON with base64 hashes (RFC 4648 §4).
 *
 * Inclusion proofs are the hot public route (every client checking a
 * receipt or an entry asks for one). They follow the model of tlog-tiles
 * clients (Tessera's ProofBuilder over transparency-dev/merkle): a proof is
 * O(log n) stored hashes plus at most one node on the tree's right edge.
 * The stored hashes are memory reads (the log maps its hash file); the
 * right edge and root of the last few sizes asked for are kept here in a
 * tlog/prover each, so serving a proof hashes nothing; and the answer is
 * written straight into a buffer, in exactly the form jansson gave it.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "center/center.h"
#include "common/num.h"
#include "ledger/checkpointer.h"
#include "ledger/entrylog.h"
#include "server/request.h"
#include "tlog/merkle.h"
#include "tlog/prover.h"
#include "tlog/tile.h"

#define IMMUTABLE "public, max-age=31536000, immutable"
#define CACHE_POLICY(t) ((t)->width == TILE_WIDTH ? IMMUTABLE : "no-cache")

/*
 * The log size tiles and proofs are served up to: the log's (on a read
 * server, the store's applied size, center/follower.h), or, on a member's
 * mirror (no sequencer, no follower), the size of the joint checkpoint it
 * verified: entries it appended during a round are not served before the
 * round's root check accepted them.
 */
static int64_t
served_size(struct request *r)
{
	struct center *c = r->srv->center;
	int64_t size = entrylog_size(c->log), joint;

	if (c->seq == NULL && c->follower == NULL && c->cp != NULL &&
	    (joint = checkpointer_joint_size(c->cp)) < size)
		size = joint;
	return size;
}

/* Whether the log holds all that tile t covers. */
static int
tile_available(struct request *r, const struct tile *t)
{
	int64_t size = served_size(r);
	struct tile have;

	if (tile_for_size(t->level == TILE_LEVEL_ENTRIES ? 0 : t->level, t->n,
		size, &have) == -1)
		return 0;
	return have.width >= t->width;
}

enum MHD_Result
ledger_tile(struct request *r)
{
	struct tile t;
	uint8_t data[TILE_FULL_BYTES];
	const char *path = r->url + 1; /* without the leading '/' */

	if (tile_path_parse(path, strlen(path), &t) == -1 ||
	    t.level == TILE_LEVEL_ENTRIES)
		return http_problem(r, 404, "not a tile path: %.100s", r->url);
	if (!tile_available(r, &t))
		return http_problem(r, 404,
		    "the log does not hold tile %.100s "
		    "yet",
		    r->url);
	if (tile_read_data(&t, entrylog_read_hashes, r->srv->center->log, data,
		sizeof(data)) == -1)
		return http_problem(r, 500, "tile %.100s is unreadable",
		    r->url);
	return http_bytes(r, 200, data, (size_t)t.width * MERKLE_HASH_SIZE,
	    "application/octet-stream", CACHE_POLICY(&t));
}

enum MHD_Result
ledger_entries(struct request *r)
{
	struct tile t;
	uint8_t *bundle;
	size_t len;
	enum MHD_Result ret;
	const char *path = r->url + 1;

	if (tile_path_parse(path, strlen(path), &t) == -1 ||
	    t.level != TILE_LEVEL_ENTRIES)
		return http_problem(r, 404, "not an entry bundle path: %.100s",
		    r->url);
	if (!tile_available(r, &t))
		return http_problem(r, 404,
		    "the log does not hold bundle "
		    "%.100s yet",
		    r->url);
	if (entrylog_read_bundle(r->srv->center->log, t.n * TILE_WIDTH, t.width,
		&bundle, &len) == -1)
		return http_problem(r, 500, "bundle %.100s is unreadable",
		    r->url);
	ret = http_bytes(r, 200, bundle, len, "application/octet-stream",
	    CACHE_POLICY(&t));
	free(bundle);
	return ret;
}

static int
arg_i64(struct request *r, const char *name, int64_t min, int64_t max,
    int64_t *out, char *err, size_t errlen)
{
	const char *v = http_query(r, name);
	char nerr[160];

	if (v == NULL) {
		snprintf(err, errlen, "%s: is required", name);
		return -1;
	}
	if (num_parse_i64(v, min, max, out, nerr, sizeof(nerr)) == -1) {
		snprintf(err, errlen, "%s: %s", name, nerr);
		return -1;
	}
	return 0;
}

static json_t *
proof_array(uint8_t (*proof)[MERKLE_HASH_SIZE], size_t len)
{
	json_t *a = json_array();
	char b64[MERKLE_BASE64_SIZE];
	size_t i;

	for (i = 0; i < len; i++) {
		merkle_hash_to_base64(proof[i], b64);
		json_array_append_new(a, json_string(b64));
	}
	return a;
}

/* Provers of recent tree sizes, replaced round robin. */
#define LEDGER_PROVERS 8

struct ledger_provers {
	pthread_mutex_t mu;
	struct prover p[LEDGER_PROVERS];
	int n;	  /* in use */
	int next; /* to replace when full */
};

struct ledger_provers *
ledger_provers_new(void)
{
	struct ledger_provers *lp;

	if ((lp = calloc(1, sizeof(*lp))) == NULL)
		return NULL;
	pthread_mutex_init(&lp->mu, NULL);
	return lp;
}

void
ledger_provers_free(struct ledger_provers *lp)
{
	if (lp == NULL)
		return;
	pthread_mutex_destroy(&lp->mu);
	free(lp);
}

/*
 * A copy of the prover of the tree of size n (<= the log's size) into
 * out: from the cache, or made and cached. A tree of a given size never
 * changes, so a cached prover never goes stale. 0 or -1.
 */
static int
prover_for(struct server *srv, int64_t n, struct prover *out)
{
	struct ledger_provers *lp = srv->provers;
	int i, found = 0;

	pthread_mutex_lock(&lp->mu);
	for (i = 0; i < lp->n && !found; i++)
		if (lp->p[i].size == n) {
			*out = lp->p[i];
			found = 1;
		}
	pthread_mutex_unlock(&lp->mu);
	if (found)
		return 0;
	if (prover_init(out, n, entrylog_read_hashes, srv->center->log) == -1)
		return -1;
	pthread_mutex_lock(&lp->mu);
	for (i = 0; i < lp->n && !found; i++)
		found = lp->p[i].size == n; /* another thread was quicker */
	if (!found) {
		i = lp->n < LEDGER_PROVERS ? lp->n++ : lp->next;
		lp->next = (i + 1) % LEDGER_PROVERS;
		lp->p[i] = *out;
	}
	pthread_mutex_unlock(&lp->mu);
	return 0;
}

/*
 * Appends s (len bytes) to buf at *at, of cap bytes; 0, or -1 when it
 * does not fit (buf then holds a truncated text the caller must drop).
 */
static int
put(char *buf, size_t cap, size_t *at, const char *s, size_t len)
{
	if (len > cap - *at)
		return -1;
	memcpy(buf + *at, s, len);
	*at += len;
	return 0;
}

/* The longest answer: two numbers, 2 + MERKLE_MAX_PROOF quoted hashes. */
#define INCLUSION_MAX (128 + (2 + MERKLE_MAX_PROOF) * (MERKLE_BASE64_SIZE + 3))

/*
 * The inclusion answer as jansson's compact form of {"index","size",
 * "leaf_hash","root","proof":[...]} into buf; its length, or 0 if cap is
 * too small (it is not, for INCLUSION_MAX).
 */
static size_t
inclusion_json(char *buf, size_t cap, int64_t index, int64_t n,
    const uint8_t leaf[MERKLE_HASH_SIZE], const uint8_t root[MERKLE_HASH_SIZE],
    uint8_t (*proof)[MERKLE_HASH_SIZE], size_t len)
{
	char lb64[MERKLE_BASE64_SIZE], rb64[MERKLE_BASE64_SIZE],
	    b64[MERKLE_BASE64_SIZE];
	size_t at, i;
	int w;

	merkle_hash_to_base64(leaf, lb64);
	merkle_hash_to_base64(root, rb64);
	w = snprintf(buf, cap,
	    "{\"index\":%lld,\"size\":%lld,\"leaf_hash\":"
	    "\"%s\",\"root\":\"%s\",\"proof\":[",
	    (long long)index, (long long)n, lb64, rb64);
	if (w < 0 || (size_t)w >= cap)
		return 0;
	at = (size_t)w;
	for (i = 0; i < len; i++) {
		merkle_hash_to_base64(proof[i], b64);
		if ((i > 0 && put(buf, cap, &at, ",", 1) == -1) ||
		    put(buf, cap, &at, "\"", 1) == -1 ||
		    put(buf, cap, &at, b64, MERKLE_BASE64_SIZE - 1) == -1 ||
		    put(buf, cap, &at, "\"", 1) == -1)
			return 0;
	}
	if (put(buf, cap, &at, "]}", 2) == -1)
		return 0;
	return at;
}

enum MHD_Result
ledger_inclusion(struct request *r)
{
	struct entrylog *log = r->srv->center->log;
	int64_t size = served_size(r), index, n;
	uint8_t proof[MERKLE_MAX_PROOF][MERKLE_HASH_SIZE], root[32], leaf[32];
	struct prover p;
	size_t len, blen;
	char err[256], buf[INCLUSION_MAX];

	if (arg_i64(r, "size", 1, size, &n, err, sizeof(err)) == -1 ||
	    arg_i64(r, "index", 0, n - 1, &index, err, sizeof(err)) == -1)
		return http_problem(r, 400, "%s (the log holds %lld entries)",
		    err, (long long)size);
	if (prover_for(r->srv, n, &p) == -1 ||
	    prover_inclusion(&p, index, entrylog_read_hashes, log, leaf, proof,
		&len) == -1)
		return http_problem(r, 500, "cannot compute the proof");
	prover_root(&p, root);
	if ((blen = inclusion_json(buf, sizeof(buf), index, n, leaf, root,
		 proof, len)) == 0)
		return http_problem(r, 500,
		    "the proof does not fit its "
		    "answer");
	return http_bytes(r, 200, buf, blen, "application/json", "no-store");
}

enum MHD_Result
ledger_consistency(struct request *r)
{
	struct entrylog *log = r->srv->center->log;
	int64_t size = served_size(r), from, to;
	uint8_t proof[MERKLE_MAX_PROOF][MERKLE_HASH_SIZE], r1[32], r2[32];
	size_t len;
	char err[256], b1[MERKLE_BASE64_SIZE], b2[MERKLE_BASE64_SIZE];

	if (arg_i64(r, "to", 1, size, &to, err, sizeof(err)) == -1 ||
	    arg_i64(r, "from", 1, to, &from, err, sizeof(err)) == -1)
		return http_problem(r, 400, "%s (the log holds %lld entries)",
		    err, (long long)size);
	if (merkle_prove_consistency(from, to, entrylog_read_hashes, log, proof,
		&len) == -1 ||
	    merkle_tree_hash(from, entrylog_read_hashes, log, r1) == -1 ||
	    merkle_tree_hash(to, entrylog_read_hashes, log, r2) == -1)
		return http_problem(r, 500, "cannot compute the proof");
	merkle_hash_to_base64(r1, b1);
	merkle_hash_to_base64(r2, b2);
	return http_json(r, 200,
	    json_pack("{s:I,s:I,s:s,s:s,s:o}", "from", (json_int_t)from, "to",
		(json_int_t)to, "root1", b1, "root2", b2, "proof",
		proof_array(proof, len)));
}

json_t *
ledger_receipt(struct server *srv, int64_t index, const char *note,
    int64_t size)
{
	struct entrylog *log = srv->center->log;
	uint8_t proof[MERKLE_MAX_PROOF][MERKLE_HASH_SIZE];
	struct prover p;
	char *own = NULL;
	size_t len;
	json_t *out = NULL;

	if (note == NULL)
		note = own = checkpointer_latest(srv->center->cp, &size);
	if (note == NULL || index < 0 || index >= size)
		goto done;
	/* From the cached prover of the checkpoint's size, as the route's. */
	if (prover_for(srv, size, &p) == -1 ||
	    prover_inclusion(&p, index, entrylog_read_hashes, log, NULL, proof,
		&len) == -1)
		goto done;
	out = json_pack("{s:I,s:s,s:o}", "index", (json_int_t)index,
	    "checkpoint", note, "inclusion_proof", proof_array(proof, len));
done:
	free(own);
	return out;
}

static enum MHD_Result
note_response(struct request *r, char *note)
{
	enum MHD_Result ret;

	if (note == NULL)
		return http_problem(r, 503, "no checkpoint yet");
	ret = http_bytes(r, 200, note, strlen(note),
	    "text/plain; charset=utf-8", "no-cache");
	free(note);
	return ret;
}

enum MHD_Result
ledger_checkpoint(struct request *r)
{
	int64_t size;

	return note_response(r, checkpointer_joint(r->srv->center->cp, &size));
}

enum MHD_Result
ledger_latest_checkpoint(struct request *r)
{
	int64_t size;

	return note_response(r, checkpointer_latest(r->srv->center->cp, &size));
}

enum MHD_Result
ledger_key(struct request *r)
{
	char buf[600];
	int n = snprintf(buf, sizeof(buf), "%s\n", r->srv->center->log_vkey);

	return http_bytes(r, 200, buf, (size_t)n, "text/plain; charset=utf-8",
	    "no-cache");
}
