/*
 * tokens: hashed bearer tokens in SQLite (see tokens.h).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <sqlite3.h>

#include "center/tokens.h"
#include "common/log.h"
#include "record/timefmt.h"

struct tokens {
	sqlite3 *db;
	pthread_mutex_t mu;
};

static const char *const role_names[] = { "none", "admin", "monitor",
	"viewer" };

enum role
tokens_role(const char *name)
{
	int i;

	for (i = 1; i < (int)(sizeof(role_names) / sizeof(role_names[0]));
	     i++)
		if (strcmp(role_names[i], name) == 0)
			return (enum role)i;
	return ROLE_NONE;
}

const char *
tokens_role_name(enum role r)
{
	if ((int)r < 0 ||
	    (size_t)r >= sizeof(role_names) / sizeof(role_names[0]))
		return "none";
	return role_names[r];
}

struct tokens *
tokens_open(const char *path, int create)
{
	struct tokens *t;
	char *err = NULL;

	if (sodium_init() < 0)
		return NULL;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	pthread_mutex_init(&t->mu, NULL);
	if (sqlite3_open_v2(path, &t->db,
		SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) |
		    SQLITE_OPEN_FULLMUTEX,
		NULL) != SQLITE_OK) {
		log_warnx("tokens %s: %s", path,
		    t->db ? sqlite3_errmsg(t->db) : "out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(t->db, 10000);
	if (sqlite3_exec(t->db,
		"PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
		"CREATE TABLE IF NOT EXISTS token("
		"  hash BLOB PRIMARY KEY, name TEXT NOT NULL,"
		"  role TEXT NOT NULL, member TEXT NOT NULL,"
		"  created_ms INTEGER NOT NULL, revoked_ms INTEGER) STRICT;",
		NULL, NULL, &err) != SQLITE_OK) {
		log_warnx("tokens %s: %s", path, err);
		sqlite3_free(err);
		goto fail;
	}
	return t;
fail:
	tokens_close(t);
	return NULL;
}

void
tokens_close(struct tokens *t)
{
	if (t == NULL)
		return;
	sqlite3_close(t->db);
	pthread_mutex_destroy(&t->mu);
	free(t);
}

int
tokens_add(struct tokens *t, const char *name, enum role role,
    const char *member, char out[TOKEN_LEN + 1])
{
	uint8_t raw[32], hash[32];
	char hex[TOKEN_LEN + 1];
	sqlite3_stmt *st = NULL;
	int rc = -1;

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(hex, sizeof(hex), raw, sizeof(raw));
	crypto_hash_sha256(hash, (const uint8_t *)hex, TOKEN_LEN);
	pthread_mutex_lock(&t->mu);
	if (sqlite3_prepare_v2(t->db,
		"INSERT INTO token VALUES(?,?,?,?,?,NULL)", -1, &st,
		NULL) != SQLITE_OK)
		goto done;
	sqlite3_bind_blob(st, 1, hash, sizeof(hash), SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, tokens_role_name(role), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, member ? member : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, timefmt_now_ms());
	if (sqlite3_step(st) != SQLITE_DONE)
		goto done;
	memcpy(out, hex, sizeof(hex));
	rc = 0;
done:
	if (rc == -1)
		log_warnx("tokens: add: %s", sqlite3_errmsg(t->db));
	sqlite3_finalize(st);
	pthread_mutex_unlock(&t->mu);
	sodium_memzero(raw, sizeof(raw));
	sodium_memzero(hex, sizeof(hex));
	return rc;
}

int
tokens_revoke(struct tokens *t, const char *name)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	pthread_mutex_lock(&t->mu);
	if (sqlite3_prepare_v2(t->db,
		"UPDATE token SET revoked_ms = ? WHERE name = ? AND "
		"revoked_ms IS NULL", -1, &st, NULL) != SQLITE_OK)
		goto done;
	sqlite3_bind_int64(st, 1, timefmt_now_ms());
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_DONE)
		rc = sqlite3_changes(t->db);
done:
	if (rc == -1)
		log_warnx("tokens: revoke: %s", sqlite3_errmsg(t->db));
	sqlite3_finalize(st);
	pthread_mutex_unlock(&t->mu);
	return rc;
}

int
tokens_check(struct tokens *t, const char *token, struct principal *p)
{
	uint8_t hash[32];
	sqlite3_stmt *st = NULL;
	const void *stored;
	int rc = -1, r;

	if (token == NULL || strlen(token) != TOKEN_LEN)
		return 0;
	crypto_hash_sha256(hash, (const uint8_t *)token, TOKEN_LEN);
	pthread_mutex_lock(&t->mu);
	if (sqlite3_prepare_v2(t->db,
		"SELECT hash, name, role, member FROM token WHERE hash = ? "
		"AND revoked_ms IS NULL", -1, &st, NULL) != SQLITE_OK)
		goto done;
	sqlite3_bind_blob(st, 1, hash, sizeof(hash), SQLITE_STATIC);
	r = sqlite3_step(st);
	if (r == SQLITE_DONE)
		rc = 0;
	else if (r == SQLITE_ROW) {
		stored = sqlite3_column_blob(st, 0);
		if (sqlite3_column_bytes(st, 0) != 32 ||
		    sodium_memcmp(stored, hash, 32) != 0) {
			rc = 0;
			goto done;
		}
		snprintf(p->name, sizeof(p->name), "%s",
		    (const char *)sqlite3_column_text(st, 1));
		p->role = tokens_role((const char *)sqlite3_column_text(st, 2));
		snprintf(p->member, sizeof(p->member), "%s",
		    (const char *)sqlite3_column_text(st, 3));
		rc = 1;
	}
done:
	if (rc == -1)
		log_warnx("tokens: check: %s", sqlite3_errmsg(t->db));
	sqlite3_finalize(st);
	pthread_mutex_unlock(&t->mu);
	return rc;
}
