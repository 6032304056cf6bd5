/*
 * merkle: RFC 6962 / RFC 9162 Merkle tree hashing, proofs and verification
 * over golang.org/x/mod/sumdb/tlog's stored-hash sequence (see merkle.h).
 *
 * Proof generation works in two steps: a "plan" lists the subtree ranges
 * [lo, hi) whose hashes make up the proof (the recursive definitions of RFC
 * 6962 §2.1.1-2.1.2 and draft-ietf-plants-merkle-tree-certs §4.3-4.4), then
 * every range is decomposed into the complete subtrees that are stored, all
 * of them are read in one call, and each range hash is folded back up.
 */
#include <string.h>

#include <sodium.h>

#include "tlog/b64.h"
#include "tlog/merkle.h"

/* A proof has at most MERKLE_MAX_PROOF ranges; a tree hash one. */
#define PLAN_MAX_RANGES MERKLE_MAX_PROOF
/*
 * Stored hashes behind one plan: every range but at most two is a complete
 * subtree (one stored hash); the others are right-edge fragments of at most
 * 62 complete subtrees each. 4 * 64 leaves room to spare.
 */
#define PLAN_MAX_INDEXES (4 * MERKLE_MAX_PROOF)

struct range {
	int64_t lo, hi;
};

struct plan {
	struct range r[PLAN_MAX_RANGES];
	size_t n;
	int bad; /* too many ranges, or a range the math should not produce */
};

static const uint8_t empty_root[MERKLE_HASH_SIZE] = {
	0xe3,
	0xb0,
	0xc4,
	0x42,
	0x98,
	0xfc,
	0x1c,
	0x14,
	0x9a,
	0xfb,
	0xf4,
	0xc8,
	0x99,
	0x6f,
	0xb9,
	0x24,
	0x27,
	0xae,
	0x41,
	0xe4,
	0x64,
	0x9b,
	0x93,
	0x4c,
	0xa4,
	0x95,
	0x99,
	0x1b,
	0x78,
	0x52,
	0xb8,
	0x55,
};

void
merkle_leaf_hash(const uint8_t *data, size_t len, uint8_t out[MERKLE_HASH_SIZE])
{
	crypto_hash_sha256_state st;
	const uint8_t prefix = 0x00;

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, &prefix, 1);
	if (len > 0)
		crypto_hash_sha256_update(&st, data, len);
	crypto_hash_sha256_final(&st, out);
}

void
merkle_hash_children(const uint8_t *left, size_t leftlen, const uint8_t *right,
    size_t rightlen, uint8_t out[MERKLE_HASH_SIZE])
{
	crypto_hash_sha256_state st;
	const uint8_t prefix = 0x01;

	/* out may alias left or right: it is written only at the end. */
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, &prefix, 1);
	if (leftlen > 0)
		crypto_hash_sha256_update(&st, left, leftlen);
	if (rightlen > 0)
		crypto_hash_sha256_update(&st, right, rightlen);
	crypto_hash_sha256_final(&st, out);
}

void
merkle_node_hash(const uint8_t left[MERKLE_HASH_SIZE],
    const uint8_t right[MERKLE_HASH_SIZE], uint8_t out[MERKLE_HASH_SIZE])
{
	merkle_hash_children(left, MERKLE_HASH_SIZE, right, MERKLE_HASH_SIZE,
	    out);
}

void
merkle_empty_root(uint8_t out[MERKLE_HASH_SIZE])
{
	memcpy(out, empty_root, MERKLE_HASH_SIZE);
}

/* Largest power of two <= n, for n >= 1. */
static int64_t
pow2_atmost(int64_t n)
{
	return INT64_C(1) << (63 - __builtin_clzll((unsigned long long)n));
}

/* Largest power of two < n, for n >= 2 (RFC 6962's k). */
static int64_t
pow2_below(int64_t n)
{
	return pow2_atmost(n - 1);
}

static int
log2_exact(int64_t k)
{
	return __builtin_ctzll((unsigned long long)k);
}

bool
merkle_subtree_valid(int64_t start, int64_t end)
{
	int64_t width, ceil;

	if (start < 0 || end <= start || end > MERKLE_MAX_TREE_SIZE)
		return false;
	width = end - start;
	ceil = pow2_atmost(width);
	if (ceil < width)
		ceil <<= 1;
	return (start & (ceil - 1)) == 0;
}

int64_t
merkle_stored_hash_index(int level, int64_t n)
{
	int64_t i;
	int l;

	if (level < 0 || level > 62 || n < 0)
		return -1;
	if (n > (MERKLE_MAX_TREE_SIZE >> level) - 1)
		return -1;
	/* Level l's n-th hash is written right after level l+1's 2n+1-th. */
	for (l = level; l > 0; l--)
		n = 2 * n + 1;
	/* Level 0's n-th hash is written at n + n/2 + n/4 + ... */
	for (i = 0; n > 0; n >>= 1)
		i += n;
	return i + level;
}

int
merkle_split_stored_hash_index(int64_t index, int *level, int64_t *n)
{
	int64_t rec, at;
	int tz;

	if (index < 0 || index >= INT64_MAX)
		return -1;
	/* merkle_stored_hash_index(0, rec) < 2 * rec: start at index / 2. */
	rec = index / 2;
	at = merkle_stored_hash_index(0, rec);
	if (at < 0 || at > index)
		return -1;
	for (;;) {
		/* Record rec adds 1 + trailing_zeros(rec + 1) hashes. */
		tz = __builtin_ctzll((unsigned long long)(rec + 1));
		if (1 + (int64_t)tz > index - at)
			break;
		at += 1 + tz;
		rec++;
	}
	*level = (int)(index - at);
	*n = rec >> *level;
	return 0;
}

int64_t
merkle_stored_hash_count(int64_t n)
{
	int64_t count;
	uint64_t i;

	if (n < 0 || n > MERKLE_MAX_TREE_SIZE)
		return -1;
	if (n == 0)
		return 0;
	count = merkle_stored_hash_index(0, n - 1) + 1;
	for (i = (uint64_t)(n - 1); (i & 1) != 0; i >>= 1)
		count++;
	return count;
}

int
merkle_stored_hashes_for_record(int64_t n, const uint8_t leaf[MERKLE_HASH_SIZE],
    merkle_read_fn reader, void *ctx, uint8_t (*out)[MERKLE_HASH_SIZE],
    size_t *nout)
{
	int64_t indexes[MERKLE_MAX_PROOF];
	uint8_t old[MERKLE_MAX_PROOF][MERKLE_HASH_SIZE];
	int m, i;

	if (n < 0 || n >= MERKLE_MAX_TREE_SIZE)
		return -1;
	/* Each trailing 1 bit of n completes a subtree with a left sibling. */
	m = __builtin_ctzll((unsigned long long)(n + 1));
	for (i = 0; i < m; i++)
		indexes[m - 1 - i] = merkle_stored_hash_index(i, (n >> i) - 1);
	if (m > 0 && reader(ctx, indexes, (size_t)m, old) == -1)
		return -1;
	memcpy(out[0], leaf, MERKLE_HASH_SIZE);
	for (i = 0; i < m; i++)
		merkle_node_hash(old[m - 1 - i], out[i], out[i + 1]);
	*nout = (size_t)m + 1;
	return 0;
}

static void
plan_add(struct plan *p, int64_t lo, int64_t hi)
{
	if (p->n >= PLAN_MAX_RANGES || lo >= hi) {
		p->bad = 1;
		return;
	}
	p->r[p->n].lo = lo;
	p->r[p->n].hi = hi;
	p->n++;
}

/*
 * Appends the stored-hash indexes of the complete subtrees that make up
 * [lo, hi), largest (leftmost) first. Returns -1 if [lo, hi) is not made of
 * aligned complete subtrees or idx would overflow.
 */
static int
range_indexes(int64_t lo, int64_t hi, int64_t *idx, size_t *n)
{
	int64_t k;
	int level;

	while (lo < hi) {
		k = pow2_atmost(hi - lo);
		level = log2_exact(k);
		if ((lo & (k - 1)) != 0 || *n >= PLAN_MAX_INDEXES)
			return -1;
		idx[(*n)++] = merkle_stored_hash_index(level, lo >> level);
		lo += k;
	}
	return 0;
}

/*
 * Reads what the plan needs and writes the hash of each of its ranges to
 * out[0..p->n-1] (an empty range hashes to SHA-256("")).
 */
static int
plan_run(const struct plan *p, merkle_read_fn reader, void *ctx,
    uint8_t (*out)[MERKLE_HASH_SIZE])
{
	int64_t idx[PLAN_MAX_INDEXES];
	uint8_t hashes[PLAN_MAX_INDEXES][MERKLE_HASH_SIZE];
	size_t count[PLAN_MAX_RANGES];
	size_t i, total = 0, pos = 0, j;
	uint8_t h[MERKLE_HASH_SIZE];

	if (p->bad)
		return -1;
	for (i = 0; i < p->n; i++) {
		j = total;
		if (range_indexes(p->r[i].lo, p->r[i].hi, idx, &total) == -1)
			return -1;
		count[i] = total - j;
	}
	if (total > 0 && reader(ctx, idx, total, hashes) == -1)
		return -1;
	for (i = 0; i < p->n; i++) {
		if (count[i] == 0) {
			merkle_empty_root(out[i]);
			continue;
		}
		/* RFC 6962: the right fragment hashes into its left sibling. */
		memcpy(h, hashes[pos + count[i] - 1], MERKLE_HASH_SIZE);
		for (j = count[i] - 1; j > 0; j--)
			merkle_node_hash(hashes[pos + j - 1], h, h);
		memcpy(out[i], h, MERKLE_HASH_SIZE);
		pos += count[i];
	}
	return 0;
}

/* PATH(index - lo, D[lo:hi]) of RFC 6962 §2.1.1, leaf to root. */
static void
plan_inclusion(struct plan *p, int64_t lo, int64_t hi, int64_t index)
{
	int64_t k;

	if (hi - lo <= 1)
		return;
	k = pow2_below(hi - lo);
	if (index < lo + k) {
		plan_inclusion(p, lo, lo + k, index);
		plan_add(p, lo + k, hi);
	} else {
		plan_inclusion(p, lo + k, hi, index);
		plan_add(p, lo, lo + k);
	}
}

/*
 * SUBTREE_SUBPROOF(start, end, D[base:base+n], known) of
 * draft-ietf-plants-merkle-tree-certs §4.4.1 (start, end relative to base);
 * with start = 0 it is RFC 6962's SUBPROOF(end, D[n], known).
 */
static void
plan_consistency(struct plan *p, int64_t start, int64_t end, int64_t base,
    int64_t n, int known)
{
	int64_t k;

	if (start == 0 && end == n) {
		if (!known)
			plan_add(p, base, base + n);
		return;
	}
	k = pow2_below(n);
	if (end <= k) {
		plan_consistency(p, start, end, base, k, known);
		plan_add(p, base + k, base + n);
	} else if (start >= k) {
		plan_consistency(p, start - k, end - k, base + k, n - k, known);
		plan_add(p, base, base + k);
	} else if (start == 0) {
		plan_consistency(p, 0, end - k, base + k, n - k, 0);
		plan_add(p, base, base + k);
	} else {
		p->bad = 1; /* not a valid subtree */
	}
}

static int
plan_to_proof(const struct plan *p, merkle_read_fn reader, void *ctx,
    uint8_t (*proof)[MERKLE_HASH_SIZE], size_t *len)
{
	if (plan_run(p, reader, ctx, proof) == -1)
		return -1;
	*len = p->n;
	return 0;
}

int
merkle_tree_hash(int64_t n, merkle_read_fn reader, void *ctx,
    uint8_t out[MERKLE_HASH_SIZE])
{
	return merkle_subtree_hash(0, n, reader, ctx, out);
}

int
merkle_subtree_hash(int64_t start, int64_t end, merkle_read_fn reader,
    void *ctx, uint8_t out[MERKLE_HASH_SIZE])
{
	struct plan p;
	uint8_t h[1][MERKLE_HASH_SIZE];

	if (start < 0 || end > MERKLE_MAX_TREE_SIZE || end < start)
		return -1;
	if (start == end) {
		merkle_empty_root(out);
		return 0;
	}
	/* [0, n) is "valid" for every n: start 0 is a multiple of anything. */
	if (!merkle_subtree_valid(start, end))
		return -1;
	p.n = 0;
	p.bad = 0;
	plan_add(&p, start, end);
	if (plan_run(&p, reader, ctx, h) == -1)
		return -1;
	memcpy(out, h[0], MERKLE_HASH_SIZE);
	return 0;
}

int
merkle_prove_inclusion(int64_t index, int64_t n, merkle_read_fn reader,
    void *ctx, uint8_t (*proof)[MERKLE_HASH_SIZE], size_t *len)
{
	return merkle_prove_subtree_inclusion(index, 0, n, reader, ctx, proof,
	    len);
}

int
merkle_prove_subtree_inclusion(int64_t index, int64_t start, int64_t end,
    merkle_read_fn reader, void *ctx, uint8_t (*proof)[MERKLE_HASH_SIZE],
    size_t *len)
{
	struct plan p;

	if (!merkle_subtree_valid(start, end) || index < start || index >= end)
		return -1;
	p.n = 0;
	p.bad = 0;
	plan_inclusion(&p, start, end, index);
	return plan_to_proof(&p, reader, ctx, proof, len);
}

int
merkle_prove_consistency(int64_t m, int64_t n, merkle_read_fn reader, void *ctx,
    uint8_t (*proof)[MERKLE_HASH_SIZE], size_t *len)
{
	return merkle_prove_subtree_consistency(0, m, n, reader, ctx, proof,
	    len);
}

int
merkle_prove_subtree_consistency(int64_t start, int64_t end, int64_t n,
    merkle_read_fn reader, void *ctx, uint8_t (*proof)[MERKLE_HASH_SIZE],
    size_t *len)
{
	struct plan p;

	if (!merkle_subtree_valid(start, end) || n < end ||
	    n > MERKLE_MAX_TREE_SIZE)
		return -1;
	p.n = 0;
	p.bad = 0;
	plan_consistency(&p, start, end, 0, n, 1);
	return plan_to_proof(&p, reader, ctx, proof, len);
}

static int
hash_equal(const uint8_t a[MERKLE_HASH_SIZE], const uint8_t b[MERKLE_HASH_SIZE])
{
	return memcmp(a, b, MERKLE_HASH_SIZE) == 0;
}

int
merkle_verify_inclusion(int64_t index, int64_t size,
    const uint8_t leaf_hash[MERKLE_HASH_SIZE],
    const uint8_t (*proof)[MERKLE_HASH_SIZE], size_t len,
    const uint8_t root[MERKLE_HASH_SIZE])
{
	uint64_t fn, sn;
	uint8_t r[MERKLE_HASH_SIZE];
	size_t i;

	/* RFC 9162 §2.1.3.2, step by step. */
	if (size < 1 || size > MERKLE_MAX_TREE_SIZE || index < 0 ||
	    index >= size || len > MERKLE_MAX_PROOF)
		return -1;
	fn = (uint64_t)index;
	sn = (uint64_t)size - 1;
	memcpy(r, leaf_hash, MERKLE_HASH_SIZE);
	for (i = 0; i < len; i++) {
		if (sn == 0)
			return -1;
		if ((fn & 1) != 0 || fn == sn) {
			merkle_node_hash(proof[i], r, r);
			while ((fn & 1) == 0 && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else {
			merkle_node_hash(r, proof[i], r);
		}
		fn >>= 1;
		sn >>= 1;
	}
	return (sn == 0 && hash_equal(r, root)) ? 0 : -1;
}

int
merkle_verify_consistency(int64_t size1, int64_t size2,
    const uint8_t (*proof)[MERKLE_HASH_SIZE], size_t len,
    const uint8_t root1[MERKLE_HASH_SIZE],
    const uint8_t root2[MERKLE_HASH_SIZE])
{
	uint64_t fn, sn;
	uint8_t fr[MERKLE_HASH_SIZE], sr[MERKLE_HASH_SIZE];
	size_t i;

	if (size1 <= 0 || size2 < size1 || size2 > MERKLE_MAX_TREE_SIZE ||
	    len > MERKLE_MAX_PROOF)
		return -1;
	if (size1 == size2)
		return (len == 0 && hash_equal(root1, root2)) ? 0 : -1;
	/* RFC 9162 §2.1.4.2, step by step. */
	if (len == 0)
		return -1;
	/* Step 2: a power-of-two first tree is itself the first path hash. */
	if ((size1 & (size1 - 1)) == 0) {
		memcpy(fr, root1, MERKLE_HASH_SIZE);
		i = 0;
	} else {
		memcpy(fr, proof[0], MERKLE_HASH_SIZE);
		i = 1;
	}
	memcpy(sr, fr, MERKLE_HASH_SIZE);
	fn = (uint64_t)size1 - 1;
	sn = (uint64_t)size2 - 1;
	while ((fn & 1) != 0) {
		fn >>= 1;
		sn >>= 1;
	}
	for (; i < len; i++) {
		if (sn == 0)
			return -1;
		if ((fn & 1) != 0 || fn == sn) {
			merkle_node_hash(proof[i], fr, fr);
			merkle_node_hash(proof[i], sr, sr);
			while ((fn & 1) == 0 && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else {
			merkle_node_hash(sr, proof[i], sr);
		}
		fn >>= 1;
		sn >>= 1;
	}
	return (sn == 0 && hash_equal(fr, root1) && hash_equal(sr, root2)) ? 0
									   : -1;
}

int
merkle_verify_subtree_inclusion(int64_t index, int64_t start, int64_t end,
    const uint8_t leaf_hash[MERKLE_HASH_SIZE],
    const uint8_t (*proof)[MERKLE_HASH_SIZE], size_t len,
    const uint8_t subtree_root[MERKLE_HASH_SIZE])
{
	if (!merkle_subtree_valid(start, end) || index < start || index >= end)
		return -1;
	return merkle_verify_inclusion(index - start, end - start, leaf_hash,
	    proof, len, subtree_root);
}

int
merkle_verify_subtree_consistency(int64_t start, int64_t end, int64_t n,
    const uint8_t (*proof)[MERKLE_HASH_SIZE], size_t len,
    const uint8_t subtree_root[MERKLE_HASH_SIZE],
    const uint8_t root[MERKLE_HASH_SIZE])
{
	uint64_t fn, sn, tn;
	uint8_t fr[MERKLE_HASH_SIZE], sr[MERKLE_HASH_SIZE];
	size_t i;

	if (start < 0 || end < start || n < end || n > MERKLE_MAX_TREE_SIZE ||
	    len > MERKLE_MAX_PROOF)
		return -1;
	if (start == end)
		return (len == 0 && hash_equal(subtree_root, empty_root)) ? 0
									  : -1;
	if (!merkle_subtree_valid(start, end))
		return -1;
	if (start == 0 && end == n)
		return (len == 0 && hash_equal(subtree_root, root)) ? 0 : -1;
	/* fn, sn, tn: the subtree's first and last leaf, the tree's last. */
	fn = (uint64_t)start;
	sn = (uint64_t)end - 1;
	tn = (uint64_t)n - 1;
	if (sn == tn) {
		while (fn != sn) {
			fn >>= 1;
			sn >>= 1;
			tn >>= 1;
		}
	} else {
		while (fn != sn && (sn & 1) != 0) {
			fn >>= 1;
			sn >>= 1;
			tn >>= 1;
		}
	}
	if (fn == sn) {
		memcpy(fr, subtree_root, MERKLE_HASH_SIZE);
		i = 0;
	} else {
		if (len == 0)
			return -1;
		memcpy(fr, proof[0], MERKLE_HASH_SIZE);
		i = 1;
	}
	memcpy(sr, fr, MERKLE_HASH_SIZE);
	for (; i < len; i++) {
		if (tn == 0)
			return -1;
		if ((sn & 1) != 0 || sn == tn) {
			if (fn < sn)
				merkle_node_hash(proof[i], fr, fr);
			merkle_node_hash(proof[i], sr, sr);
			while ((sn & 1) == 0 && sn != 0) {
				fn >>= 1;
				sn >>= 1;
				tn >>= 1;
			}
		} else {
			merkle_node_hash(sr, proof[i], sr);
		}
		fn >>= 1;
		sn >>= 1;
		tn >>= 1;
	}
	return (tn == 0 && hash_equal(fr, subtree_root) && hash_equal(sr, root))
	    ? 0
	    : -1;
}

int
merkle_root(const uint8_t (*leaves)[MERKLE_HASH_SIZE], size_t n,
    uint8_t out[MERKLE_HASH_SIZE])
{
	/* Stack of complete subtrees, sizes strictly decreasing upwards. */
	uint8_t stack[64][MERKLE_HASH_SIZE];
	uint64_t size[64];
	size_t depth = 0, i;

	if ((uint64_t)n > (uint64_t)MERKLE_MAX_TREE_SIZE)
		return -1;
	if (n == 0) {
		merkle_empty_root(out);
		return 0;
	}
	for (i = 0; i < n; i++) {
		memcpy(stack[depth], leaves[i], MERKLE_HASH_SIZE);
		size[depth++] = 1;
		while (depth >= 2 && size[depth - 1] == size[depth - 2]) {
			merkle_node_hash(stack[depth - 2], stack[depth - 1],
			    stack[depth - 2]);
			size[depth - 2] *= 2;
			depth--;
		}
	}
	/* Fold the right fragment into its left siblings. */
	while (depth >= 2) {
		merkle_node_hash(stack[depth - 2], stack[depth - 1],
		    stack[depth - 2]);
		depth--;
	}
	memcpy(out, stack[0], MERKLE_HASH_SIZE);
	return 0;
}

int
merkle_hash_from_hex(const char *s, size_t len, uint8_t out[MERKLE_HASH_SIZE])
{
	uint8_t h[MERKLE_HASH_SIZE];
	size_t got = 0;
	const char *end = NULL;

	if (len != 2 * MERKLE_HASH_SIZE)
		return -1;
	if (sodium_hex2bin(h, sizeof(h), s, len, NULL, &got, &end) != 0 ||
	    got != MERKLE_HASH_SIZE || end != s + len)
		return -1;
	memcpy(out, h, MERKLE_HASH_SIZE);
	return 0;
}

int
merkle_hash_from_base64(const char *s, size_t len,
    uint8_t out[MERKLE_HASH_SIZE])
{
	uint8_t h[MERKLE_HASH_SIZE];
	size_t got = 0;

	if (len != MERKLE_BASE64_SIZE - 1)
		return -1;
	if (b64_decode(s, len, h, sizeof(h), &got) != 0 ||
	    got != MERKLE_HASH_SIZE)
		return -1;
	memcpy(out, h, MERKLE_HASH_SIZE);
	return 0;
}

void
merkle_hash_to_hex(const uint8_t h[MERKLE_HASH_SIZE], char out[MERKLE_HEX_SIZE])
{
	sodium_bin2hex(out, MERKLE_HEX_SIZE, h, MERKLE_HASH_SIZE);
}

void
merkle_hash_to_base64(const uint8_t h[MERKLE_HASH_SIZE],
    char out[MERKLE_BASE64_SIZE])
{
	/* Hashes are public: the fast, not constant-time encoder will do. */
	b64_encode_public(h, MERKLE_HASH_SIZE, out, MERKLE_BASE64_SIZE);
}
