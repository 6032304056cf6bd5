/*
 * merkle: the Merkle tree of the transparency log (RFC 6962 §2.1, RFC 9162
 * §2.1): leaf and node hashing, tree hashes, inclusion and consistency
 * proofs and their verification. Pure: no I/O, no globals, no allocation.
 *
 * Storage model: golang.org/x/mod/sumdb/tlog's "stored hashes" (Russ Cox,
 * "Transparent Logs for Skeptical Clients"). Appending record n stores its
 * leaf hash and the hash of every complete subtree that record closes, in
 * one append-only sequence numbered by merkle_stored_hash_index(). The log
 * keeps that sequence (on disk, in memory, in tiles); this module reads it
 * through a merkle_read_fn callback and never needs more than O(log n)
 * hashes for any tree hash or proof.
 *
 * Subtrees: the merkle_*subtree* functions generalise the RFC 6962 ones to
 * the subtrees [start, end) of draft-ietf-plants-merkle-tree-certs §4 ("valid"
 * when start is a multiple of the smallest power of two >= end - start). The
 * RFC functions are the special case start = 0.
 *
 * Sizes and indexes are int64_t; trees hold at most MERKLE_MAX_TREE_SIZE
 * leaves (2^62, so every stored hash index fits in an int64_t and every
 * proof in MERKLE_MAX_PROOF hashes). Out-of-range arguments make a function
 * return -1; nothing here logs (the caller reports, see docs/tlog.md).
 */
#ifndef TRUCE_MERKLE_H
#define TRUCE_MERKLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MERKLE_HASH_SIZE 32
#define MERKLE_MAX_PROOF 64			/* hashes in any proof */
#define MERKLE_MAX_TREE_SIZE (INT64_C(1) << 62) /* leaves */
#define MERKLE_HEX_SIZE 65			/* 64 hex digits + NUL */
#define MERKLE_BASE64_SIZE 45			/* 44 base64 chars + NUL */

/*
 * Reads the stored hashes with the n given indexes (each in
 * [0, merkle_stored_hash_count(tree size))) into out[0..n-1], in order.
 * Returns 0, or -1 if any of them cannot be read (the reader reports why;
 * out may then hold anything). Every function below that takes a reader
 * calls it at most once per call and reads into its own buffers.
 */
typedef int (*merkle_read_fn)(void *ctx, const int64_t *indexes, size_t n,
    uint8_t (*out)[MERKLE_HASH_SIZE]);

/* RFC 6962 leaf hash: out = SHA-256(0x00 || data[0..len-1]). */
void merkle_leaf_hash(const uint8_t *data, size_t len,
    uint8_t out[MERKLE_HASH_SIZE]);

/* RFC 6962 interior node hash: out = SHA-256(0x01 || left || right). */
void merkle_node_hash(const uint8_t left[MERKLE_HASH_SIZE],
    const uint8_t right[MERKLE_HASH_SIZE], uint8_t out[MERKLE_HASH_SIZE]);

/*
 * The same interior node hash over children of any length (RFC 6962 defines
 * it on byte strings; only the conformance tests need lengths other than 32).
 */
void merkle_hash_children(const uint8_t *left, size_t leftlen,
    const uint8_t *right, size_t rightlen, uint8_t out[MERKLE_HASH_SIZE]);

/* Root of the empty tree: out = SHA-256(""). */
void merkle_empty_root(uint8_t out[MERKLE_HASH_SIZE]);

/*
 * Index in the stored-hash sequence of the hash of the n-th complete subtree
 * at the given level (level 0 = leaf n; level l covers leaves
 * [n * 2^l, (n + 1) * 2^l)). Returns -1 if level is outside [0, 62], n < 0
 * or the subtree ends beyond MERKLE_MAX_TREE_SIZE. Cost: O(level + log n).
 */
int64_t merkle_stored_hash_index(int level, int64_t n);

/*
 * Inverse of merkle_stored_hash_index: sets *level and *n for the stored
 * hash index. Returns -1 (outputs untouched) if index < 0 or too large.
 */
int merkle_split_stored_hash_index(int64_t index, int *level, int64_t *n);

/*
 * Number of stored hashes in a log of n records, or -1 if n is outside
 * [0, MERKLE_MAX_TREE_SIZE].
 */
int64_t merkle_stored_hash_count(int64_t n);

/*
 * The hashes to append to the stored-hash sequence when appending record n
 * (the log must hold exactly n records) whose leaf hash is leaf: writes the
 * leaf hash and then the hash of every subtree that record n completes,
 * bottom up, to out (room for MERKLE_MAX_PROOF hashes) and their number
 * (1..63) to *nout. They belong at indexes merkle_stored_hash_count(n) and
 * following. Reads the left siblings through reader (one call, at most 62
 * hashes). Returns -1 for n outside [0, MERKLE_MAX_TREE_SIZE) or a failed
 * read; out and *nout are then untouched.
 */
int merkle_stored_hashes_for_record(int64_t n,
    const uint8_t leaf[MERKLE_HASH_SIZE], merkle_read_fn reader, void *ctx,
    uint8_t (*out)[MERKLE_HASH_SIZE], size_t *nout);

/*
 * RFC 6962 tree hash MTH(D[0:n]) of the first n records into out; n = 0
 * gives SHA-256(""). Reads at most 62 stored hashes. Returns -1 for n out of
 * range or a failed read.
 */
int merkle_tree_hash(int64_t n, merkle_read_fn reader, void *ctx,
    uint8_t out[MERKLE_HASH_SIZE]);

/*
 * Hash of the subtree [start, end), which must be valid (see above) or empty
 * (start == end, hash SHA-256("")), and lie inside the stored tree. Returns
 * -1 for an invalid range or a failed read.
 */
int merkle_subtree_hash(int64_t start, int64_t end, merkle_read_fn reader,
    void *ctx, uint8_t out[MERKLE_HASH_SIZE]);

/*
 * RFC 9162 §2.1.3.1 inclusion proof (audit path) for leaf index in the tree
 * of size n, leaf-to-root order, into proof (room for MERKLE_MAX_PROOF
 * hashes); *len gets the number of hashes (0 when n == 1). Requires
 * 0 <= index < n. Reads O(log n) stored hashes in one call. Returns -1 for
 * bad arguments or a failed read (*len untouched).
 */
int merkle_prove_inclusion(int64_t index, int64_t n, merkle_read_fn reader,
    void *ctx, uint8_t (*proof)[MERKLE_HASH_SIZE], size_t *len);

/*
 * RFC 9162 §2.1.4.1 consistency proof from the tree of size m to the tree of
 * size n, into proof / *len as above. Requires 0 < m <= n; m == n gives the
 * empty proof. m == 0 is refused (-1): a consistency proof from the empty
 * tree is meaningless; C2SP tlog-witness sends an empty proof for "old 0".
 */
int merkle_prove_consistency(int64_t m, int64_t n, merkle_read_fn reader,
    void *ctx, uint8_t (*proof)[MERKLE_HASH_SIZE], size_t *len);

/*
 * Subtree inclusion proof (draft-ietf-plants-merkle-tree-certs §4.3.1):
 * PATH(index - start, D[start:end]) for a valid subtree [start, end) with
 * start <= index < end. Same contract as merkle_prove_inclusion.
 */
int merkle_prove_subtree_inclusion(int64_t index, int64_t start, int64_t end,
    merkle_read_fn reader, void *ctx, uint8_t (*proof)[MERKLE_HASH_SIZE],
    size_t *len);

/*
 * Subtree consistency proof (draft-ietf-plants-merkle-tree-certs §4.4.1)
 * from the valid subtree [start, end) to the tree of size n >= end.
 * start == 0 gives the RFC 6962 consistency proof from size end. Same
 * contract as merkle_prove_consistency.
 */
int merkle_prove_subtree_consistency(int64_t start, int64_t end, int64_t n,
    merkle_read_fn reader, void *ctx, uint8_t (*proof)[MERKLE_HASH_SIZE],
    size_t *len);

/*
 * RFC 9162 §2.1.3.2: returns 0 if proof (len hashes) proves that leaf_hash
 * is leaf index of the tree of the given size with root hash root, -1
 * otherwise (including index outside [0, size), size outside
 * [1, MERKLE_MAX_TREE_SIZE], a proof of the wrong length or longer than
 * MERKLE_MAX_PROOF). Cost: O(len) hashes.
 */
int merkle_verify_inclusion(int64_t index, int64_t size,
    const uint8_t leaf_hash[MERKLE_HASH_SIZE],
    const uint8_t (*proof)[MERKLE_HASH_SIZE], size_t len,
    const uint8_t root[MERKLE_HASH_SIZE]);

/*
 * RFC 9162 §2.1.4.2: returns 0 if proof proves that the tree of size2 with
 * root2 extends the tree of size1 with root1, -1 otherwise. size1 == size2
 * requires an empty proof and root1 == root2. size1 == 0 is always refused
 * (transparency-dev/merkle semantics; see docs/tlog.md), as are size1 >
 * size2, sizes above MERKLE_MAX_TREE_SIZE and proofs longer than
 * MERKLE_MAX_PROOF. Cost: O(len) hashes.
 */
int merkle_verify_consistency(int64_t size1, int64_t size2,
    const uint8_t (*proof)[MERKLE_HASH_SIZE], size_t len,
    const uint8_t root1[MERKLE_HASH_SIZE],
    const uint8_t root2[MERKLE_HASH_SIZE]);

/*
 * Subtree inclusion (draft-ietf-plants-merkle-tree-certs §4.3.3): 0 if
 * [start, end) is a valid subtree, start <= index < end and
 * merkle_verify_inclusion(index - start, end - start, ...) accepts against
 * the subtree hash subtree_root; -1 otherwise.
 */
int merkle_verify_subtree_inclusion(int64_t index, int64_t start, int64_t end,
    const uint8_t leaf_hash[MERKLE_HASH_SIZE],
    const uint8_t (*proof)[MERKLE_HASH_SIZE], size_t len,
    const uint8_t subtree_root[MERKLE_HASH_SIZE]);

/*
 * Subtree consistency (draft-ietf-plants-merkle-tree-certs §4.4.3): 0 if
 * proof shows that the valid subtree [start, end) with hash subtree_root is
 * part of the tree of size n >= end with root hash root, -1 otherwise. As in
 * transparency-dev/merkle, an empty subtree (start == end <= n) is accepted
 * with an empty proof iff subtree_root is SHA-256("") (it proves nothing).
 */
int merkle_verify_subtree_consistency(int64_t start, int64_t end, int64_t n,
    const uint8_t (*proof)[MERKLE_HASH_SIZE], size_t len,
    const uint8_t subtree_root[MERKLE_HASH_SIZE],
    const uint8_t root[MERKLE_HASH_SIZE]);

/*
 * Whether [start, end) is a valid non-empty subtree: 0 <= start < end <=
 * MERKLE_MAX_TREE_SIZE and start is a multiple of the smallest power of two
 * >= end - start.
 */
bool merkle_subtree_valid(int64_t start, int64_t end);

/*
 * In-memory helper: MTH of the n leaf hashes in leaves (n = 0 gives
 * SHA-256("")), without stored hashes. Returns -1 if n exceeds
 * MERKLE_MAX_TREE_SIZE. Cost: n - 1 node hashes, O(log n) stack.
 */
int merkle_root(const uint8_t (*leaves)[MERKLE_HASH_SIZE], size_t n,
    uint8_t out[MERKLE_HASH_SIZE]);

/*
 * Hash text forms. from_hex takes exactly 64 hex digits (either case) in
 * s[0..len-1]; from_base64 exactly 44 characters of padded, canonical
 * standard base64 (RFC 4648 §4) decoding to 32 bytes. Both return -1 and
 * leave out untouched otherwise. to_hex writes 64 lower-case digits and a
 * NUL; to_base64 44 characters and a NUL.
 */
int merkle_hash_from_hex(const char *s, size_t len,
    uint8_t out[MERKLE_HASH_SIZE]);
int merkle_hash_from_base64(const char *s, size_t len,
    uint8_t out[MERKLE_HASH_SIZE]);
void merkle_hash_to_hex(const uint8_t h[MERKLE_HASH_SIZE],
    char out[MERKLE_HEX_SIZE]);
void merkle_hash_to_base64(const uint8_t h[MERKLE_HASH_SIZE],
    char out[MERKLE_BASE64_SIZE]);

#endif
