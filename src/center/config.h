/*
 * config: the center's configuration, DIR/truce.conf, described by one table
 * of name, type, default, bounds and help text (STYLE.md rule 10, after
 * Redis's config.c). The file is lines of `name = value`; `#` starts a
 * comment. Unknown names, bad values and out-of-range numbers are errors
 * that name the line, the setting and the limit.
 */
#ifndef TRUCE_CONFIG_H
#define TRUCE_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CONFIG_MAX_MEMBERS 16
#define CONFIG_NAME_LEN 64
#define CONFIG_MAX_WITNESSES 16

/* A member's witness: where it listens and its cosigning verifier key. */
struct config_witness {
	char url[256];
	char vkey[384];
};

struct config {
	char origin[256]; /* log origin (C2SP tlog-checkpoint) */
	char members[CONFIG_MAX_MEMBERS][CONFIG_NAME_LEN];
	size_t nmembers;
	char listen[128];	   /* HOST:PORT */
	char tls_cert[1024];	   /* PEM certificate chain; "": plain HTTP */
	char tls_key[1024];	   /* PEM private key of tls_cert */
	char witness_cacert[1024]; /* CA file for https:// witnesses, or "" */
	char store[256]; /* sqlite, or a PostgreSQL URI (STORE_PG_URI_MAX) */
	int64_t threads; /* HTTP worker threads */
	int64_t max_connections;
	int64_t connection_timeout_s;
	int64_t header_timeout_s; /* request line + headers, in all */
	int64_t max_connections_per_address;
	int64_t max_body_bytes;
	int64_t max_batch; /* observations per POST */
	int64_t max_json_depth;
	int64_t max_json_values;  /* values in one JSON body */
	int64_t large_body_bytes; /* a body above is large ... */
	int64_t max_large_bodies; /* ... and so many are in flight */
	int64_t read_wait_max_ms; /* ?min_size= waits this long at most */
	int64_t follow_ms;	  /* a read server polls the store so often */
	char writer[256];	  /* the writer a read server names, or "" */
	struct config_witness witnesses[CONFIG_MAX_WITNESSES];
	size_t nwitnesses;
	int64_t witness_quorum; /* cosignatures for a joint checkpoint;
				   0: every configured witness */
	int64_t cosign_timeout_ms;
	int64_t auth_fail_burst;      /* failed authentications per address */
	int64_t auth_fail_per_minute; /* ... coming back at this rate */
	int64_t write_burst;	      /* log entries a principal may write
					   at once */
	int64_t write_per_minute;     /* ... coming back at this rate */
	int64_t max_evidence_bytes;   /* one evidence item at most */
	int64_t stream_max;	      /* event streams held at once ... */
	int64_t stream_max_per_principal; /* ... and by one principal */
	int64_t stream_heartbeat_s;	  /* comment line when idle this long */
	int64_t alert_retry_s;		  /* a webhook is retried this long */
	int64_t alert_backoff_ms;	  /* first retry after about this */
	int64_t alert_timeout_ms;	  /* one webhook attempt at most */
	char escalation_tiers[512];	  /* comma-separated tier names */
	char region[32];	  /* geography: karabakh, donbas or none */
	char geo_data[1024];	  /* data directory; "": the default */
	char geo_aliases[1024];	  /* the center's own place aliases, or "" */
	char report_cutoff[8];	  /* products: the daily cut-off, HH:MM */
	char report_timezone[64]; /* ... in this tz database zone */
};

/* Fills c with the table's defaults (origin and members empty). */
void config_defaults(struct config *c);

/*
 * Reads path into c (defaults first). On error returns -1 and writes
 * "path:line: message" into err. Cost: one pass over a small file.
 */
int config_load(const char *path, struct config *c, char *err, size_t errlen);

/*
 * Reads the configuration text of f (named name in messages) into c
 * (defaults first), as config_load reads a file. -1 with "name:line:
 * message" in err. Pure but for reading f (fuzz/fuzz_config.c).
 */
int config_parse(FILE *f, const char *name, struct config *c, char *err,
    size_t errlen);

/* Checks the cross-field rules (origin and members present). 0 or -1+err. */
int config_check(const struct config *c, char *err, size_t errlen);

/* Writes c to path atomically (temporary file, fsync, rename). 0 or -1. */
int config_write(const char *path, const struct config *c);

/* Sets one setting from text, as the file would. 0 or -1 + err. */
int config_set(struct config *c, const char *name, const char *value, char *err,
    size_t errlen);

/* Prints every setting with its type, default, bounds and help. */
void config_print_help(FILE *f);

/* Checks an origin: 1..255 printable ASCII, no spaces or '+'. 0 or -1. */
int config_valid_origin(const char *s);

/* Checks a member name: 1..63 of [A-Za-z0-9_-]. 0 or -1. */
int config_valid_name(const char *s);

#define CONFIG_MAX_TIERS 8

/*
 * Splits c->escalation_tiers into names (each 1-63 of [A-Za-z0-9_-]) in
 * order, into tiers; returns how many (0..CONFIG_MAX_TIERS), or -1 with
 * the reason in err.
 */
int config_tiers(const struct config *c, char tiers[][CONFIG_NAME_LEN],
    char *err, size_t errlen);

#endif
