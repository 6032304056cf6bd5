/*
 * store_backend: what the backends share with store.c. Every backend's
 * struct store begins with a pointer to its ops, so store.c can dispatch.
 */
#ifndef TRUCE_STORE_BACKEND_H
#define TRUCE_STORE_BACKEND_H

#include "store/store.h"

extern const struct store_ops store_sqlite_ops;

/* The ops of s: the first member of every backend's struct store. */
static inline const struct store_ops *
store_ops_of(struct store *s)
{
	return *(const struct store_ops *const *)(void *)s;
}

#endif
