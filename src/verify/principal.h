/*
 * principal: who may act on a center, and the log entries that create and
 * revoke them (docs/verification.md "Principals").
 *
 * A principal is a name, a role and, for some roles, the member state or
 * the conflict party it belongs to. Principals are never kept outside the
 * log: an `add` entry names the principal and the SHA-256 of its bearer
 * token, a `revoke` entry ends it, and the store applies them in log order
 * (so `truce rebuild` restores them and a mirror sees the same ones). The
 * token itself (32 random bytes as 64 hex characters) is shown once, when
 * it is made, and appears in no entry, log line or later response.
 *
 * Entries (canonical JSON, record/canon.h):
 *   {"type":"principal","v":1,"action":"add","name":N,"role":R,
 *    "member":M?,"party":P?,"token_sha256":H,"by":B,"at_ms":T}
 *   {"type":"principal","v":1,"action":"revoke","name":N,"by":B,"at_ms":T}
 * `by` is the acting principal's name, or "@local" for the operator on the
 * center's own machine (control socket, offline commands).
 *
 * Pure: no I/O (tokens are drawn from libsodium's CSPRNG).
 */
#ifndef TRUCE_PRINCIPAL_H
#define TRUCE_PRINCIPAL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define PRINCIPAL_NAME_LEN 64	 /* bytes of a name with its NUL */
#define PRINCIPAL_TOKEN_LEN 64	 /* hex characters of a bearer token */
#define PRINCIPAL_LOCAL "@local" /* `by` of the machine's operator */

/* Roles (docs/verification.md has what each may do on each route). */
enum role {
	ROLE_NONE = 0,
	ROLE_ADMIN,
	ROLE_MONITOR,  /* submits observations */
	ROLE_SENSOR,   /* submits machine detections */
	ROLE_LIAISON,  /* of a conflict party: files complaints */
	ROLE_ANALYST,  /* triage, merge/split, tasking, state changes */
	ROLE_ASSESSOR, /* records one member's signed assessments */
	ROLE_VIEWER,   /* reads */
	ROLE_COUNT
};

struct principal {
	char name[PRINCIPAL_NAME_LEN];
	enum role role;
	char member[PRINCIPAL_NAME_LEN]; /* "" when none */
	char party[PRINCIPAL_NAME_LEN];	 /* "" when none */
};

/* The role named s, or ROLE_NONE for an unknown name (or NULL). */
enum role principal_role(const char *s);

/* The name of role r ("none" for ROLE_NONE or out of range). */
const char *principal_role_name(enum role r);

/*
 * Whether p may see that a complaint filed by party (its
 * source.organisation; NULL when it has none) exists, its id included: a
 * liaison only its own party's, every other principal any. 1 or 0.
 */
int principal_sees_complaint(const struct principal *p, const char *party);

/* 0 if s is a name: 1-63 bytes of A-Z a-z 0-9 '_' '-'; else -1. */
int principal_name_check(const char *s);

/*
 * Checks that p's role and attachments agree: an assessor needs a member,
 * a liaison a party and no member; admin, analyst and viewer have neither;
 * monitors and sensors may have a member. Every name is checked with
 * principal_name_check. 0, or -1 with the reason (naming the field) in err.
 */
int principal_check(const struct principal *p, char *err, size_t errlen);

/*
 * Makes a new bearer token: PRINCIPAL_TOKEN_LEN hex characters and a NUL
 * into token, and the lower-case hex SHA-256 of those characters into
 * sha256_hex (65 bytes). The caller shows the token once and wipes it.
 */
void principal_token_new(char token[PRINCIPAL_TOKEN_LEN + 1],
    char sha256_hex[65]);

/*
 * The SHA-256 of a presented token (untrusted text, any length) into hash.
 * Returns -1 (hash untouched) unless token is exactly PRINCIPAL_TOKEN_LEN
 * lower-case hex characters.
 */
int principal_token_hash(const char *token, uint8_t hash[32]);

/*
 * A new `add` entry for p (which must pass principal_check) with the token
 * hash (64 lower-case hex), acting principal by and time at_ms; the caller
 * owns it. NULL on allocation failure.
 */
json_t *principal_add_entry(const struct principal *p,
    const char *token_sha256_hex, const char *by, int64_t at_ms);

/* A new `revoke` entry for name, as principal_add_entry. */
json_t *principal_revoke_entry(const char *name, const char *by, int64_t at_ms);

/*
 * Reads a principal entry (type "principal") back: fills *p (role, member,
 * party only for `add`), *revoke (0 add, 1 revoke) and, for `add`, the
 * token hash. Returns -1 with the reason in err for an entry that is not a
 * well-formed principal entry; the store then records it as refused.
 */
int principal_from_entry(const json_t *entry, struct principal *p, int *revoke,
    uint8_t hash[32], char *err, size_t errlen);

#endif
