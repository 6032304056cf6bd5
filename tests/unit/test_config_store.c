/*
 * truce.conf's store setting (center/config.c): sqlite, the default, or a
 * PostgreSQL URI (postgresql:// or postgres://, STORE_PG_URI_MAX bytes at
 * most); anything else refused with an error naming the field. No
 * server is needed: only the setting is checked.
 */
#include <stdio.h>
#include <string.h>

#include "center/config.h"
#include "store/store.h"
#include "tap.h"

int
main(void)
{
	struct config c;
	char err[256], uri[STORE_PG_URI_MAX + 2];

	config_defaults(&c);
	ok(strcmp(c.store, "sqlite") == 0, "the default store is sqlite");
	ok(config_set(&c, "store",
	       "postgresql://truce@db.example.org:5432/"
	       "center",
	       err, sizeof(err)) == 0 &&
		strcmp(c.store,
		    "postgresql://truce@db.example.org:5432/"
		    "center") == 0,
	    "a postgresql:// URI is a store");
	ok(config_set(&c, "store", "postgres://truce@127.0.0.1/center", err,
	       sizeof(err)) == 0,
	    "a postgres:// URI too");
	ok(store_kind_is_file(c.store) == 0,
	    "a PostgreSQL store is no file (rebuilt in place)");
	ok(config_set(&c, "store", "sqlite", err, sizeof(err)) == 0 &&
		store_kind_is_file(c.store) == 1,
	    "sqlite again; its store is a file");
	ok(config_set(&c, "store", "mysql://x/y", err, sizeof(err)) == -1 &&
		strncmp(err, "store: ", 7) == 0 &&
		strstr(err, "postgresql://") != NULL,
	    "another scheme is refused, naming the field and what is taken: "
	    "%s",
	    err);
	ok(config_set(&c, "store", "postgresql:/x", err, sizeof(err)) == -1,
	    "a scheme without // is refused");
	memset(uri, 'a', sizeof(uri) - 1);
	uri[sizeof(uri) - 1] = '\0';
	memcpy(uri, "postgresql://", 13);
	ok(config_set(&c, "store", uri, err, sizeof(err)) == -1 &&
		strstr(err, "255") != NULL && strcmp(c.store, "sqlite") == 0,
	    "a URI over %d bytes is refused, naming the limit, the setting "
	    "kept: %s",
	    STORE_PG_URI_MAX, err);
	uri[STORE_PG_URI_MAX] = '\0';
	ok(config_set(&c, "store", uri, err, sizeof(err)) == 0 &&
		strlen(c.store) == STORE_PG_URI_MAX,
	    "one of %d bytes is taken whole", STORE_PG_URI_MAX);
	return done_testing();
}
