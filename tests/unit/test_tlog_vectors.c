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


#include "tlog/memlog.h"
#include "tlog/merkle.h"
#include "tlog/tile.h"



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
		rej = wlen == 0 ||
		    (memcpy(bad, wantp[wlen - 1], H), wantp[wlen - 1][0] ^= 1,
			merkle_verify_consistency(s1, s2, wantp, wlen,
			    roots[s1], roots[s2]) == -1);
		vec_ok(c, okv && rej,
		    "tree130: consistency %lld -> %lld: generate, verify, "
		    "reject bad proof",
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
	vec_summary(count, F_COUNT);
	return done_testing();
}
