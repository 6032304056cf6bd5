/*
 * Robustness of the tlog parsers (note_open, checkpoint_parse,
 * witness_add_checkpoint, tile_path_parse, tile_entries_parse) under
 * AddressSanitizer: thousands of deterministic random mutations of valid
 * inputs (byte flips, truncations, insertions, duplications). The
 * assertions: nothing crashes or leaks (ASan/LSan), every refusal comes
 * with a message, and no mutation of a signed byte is accepted as signed.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "tlog/checkpoint.h"
#include "tlog/memlog.h"
#include "tlog/merkle.h"
#include "tlog/note.h"
#include "tlog/tile.h"
#include "tlog/witness.h"
#include "tap.h"

#define ROUNDS 20000

/* Mutates buf[0..*len-1] (room for cap) in place, one of five ways. */
static void
mutate(uint8_t *buf, size_t *len, size_t cap)
{
	size_t i, n;

	switch (rand() % 5) {
	case 0: /* flip a bit */
		if (*len > 0)
			buf[(size_t)rand() % *len] ^= (uint8_t)(1 << rand() % 8);
		break;
	case 1: /* truncate */
		if (*len > 0)
			*len = (size_t)rand() % *len;
		break;
	case 2: /* insert a byte, often a special one */
		if (*len < cap) {
			i = *len > 0 ? (size_t)rand() % (*len + 1) : 0;
			memmove(buf + i + 1, buf + i, *len - i);
			buf[i] = (uint8_t)"\n\n \xe2+=/0x."[rand() % 11];
			(*len)++;
		}
		break;
	case 3: /* duplicate a slice */
		if (*len > 0) {
			i = (size_t)rand() % *len;
			n = (size_t)rand() % (*len - i) + 1;
			if (*len + n <= cap) {
				memmove(buf + i + n, buf + i, *len - i);
				(*len) += n;
			}
		}
		break;
	default: /* overwrite a byte */
		if (*len > 0)
			buf[(size_t)rand() % *len] = (uint8_t)rand();
		break;
	}
}

int
main(void)
{
	struct note_signer *logkey, *wit;
	struct note_verifier *logv;
	const struct note_verifier *keys[1];
	struct memlog *m = memlog_new();
	struct witness_log wl;
	struct witness_result res;
	struct note *n;
	struct checkpoint *c;
	struct tile t;
	struct tile_entry e[TILE_WIDTH];
	enum note_error ne;
	uint8_t root[MERKLE_HASH_SIZE], seed[32] = { 1 }, seed2[32] = { 2 };
	uint8_t buf[8192], orig[4096], bundle[512];
	char cp[512], *signed_note, err[256], body[4096], b64[64];
	uint8_t proof[MERKLE_MAX_PROOF][MERKLE_HASH_SIZE];
	size_t cplen, nlen, len, olen, blen, plen, plines, i, k;
	int bad_msg = 0, forged = 0, statuses[600] = { 0 }, w;
	uint32_t x;

	if (sodium_init() == -1)
		return 1;
	srand(20261129);
	for (x = 0; x < 40; x++) {
		merkle_leaf_hash((const uint8_t *)&x, sizeof(x), root);
		memlog_append(m, root);
	}
	merkle_tree_hash(40, memlog_read, m, root);
	logkey = note_signer_from_seed("truce.example/log", NOTE_KEY_ED25519,
	    seed, NULL, 0);
	wit = note_signer_from_seed("witness.example/w1", NOTE_KEY_COSIGNATURE,
	    seed2, NULL, 0);
	logv = note_signer_verifier(logkey);
	keys[0] = logv;
	checkpoint_format("truce.example/log", 40, root, "ext\n", cp,
	    sizeof(cp), &cplen, NULL, 0);
	note_sign(logkey, (const uint8_t *)cp, cplen, 0, &signed_note, &nlen,
	    NULL, 0);

	/* Signed notes: a mutation that opens must not change the text. */
	for (k = 0; k < ROUNDS; k++) {
		memcpy(buf, signed_note, nlen);
		len = nlen;
		for (i = 0; i < 1 + (size_t)rand() % 3; i++)
			mutate(buf, &len, sizeof(buf));
		err[0] = '\0';
		n = note_open(buf, len, keys, 1, &ne, err, sizeof(err));
		if (n == NULL && err[0] == '\0')
			bad_msg++;
		if (n != NULL) {
			const uint8_t *tx = note_text(n, &olen);

			if (olen != cplen || memcmp(tx, cp, cplen) != 0)
				forged++;
		}
		note_free(n);
		err[0] = '\0';
		c = checkpoint_parse(buf, len, err, sizeof(err));
		if (c == NULL && err[0] == '\0')
			bad_msg++;
		checkpoint_free(c);
	}
	is_int(forged, 0, "no mutated note opened with a changed text");
	is_int(bad_msg, 0, "every refused note or checkpoint has a message");

	/* Witness requests for 20 -> 40. */
	merkle_prove_consistency(20, 40, memlog_read, m, proof, &plen);
	w = snprintf(body, sizeof(body), "old 20\n");
	for (i = 0; i < plen; i++) {
		merkle_hash_to_base64(proof[i], b64);
		w += snprintf(body + w, sizeof(body) - (size_t)w, "%s\n", b64);
	}
	w += snprintf(body + w, sizeof(body) - (size_t)w, "\n%s", signed_note);
	olen = (size_t)w;
	memcpy(orig, body, olen);
	plines = (size_t)(strstr(body, "\n\n") - body) + 2;
	{
		struct witness_state st = { 20, { 0 } };

		merkle_tree_hash(20, memlog_read, m, st.root);
		wl.origin = "truce.example/log";
		wl.keys = keys;
		wl.nkeys = 1;
		wl.state = &st;
		witness_add_checkpoint(orig, olen, &wl, 1, wit, 1, &res);
		is_int(res.status, 200, "the unmutated request is cosigned");
		for (k = 0; k < ROUNDS; k++) {
			memcpy(buf, orig, olen);
			len = olen;
			for (i = 0; i < 1 + (size_t)rand() % 3; i++)
				mutate(buf, &len, sizeof(buf));
			witness_add_checkpoint(buf, len, &wl, 1, wit, 1, &res);
			if (res.status >= 0 && res.status < 600)
				statuses[res.status]++;
			/* Cosigned: the old size and proof lines are intact. */
			if (res.status == 200 &&
			    (len < plines || memcmp(buf, orig, plines) != 0))
				forged++;
			if (res.status != 200 && res.message[0] == '\0')
				bad_msg++;
		}
	}
	diag("mutated witness requests: 200 %d, 400 %d, 403 %d, 404 %d, "
	     "409 %d, 422 %d",
	    statuses[200], statuses[400], statuses[403], statuses[404],
	    statuses[409], statuses[422]);
	is_int(statuses[200] + statuses[400] + statuses[403] + statuses[404] +
		statuses[409] + statuses[422],
	    ROUNDS, "every mutated request got a spec status");
	is_int(bad_msg, 0, "every refusal says why");
	is_int(forged, 0, "no request with altered proof lines was cosigned");

	/* Tile paths and entry bundles. */
	blen = 0;
	for (i = 0; i < 5; i++)
		tile_entries_append(bundle, sizeof(bundle), &blen,
		    (const uint8_t *)"entry entry entry entry entry", i * 7);
	for (k = 0; k < ROUNDS; k++) {
		char path[TILE_PATH_MAX + 8], back[TILE_PATH_MAX];

		len = (size_t)snprintf(path, sizeof(path),
		    "tile/%d/x001/x234/067.p/%d", rand() % 3,
		    1 + rand() % 255);
		mutate((uint8_t *)path, &len, TILE_PATH_MAX);
		if (tile_path_parse(path, len, &t) == 0 &&
		    (tile_path_format(&t, back, sizeof(back)) == -1 ||
			strlen(back) != len || memcmp(back, path, len) != 0))
			forged++;
		memcpy(buf, bundle, blen);
		len = blen;
		mutate(buf, &len, sizeof(buf));
		err[0] = '\0';
		if (tile_entries_parse(buf, len, 5, e, err, sizeof(err)) == -1 &&
		    err[0] == '\0')
			bad_msg++;
	}
	is_int(forged, 0, "every accepted tile path is canonical");
	is_int(bad_msg, 0, "every refused bundle says why");

	free(signed_note);
	note_verifier_free(logv);
	note_signer_free(logkey);
	note_signer_free(wit);
	memlog_free(m);
	return done_testing();
}
