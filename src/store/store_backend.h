/*
 * store_backend: what the backends share with store.c. Every backend's
 * struct store begins with a struct store_head, so store.c can dispatch
 * to its ops and keep, above the backend, what is no backend's: the
 * fusion engine attached and fusion's book (store/fusionbook.h).
 */
#ifndef TRUCE_STORE_BACKEND_H
#define TRUCE_STORE_BACKEND_H

#include "store/fusionbook.h"
#include "store/store.h"

struct fusion;
struct fusionbook;

extern const struct store_ops store_sqlite_ops;
extern const struct store_ops store_pg_ops; /* store_pg.c */

/* The first member of every backend's struct store; the backend sets ops
 * and name and zeroes the rest, which store.c owns. */
struct store_head {
	const struct store_ops *ops;
	const char *name;	 /* the store in messages (SQLite: its path) */
	struct fusion *fusion;	 /* NULL: observations are only indexed */
	struct fusionbook *book; /* fusion's book; NULL until needed */
	struct fusionbook_placed placed; /* the last store_apply's */
};

/* The head of s. */
static inline struct store_head *
store_head_of(struct store *s)
{
	return (struct store_head *)(void *)s;
}

/* The ops of s. */
static inline const struct store_ops *
store_ops_of(struct store *s)
{
	return store_head_of(s)->ops;
}

#endif
