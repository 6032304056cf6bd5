/*
 * Conformance of the transparency-log modules (tlog/merkle, tlog/tile,
 * tlog/note, tlog/checkpoint, tlog/witness) against the external vectors in
 * tests/vectors/tlog/ (see its README.md for sources and licences, and
 * docs/tlog.md for how each upstream disagreement is decided). Every vector
 * file runs; the per-file counts and the total are printed at the end.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>


#include "tlog/checkpoint.h"
#include "tlog/memlog.h"
#include "tlog/merkle.h"
#include "tlog/note.h"
#include "tlog/tile.h"
#include "tlog/witness.h"



#include "tap.h"
#include "vec.h"

#define H MERKLE_HASH_SIZE
#define DIR "tlog"

enum {
	F_HASH_BASICS,
	F_TREE8,
	F_TREE130,
	F_TD_INCL,
	F_TD_CONS,
	F_TD_SUB_INCL,
	F_TD_SUB_CONS,
	F_NOTE_KEYS,
	F_NOTE_CASES,
	F_CHECKPOINT,
	F_COSIG,
	F_WITNESS,
	F_TILES,
	F_COUNT
};

static struct vec_count count[F_COUNT] = {
	{ "rfc6962_hash_basics.json", 0, 0, 0 },
	{ "rfc6962_tree8.json", 0, 0, 0 },
	{ "tree130_byte_leaves.json", 0, 0, 0 },
	{ "tdmerkle_inclusion.json", 0, 0, 0 },
	{ "tdmerkle_consistency.json", 0, 0, 0 },
	{ "tdmerkle_subtree_inclusion.json", 0, 0, 0 },
	{ "tdmerkle_subtree_consistency.json", 0, 0, 0 },
	{ "signed_note_keys.json", 0, 0, 0 },
	{ "signed_note_cases.json", 0, 0, 0 },
	{ "checkpoint_cases.json", 0, 0, 0 },
	{ "cosignature_cases.json", 0, 0, 0 },
	{ "witness_add_checkpoint.json", 0, 0, 0 },
	{ "tlog_tiles.json", 0, 0, 0 },
};

/* A file that does not load counts as one failure. */
static json_t *
load(int f, size_t flags)
{
	json_t *j = vec_load(DIR, count[f].file, flags);

	if (j == NULL)
		vec_ok(&count[f], 0, "%s loads", count[f].file);
	return j;
}

/*
 * Decodes a JSON array of hex hashes into proof (room for MERKLE_MAX_PROOF).
 * Returns -1 if an element is not a 32-byte hash or there are too many: a
 * caller of the fixed-size C API would reject such input while decoding.
 */
static int
hex_proof(const json_t *arr, uint8_t (*proof)[H], size_t *len)
{
	size_t i;
	const json_t *v;

	if (!json_is_array(arr) || json_array_size(arr) > MERKLE_MAX_PROOF)
		return -1;
	json_array_foreach(arr, i, v) {
		if (!json_is_string(v) ||
		    vec_hash(json_string_value(v), proof[i]) == -1)
			return -1;
	}
	*len = json_array_size(arr);
	return 0;
}

static int
proof_equal(const uint8_t (*a)[H], size_t alen, const uint8_t (*b)[H],
    size_t blen)
{
	return alen == blen && (alen == 0 || memcmp(a, b, alen * H) == 0);
}

/* Builds a memlog from a JSON array of hex leaf data. */
static struct memlog *
memlog_from_hex_leaves(const json_t *leaves)
{
	struct memlog *m = memlog_new();
	uint8_t data[256], lh[H];
	size_t i, len;
	const json_t *v;

	if (m == NULL)
		return NULL;
	json_array_foreach(leaves, i, v) {
		if (vec_unhex(json_string_value(v), data, sizeof(data), &len) ==
			-1)
			goto fail;
		merkle_leaf_hash(data, len, lh);
		if (memlog_append(m, lh) == -1)
			goto fail;
	}
	return m;
fail:
	memlog_free(m);
	return NULL;
}

/* ---- rfc6962_hash_basics.json ---- */

static void
run_hash_basics(void)
{
	struct vec_count *c = &count[F_HASH_BASICS];
	json_t *j = load(F_HASH_BASICS, 0), *cs;
	uint8_t in[64], in2[64], want[H], got[H];
	size_t i, n, n2;
	const json_t *v;
	const char *kind;

	if (j == NULL)
		return;
	cs = json_object_get(j, "cases");
	json_array_foreach(cs, i, v) {
		kind = vec_str(v, "kind");
		if (vec_hash(vec_str(v, "expect_hex"), want) == -1) {
			vec_ok(c, 0, "hash_basics %zu: bad expect_hex", i);
			continue;
		}
		memset(got, 0, H);
		if (strcmp(kind, "empty_root") == 0) {
			merkle_empty_root(got);
		} else if (strcmp(kind, "leaf_hash") == 0) {
			if (vec_unhex(vec_str(v, "input_hex"), in, sizeof(in),
				&n) == 0)
				merkle_leaf_hash(in, n, got);
		} else if (strcmp(kind, "node_hash") == 0) {
			if (vec_unhex(vec_str(v, "left_hex"), in, sizeof(in),
				&n) == 0 &&
			    vec_unhex(vec_str(v, "right_hex"), in2,
				sizeof(in2), &n2) == 0)
				merkle_hash_children(in, n, in2, n2, got);
		}
		vec_ok(c, memcmp(got, want, H) == 0, "hash_basics: %s",
		    vec_str(v, "desc"));
	}
	json_decref(j);
}

/* ---- rfc6962_tree8.json ---- */

static void
run_tree8(void)
{
	struct vec_count *c = &count[F_TREE8];
	json_t *j = load(F_TREE8, 0);
	struct memlog *m = NULL;
	uint8_t root[H], want[H], want2[H], lh[H];
	uint8_t proof[MERKLE_MAX_PROOF][H], wantp[MERKLE_MAX_PROOF][H];
	size_t i, k, len, wlen;
	int64_t a, b;
	const json_t *v, *lvl, *hv;

	if (j == NULL)
		return;
	m = memlog_from_hex_leaves(json_object_get(j, "leaves_hex"));
	vec_ok(c, m != NULL && memlog_size(m) == 8, "tree8: 8 leaves stored");
	if (m == NULL)
		goto out;
	json_array_foreach(json_object_get(j, "leaf_hashes_hex"), i, v) {
		vec_hash(json_string_value(v), want);
		vec_ok(c,
		    memlog_read(m,
			&(int64_t) { merkle_stored_hash_index(0, (int64_t)i) },
			1, &lh) == 0 &&
			memcmp(lh, want, H) == 0,
		    "tree8: leaf hash %zu", i);
	}
	json_array_foreach(json_object_get(j, "roots_by_size_hex"), i, v) {
		vec_hash(json_string_value(v), want);
		vec_ok(c,
		    merkle_tree_hash((int64_t)i, memlog_read, m, root) == 0 &&
			memcmp(root, want, H) == 0,
		    "tree8: root of size %zu", i);
	}
	/* Node hashes by level: level l, node k covers [k*2^l, (k+1)*2^l). */
	json_array_foreach(json_object_get(j, "node_hashes_by_level_hex"), i,
	    lvl) {
		json_array_foreach(lvl, k, hv) {
			vec_hash(json_string_value(hv), want);
			vec_ok(c,
			    merkle_subtree_hash((int64_t)k << i,
				(int64_t)(k + 1) << i, memlog_read, m,
				root) == 0 &&
				memcmp(root, want, H) == 0,
			    "tree8: node hash level %zu index %zu", i, k);
		}
	}
	json_array_foreach(json_object_get(j, "inclusion"), i, v) {
		vec_i64(v, "leaf_index", &a);
		vec_i64(v, "tree_size", &b);
		vec_hash(vec_str(v, "leaf_hash_hex"), lh);
		vec_hash(vec_str(v, "root_hex"), want);
		if (hex_proof(json_object_get(v, "path_hex"), wantp, &wlen) ==
		    -1) {
			vec_ok(c, 0, "tree8: inclusion %zu: bad path", i);
			continue;
		}
		len = 99;
		vec_ok(c,
		    merkle_prove_inclusion(a, b, memlog_read, m, proof,
			&len) == 0 &&
			proof_equal(proof, len, wantp, wlen) &&
			merkle_verify_inclusion(a, b, lh, wantp, wlen, want) ==
			    0,
		    "tree8: inclusion leaf %lld size %lld: generate and verify",
		    (long long)a, (long long)b);
	}
	json_array_foreach(json_object_get(j, "consistency"), i, v) {
		vec_i64(v, "size1", &a);
		vec_i64(v, "size2", &b);
		vec_hash(vec_str(v, "root1_hex"), want);
		vec_hash(vec_str(v, "root2_hex"), want2);
		if (hex_proof(json_object_get(v, "proof_hex"), wantp, &wlen) ==
		    -1) {
			vec_ok(c, 0, "tree8: consistency %zu: bad proof", i);
			continue;
		}
		len = 99;
		vec_ok(c,
		    merkle_prove_consistency(a, b, memlog_read, m, proof,
			&len) == 0 &&
			proof_equal(proof, len, wantp, wlen) &&
			merkle_verify_consistency(a, b, wantp, wlen, want,
			    want2) == 0,
		    "tree8: consistency %lld -> %lld: generate and verify",
		    (long long)a, (long long)b);
	}
out:
	memlog_free(m);
	json_decref(j);
}

/* ---- tree130_byte_leaves.json ---- */

/* SHA-256 over the lines an accumulated digest is defined by. */
struct acc {
	crypto_hash_sha256_state st;
	char line[64 * 65 + 128];
	size_t len;
};

static void
acc_hash(struct acc *a, const uint8_t h[H])
{
	char hex[MERKLE_HEX_SIZE];

	merkle_hash_to_hex(h, hex);
	a->len += (size_t)snprintf(a->line + a->len, sizeof(a->line) - a->len,
	    " %s", hex);
}

static void
acc_flush(struct acc *a)
{
	a->line[a->len++] = '\n';
	crypto_hash_sha256_update(&a->st, (const uint8_t *)a->line, a->len);
	a->len = 0;
}

/* valid(start, end) of the file: start == 0, start == end, or aligned. */
static int
acc_valid(int64_t start, int64_t end)
{
	return start == 0 || start == end || merkle_subtree_valid(start, end);
}

static void
check_accumulated(struct vec_count *c, const json_t *acc, struct memlog *m)
{
	const char *name = vec_str(acc, "name");
	uint8_t want[H], got[H], h[H], proof[MERKLE_MAX_PROOF][H];
	struct acc a;
	int64_t n, start, end, idx;
	size_t len, i;
	int err = 0;

	if (vec_hash(vec_str(acc, "expect_sha256_hex"), want) == -1) {
		vec_ok(c, 0, "tree130: accumulated %s: bad digest", name);
		return;
	}
	crypto_hash_sha256_init(&a.st);
	a.len = 0;
	if (strcmp(name, "subtree_hash") == 0) {
		for (end = 0; end <= 130; end++)
			for (start = 0; start <= end; start++) {
				if (!acc_valid(start, end))
					continue;
				if (merkle_subtree_hash(start, end,
					memlog_read, m, h) == -1)
					err = 1;
				a.len = (size_t)snprintf(a.line,
				    sizeof(a.line), "[%lld, %lld)",
				    (long long)start, (long long)end);
				acc_hash(&a, h);
				acc_flush(&a);
			}
	} else if (strcmp(name, "subtree_inclusion_proof") == 0) {
		for (end = 0; end <= 130; end++)
			for (start = 0; start < end; start++) {
				if (!acc_valid(start, end))
					continue;
				for (idx = start; idx < end; idx++) {
					if (merkle_prove_subtree_inclusion(idx,
						start, end, memlog_read, m,
						proof, &len) == -1)
						err = 1, len = 0;
					a.len = (size_t)snprintf(a.line,
					    sizeof(a.line), "%lld [%lld, %lld)",
					    (long long)idx, (long long)start,
					    (long long)end);
					for (i = 0; i < len; i++)
						acc_hash(&a, proof[i]);
					acc_flush(&a);
				}
			}
	} else if (strcmp(name, "subtree_consistency_proof") == 0) {
		for (n = 0; n <= 130; n++)
			for (end = 0; end <= n; end++)
				for (start = 0; start <= end; start++) {
					if (!acc_valid(start, end))
						continue;
					len = 0;
					if (start < end &&
					    merkle_prove_subtree_consistency(
						start, end, n, memlog_read, m,
						proof, &len) == -1)
						err = 1, len = 0;
					a.len = (size_t)snprintf(a.line,
					    sizeof(a.line), "[%lld, %lld) %lld",
					    (long long)start, (long long)end,
					    (long long)n);
					for (i = 0; i < len; i++)
						acc_hash(&a, proof[i]);
					acc_flush(&a);
				}
	} else {
		c->skipped++;
		diag("skip tree130 accumulated %s: %s", name,
		    "MTC covering subtrees (FindSubtrees) are not part of an "
		    "RFC 6962 log");
		return;
	}
	crypto_hash_sha256_final(&a.st, got);
	vec_ok(c, !err && memcmp(got, want, H) == 0,
	    "tree130: accumulated digest %s reproduced", name);
}

static void
run_tree130(void)
{
	struct vec_count *c = &count[F_TREE130];
	json_t *j = load(F_TREE130, 0);
	struct memlog *m = memlog_new();
	uint8_t b, lh[H], root[H], roots[131][H], bad[H];
	uint8_t proof[MERKLE_MAX_PROOF][H], wantp[MERKLE_MAX_PROOF][H];
	size_t i, len, wlen;
	int64_t a, n, s1, s2;
	const json_t *v;
	int okv, rej;

	if (j == NULL || m == NULL)
		goto out;
	for (i = 0; i < 130; i++) {
		b = (uint8_t)i;
		merkle_leaf_hash(&b, 1, lh);
		memlog_append(m, lh);
	}
	json_array_foreach(json_object_get(j, "roots_by_size_hex"), i, v) {
		vec_hash(json_string_value(v), roots[i]);
		vec_ok(c,
		    merkle_tree_hash((int64_t)i, memlog_read, m, root) == 0 &&
			memcmp(root, roots[i], H) == 0,
		    "tree130: root of size %zu", i);
	}
	json_array_foreach(json_object_get(j, "inclusion"), i, v) {
		vec_i64(v, "leaf_index", &a);
		vec_i64(v, "tree_size", &n);
		hex_proof(json_object_get(v, "path_hex"), wantp, &wlen);
		b = (uint8_t)a;
		merkle_leaf_hash(&b, 1, lh);
		okv = merkle_prove_inclusion(a, n, memlog_read, m, proof,
			  &len) == 0 &&
		    proof_equal(proof, len, wantp, wlen) &&
		    merkle_verify_inclusion(a, n, lh, wantp, wlen, roots[n]) ==
			0;
		/* The verifier must also reject a corrupted root. */
		memcpy(bad, roots[n], H);
		bad[i % H] ^= 0x01;
		rej = merkle_verify_inclusion(a, n, lh, wantp, wlen, bad) == -1;
		vec_ok(c, okv && rej,
		    "tree130: inclusion %lld in %lld: generate, verify, reject "
		    "bad root",
		    (long long)a, (long long)n);
	}
	json_array_foreach(json_object_get(j, "consistency"), i, v) {
		vec_i64(v, "size1", &s1);
		vec_i64(v, "size2", &s2);
		hex_proof(json_object_get(v, "proof_hex"), wantp, &wlen);
		okv = merkle_prove_consistency(s1, s2, memlog_read, m, proof,
			  &len) == 0 &&
		    proof_equal(proof, len, wantp, wlen) &&
		    merkle_verify_consistency(s1, s2, wantp, wlen, roots[s1],
			roots[s2]) == 0 &&
		    merkle_verify_subtree_consistency(0, s1, s2, wantp, wlen,
			roots[s1], roots[s2]) == 0;
		/* A fork: another first root, the same second root. */
		memcpy(bad, roots[s1], H);
		bad[i % H] ^= 0x80;
		rej = merkle_verify_consistency(s1, s2, wantp, wlen, bad,
			  roots[s2]) == -1;
		if (wlen > 0) {
			wantp[wlen - 1][0] ^= 1;
			rej = rej &&
			    merkle_verify_consistency(s1, s2, wantp, wlen,
				roots[s1], roots[s2]) == -1;
		}
		vec_ok(c, okv && rej,
		    "tree130: consistency %lld -> %lld: generate, verify, "
		    "reject bad first root and bad proof",
		    (long long)s1, (long long)s2);
	}
	json_array_foreach(json_object_get(j, "accumulated"), i, v)
		check_accumulated(c, v, m);
out:
	memlog_free(m);
	json_decref(j);
}

/* ---- tdmerkle_*.json: transparency-dev/merkle accept/reject probes ---- */

enum probe { P_INCL, P_CONS, P_SUB_INCL, P_SUB_CONS };

/*
 * One probe. A field that does not decode to what the C API takes (an
 * index beyond int64_t, a hash that is not 32 bytes) is rejected while
 * decoding, exactly as a caller of the API would: that counts as a pass
 * when the probe wants an error, and as a skip otherwise (only byte-string
 * hash APIs can accept it; see docs/tlog.md).
 */
static void
run_probe(struct vec_count *c, enum probe kind, const json_t *v)
{
	const char *file = vec_str(v, "file");
	int want_err = json_is_true(json_object_get(v, "wantErr"));
	uint8_t h1[H], h2[H], proof[MERKLE_MAX_PROOF][H];
	int64_t a = 0, b = 0, s = 0;
	size_t len = 0;
	int decoded = 1, r = -1;

	switch (kind) {
	case P_INCL:
		decoded = vec_i64(v, "leafIdx", &a) == 0 &&
		    vec_i64(v, "treeSize", &b) == 0 &&
		    vec_hash(vec_str(v, "leafHash_hex"), h1) == 0 &&
		    vec_hash(vec_str(v, "root_hex"), h2) == 0;
		break;
	case P_SUB_INCL:
		decoded = vec_i64(v, "leafIdx", &a) == 0 &&
		    vec_i64(v, "start", &b) == 0 &&
		    vec_i64(v, "end", &s) == 0 &&
		    vec_hash(vec_str(v, "leafHash_hex"), h1) == 0 &&
		    vec_hash(vec_str(v, "root_hex"), h2) == 0;
		break;
	case P_CONS:
		decoded = vec_i64(v, "size1", &a) == 0 &&
		    vec_i64(v, "size2", &b) == 0 &&
		    vec_hash(vec_str(v, "root1_hex"), h1) == 0 &&
		    vec_hash(vec_str(v, "root2_hex"), h2) == 0;
		break;
	case P_SUB_CONS:
		decoded = vec_i64(v, "start", &a) == 0 &&
		    vec_i64(v, "end", &b) == 0 &&
		    vec_i64(v, "size", &s) == 0 &&
		    vec_hash(vec_str(v, "root1_hex"), h1) == 0 &&
		    vec_hash(vec_str(v, "root2_hex"), h2) == 0;
		break;
	}
	if (decoded)
		decoded = hex_proof(json_object_get(v, "proof_hex"), proof,
			      &len) == 0;
	if (!decoded) {
		if (!want_err) {
			c->skipped++;
			diag("skip %s: accepts hashes that are not 32 bytes "
			     "(byte-string API only)",
			    file);
			return;
		}
		vec_ok(c, 1, "%s: rejected while decoding", file);
		return;
	}
	switch (kind) {
	case P_INCL:
		r = merkle_verify_inclusion(a, b, h1, proof, len, h2);
		break;
	case P_SUB_INCL:
		r = merkle_verify_subtree_inclusion(a, b, s, h1, proof, len,
		    h2);
		break;
	case P_CONS:
		r = merkle_verify_consistency(a, b, proof, len, h1, h2);
		break;
	case P_SUB_CONS:
		r = merkle_verify_subtree_consistency(a, b, s, proof, len, h1,
		    h2);
		break;
	}
	vec_ok(c, (r == -1) == want_err, "%s: %s", file,
	    want_err ? "rejected" : "accepted");
}

static void
run_probes(int f, enum probe kind)
{
	json_t *j = load(f, JSON_DECODE_INT_AS_REAL);
	size_t i;
	const json_t *v;

	if (j == NULL)
		return;
	json_array_foreach(json_object_get(j, "cases"), i, v)
		run_probe(&count[f], kind, v);
	json_decref(j);
}

/* ---- tlog_tiles.json ---- */

static void
run_tiles(void)
{
	struct vec_count *c = &count[F_TILES];
	json_t *j = load(F_TILES, 0);
	struct memlog *m = NULL;
	char buf[TILE_PATH_MAX];
	const char *path, *want;
	struct tile t;
	int64_t n, size, full, wfull;
	int partial, wpartial, valid, bad;
	size_t i, k;
	const json_t *v, *lv;
	uint8_t data[TILE_FULL_BYTES], h[H], leaf[H];
	uint32_t x;

	if (j == NULL)
		return;
	json_array_foreach(json_object_get(j, "index_encoding"), i, v) {
		vec_i64(v, "n", &n);
		want = vec_str(v, "encoded");
		snprintf(buf, sizeof(buf), "tile/0/%s", want);
		vec_ok(c,
		    tile_index_format(n, buf + 7, sizeof(buf) - 7) == 0 &&
			strcmp(buf + 7, want) == 0 &&
			tile_path_parse(buf, strlen(buf), &t) == 0 &&
			t.n == n && t.level == 0 && t.width == TILE_WIDTH,
		    "tiles: index %lld encodes as %s and back", (long long)n,
		    want);
	}
	json_array_foreach(json_object_get(j, "path_examples"), i, v) {
		path = vec_str(v, "path");
		valid = json_is_true(json_object_get(v, "valid"));
		if (valid)
			vec_ok(c,
			    tile_path_parse(path, strlen(path), &t) == 0 &&
				tile_path_format(&t, buf, sizeof(buf)) == 0 &&
				strcmp(buf, path) == 0,
			    "tiles: %s parses and formats back", path);
		else
			vec_ok(c, tile_path_parse(path, strlen(path), &t) == -1,
			    "tiles: %s refused (%s)", path, vec_str(v, "why"));
	}
	json_array_foreach(json_object_get(j, "tile_sets"), i, v) {
		vec_i64(v, "tree_size", &size);
		bad = 0;
		json_array_foreach(json_object_get(v, "levels"), k, lv) {
			vec_i64(lv, "full_tiles", &wfull);
			vec_i64(lv, "partial_width", &n);
			wpartial = (int)n;
			if (tile_level_count(size, (int)k, &full, &partial) ==
				-1 ||
			    full != wfull || partial != wpartial)
				bad++;
			if (json_is_string(json_object_get(lv,
				"partial_path"))) {
				t.level = (int)k;
				t.n = full;
				t.width = partial;
				if (tile_path_format(&t, buf, sizeof(buf)) ==
					-1 ||
				    strcmp(buf, vec_str(lv, "partial_path")))
					bad++;
			} else if (partial != 0) {
				bad++;
			}
		}
		/* ... and nothing above the last level listed. */
		if (tile_level_count(size, (int)k, &full, &partial) == -1 ||
		    full != 0 || partial != 0)
			bad++;
		vec_ok(c, bad == 0, "tiles: tile set of tree size %lld",
		    (long long)size);
	}
	/*
	 * tile_hash_rule: hash i of tile n at level l is
	 * MTH(D[(n*256+i)*256^l : (n*256+i+1)*256^l]); checked on every hash
	 * of the level-1 tiles of a 66000-leaf tree.
	 */
	m = memlog_new();
	bad = m == NULL;
	for (x = 0; !bad && x < 66000; x++) {
		merkle_leaf_hash((const uint8_t *)&x, sizeof(x), leaf);
		bad = memlog_append(m, leaf) == -1;
	}
	for (n = 0; !bad && n <= 1; n++) {
		if (tile_for_size(1, n, 66000, &t) == -1 ||
		    tile_read_data(&t, memlog_read, m, data, sizeof(data)) ==
			-1) {
			bad = 1;
			break;
		}
		for (k = 0; k < (size_t)t.width; k++)
			if (merkle_subtree_hash((n * 256 + (int64_t)k) * 256,
				(n * 256 + (int64_t)k + 1) * 256, memlog_read,
				m, h) == -1 ||
			    memcmp(h, data + k * H, H) != 0)
				bad = 1;
	}
	vec_ok(c, !bad, "tiles: tile_hash_rule on level-1 tiles of 66000 "
			"leaves");
	memlog_free(m);
	json_decref(j);
}

/* ---- signed_note_keys.json and the keys the other files refer to ---- */

static json_t *keys_json;

/* The key object with this label in signed_note_keys.json, or NULL. */
static const json_t *
key_by_label(const char *label)
{
	size_t i;
	const json_t *v;

	json_array_foreach(json_object_get(keys_json, "keys"), i, v)
		if (strcmp(vec_str(v, "label"), label) == 0)
			return v;
	return NULL;
}

/* A new verifier for the labelled key's vkey (NULL if unknown). */
static struct note_verifier *
verifier_by_label(const char *label)
{
	const json_t *k = key_by_label(label);
	const char *vkey = k != NULL ? vec_str(k, "vkey") : "";

	return note_verifier_parse(vkey, strlen(vkey), NULL, 0);
}

/* A new signer for the labelled key's Go skey (NULL if none). */
static struct note_signer *
signer_by_label(const char *label)
{
	const json_t *k = key_by_label(label);
	const char *skey = k != NULL ? vec_str(k, "skey_go_format") : "";

	return note_signer_parse(skey, strlen(skey), NULL, 0);
}

static void
free_verifiers(struct note_verifier **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		note_verifier_free(v[i]);
}

/* Verifiers for a JSON array of key labels; returns how many. */
static size_t
verifiers_for(const json_t *labels, struct note_verifier **v, size_t max)
{
	size_t i, n = 0;
	const json_t *l;

	json_array_foreach(labels, i, l) {
		if (n < max &&
		    (v[n] = verifier_by_label(json_string_value(l))) != NULL)
			n++;
	}
	return n;
}

static void
run_note_keys(void)
{
	struct vec_count *c = &count[F_NOTE_KEYS];
	struct note_verifier *v;
	struct note_signer *sg, *sd;
	char buf[NOTE_SKEY_MAX], buf2[NOTE_SKEY_MAX], idhex[9], pubhex[65];
	uint8_t seed[32];
	size_t i, n;
	const json_t *k;
	const char *vkey, *skey, *label;
	int good;

	keys_json = load(F_NOTE_KEYS, 0);
	if (keys_json == NULL)
		return;
	json_array_foreach(json_object_get(keys_json, "keys"), i, k) {
		label = vec_str(k, "label");
		vkey = vec_str(k, "vkey");
		v = note_verifier_parse(vkey, strlen(vkey), buf, sizeof(buf));
		good = v != NULL;
		if (good) {
			snprintf(idhex, sizeof(idhex), "%08x",
			    (unsigned)note_verifier_key_id(v));
			vec_hex(note_verifier_public_key(v), 32, pubhex);
			good = strcmp(note_verifier_name(v),
				   vec_str(k, "name")) == 0 &&
			    strcmp(idhex, vec_str(k, "key_id_hex")) == 0 &&
			    note_verifier_type(v) ==
				json_integer_value(
				    json_object_get(k, "sig_type")) &&
			    strcmp(pubhex, vec_str(k, "public_key_hex")) == 0 &&
			    note_verifier_format(v, buf, sizeof(buf)) == 0 &&
			    strcmp(buf, vkey) == 0;
		} else {
			diag("  %s", buf);
		}
		vec_ok(c, good,
		    "keys: %s vkey parses, key id recomputes, formats back",
		    label);
		note_verifier_free(v);

		skey = vec_str(k, "skey_go_format");
		if (*skey != '\0') {
			sg = note_signer_parse(skey, strlen(skey), buf,
			    sizeof(buf));
			if (sg == NULL)
				diag("  %s", buf);
			vec_ok(c,
			    sg != NULL &&
				note_signer_format(sg, buf, sizeof(buf)) == 0 &&
				strcmp(buf, skey) == 0 &&
				note_signer_vkey(sg, buf2, sizeof(buf2)) == 0 &&
				strcmp(buf2, vkey) == 0,
			    "keys: %s Go skey parses, formats back, gives the "
			    "vkey",
			    label);
			note_signer_free(sg);
		}
		if (*vec_str(k, "ed25519_seed_hex") != '\0') {
			vec_unhex(vec_str(k, "ed25519_seed_hex"), seed,
			    sizeof(seed), &n);
			sd = note_signer_from_seed(vec_str(k, "name"),
			    (int)json_integer_value(
				json_object_get(k, "sig_type")),
			    seed, NULL, 0);
			vec_ok(c,
			    n == 32 && sd != NULL &&
				note_signer_vkey(sd, buf, sizeof(buf)) == 0 &&
				strcmp(buf, vkey) == 0,
			    "keys: %s seed gives the vkey", label);
			note_signer_free(sd);
		}
	}
}

/* ---- signed_note_cases.json ---- */

static enum note_error
error_class(const char *s)
{
	if (strcmp(s, "malformed") == 0)
		return NOTE_MALFORMED;
	if (strcmp(s, "no_verifiable_signature") == 0)
		return NOTE_NO_VERIFIABLE;
	if (strcmp(s, "invalid_signature") == 0)
		return NOTE_INVALID_SIGNATURE;
	return NOTE_OK;
}

/* 1 if the note's verified keys are exactly the "name+hexid" list. */
static int
verified_match(const struct note *n, const json_t *want)
{
	char id[NOTE_NAME_MAX + 16];
	const struct note_verifier *v;
	size_t i;

	if (note_verified_count(n) != json_array_size(want))
		return 0;
	for (i = 0; i < note_verified_count(n); i++) {
		v = note_verified_key(n, i);
		snprintf(id, sizeof(id), "%s+%08x", note_verifier_name(v),
		    (unsigned)note_verifier_key_id(v));
		if (strcmp(id,
			json_string_value(json_array_get(want, i))) != 0)
			return 0;
	}
	return 1;
}

/* 1 if the unverified lines name exactly the "name+hexid" list. */
static int
unverified_match(const struct note *n, const json_t *want)
{
	char id[NOTE_NAME_MAX + 16];
	uint8_t blob[NOTE_MAX_SIG_BYTES];
	const char *line, *name;
	size_t i, len, namelen, bloblen;
	uint32_t kid;

	if (note_unverified_count(n) != json_array_size(want))
		return 0;
	for (i = 0; i < note_unverified_count(n); i++) {
		line = note_unverified_line(n, i, &len);
		if (note_signature_parse(line, len, &name, &namelen, &kid,
			blob, sizeof(blob), &bloblen, NULL, 0) == -1)
			return 0;
		snprintf(id, sizeof(id), "%.*s+%08x", (int)namelen, name,
		    (unsigned)kid);
		if (strcmp(id,
			json_string_value(json_array_get(want, i))) != 0)
			return 0;
	}
	return 1;
}

static int
unverified_lines_match(const struct note *n, const json_t *want)
{
	const char *line, *w;
	size_t i, len;

	if (note_unverified_count(n) != json_array_size(want))
		return 0;
	for (i = 0; i < note_unverified_count(n); i++) {
		line = note_unverified_line(n, i, &len);
		w = json_string_value(json_array_get(want, i));
		if (strlen(w) != len || memcmp(line, w, len) != 0)
			return 0;
	}
	return 1;
}

static void
run_note_cases(void)
{
	struct vec_count *c = &count[F_NOTE_CASES];
	json_t *j = load(F_NOTE_CASES, 0);
	struct note_verifier *known[16];
	struct note_signer *sg;
	struct note *n;
	enum note_error e;
	uint8_t raw[4096];
	char *out, line[NOTE_SIGLINE_MAX], err[256];
	const char *text, *want, *desc;
	size_t i, k, nk, len, outlen, tl;
	const json_t *v, *exp, *x;
	const uint8_t *t;
	int good;

	if (j == NULL)
		return;
	json_array_foreach(json_object_get(j, "cases"), i, v) {
		desc = vec_str(v, "desc");
		exp = json_object_get(v, "expect");
		if (strcmp(vec_str(v, "op"), "sign") == 0) {
			sg = signer_by_label(vec_str(v, "signer"));
			text = vec_str(v, "text");
			want = vec_str(exp, "signed_note");
			good = 0;
			if (sg != NULL &&
			    json_array_size(
				json_object_get(v, "existing_signatures")) ==
				0) {
				good = note_sign(sg, (const uint8_t *)text,
					   strlen(text), 0, &out, &outlen, err,
					   sizeof(err)) == 0 &&
				    strcmp(out, want) == 0;
				if (good || outlen > 0)
					free(out);
			} else if (sg != NULL &&
			    note_signature_line(sg, (const uint8_t *)text,
				strlen(text), 0, line, sizeof(line), err,
				sizeof(err)) == 0) {
				/* text, blank line, old lines, new line. */
				len = strlen(text);
				good = strncmp(want, text, len) == 0 &&
				    want[len] == '\n';
				len++;
				json_array_foreach(json_object_get(v,
				    "existing_signatures"), k, x) {
					tl = strlen(json_string_value(x));
					good = good &&
					    strncmp(want + len,
						json_string_value(x), tl) == 0;
					len += tl;
				}
				good = good && strcmp(want + len, line) == 0;
			}
			vec_ok(c, good, "note sign: %s", desc);
			note_signer_free(sg);
			continue;
		}
		/* op == open */
		if (json_is_string(json_object_get(v, "note"))) {
			t = (const uint8_t *)vec_str(v, "note");
			len = vec_strlen(v, "note");
		} else {
			vec_unhex(vec_str(v, "note_hex"), raw, sizeof(raw),
			    &len);
			t = raw;
		}
		nk = verifiers_for(json_object_get(v, "verifiers"), known,
		    16);
		n = note_open(t, len, (const struct note_verifier *const *)known,
		    nk, &e, err, sizeof(err));
		if (json_is_true(json_object_get(exp, "ok"))) {
			good = n != NULL &&
			    verified_match(n, json_object_get(exp, "verified"));
			if (good && json_object_get(exp, "unverified"))
				good = unverified_match(n,
				    json_object_get(exp, "unverified"));
			if (good && json_object_get(exp, "unverified_lines"))
				good = unverified_lines_match(n,
				    json_object_get(exp, "unverified_lines"));
			if (good && json_object_get(exp, "text")) {
				t = note_text(n, &tl);
				good = tl == strlen(vec_str(exp, "text")) &&
				    memcmp(t, vec_str(exp, "text"), tl) == 0;
			}
			if (n == NULL)
				diag("  %s", err);
		} else {
			good = n == NULL &&
			    e == error_class(vec_str(exp, "error"));
			if (n == NULL)
				diag("  refused: %s", err);
		}
		vec_ok(c, good, "note open: %s", desc);
		note_free(n);
		free_verifiers(known, nk);
	}
	json_decref(j);
}

/* ---- checkpoint_cases.json ---- */

/* Opens a signed note with the labelled keys; NULL if refused. */
static struct note *
open_with(const char *msg, size_t len, const json_t *labels,
    enum note_error *e)
{
	struct note_verifier *known[16];
	struct note *n;
	size_t nk = verifiers_for(labels, known, 16);

	n = note_open((const uint8_t *)msg, len,
	    (const struct note_verifier *const *)known, nk, e, NULL, 0);
	/* The verified keys point into known: keep only the verdict. */
	free_verifiers(known, nk);
	return n;
}

/* Answer of a fresh witness to "old 0" with text signed by the Log key. */
static int
witness_status_for_text(const char *text)
{
	struct note_signer *logkey = signer_by_label("Log");
	struct note_verifier *logv = verifier_by_label("Log");
	struct note_signer *wk;
	struct witness_log wl;
	struct witness_result res;
	struct checkpoint *cp;
	const struct note_verifier *keys[1];
	uint8_t seed[32] = { 7 };
	char *signed_note = NULL, *body = NULL;
	size_t len, blen;
	int status = -1;

	wk = note_signer_from_seed("example.com/witness", NOTE_KEY_COSIGNATURE,
	    seed, NULL, 0);
	cp = checkpoint_parse((const uint8_t *)text, strlen(text), NULL, 0);
	if (logkey == NULL || logv == NULL || wk == NULL || cp == NULL ||
	    note_sign(logkey, (const uint8_t *)text, strlen(text), 0,
		&signed_note, &len, NULL, 0) == -1)
		goto out;
	blen = 7 + len;
	if ((body = malloc(blen + 1)) == NULL)
		goto out;
	snprintf(body, blen + 1, "old 0\n\n%s", signed_note);
	keys[0] = logv;
	wl.origin = checkpoint_origin(cp);
	wl.keys = keys;
	wl.nkeys = 1;
	wl.state = NULL;
	witness_add_checkpoint((const uint8_t *)body, blen, &wl, 1, wk, 1,
	    &res);
	status = res.status;
out:
	free(body);
	free(signed_note);
	checkpoint_free(cp);
	note_signer_free(wk);
	note_signer_free(logkey);
	note_verifier_free(logv);
	return status;
}

static void
run_checkpoints(void)
{
	struct vec_count *c = &count[F_CHECKPOINT];
	json_t *j = load(F_CHECKPOINT, 0);
	struct checkpoint *cp;
	struct note *n;
	struct note_signer *sg;
	enum note_error e;
	uint8_t root[H];
	char err[256], *out;
	const char *text, *strict, *desc;
	const uint8_t *body;
	size_t i, len, bl, outlen;
	const json_t *v, *exp;
	int64_t size;
	int good;

	if (j == NULL)
		return;
	json_array_foreach(json_object_get(j, "cases"), i, v) {
		desc = vec_str(v, "desc");
		exp = json_object_get(v, "expect");
		text = vec_str(v, "text");
		len = strlen(text);
		if (json_object_get(exp, "open_with") != NULL) {
			n = open_with(text, len,
			    json_object_get(exp, "open_with"), &e);
			if (!json_is_true(json_object_get(exp, "ok"))) {
				vec_ok(c, n == NULL, "checkpoint: %s", desc);
				note_free(n);
				continue;
			}
			good = n != NULL;
			cp = NULL;
			if (good) {
				body = note_text(n, &bl);
				cp = checkpoint_parse(body, bl, err,
				    sizeof(err));
				good = cp != NULL &&
				    strcmp(checkpoint_origin(cp),
					vec_str(exp, "origin")) == 0 &&
				    vec_i64(exp, "size", &size) == 0 &&
				    checkpoint_size(cp) == size;
			}
			if (good && *vec_str(exp, "root_hex") != '\0')
				good = vec_hash(vec_str(exp, "root_hex"),
					   root) == 0 &&
				    memcmp(root, checkpoint_root(cp), H) == 0;
			/* sigsum: signing the body again gives the bytes. */
			if (good && strstr(desc, "exact bytes") != NULL) {
				sg = signer_by_label("sigsum-log-seed17");
				good = sg != NULL &&
				    note_sign(sg, body, bl, 0, &out, &outlen,
					NULL, 0) == 0 &&
				    strcmp(out, text) == 0;
				if (sg != NULL && good)
					free(out);
				note_signer_free(sg);
			}
			vec_ok(c, good, "checkpoint: %s", desc);
			checkpoint_free(cp);
			note_free(n);
			continue;
		}
		strict = vec_str(exp, "strict_c2sp_sha256");
		cp = checkpoint_parse((const uint8_t *)text, len, err,
		    sizeof(err));
		if (strncmp(strict, "reject", 6) == 0) {
			vec_ok(c, cp == NULL, "checkpoint: %s: refused (%s)",
			    desc, cp == NULL ? err : "accepted!");
		} else if (strncmp(strict, "parse ok", 8) == 0) {
			/* size 0 with a non-empty root: a witness says 422 */
			vec_ok(c,
			    cp != NULL && checkpoint_size(cp) == 0 &&
				witness_status_for_text(text) == 422,
			    "checkpoint: %s: parses, witness answers 422",
			    desc);
		} else {
			good = cp != NULL;
			if (good && json_object_get(exp, "origin"))
				good = strcmp(checkpoint_origin(cp),
					   vec_str(exp, "origin")) == 0 &&
				    vec_i64(exp, "size", &size) == 0 &&
				    checkpoint_size(cp) == size &&
				    vec_hash(vec_str(exp, "root_hex"), root) ==
					0 &&
				    memcmp(root, checkpoint_root(cp), H) == 0;
			vec_ok(c, good, "checkpoint: %s: accepted", desc);
		}
		checkpoint_free(cp);
	}
	json_decref(j);
}

/* ---- cosignature_cases.json ---- */

/* Opens body + "\n" + the given lines (each without "\n") with v. */
static struct note *
open_lines(const char *body, const char **lines, size_t nlines,
    const struct note_verifier *const *known, size_t nknown,
    enum note_error *e)
{
	char msg[4096];
	size_t i, len;
	int w;

	w = snprintf(msg, sizeof(msg), "%s\n", body);
	len = (size_t)w;
	for (i = 0; i < nlines; i++) {
		w = snprintf(msg + len, sizeof(msg) - len, "%s\n", lines[i]);
		len += (size_t)w;
	}
	return note_open((const uint8_t *)msg, len, known, nknown, e, NULL, 0);
}

/* Case 1 (sigsum): lines 1 and 3 ignored, 2 valid, 4 fails the note. */
static void
cosig_sigsum(struct vec_count *c, const json_t *v)
{
	const char *body = vec_str(v, "checkpoint_body");
	const char *vk = vec_str(v, "cosigner_vkey");
	const json_t *lines = json_object_get(v, "lines");
	const json_t *l2 = json_object_get(json_object_get(v, "expect"),
	    "line2");
	struct note_verifier *w = note_verifier_parse(vk, strlen(vk), NULL, 0);
	const struct note_verifier *known[1] = { w };
	const char *l[4];
	uint8_t msg[512];
	size_t i, mlen;
	struct note *n;
	enum note_error e;
	int64_t ts;

	for (i = 0; i < 4; i++)
		l[i] = json_string_value(json_array_get(lines, i));
	vec_i64(l2, "timestamp", &ts);
	vec_ok(c,
	    note_cosignature_message((const uint8_t *)body, strlen(body),
		(uint64_t)ts, msg, sizeof(msg), &mlen) == 0 &&
		mlen == strlen(vec_str(l2, "signed_message")) &&
		memcmp(msg, vec_str(l2, "signed_message"), mlen) == 0,
	    "cosignature: signed message of line 2 is exact");
	n = open_lines(body, &l[1], 1, known, 1, &e);
	vec_ok(c,
	    n != NULL && note_verified_count(n) == 1 &&
		note_verified_timestamp(n, 0) == (uint64_t)ts,
	    "cosignature: line 2 verifies, timestamp %lld", (long long)ts);
	note_free(n);
	n = open_lines(body, &l[0], 1, known, 1, &e);
	vec_ok(c, n == NULL && e == NOTE_NO_VERIFIABLE,
	    "cosignature: line 1 (key id c97f2e50) is ignored");
	note_free(n);
	n = open_lines(body, &l[2], 1, known, 1, &e);
	vec_ok(c, n == NULL && e == NOTE_NO_VERIFIABLE,
	    "cosignature: line 3 (unknown name) is ignored");
	note_free(n);
	n = open_lines(body, l, 3, known, 1, &e);
	vec_ok(c,
	    n != NULL && note_verified_count(n) == 1 &&
		note_unverified_count(n) == 2,
	    "cosignature: lines 1-3: line 2 verified, 1 and 3 kept aside");
	note_free(n);
	n = open_lines(body, l, 4, known, 1, &e);
	vec_ok(c, n == NULL && e == NOTE_INVALID_SIGNATURE,
	    "cosignature: line 4 (known key, 78-byte blob) rejects the note "
	    "(strict C2SP)");
	note_free(n);
	note_verifier_free(w);
}

/* The DERIVED case: a Log-signed 8-leaf checkpoint cosigned by Wit1..3. */
static void
cosig_derived(struct vec_count *c, const json_t *v)
{
	const char *body = vec_str(v, "checkpoint_body");
	const char *full = vec_str(v, "full_note");
	struct note_signer *logkey = signer_by_label("Log"), *ws;
	struct note_verifier *known[5] = { NULL }, *wit1_01;
	const struct note_verifier *only[1];
	char line[NOTE_SIGLINE_MAX], vkey[NOTE_VKEY_MAX], b64[128], *tamper;
	uint8_t seed[32], blob[NOTE_MAX_SIG_BYTES];
	const char *name;
	size_t i, n, namelen, bloblen, nk = 0;
	uint32_t kid;
	int64_t ts;
	struct note *nt;
	enum note_error e;
	const json_t *cs;
	int good;

	known[nk++] = verifier_by_label("Log");
	vec_ok(c,
	    logkey != NULL &&
		note_signature_line(logkey, (const uint8_t *)body,
		    strlen(body), 0, line, sizeof(line), NULL, 0) == 0 &&
		strcmp(line, vec_str(v, "log_line")) == 0,
	    "cosignature: Log signs the 8-leaf checkpoint exactly");
	json_array_foreach(json_object_get(v, "cosignatures"), i, cs) {
		vec_unhex(vec_str(key_by_label(vec_str(cs, "witness")),
			      "ed25519_seed_hex"),
		    seed, sizeof(seed), &n);
		vec_i64(cs, "timestamp", &ts);
		ws = note_signer_from_seed(vec_str(cs, "witness"),
		    NOTE_KEY_COSIGNATURE, seed, NULL, 0);
		good = ws != NULL &&
		    note_signer_vkey(ws, vkey, sizeof(vkey)) == 0 &&
		    strcmp(vkey, vec_str(cs, "cosig_vkey")) == 0 &&
		    note_signature_line(ws, (const uint8_t *)body,
			strlen(body), (uint64_t)ts, line, sizeof(line), NULL,
			0) == 0 &&
		    strcmp(line, vec_str(cs, "line")) == 0;
		vec_ok(c, good, "cosignature: %s cosigns at %lld exactly",
		    vec_str(cs, "witness"), (long long)ts);
		if (ws != NULL)
			known[nk++] = note_signer_verifier(ws);
		note_signer_free(ws);
	}
	nt = note_open((const uint8_t *)full, strlen(full),
	    (const struct note_verifier *const *)known, 1, &e, NULL, 0);
	vec_ok(c,
	    nt != NULL && note_verified_count(nt) == 1 &&
		note_verified_key(nt, 0) == known[0] &&
		note_unverified_count(nt) == 3,
	    "cosignature: open with the log key only");
	note_free(nt);
	nt = note_open((const uint8_t *)full, strlen(full),
	    (const struct note_verifier *const *)known, nk, &e, NULL, 0);
	good = nt != NULL && note_verified_count(nt) == 4;
	for (i = 1; good && i < 4; i++)
		good = note_verified_timestamp(nt, i) == 1700000000 + i - 1;
	vec_ok(c, good,
	    "cosignature: open with log + 3 cosigners: 4 verified, "
	    "timestamps 1700000000..2 (quorum 2 of 3 met)");
	note_free(nt);
	wit1_01 = verifier_by_label("Wit1");
	only[0] = wit1_01;
	nt = note_open((const uint8_t *)full, strlen(full), only, 1, &e, NULL,
	    0);
	vec_ok(c, nt == NULL && e == NOTE_NO_VERIFIABLE,
	    "cosignature: Wit1's 0x01 vkey does not match its 0x04 line");
	note_free(nt);
	note_verifier_free(wit1_01);
	/* Move Wit1's timestamp by one second inside its blob. */
	tamper = strdup(full);
	name = strstr(tamper, "\xe2\x80\x94 Wit1 ");
	good = 0;
	if (name != NULL &&
	    note_signature_parse(name, strcspn(name, "\n"), &name, &namelen,
		&kid, blob, sizeof(blob), &bloblen, NULL, 0) == 0) {
		blob[11] ^= 1;
		sodium_bin2base64(b64, sizeof(b64), blob, bloblen,
		    sodium_base64_VARIANT_ORIGINAL);
		memcpy((char *)name + namelen + 1, b64, strlen(b64));
		nt = note_open((const uint8_t *)tamper, strlen(tamper),
		    (const struct note_verifier *const *)known, nk, &e, NULL,
		    0);
		good = nt == NULL && e == NOTE_INVALID_SIGNATURE;
		note_free(nt);
	}
	vec_ok(c, good,
	    "cosignature: a tampered timestamp invalidates the cosignature");
	free(tamper);
	free_verifiers(known, nk);
	note_signer_free(logkey);
}

static void
run_cosignatures(void)
{
	struct vec_count *c = &count[F_COSIG];
	json_t *j = load(F_COSIG, 0);
	struct note_verifier *vf;
	uint8_t blob[NOTE_MAX_SIG_BYTES];
	const char *name, *line, *vkey;
	char idhex[9];
	size_t i, namelen, bloblen;
	uint32_t kid;
	uint64_t ts;
	int64_t want;
	const json_t *v, *exp;

	if (j == NULL)
		return;
	json_array_foreach(json_object_get(j, "cases"), i, v) {
		exp = json_object_get(v, "expect");
		if (json_object_get(v, "lines") != NULL) {
			cosig_sigsum(c, v);
		} else if (json_object_get(v, "full_note") != NULL) {
			cosig_derived(c, v);
		} else if (json_object_get(v, "line") != NULL) {
			line = vec_str(v, "line");
			snprintf(idhex, sizeof(idhex), "00000000");
			vec_i64(exp, "timestamp", &want);
			if (note_signature_parse(line, strlen(line), &name,
				&namelen, &kid, blob, sizeof(blob), &bloblen,
				NULL, 0) == 0)
				snprintf(idhex, sizeof(idhex), "%08x",
				    (unsigned)kid);
			vec_ok(c,
			    bloblen == NOTE_COSIGNATURE_SIZE &&
				strcmp(idhex, vec_str(exp, "key_id_hex")) ==
				    0 &&
				note_cosignature_timestamp(blob, bloblen,
				    &ts) == 0 &&
				ts == (uint64_t)want,
			    "cosignature: spec example line: 76 bytes, key id "
			    "%s, time %lld",
			    idhex, (long long)want);
		} else if (json_object_get(v, "sig_base64") != NULL) {
			bloblen = 0;
			vec_unbase64(vec_str(v, "sig_base64"), blob,
			    sizeof(blob), &bloblen);
			if (json_is_true(json_object_get(exp, "error"))) {
				vec_ok(c,
				    note_cosignature_timestamp(blob, bloblen,
					&ts) == -1,
				    "cosignature: %zu-byte blob has no "
				    "timestamp",
				    bloblen);
			} else {
				vec_i64(exp, "timestamp", &want);
				vec_ok(c,
				    note_cosignature_timestamp(blob, bloblen,
					&ts) == 0 &&
					ts == (uint64_t)want,
				    "cosignature: timestamp %lld extracted",
				    (long long)want);
			}
		} else if (json_object_get(v, "vkey") != NULL) {
			vkey = vec_str(v, "vkey");
			vf = note_verifier_parse(vkey, strlen(vkey), NULL, 0);
			if (json_is_true(json_object_get(exp, "ok"))) {
				snprintf(idhex, sizeof(idhex), "%08x",
				    vf != NULL ?
					(unsigned)note_verifier_key_id(vf) :
					0u);
				vec_ok(c,
				    vf != NULL &&
					note_verifier_type(vf) ==
					    json_integer_value(json_object_get(
						exp, "type")) &&
					strcmp(idhex,
					    vec_str(exp, "key_id_hex")) == 0,
				    "cosignature: vkey %s parses", vkey);
			} else {
				vec_ok(c, vf == NULL,
				    "cosignature: vkey %s refused", vkey);
			}
			note_verifier_free(vf);
		} else {
			c->skipped++;
			diag("skip cosignature case %zu: unknown shape", i);
		}
	}
	json_decref(j);
}

/* ---- witness_add_checkpoint.json ---- */

/* The size in a torchwood assertion 'body == "3\n"', or -1. */
static int64_t
asserted_size(const char *a)
{
	const char *q = strchr(a, '"');

	return q != NULL ? strtoll(q + 1, NULL, 10) : -1;
}

static void
run_witness(void)
{
	struct vec_count *c = &count[F_WITNESS];
	json_t *j = load(F_WITNESS, 0);
	struct note_verifier *logv = NULL, *wv = NULL, *sumv = NULL;
	struct note_signer *wk = NULL;
	const struct note_verifier *keys[1], *wkeys[1];
	struct witness_state state;
	struct witness_log wl;
	struct witness_result res;
	struct note *n;
	enum note_error e;
	uint8_t seed[32], root5[H];
	char prefix[64], *msg;
	const char *body, *note, *vk;
	size_t i, len;
	int64_t step, status, tw;
	const json_t *v, *sd;
	int good, have_state = 0;

	if (j == NULL)
		return;
	vk = vec_str(j, "log_vkey");
	logv = note_verifier_parse(vk, strlen(vk), NULL, 0);
	/* torchwood's witness key is not public: ours, same name. */
	memset(seed, 0x5a, sizeof(seed));
	wk = note_signer_from_seed(vec_str(j, "witness_name"),
	    NOTE_KEY_COSIGNATURE, seed, NULL, 0);
	wv = wk != NULL ? note_signer_verifier(wk) : NULL;
	if (logv == NULL || wk == NULL || wv == NULL) {
		vec_ok(c, 0, "witness: keys set up");
		goto out;
	}
	keys[0] = logv;
	wkeys[0] = wv;
	wl.origin = note_verifier_name(logv);
	wl.keys = keys;
	wl.nkeys = 1;
	wl.state = NULL;
	snprintf(prefix, sizeof(prefix), "\xe2\x80\x94 %s ",
	    vec_str(j, "witness_name"));
	json_array_foreach(json_object_get(j, "requests"), i, v) {
		vec_i64(v, "step", &step);
		vec_i64(v, "spec_status", &status);
		vec_i64(v, "torchwood_expected_status", &tw);
		body = vec_str(v, "request_body");
		len = strlen(body);
		witness_add_checkpoint((const uint8_t *)body, len, &wl, 1, wk,
		    1700000000 + (uint64_t)step, &res);
		good = res.status == status;
		if (good && status == 200) {
			/* The line verifies over the checkpoint text. */
			note = strstr(body, "\n\n") + 2;
			good = strncmp(res.cosignature, prefix,
				   strlen(prefix)) == 0 &&
			    (msg = malloc(strlen(note) +
				 strlen(res.cosignature) + 1)) != NULL;
			if (good) {
				/* text + "\n" + line: drop the log's line. */
				len = (size_t)(strstr(note, "\n\n") - note) + 2;
				memcpy(msg, note, len);
				memcpy(msg + len, res.cosignature,
				    strlen(res.cosignature) + 1);
				n = note_open((const uint8_t *)msg,
				    strlen(msg), wkeys, 1, &e, NULL, 0);
				good = n != NULL &&
				    note_verified_timestamp(n, 0) ==
					1700000000 + (uint64_t)step;
				note_free(n);
				free(msg);
			}
			state = res.state;
			wl.state = &state;
			have_state = 1;
		}
		if (good && status == 409)
			good = res.size ==
			    asserted_size(vec_str(v, "torchwood_assert"));
		vec_ok(c, good, "witness step %lld: %d (%s)%s", (long long)step,
		    res.status, res.message,
		    tw != status ? " [torchwood's test expects another "
				   "status; the spec's is used]" :
				   "");
		if (tw != status)
			diag("  step %lld: torchwood expects %lld, spec %lld",
			    (long long)step, (long long)tw, (long long)status);
	}
	vec_ok(c,
	    have_state && state.size == 5 &&
		merkle_hash_from_base64(vec_str(json_object_get(j, "roots"),
					    "5"),
		    44, root5) == 0 &&
		memcmp(state.root, root5, H) == 0,
	    "witness: final state is size 5 with the listed root");

	sd = json_object_get(j, "sumdb_single_request");
	sumv = verifier_by_label("sum.golang.org");
	keys[0] = sumv;
	wl.origin = "go.sum database tree";
	wl.state = NULL;
	body = vec_str(sd, "request_body");
	vec_i64(sd, "expected_status", &status);
	witness_add_checkpoint((const uint8_t *)body, strlen(body), &wl, 1, wk,
	    1700000000, &res);
	vec_ok(c, sumv != NULL && res.status == status,
	    "witness: sum.golang.org checkpoint cosigned (%d)", res.status);
out:
	note_verifier_free(sumv);
	note_verifier_free(logv);
	note_verifier_free(wv);
	note_signer_free(wk);
	json_decref(j);
}

int
main(void)
{
	if (sodium_init() == -1)
		return 1;
	run_hash_basics();
	run_tree8();
	run_tree130();
	run_probes(F_TD_INCL, P_INCL);
	run_probes(F_TD_CONS, P_CONS);
	run_probes(F_TD_SUB_INCL, P_SUB_INCL);
	run_probes(F_TD_SUB_CONS, P_SUB_CONS);
	run_tiles();
	run_note_keys();
	run_note_cases();
	run_checkpoints();
	run_cosignatures();
	run_witness();
	vec_summary(count, F_COUNT);
	json_decref(keys_json);
	return done_testing();
}
