/*
 * Unit test of audit_verify_joint (the joint checkpoint's check shared by
 * `truce audit` and `truce mirror`) and of the checkpointer a mirror's
 * server reads (checkpointer_follow, checkpointer_publish): a note signed
 * by the log and cosigned by both witnesses passes; a missing
 * cosignature, a quorum not met, another log key and another origin are
 * refused, each naming what is wrong. Then the other parts both share:
 * the keys' and quorum's parsing (audit_keys_parse) and what a center's
 * answer means (audit_reply_check).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "audit/fetch.h"
#include "ledger/checkpointer.h"
#include "tap.h"
#include "tlog/checkpoint.h"
#include "tlog/note.h"

/* text signed by log, then cosigned by each of wit[0..nwit-1]. */
static char *
joint(const struct note_signer *log, const char *text,
    struct note_signer *const *wit, size_t nwit)
{
	char *msg, *out, line[NOTE_SIGLINE_MAX], err[256];
	size_t len, i;

	if (note_sign(log, (const uint8_t *)text, strlen(text), 0, &msg, &len,
		err, sizeof(err)) == -1)
		return NULL;
	for (i = 0; i < nwit; i++) {
		if (note_signature_line(wit[i], (const uint8_t *)text,
			strlen(text), 1700000000 + i, line, sizeof(line), err,
			sizeof(err)) == -1 ||
		    (out = malloc(len + strlen(line) + 1)) == NULL) {
			free(msg);
			return NULL;
		}
		memcpy(out, msg, len);
		memcpy(out + len, line, strlen(line) + 1);
		len += strlen(line);
		free(msg);
		msg = out;
	}
	return msg;
}

int
main(void)
{
	struct note_signer *log, *other, *wit[2];
	struct note_verifier *log_v, *other_v, *wit_v[2];
	struct checkpointer *cp;
	uint8_t root[32], got[32];
	char text[512], text2[512], err[1024], *msg, *note;
	size_t len, have;
	int64_t size;

	log = note_signer_generate("example.org/log", NOTE_KEY_ED25519, err,
	    sizeof(err));
	other = note_signer_generate("example.org/log", NOTE_KEY_ED25519, err,
	    sizeof(err));
	wit[0] = note_signer_generate("RU-witness", NOTE_KEY_COSIGNATURE, err,
	    sizeof(err));
	wit[1] = note_signer_generate("TR-witness", NOTE_KEY_COSIGNATURE, err,
	    sizeof(err));
	ok(log && other && wit[0] && wit[1], "keys made");
	log_v = note_signer_verifier(log);
	other_v = note_signer_verifier(other);
	wit_v[0] = note_signer_verifier(wit[0]);
	wit_v[1] = note_signer_verifier(wit[1]);
	memset(root, 7, sizeof(root));
	checkpoint_format("example.org/log", 300, root, NULL, text,
	    sizeof(text), &len, err, sizeof(err));
	checkpoint_format("example.org/other", 300, root, NULL, text2,
	    sizeof(text2), &len, err, sizeof(err));

	msg = joint(log, text, wit, 2);
	ok(audit_verify_joint((const uint8_t *)msg, strlen(msg), log_v,
	       (const struct note_verifier *const *)wit_v, 2, 2, &size, got,
	       &have, err, sizeof(err)) == 0,
	    "signed and cosigned by both: accepted");
	is_int(size, 300, "  its size");
	is_mem(got, root, 32, "  its root");
	is_int(have, 2, "  two cosignatures");
	free(msg);

	msg = joint(log, text, wit, 1);
	ok(audit_verify_joint((const uint8_t *)msg, strlen(msg), log_v,
	       (const struct note_verifier *const *)wit_v, 2, 2, &size, got,
	       &have, err, sizeof(err)) == -1,
	    "one cosignature of two required: refused");
	is_str(err, "checkpoint: cosignature of TR-witness missing",
	    "  naming the witness");
	ok(audit_verify_joint((const uint8_t *)msg, strlen(msg), log_v,
	       (const struct note_verifier *const *)wit_v, 2, 1, &size, got,
	       &have, err, sizeof(err)) == 0,
	    "  accepted with a quorum of 1");
	free(msg);

	msg = joint(log, text, NULL, 0);
	ok(audit_verify_joint((const uint8_t *)msg, strlen(msg), log_v,
	       (const struct note_verifier *const *)wit_v, 2, 1, &size, got,
	       &have, err, sizeof(err)) == -1,
	    "no cosignature, quorum 1: refused");
	is_str(err,
	    "checkpoint: cosigned by 0 of the given witnesses, the quorum "
	    "is 1",
	    "  naming the quorum");
	ok(audit_verify_joint((const uint8_t *)msg, strlen(msg), other_v, NULL,
	       0, 0, &size, got, &have, err, sizeof(err)) == -1,
	    "another log key: refused");
	is_str(err, "checkpoint: not signed by the log key", "  saying so");
	free(msg);

	msg = joint(log, text2, NULL, 0);
	ok(audit_verify_joint((const uint8_t *)msg, strlen(msg), log_v, NULL, 0,
	       0, &size, got, &have, err, sizeof(err)) == -1,
	    "another origin: refused");
	is_str(err,
	    "checkpoint: origin 'example.org/other' is not the log key's "
	    "name 'example.org/log'",
	    "  naming both");
	free(msg);

	cp = checkpointer_follow();
	ok(cp != NULL, "a checkpointer that only serves");
	ok(checkpointer_joint(cp, &size) == NULL &&
		checkpointer_joint_size(cp) == 0,
	    "  nothing before a publish");
	msg = joint(log, text, wit, 2);
	ok(checkpointer_publish(cp, msg, 300) == 0, "  publish");
	note = checkpointer_joint(cp, &size);
	is_str(note, msg, "  serves it as the joint checkpoint");
	is_int(checkpointer_joint_size(cp), 300, "  at its size");
	free(note);
	note = checkpointer_latest(cp, &size);
	is_str(note, msg, "  and as the latest");
	free(note);
	free(msg);
	checkpointer_stop(cp);

	/* The keys, as `truce audit` and `truce mirror` parse them. */
	{
		struct audit_keys k;
		struct fetch_reply r;
		char lk[NOTE_VKEY_MAX], wk[2][NOTE_VKEY_MAX];
		const char *wks[3];

		note_signer_vkey(log, lk, sizeof(lk));
		note_signer_vkey(wit[0], wk[0], sizeof(wk[0]));
		note_signer_vkey(wit[1], wk[1], sizeof(wk[1]));
		wks[0] = wk[0];
		wks[1] = wk[1];
		wks[2] = lk;
		ok(audit_keys_parse(&k, lk, wks, 2, 0, err, sizeof(err)) == 0 &&
			k.nwit == 2 && k.quorum == 2,
		    "keys: a log key and two witnesses, quorum all");
		msg = joint(log, text, wit, 2);
		ok(audit_verify_joint((const uint8_t *)msg, strlen(msg),
		       k.log_v, (const struct note_verifier *const *)k.wit_v,
		       k.nwit, k.quorum, &size, got, &have, err,
		       sizeof(err)) == 0,
		    "  they check the joint checkpoint");
		free(msg);
		audit_keys_free(&k);
		ok(k.log_v == NULL && k.nwit == 0, "  freed and zeroed");
		ok(audit_keys_parse(&k, lk, wks, 2, 1, err, sizeof(err)) == 0 &&
			k.quorum == 1,
		    "  --quorum 1");
		audit_keys_free(&k);
		ok(audit_keys_parse(&k, lk, wks, 2, 3, err, sizeof(err)) == -1,
		    "  a quorum over the keys: refused");
		is_str(err, "--quorum: 3 is more than the 2 witness keys given",
		    "  naming it");
		audit_keys_free(&k);
		ok(audit_keys_parse(&k, wk[0], NULL, 0, 0, err, sizeof(err)) ==
			-1,
		    "  a cosignature key as the log key: refused");
		is_str(err, "--log-key: not an Ed25519 log key", "  saying so");
		audit_keys_free(&k);
		ok(audit_keys_parse(&k, lk, wks + 1, 2, 0, err, sizeof(err)) ==
			-1,
		    "  a log key as a witness key: refused");
		is_str(err,
		    "--witness-key example.org/log: not a cosignature key",
		    "  naming it");
		audit_keys_free(&k);
		ok(audit_keys_parse(&k, "junk", NULL, 0, 0, err, sizeof(err)) ==
			    -1 &&
			strncmp(err, "--log-key: ", 11) == 0,
		    "  a malformed log key: refused, naming the option");
		audit_keys_free(&k);

		memset(&r, 0, sizeof(r));
		snprintf(r.path, sizeof(r.path), "/tile/0/000");
		r.status = 200;
		r.body = (uint8_t *)"x";
		is_int(audit_reply_check(&r, "tile", err, sizeof(err)),
		    AUDIT_OK, "answer: 200 with a body: OK");
		r.status = 404;
		r.body = (uint8_t *)"no such tile";
		is_int(audit_reply_check(&r, "tile", err, sizeof(err)),
		    AUDIT_FAILED,
		    "  404: the center refuses what it must serve");
		is_str(err, "tile: GET /tile/0/000 answered 404: no such tile",
		    "  naming the path and the answer");
		r.status = 503;
		is_int(audit_reply_check(&r, "tile", err, sizeof(err)),
		    AUDIT_INCOMPLETE, "  503: try again");
		r.status = 0;
		r.body = NULL;
		snprintf(r.error, sizeof(r.error), "Connection refused");
		is_int(audit_reply_check(&r, "tile", err, sizeof(err)),
		    AUDIT_INCOMPLETE, "  no answer: try again");
		is_str(err, "tile: GET /tile/0/000: Connection refused",
		    "  saying why");
	}

	note_verifier_free(log_v);
	note_verifier_free(other_v);
	note_verifier_free(wit_v[0]);
	note_verifier_free(wit_v[1]);
	note_signer_free(log);
	note_signer_free(other);
	note_signer_free(wit[0]);
	note_signer_free(wit[1]);
	return done_testing();
}
