/*
 * Unit test of ledger/entrylog: append, read, bundles in the tlog-tiles
 * encoding, the lock, recovery from every kind of torn tail, and stored
 * hashes read through the mapping while the log grows past the points
 * where it is remapped, with a reader thread proving all along.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ledger/entrylog.h"
#include "tlog/compact.h"
#include "tlog/merkle.h"
#include "tap.h"

static char dir[256];

static off_t
fsize(const char *name)
{
	char p[512];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return stat(p, &st) == 0 ? st.st_size : -1;
}

static void
append_raw(const char *name, const void *b, size_t n)
{
	char p[512];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	fd = open(p, O_WRONLY | O_APPEND);
	if (write(fd, b, n) != (ssize_t)n)
		diag("short write");
	close(fd);
}

static void
cut(const char *name, off_t size)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	if (truncate(p, size) != 0)
		diag("truncate failed");
}

/* Entries of the growing log, and what a reader thread found. */
#define GROW_ENTRIES 10000
static uint8_t grow_leaves[GROW_ENTRIES][32];
static uint8_t grow_roots[GROW_ENTRIES + 1][32]; /* [n]: root of n leaves */
static atomic_int grow_done;

struct reader_result {
	struct entrylog *log;
	long proofs, bad;
};

/*
 * Proves inclusion of pseudo-random entries in trees of every size the log
 * has published so far, and checks each proof against the root of the
 * leaves appended (RFC 6962, in memory), until the appender is done.
 */
static void *
grow_reader(void *arg)
{
	struct reader_result *res = arg;
	uint8_t proof[64][32], root[32];
	uint64_t x = 88172645463325252ULL;
	int64_t size, index;
	size_t plen;

	while (!atomic_load(&grow_done)) {
		size = entrylog_size(res->log);
		if (size == 0)
			continue;
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		size = 1 + (int64_t)(x % (uint64_t)size);
		index = (int64_t)((x >> 20) % (uint64_t)size);
		if (merkle_prove_inclusion(index, size, entrylog_read_hashes,
			res->log, proof, &plen) != 0 ||
		    entrylog_root(res->log, size, root) != 0 ||
		    memcmp(root, grow_roots[size], 32) != 0 ||
		    merkle_verify_inclusion(index, size, grow_leaves[index],
			(const uint8_t (*)[32])proof, plen, root) != 0)
			res->bad++;
		res->proofs++;
	}
	return NULL;
}

/* The log grows past several remaps while a reader proves from it. */
static void
test_growth(void)
{
	static char text[GROW_ENTRIES][24];
	static struct entrylog_entry e[GROW_ENTRIES];
	struct compact c;
	struct reader_result res = { NULL, 0, 0 };
	struct entrylog *log;
	pthread_t t;
	uint8_t want[32], got[32], proof[64][32];
	size_t plen;
	int i, appended = 1, allok = 1;
	char d[] = "/tmp/truce-entrylog-grow.XXXXXX";

	snprintf(dir, sizeof(dir), "%s/log", mkdtemp(d));
	compact_init(&c);
	compact_root(&c, grow_roots[0]);
	for (i = 0; i < GROW_ENTRIES; i++) {
		snprintf(text[i], sizeof(text[i]), "grow %d", i);
		e[i].bytes = (const uint8_t *)text[i];
		e[i].len = strlen(text[i]);
		merkle_leaf_hash(e[i].bytes, e[i].len, grow_leaves[i]);
		compact_append(&c, grow_leaves[i], NULL, NULL);
		compact_root(&c, grow_roots[i + 1]);
	}
	log = entrylog_open(dir, 1, NULL, 0);
	res.log = log;
	atomic_store(&grow_done, 0);
	if (log == NULL || pthread_create(&t, NULL, grow_reader, &res) != 0) {
		ok(0, "opens a log and starts a reader");
		return;
	}
	/* Batches of 250: the mapping (128 KiB, then x4 and x2 on) is
	   outgrown near 2048 and 8192 entries, inside a batch. */
	for (i = 0; i < GROW_ENTRIES; i += 250)
		if (entrylog_append(log, e + i, 250) != 0)
			appended = 0;
	atomic_store(&grow_done, 1);
	pthread_join(t, NULL);
	ok(appended && entrylog_size(log) == GROW_ENTRIES,
	    "appends %d entries in batches of 250", GROW_ENTRIES);
	ok(res.proofs > 0 && res.bad == 0, "a reader thread proved %ld "
	    "inclusions against the growing log, all valid (%ld bad)",
	    res.proofs, res.bad);
	for (i = 1; i <= GROW_ENTRIES; i++)
		if (entrylog_root(log, i, got) != 0 ||
		    memcmp(grow_roots[i], got, 32) != 0)
			allok = 0;
	ok(allok, "roots before, across and after the remaps are right");
	entrylog_close(log);
	log = entrylog_open(dir, 0, NULL, 0);
	memcpy(want, grow_roots[GROW_ENTRIES], 32);
	ok(log != NULL && entrylog_root(log, GROW_ENTRIES, got) == 0 &&
		memcmp(want, got, 32) == 0 &&
		merkle_prove_inclusion(GROW_ENTRIES - 1, GROW_ENTRIES,
		    entrylog_read_hashes, log, proof, &plen) == 0 &&
		merkle_verify_inclusion(GROW_ENTRIES - 1, GROW_ENTRIES,
		    grow_leaves[GROW_ENTRIES - 1],
		    (const uint8_t (*)[32])proof, plen, want) == 0,
	    "reopened, the log maps all its hashes and proves the last entry");
	entrylog_close(log);
}


/* Overwrites len bytes of name at off. */
static void
poke(const char *name, off_t off, const void *b, size_t len)
{
	char p[512];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	fd = open(p, O_WRONLY);
	if (pwrite(fd, b, len, off) != (ssize_t)len)
		diag("short pwrite");
	close(fd);
}

static void
unlink_in(const char *name)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	unlink(p);
}

/* Whether dir/name holds exactly the bytes of file other. */
static int
same_file(const char *name, const char *other)
{
	char p[512], cmd[1400];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	snprintf(cmd, sizeof(cmd), "cmp -s '%s' '%s'", p, other);
	return system(cmd) == 0;
}

/*
 * The checks of open against the checkpoints the log signed (issue 11,
 * defects 1, 2, 7, 8): refusals change nothing; derived files are
 * re-derived from the entries.
 */
static void
test_anchors(void)
{
	struct entrylog_anchor a[2];
	struct entrylog_entry e[40];
	struct entrylog *log;
	char text[40][24], saved[300], cmd[1400];
	uint8_t root[32], zeros[32] = { 0 };
	off_t size;
	int i;
	char d[] = "/tmp/truce-entrylog-anchor.XXXXXX";

	snprintf(dir, sizeof(dir), "%s/log", mkdtemp(d));
	snprintf(saved, sizeof(saved), "%s.saved", dir);
	for (i = 0; i < 40; i++) {
		snprintf(text[i], sizeof(text[i]), "entry %02d", i);
		e[i].bytes = (const uint8_t *)text[i];
		e[i].len = strlen(text[i]);
	}
	log = entrylog_open(dir, 1, NULL, 0);
	ok(log && entrylog_append(log, e, 40) == 0 &&
		entrylog_root(log, 40, a[0].root) == 0 &&
		entrylog_root(log, 30, a[1].root) == 0,
	    "a log of 40 entries and its roots at 40 and 30");
	entrylog_close(log);
	a[0].size = 40;
	a[1].size = 30;
	snprintf(a[0].what, sizeof(a[0].what), "checkpoint A");
	snprintf(a[1].what, sizeof(a[1].what), "checkpoint B");
	snprintf(cmd, sizeof(cmd), "cp -a '%s' '%s'", dir, saved);
	if (system(cmd) != 0)
		diag("cp failed");
	log = entrylog_open(dir, 0, a, 2);
	ok(log != NULL && entrylog_size(log) == 40,
	    "opens against both anchors");
	entrylog_close(log);

	size = fsize("entries");
	cut("entries", size - 3);
	log = entrylog_open(dir, 0, a, 2);
	ok(log == NULL, "39 complete entries and an anchor at 40: refused");
	ok(fsize("entries") == size - 3, "and the entries are left as they "
	    "were, torn tail and all");
	entrylog_close(log);
	log = entrylog_open(dir, 0, a + 1, 1);
	ok(log != NULL && entrylog_size(log) == 39 &&
		fsize("entries") == size - 10,
	    "against the anchor at 30 alone the torn tail is cut");
	entrylog_close(log);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' && cp -a '%s' '%s'", dir,
	    saved, dir);
	if (system(cmd) != 0)
		diag("restore failed");

	/* A byte of entry 12 changed ("entry 12" becomes "entry 13"). */
	poke("entries", 12 * 10 + 2 + 7, "3", 1);
	log = entrylog_open(dir, 0, a, 2);
	ok(log == NULL, "an entry altered inside the signed size: refused");
	log = entrylog_open(dir, 0, NULL, 0);
	ok(log == NULL, "refused without anchors too: its stored hash differs");
	unlink_in("hashes");
	log = entrylog_open(dir, 0, NULL, 0);
	ok(log != NULL && entrylog_size(log) == 40, "with hashes deleted and "
	    "no anchor, the entries are taken as they are");
	entrylog_close(log);
	log = entrylog_open(dir, 0, a, 2);
	ok(log == NULL, "but the anchors still refuse them");
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' && cp -a '%s' '%s'", dir,
	    saved, dir);
	if (system(cmd) != 0)
		diag("restore failed");

	/* Stored hash slot 5 zeroed: re-derived, since the root holds. */
	poke("hashes", 5 * 32, zeros, 32);
	log = entrylog_open(dir, 0, a, 2);
	ok(log != NULL && entrylog_root(log, 40, root) == 0 &&
		memcmp(root, a[0].root, 32) == 0,
	    "a damaged stored hash is re-derived: the root is right again");
	entrylog_close(log);
	snprintf(saved + strlen(saved), sizeof(saved) - strlen(saved),
	    "/hashes");
	ok(same_file("hashes", saved), "hashes is the same file as before");

	/* A cut index never cuts the entries. */
	size = fsize("entries");
	cut("index", fsize("index") - 3);
	log = entrylog_open(dir, 0, a, 2);
	ok(log != NULL && entrylog_size(log) == 40 &&
		fsize("entries") == size && fsize("index") == 40 * 8,
	    "3 bytes cut from the index: re-derived, entries intact");
	entrylog_close(log);

	/* Zeros where a record should begin. */
	append_raw("entries", zeros, 20);
	log = entrylog_open(dir, 0, a, 2);
	ok(log != NULL && entrylog_size(log) == 40 && fsize("entries") == size,
	    "a tail of zeros is cut");
	entrylog_close(log);
	poke("entries", 10 * 10, zeros, 2);
	log = entrylog_open(dir, 0, a, 2);
	ok(log == NULL && fsize("entries") == size,
	    "a zero length inside the signed size: refused, nothing cut");
	entrylog_close(log);
}

/*
 * A follower (a read server's view, entrylog_open_follower) beside the
 * appender: no lock taken, size 0 until followed, raised to a size the
 * files hold and never past it, reads and roots as the appender's, no
 * append.
 */
static void
follower_test(struct entrylog *log)
{
	struct entrylog *f;
	struct entrylog_entry e = { (const uint8_t *)"x", 1 };
	uint8_t *out, r1[32], r2[32];
	size_t len;

	f = entrylog_open_follower(dir);
	ok(f != NULL && entrylog_size(f) == 0,
	    "a follower opens beside the appender's lock, at size 0");
	ok(entrylog_read(f, 0, &out, &len) == -1,
	    "a follower reads nothing before it follows");
	ok(entrylog_follow(f, 4) == -1 && entrylog_size(f) == 0,
	    "following past what the files hold is refused");
	ok(entrylog_follow(f, 2) == 0 && entrylog_size(f) == 2,
	    "follows to size 2");
	ok(entrylog_follow(f, 1) == 0 && entrylog_size(f) == 2,
	    "never goes back");
	ok(entrylog_follow(f, 3) == 0 && entrylog_read(f, 2, &out, &len) == 0 &&
		len == 11 && memcmp(out, "third entry", 11) == 0,
	    "follows to 3 and reads entry 2");
	free(out);
	ok(entrylog_root(f, 3, r1) == 0 && entrylog_root(log, 3, r2) == 0 &&
		memcmp(r1, r2, 32) == 0,
	    "its root at 3 is the appender's");
	ok(entrylog_append(f, &e, 1) == -1 && entrylog_unappend(f, 1) == -1 &&
		entrylog_size(f) == 3,
	    "a follower neither appends nor unappends");
	entrylog_close(f);
	ok(entrylog_follow(log, 3) == -1, "an appender is no follower");
}

int
main(void)
{
	struct entrylog *log, *other;
	struct entrylog_entry e[3];
	uint8_t *out, big[ENTRYLOG_MAX_ENTRY + 1];
	size_t len;
	char tmpl[] = "/tmp/truce-entrylog.XXXXXX";

	snprintf(dir, sizeof(dir), "%s/log", mkdtemp(tmpl));
	log = entrylog_open(dir, 1, NULL, 0);
	ok(log != NULL && entrylog_size(log) == 0, "creates an empty log");
	other = entrylog_open(dir, 0, NULL, 0);
	ok(other == NULL, "a second opener is refused by the lock");
	e[0].bytes = (const uint8_t *)"first";
	e[0].len = 5;
	e[1].bytes = (const uint8_t *)"s";
	e[1].len = 1;
	e[2].bytes = (const uint8_t *)"third entry";
	e[2].len = 11;
	ok(entrylog_append(log, e, 3) == 0 && entrylog_size(log) == 3,
	    "appends three entries");
	ok(entrylog_read(log, 0, &out, &len) == 0 && len == 5 &&
		memcmp(out, "first", 5) == 0, "reads entry 0");
	free(out);
	ok(entrylog_read(log, 1, &out, &len) == 0 && len == 1 &&
		out[0] == 's', "reads the one-byte entry 1");
	free(out);
	ok(entrylog_read(log, 3, &out, &len) == -1, "index 3 is out of range");
	follower_test(log);
	ok(entrylog_read_bundle(log, 0, 3, &out, &len) == 0 &&
		len == 2 + 5 + 2 + 1 + 2 + 11 && out[0] == 0 && out[1] == 5 &&
		out[7] == 0 && out[8] == 1 && out[10] == 0 && out[11] == 11,
	    "bundle is uint16 length-prefixed entries (tlog-tiles)");
	free(out);
	memset(big, 'x', sizeof(big));
	e[0].bytes = big;
	e[0].len = sizeof(big);
	ok(entrylog_append(log, e, 1) == -1 && entrylog_size(log) == 3,
	    "an entry over 65535 bytes is refused, log unchanged");
	entrylog_close(log);

	/* Torn tails, as a crash can leave them. */
	append_raw("entries", "\x00\x09half", 6);
	log = entrylog_open(dir, 0, NULL, 0);
	ok(log && entrylog_size(log) == 3 && fsize("entries") == 23,
	    "a partial record without index is cut");
	entrylog_close(log);
	append_raw("index", "\x00\x00\x00", 3);
	log = entrylog_open(dir, 0, NULL, 0);
	ok(log && entrylog_size(log) == 3 && fsize("index") == 24,
	    "a partial index entry is cut");
	entrylog_close(log);
	append_raw("index", "\x00\x00\x00\x00\x00\x00\x00\x40", 8);
	log = entrylog_open(dir, 0, NULL, 0);
	ok(log && entrylog_size(log) == 3 && fsize("index") == 24,
	    "an index entry pointing past the data is cut");
	entrylog_close(log);
	cut("entries", 20);
	log = entrylog_open(dir, 0, NULL, 0);
	ok(log && entrylog_size(log) == 2 && fsize("entries") == 10 &&
		fsize("index") == 16,
	    "data cut inside the last record drops that entry only");
	ok(log && entrylog_read(log, 0, &out, &len) == 0 && len == 5,
	    "earlier entries survive");
	if (log)
		free(out);
	e[0].bytes = (const uint8_t *)"after";
	e[0].len = 5;
	ok(log && entrylog_append(log, e, 1) == 0 && entrylog_size(log) == 3,
	    "appending continues after recovery");
	entrylog_close(log);

	/* The Merkle tree kept beside the entries. */
	{
		uint8_t leaves[300][32], want[32], got[32], proof[64][32];
		char text[300][24];
		struct entrylog_entry many[300];
		size_t plen;
		int i, allok = 1;
		char d2[] = "/tmp/truce-entrylog-tree.XXXXXX";

		snprintf(dir, sizeof(dir), "%s/log", mkdtemp(d2));
		log = entrylog_open(dir, 1, NULL, 0);
		for (i = 0; i < 300; i++) {
			snprintf(text[i], sizeof(text[i]), "entry %d", i);
			many[i].bytes = (const uint8_t *)text[i];
			many[i].len = strlen(text[i]);
			merkle_leaf_hash(many[i].bytes, many[i].len, leaves[i]);
		}
		ok(entrylog_append(log, many, 1) == 0 &&
			entrylog_append(log, many + 1, 99) == 0 &&
			entrylog_append(log, many + 100, 200) == 0,
		    "appends 300 entries in three batches");
		for (i = 1; i <= 300; i++) {
			merkle_root((const uint8_t (*)[32])leaves, (size_t)i,
			    want);
			if (entrylog_root(log, i, got) != 0 ||
			    memcmp(want, got, 32) != 0)
				allok = 0;
		}
		ok(allok, "root of every size 1..300 equals the in-memory "
		    "RFC 6962 root");
		ok(fsize("hashes") == merkle_stored_hash_count(300) * 32,
		    "hashes holds exactly the stored hashes of 300 entries");
		merkle_root((const uint8_t (*)[32])leaves, 300, want);
		ok(merkle_prove_inclusion(123, 300, entrylog_read_hashes, log,
		       proof, &plen) == 0 &&
			merkle_verify_inclusion(123, 300, leaves[123],
			    (const uint8_t (*)[32])proof, plen, want) == 0,
		    "an inclusion proof from the stored hashes verifies");
		entrylog_close(log);
		cut("hashes", 100 * 32);
		log = entrylog_open(dir, 0, NULL, 0);
		ok(log && entrylog_root(log, 300, got) == 0 &&
			memcmp(want, got, 32) == 0 &&
			fsize("hashes") == merkle_stored_hash_count(300) * 32,
		    "lost stored hashes are recomputed from the entries");
		entrylog_close(log);
		append_raw("hashes", want, 32);
		log = entrylog_open(dir, 0, NULL, 0);
		ok(log && fsize("hashes") == merkle_stored_hash_count(300) * 32,
		    "extra stored hashes are cut");
		entrylog_close(log);
	}
	test_anchors();
	test_growth();
	return done_testing();
}
