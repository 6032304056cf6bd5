/*
 * member: the member states of a center, their verifier keys, the ruling
 * rule, and the signed notes by which members act (docs/verification.md).
 *
 * A member's key is a C2SP signed-note Ed25519 verifier key (tlog/note.h)
 * whose key name is the member's name, made by `truce keygen NAME` on the
 * member's own machine. The genesis entry lists every member with its key
 * and the ruling rule: "all" members, or "K-of-N".
 *
 * Members act through signed notes whose text is one canonical JSON object
 * (record/canon.h) and a newline; member_note_json reads such a text and
 * member_note_verify checks that every required key signed it. A key
 * change is one such note:
 *
 *   {"type":"member_key","v":1,"action":"rotate"|"add","member":M,
 *    "vkey":NEW,"at_ms":T}
 *
 * signed with the new key (proof of possession) and, for "rotate", the
 * member's current key; for "add" (a new member joins), every current
 * member's key: the members admit a member jointly.
 *
 * Pure: no I/O.
 */
#ifndef TRUCE_MEMBER_H
#define TRUCE_MEMBER_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "tlog/note.h"

#define MEMBER_NAME_LEN 64    /* with NUL */
#define MEMBER_NOTE_MAX 16384 /* bytes in a member's signed note */
#define MEMBER_MAX_SIGNERS 17 /* keys member_note_verify checks */

/* The ruling rule: k members agreeing of n (k == n == 0: all members). */
struct member_rule {
	int64_t k, n;
};

/*
 * Parses a rule ("all", or "K-of-N" with N equal to nmembers and 1 <= K <=
 * N) into *r. 0, or -1 with the reason in err.
 */
int member_rule_parse(const char *s, size_t nmembers, struct member_rule *r,
    char *err, size_t errlen);

/* The rule as JSON: {"kind":"all"} or {"kind":"k_of_n","k":K,"n":N}. */
json_t *member_rule_json(const struct member_rule *r);

/* Reads member_rule_json's form back. 0 or -1. */
int member_rule_from_json(const json_t *v, struct member_rule *r);

/* How many agreeing members the rule needs when the center has n. */
int64_t member_rule_needed(const struct member_rule *r, int64_t nmembers);

/* The rule as text ("all", "2-of-3") into buf. */
void member_rule_format(const struct member_rule *r, char *buf, size_t len);

/*
 * Checks that vkey is an Ed25519 (type 0x01) verifier key named name.
 * 0, or -1 with the reason in err.
 */
int member_vkey_check(const char *name, const char *vkey, char *err,
    size_t errlen);

/*
 * Reads the text of signed note (len bytes; at most MEMBER_NOTE_MAX) as
 * one canonical JSON object followed by a newline: the text must be exactly
 * the canonical encoding of the object it parses to, so that what was
 * signed is what is recorded. Returns a new object (caller owns it) or NULL
 * with the reason in err. Does not verify signatures.
 */
json_t *member_note_json(const char *note, size_t len, char *err,
    size_t errlen);

/*
 * Checks that every key of vkeys[0..n-1] (n <= MEMBER_MAX_SIGNERS) signed
 * the note: a missing signature is refused naming the key, a signature
 * that does not verify as forged; other lines are ignored. 0, or -1 with
 * the reason in err. Cost: one Ed25519 verification per key.
 */
int member_note_verify(const char *note, size_t len, const char *const *vkeys,
    size_t n, char *err, size_t errlen);

/* A key change read from a member's note (member_change_read). */
struct member_change {
	int add; /* 1 add a member, 0 rotate */
	char member[MEMBER_NAME_LEN];
	char vkey[NOTE_VKEY_MAX];
	int64_t at_ms;
};

/*
 * Reads (without verifying) a key-change note into *c: fields, member name,
 * vkey named after the member. Errors name the field as a JSON pointer.
 * 0 or -1 with the reason in err.
 */
int member_change_read(const char *note, size_t len, struct member_change *c,
    char *err, size_t errlen);

/*
 * Decides whether the key change c, read from note, may take effect given
 * the current members (members: an array of {"name","vkey"}) and whether
 * c's key was ever used before (key_used): a rotation needs an existing
 * member and signatures by its current key and the new key; an addition a
 * new name and signatures by the new key and every current member's key; a
 * key is never reused. Verifies the signatures. The store's apply path and
 * the server's pre-check both call it. 0, or -1 with the reason in err.
 */
int member_change_check(const char *note, size_t len,
    const struct member_change *c, const json_t *members, int key_used,
    char *err, size_t errlen);

/*
 * The log entry that records key-change note[0..len-1] (checked by the
 * caller with member_change_check): {"type":"member","v":1,"note","by",
 * "at_ms"}. A new object, or NULL when the note is not UTF-8.
 */
json_t *member_change_entry_new(const char *note, size_t len, const char *by,
    int64_t at_ms);

#endif
