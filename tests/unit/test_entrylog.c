/*
 * Unit test of ledger/entrylog: append, read, bundles in the tlog-tiles
 * encoding, the lock, and recovery from every kind of torn tail.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ledger/entrylog.h"
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

int
main(void)
{
	struct entrylog *log, *other;
	struct entrylog_entry e[3];
	uint8_t *out, big[ENTRYLOG_MAX_ENTRY + 1];
	size_t len;
	char tmpl[] = "/tmp/truce-entrylog.XXXXXX";

	snprintf(dir, sizeof(dir), "%s/log", mkdtemp(tmpl));
	log = entrylog_open(dir, 1);
	ok(log != NULL && entrylog_size(log) == 0, "creates an empty log");
	other = entrylog_open(dir, 0);
	ok(other == NULL, "a second opener is refused by the lock");
	e[0].bytes = (const uint8_t *)"first";
	e[0].len = 5;
	e[1].bytes = (const uint8_t *)"";
	e[1].len = 0;
	e[2].bytes = (const uint8_t *)"third entry";
	e[2].len = 11;
	ok(entrylog_append(log, e, 3) == 0 && entrylog_size(log) == 3,
	    "appends three entries");
	ok(entrylog_read(log, 0, &out, &len) == 0 && len == 5 &&
		memcmp(out, "first", 5) == 0, "reads entry 0");
	free(out);
	ok(entrylog_read(log, 1, &out, &len) == 0 && len == 0,
	    "reads the empty entry 1");
	free(out);
	ok(entrylog_read(log, 3, &out, &len) == -1, "index 3 is out of range");
	ok(entrylog_read_bundle(log, 0, 3, &out, &len) == 0 &&
		len == 2 + 5 + 2 + 0 + 2 + 11 && out[0] == 0 && out[1] == 5 &&
		out[7] == 0 && out[8] == 0 && out[10] == 11,
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
	log = entrylog_open(dir, 0);
	ok(log && entrylog_size(log) == 3 && fsize("entries") == 22,
	    "a partial record without index is cut");
	entrylog_close(log);
	append_raw("index", "\x00\x00\x00", 3);
	log = entrylog_open(dir, 0);
	ok(log && entrylog_size(log) == 3 && fsize("index") == 24,
	    "a partial index entry is cut");
	entrylog_close(log);
	append_raw("index", "\x00\x00\x00\x00\x00\x00\x00\x40", 8);
	log = entrylog_open(dir, 0);
	ok(log && entrylog_size(log) == 3 && fsize("index") == 24,
	    "an index entry pointing past the data is cut");
	entrylog_close(log);
	cut("entries", 20);
	log = entrylog_open(dir, 0);
	ok(log && entrylog_size(log) == 2 && fsize("entries") == 9 &&
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
		log = entrylog_open(dir, 1);
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
		log = entrylog_open(dir, 0);
		ok(log && entrylog_root(log, 300, got) == 0 &&
			memcmp(want, got, 32) == 0 &&
			fsize("hashes") == merkle_stored_hash_count(300) * 32,
		    "lost stored hashes are recomputed from the entries");
		entrylog_close(log);
		append_raw("hashes", want, 32);
		log = entrylog_open(dir, 0);
		ok(log && fsize("hashes") == merkle_stored_hash_count(300) * 32,
		    "extra stored hashes are cut");
		entrylog_close(log);
	}
	return done_testing();
}
