/*
 * tokens: bearer tokens of the center's principals, in DIR/auth.db (SQLite).
 *
 * A token is 32 random bytes from libsodium written as 64 hex characters; it
 * is shown once, when created, and only its SHA-256 is stored. Checking a
 * token hashes it, looks the hash up and compares it again in constant time
 * (sodium_memcmp). Revocation takes effect on the next request: every check
 * reads the database. Thread-safe.
 */
#ifndef TRUCE_TOKENS_H
#define TRUCE_TOKENS_H

#include <stddef.h>

#define TOKEN_LEN 64 /* hex characters */

struct tokens;

/* Roles (issue 2): what a principal may do is decided in server/routes. */
enum role { ROLE_NONE = 0, ROLE_ADMIN, ROLE_MONITOR, ROLE_VIEWER };

struct principal {
	char name[64];
	char member[64]; /* empty when none */
	enum role role;
};

/* Opens (create: creates) the token database at path. NULL on error. */
struct tokens *tokens_open(const char *path, int create);

/* Closes it; NULL does nothing. */
void tokens_close(struct tokens *t);

/*
 * Creates a token for principal name with role and optional member, writing
 * it (TOKEN_LEN hex + NUL) to out. The caller shows it once. 0 or -1.
 */
int tokens_add(struct tokens *t, const char *name, enum role role,
    const char *member, char out[TOKEN_LEN + 1]);

/* Revokes every token of principal name. Returns how many, or -1. */
int tokens_revoke(struct tokens *t, const char *name);

/*
 * Checks token (untrusted text of any length). Returns 1 and fills *p when
 * it is a live token, 0 when not, -1 on a database error.
 */
int tokens_check(struct tokens *t, const char *token, struct principal *p);

/* Parses a role name; ROLE_NONE if unknown. */
enum role tokens_role(const char *name);

/* The name of a role. */
const char *tokens_role_name(enum role r);

#endif
