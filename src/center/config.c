/*
 * config: the one configuration table and truce.conf (see config.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "center/config.h"
#include "common/file.h"
#include "common/log.h"
#include "common/num.h"
#include "report/report.h"
#include "report/tz.h"
#include "store/store.h"

enum config_type { CT_STRING, CT_INT, CT_MEMBERS, CT_LISTEN, CT_WITNESS };

struct config_entry {
	const char *name;
	enum config_type type;
	size_t offset, size;
	const char *def;
	int64_t min, max;
	const char *help;
};

#define STR(f) \
	CT_STRING, offsetof(struct config, f), sizeof(((struct config *)0)->f)
#define INT(f) CT_INT, offsetof(struct config, f), sizeof(int64_t)

static const struct config_entry table[] = {
	{ "origin", STR(origin), "", 0, 0,
	    "log origin, the first line of every checkpoint (C2SP "
	    "tlog-checkpoint), e.g. truce.example.org/center" },
	{ "members", CT_MEMBERS, 0, 0, "", 1, CONFIG_MAX_MEMBERS,
	    "member states, comma-separated names" },
	{ "listen", CT_LISTEN, offsetof(struct config, listen),
	    sizeof(((struct config *)0)->listen), "127.0.0.1:8080", 0, 0,
	    "HOST:PORT the HTTP API listens on" },
	{ "tls_cert", STR(tls_cert), "", 0, 0,
	    "PEM certificate (chain) to serve HTTPS with (libmicrohttpd's "
	    "GnuTLS); empty: plain HTTP. Needs tls_key" },
	{ "tls_key", STR(tls_key), "", 0, 0,
	    "PEM private key of tls_cert (keep it mode 0600)" },
	{ "witness_cacert", STR(witness_cacert), "", 0, 0,
	    "PEM file of the CAs that https:// witnesses' certificates are "
	    "checked against; empty: the system's" },
	{ "store", STR(store), "sqlite", 0, 0,
	    "store backend: sqlite (embedded, DIR/store.db), or a "
	    "PostgreSQL + PostGIS database by its URI, "
	    "postgresql://USER[:PASSWORD]@HOST[:PORT]/DB (or postgres://; "
	    "255 bytes at most; docs/storage.md)" },
	{ "threads", INT(threads), "4", 1, 64, "HTTP worker threads" },
	{ "max_connections", INT(max_connections), "512", 1, 10000,
	    "open HTTP connections at most" },
	{ "connection_timeout_s", INT(connection_timeout_s), "30", 1, 3600,
	    "seconds an idle or slow connection is kept" },
	{ "header_timeout_s", INT(header_timeout_s), "10", 1, 3600,
	    "seconds a connection has to send a whole request line and "
	    "headers, however steadily it sends them (closed after)" },
	{ "max_connections_per_address", INT(max_connections_per_address), "64",
	    1, 10000,
	    "open HTTP connections from one client address "
	    "at most (more are refused)" },
	{ "max_body_bytes", INT(max_body_bytes), "33554432", 1024, 268435456,
	    "bytes of a request body at most (413 above)" },
	{ "max_batch", INT(max_batch), "10000", 1, 10000,
	    "observations in one POST at most" },
	{ "max_json_depth", INT(max_json_depth), "16", 4, 64,
	    "nesting depth of request JSON at most" },
	{ "max_json_values", INT(max_json_values), "1000000", 1000, 16777216,
	    "values of a request's JSON at most, keys, arrays and "
	    "objects included (413 above; each costs tens of bytes parsed)" },
	{ "large_body_bytes", INT(large_body_bytes), "1048576", 1024, 268435456,
	    "a request body above this many bytes is large" },
	{ "max_large_bodies", INT(max_large_bodies), "2", 1, 256,
	    "large JSON bodies received or parsed at once, server-wide (503 "
	    "above)" },
	{ "read_wait_max_ms", INT(read_wait_max_ms), "10000", 0, 60000,
	    "ms a read asking ?min_size=N waits at most for the store to "
	    "apply N log entries (503 with Retry-After beyond)" },
	{ "follow_ms", INT(follow_ms), "20", 1, 10000,
	    "a read server (truce serve --read-only) reads the store's "
	    "applied size this often, in ms" },
	{ "writer", STR(writer), "", 0, 0,
	    "the URL of the center's writer, which a read server names when "
	    "it refuses a write (docs/readservers.md)" },
	{ "witness", CT_WITNESS, 0, 0, "", 0, CONFIG_MAX_WITNESSES,
	    "a member's witness: URL VKEY (C2SP tlog-witness URL prefix and "
	    "its cosignature verifier key); repeat per witness" },
	{ "witness_quorum", INT(witness_quorum), "0", 0, CONFIG_MAX_WITNESSES,
	    "cosignatures that make a checkpoint joint (0: every witness)" },
	{ "cosign_timeout_ms", INT(cosign_timeout_ms), "3000", 100, 60000,
	    "how long the center waits for a witness's answer" },
	{ "auth_fail_burst", INT(auth_fail_burst), "10", 1, 1000000,
	    "failed authentications a client address may make before it is "
	    "answered 429" },
	{ "auth_fail_per_minute", INT(auth_fail_per_minute), "6", 1, 1000000,
	    "rate at which a client address earns failed attempts back" },
	{ "write_burst", INT(write_burst), "50000", 1, 1000000000,
	    "log entries (observations, decisions, assessments ...) one "
	    "principal may write at once before it is answered 429" },
	{ "write_per_minute", INT(write_per_minute), "60000", 1, 1000000000,
	    "rate at which a principal earns writes back, entries per "
	    "minute" },
	{ "max_evidence_bytes", INT(max_evidence_bytes), "268435456", 1024,
	    17179869184LL, "bytes of one evidence item at most (413 above)" },
	{ "stream_max", INT(stream_max), "1000", 1, 100000,
	    "event streams (GET /v1/events) held open at once, server-wide "
	    "(503 above); each also counts in max_connections" },
	{ "stream_max_per_principal", INT(stream_max_per_principal), "16", 1,
	    100000, "event streams one principal may hold open (429 above)" },
	{ "stream_heartbeat_s", INT(stream_heartbeat_s), "15", 1, 300,
	    "seconds an idle event stream waits before a heartbeat comment" },
	{ "alert_retry_s", INT(alert_retry_s), "86400", 1, 2592000,
	    "seconds a webhook delivery is retried before it is marked "
	    "failed" },
	{ "alert_backoff_ms", INT(alert_backoff_ms), "1000", 10, 600000,
	    "the first retry of a webhook after about this many ms, doubling "
	    "to at most 10 minutes, with jitter" },
	{ "alert_timeout_ms", INT(alert_timeout_ms), "10000", 100, 120000,
	    "ms one webhook attempt may take (connect and answer)" },
	{ "escalation_tiers", STR(escalation_tiers),
	    "duty_officers,joint_commission", 0, 0,
	    "the tiers a disputed incident is escalated to, lowest first, "
	    "comma-separated (at most 8)" },
	{ "region", STR(region), "karabakh", 0, 0,
	    "the geography fusion reads places, zones and lines from: "
	    "karabakh, donbas, or none (places stay unresolved); part of what "
	    "replay computes from, so change it only with `truce rebuild`" },
	{ "geo_data", STR(geo_data), "", 0, 0,
	    "data directory holding geo/ (empty: $TRUCE_DATA, else the data/ "
	    "of the source tree, else ./data); its digest is in the log "
	    "(`truce geo digest`, docs/geography.md)" },
	{ "geo_aliases", STR(geo_aliases), "", 0, 0,
	    "a file of the center's own place names: one per line, "
	    "tab-separated alias, place[, country[, admin-1 code]]" },
	{ "report_cutoff", STR(report_cutoff), "19:30", 0, 0,
	    "the daily report's cut-off, HH:MM local time: a daily report "
	    "covers the day before's cut-off to its day's (docs/products.md)" },
	{ "report_timezone", STR(report_timezone), "Asia/Baku", 0, 0,
	    "the time zone of the cut-off, a name of the system's tz "
	    "database (/usr/share/zoneinfo), daylight saving included" },
	{ NULL, 0, 0, 0, NULL, 0, 0, NULL },
};

int
config_valid_origin(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > 255)
		return -1;
	for (i = 0; i < n; i++)
		if (s[i] <= 0x20 || s[i] >= 0x7f || s[i] == '+')
			return -1;
	return 0;
}

int
config_valid_name(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n >= CONFIG_NAME_LEN)
		return -1;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') ||
			(s[i] >= 'a' && s[i] <= 'z') ||
			(s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
			s[i] == '-'))
			return -1;
	return 0;
}

static int
set_members(struct config *c, const char *value, char *err, size_t errlen)
{
	char buf[CONFIG_MAX_MEMBERS * CONFIG_NAME_LEN + 64], *p, *comma;
	size_t n = 0, i;

	if (strlen(value) >= sizeof(buf)) {
		snprintf(err, errlen, "members: list too long");
		return -1;
	}
	snprintf(buf, sizeof(buf), "%s", value);
	for (p = buf; p != NULL; p = comma ? comma + 1 : NULL) {
		if ((comma = strchr(p, ',')) != NULL)
			*comma = '\0';
		while (*p == ' ')
			p++;
		if (*p == '\0')
			continue;
		if (config_valid_name(p) == -1) {
			snprintf(err, errlen,
			    "members: '%.64s' is not a name (1-63 letters, "
			    "digits, '_' or '-')",
			    p);
			return -1;
		}
		if (n == CONFIG_MAX_MEMBERS) {
			snprintf(err, errlen,
			    "members: more than the limit "
			    "of %d",
			    CONFIG_MAX_MEMBERS);
			return -1;
		}
		for (i = 0; i < n; i++)
			if (strcmp(c->members[i], p) == 0) {
				snprintf(err, errlen,
				    "members: '%s' is listed twice", p);
				return -1;
			}
		/* config_valid_name bounded p below CONFIG_NAME_LEN. */
		memcpy(c->members[n++], p, strlen(p) + 1);
	}
	c->nmembers = n;
	return 0;
}

static int
add_witness(struct config *c, const char *value, char *err, size_t errlen)
{
	const char *sp = strchr(value, ' ');
	struct config_witness *w;
	size_t ulen;

	if (c->nwitnesses == CONFIG_MAX_WITNESSES) {
		snprintf(err, errlen, "witness: more than the limit of %d",
		    CONFIG_MAX_WITNESSES);
		return -1;
	}
	if (sp == NULL || strchr(sp + 1, ' ') != NULL) {
		snprintf(err, errlen, "witness: expected 'URL VKEY'");
		return -1;
	}
	ulen = (size_t)(sp - value);
	w = &c->witnesses[c->nwitnesses];
	if ((strncmp(value, "http://", 7) != 0 &&
		strncmp(value, "https://", 8) != 0) ||
	    ulen >= sizeof(w->url)) {
		snprintf(err, errlen,
		    "witness: the URL must start with "
		    "http:// or https:// and be under %zu bytes",
		    sizeof(w->url));
		return -1;
	}
	if (strlen(sp + 1) >= sizeof(w->vkey) || strchr(sp + 1, '+') == NULL) {
		snprintf(err, errlen,
		    "witness: '%.64s' is not a verifier key "
		    "(name+hexid+base64)",
		    sp + 1);
		return -1;
	}
	memcpy(w->url, value, ulen);
	w->url[ulen] = '\0';
	memcpy(w->vkey, sp + 1, strlen(sp + 1) + 1);
	c->nwitnesses++;
	return 0;
}

static int
valid_listen(const char *v)
{
	const char *colon = strrchr(v, ':');
	int64_t port;

	if (colon == NULL || colon == v)
		return -1;
	return num_parse_i64(colon + 1, 0, 65535, &port, NULL, 0);
}

int
config_set(struct config *c, const char *name, const char *value, char *err,
    size_t errlen)
{
	const struct config_entry *e;
	char nerr[160];
	int64_t v;

	for (e = table; e->name != NULL; e++)
		if (strcmp(e->name, name) == 0)
			break;
	if (e->name == NULL) {
		snprintf(err, errlen, "unknown setting '%.64s'", name);
		return -1;
	}
	switch (e->type) {
	case CT_STRING:
	case CT_LISTEN:
		if (strlen(value) >= e->size) {
			snprintf(err, errlen, "%s: longer than %zu bytes", name,
			    e->size - 1);
			return -1;
		}
		if (e->type == CT_LISTEN && valid_listen(value) == -1) {
			snprintf(err, errlen,
			    "%s: '%.64s' is not HOST:PORT "
			    "(port 0-65535)",
			    name, value);
			return -1;
		}
		if (strcmp(name, "origin") == 0 && *value &&
		    config_valid_origin(value) == -1) {
			snprintf(err, errlen,
			    "origin: '%.64s' must be "
			    "printable ASCII without spaces or '+'",
			    value);
			return -1;
		}
		if (strcmp(name, "store") == 0 && strcmp(value, "sqlite") &&
		    !store_pg_uri(value)) {
			snprintf(err, errlen,
			    "store: '%.32s' is not a backend (sqlite, or a "
			    "postgresql:// or postgres:// URI)",
			    value);
			return -1;
		}
		snprintf((char *)c + e->offset, e->size, "%s", value);
		return 0;
	case CT_INT:
		if (num_parse_i64(value, e->min, e->max, &v, nerr,
			sizeof(nerr)) == -1) {
			snprintf(err, errlen, "%s: %s", name, nerr);
			return -1;
		}
		*(int64_t *)(void *)((char *)c + e->offset) = v;
		return 0;
	case CT_MEMBERS: return set_members(c, value, err, errlen);
	case CT_WITNESS:
		/* An empty `witness =` line (as written for none) adds none. */
		return *value ? add_witness(c, value, err, errlen) : 0;
	}
	return -1;
}

void
config_defaults(struct config *c)
{
	const struct config_entry *e;
	char err[64];

	memset(c, 0, sizeof(*c));
	for (e = table; e->name != NULL; e++)
		if (e->def[0] != '\0' &&
		    config_set(c, e->name, e->def, err, sizeof(err)) == -1)
			fatalx("bad default for %s", e->name);
}

static char *
trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s &&
	    (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n' ||
		end[-1] == '\r'))
		*--end = '\0';
	return s;
}

int
config_parse(FILE *f, const char *name, struct config *c, char *err,
    size_t errlen)
{
	char line[1024], msg[256], *eq, *key, *value;
	int lineno = 0;

	config_defaults(c);
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f)) {
			snprintf(err, errlen,
			    "%s:%d: line longer than %zu "
			    "bytes",
			    name, lineno, sizeof(line) - 2);
			return -1;
		}
		key = trim(line);
		if (*key == '\0' || *key == '#')
			continue;
		if ((eq = strchr(key, '=')) == NULL) {
			snprintf(err, errlen, "%s:%d: expected 'name = value'",
			    name, lineno);
			return -1;
		}
		*eq = '\0';
		value = trim(eq + 1);
		key = trim(key);
		if (config_set(c, key, value, msg, sizeof(msg)) == -1) {
			snprintf(err, errlen, "%s:%d: %s", name, lineno, msg);
			return -1;
		}
	}
	if (config_check(c, msg, sizeof(msg)) == -1) {
		snprintf(err, errlen, "%s: %s", name, msg);
		return -1;
	}
	return 0;
}

int
config_load(const char *path, struct config *c, char *err, size_t errlen)
{
	FILE *f;
	int rc;

	config_defaults(c);
	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	rc = config_parse(f, path, c, err, errlen);
	fclose(f);
	return rc;
}

int
config_tiers(const struct config *c, char tiers[][CONFIG_NAME_LEN], char *err,
    size_t errlen)
{
	char buf[sizeof(c->escalation_tiers)], *p, *comma;
	int n = 0;

	snprintf(buf, sizeof(buf), "%s", c->escalation_tiers);
	for (p = buf; p != NULL && *p != '\0'; p = comma ? comma + 1 : NULL) {
		if ((comma = strchr(p, ',')) != NULL)
			*comma = '\0';
		while (*p == ' ')
			p++;
		if (config_valid_name(p) == -1) {
			snprintf(err, errlen,
			    "escalation_tiers: '%.64s' is not "
			    "a name (1-63 letters, digits, '_' or '-')",
			    p);
			return -1;
		}
		if (n == CONFIG_MAX_TIERS) {
			snprintf(err, errlen,
			    "escalation_tiers: more than the "
			    "limit of %d",
			    CONFIG_MAX_TIERS);
			return -1;
		}
		memcpy(tiers[n++], p, strlen(p) + 1);
	}
	return n;
}

int
config_check(const struct config *c, char *err, size_t errlen)
{
	char tiers[CONFIG_MAX_TIERS][CONFIG_NAME_LEN], why[128];
	int minutes;

	if (c->origin[0] == '\0') {
		snprintf(err, errlen, "origin: is required");
		return -1;
	}
	if (c->nmembers == 0) {
		snprintf(err, errlen, "members: at least one is required");
		return -1;
	}
	if ((c->tls_cert[0] == '\0') != (c->tls_key[0] == '\0')) {
		snprintf(err, errlen, "%s: is required with %s",
		    c->tls_cert[0] ? "tls_key" : "tls_cert",
		    c->tls_cert[0] ? "tls_cert" : "tls_key");
		return -1;
	}
	if (strcmp(c->region, "karabakh") != 0 &&
	    strcmp(c->region, "donbas") != 0 &&
	    strcmp(c->region, "none") != 0) {
		snprintf(err, errlen,
		    "region: '%.32s' is not karabakh, donbas "
		    "or none",
		    c->region);
		return -1;
	}
	if ((size_t)c->witness_quorum > c->nwitnesses) {
		snprintf(err, errlen,
		    "witness_quorum: %lld is more than the "
		    "%zu witnesses configured",
		    (long long)c->witness_quorum, c->nwitnesses);
		return -1;
	}
	if (config_tiers(c, tiers, err, errlen) == -1)
		return -1;
	if (report_cutoff_parse(c->report_cutoff, &minutes, why, sizeof(why)) ==
	    -1) {
		snprintf(err, errlen, "report_cutoff: %s", why);
		return -1;
	}
	if (!tz_name_ok(c->report_timezone)) {
		snprintf(err, errlen,
		    "report_timezone: '%.64s' is not a zone "
		    "name like Asia/Baku",
		    c->report_timezone);
		return -1;
	}
	return 0;
}

int
config_write(const char *path, const struct config *c)
{
	const struct config_entry *e;
	char *text = NULL, err[1200];
	size_t i, len = 0;
	FILE *f;
	int rc = -1;

	/* Written in memory, then replaced durably (common/file.h). */
	if ((f = open_memstream(&text, &len)) == NULL) {
		log_warn("config: memory stream");
		return -1;
	}
	fprintf(f,
	    "# truce center configuration (`truce serve DIR --check` "
	    "validates it;\n# `truce serve --help-config` lists every "
	    "setting).\n");
	for (e = table; e->name != NULL; e++) {
		fprintf(f, "\n# %s\n%s = ", e->help, e->name);
		switch (e->type) {
		case CT_STRING:
		case CT_LISTEN:
			fprintf(f, "%s\n", (const char *)c + e->offset);
			break;
		case CT_INT:
			fprintf(f, "%lld\n",
			    (long long)*(
				const int64_t *)(const void *)((const char *)c +
				e->offset));
			break;
		case CT_MEMBERS:
			for (i = 0; i < c->nmembers; i++)
				fprintf(f, "%s%s", i ? "," : "", c->members[i]);
			fprintf(f, "\n");
			break;
		case CT_WITNESS:
			if (c->nwitnesses == 0)
				fprintf(f, "\n");
			for (i = 0; i < c->nwitnesses; i++)
				fprintf(f, "%s%s %s\n", i ? "witness = " : "",
				    c->witnesses[i].url, c->witnesses[i].vkey);
			break;
		}
	}
	if (fclose(f) != 0) {
		log_warn("config: memory stream");
		goto done;
	}
	if (file_write_atomic(path, text, len, 0600, 0, err, sizeof(err)) ==
	    -1) {
		log_warnx("config: %s", err);
		goto done;
	}
	rc = 0;
done:
	free(text);
	return rc;
}

void
config_print_help(FILE *f)
{
	const struct config_entry *e;

	fprintf(f, "settings of truce.conf (name = value):\n");
	for (e = table; e->name != NULL; e++) {
		fprintf(f, "  %-22s %s", e->name, e->help);
		if (e->type == CT_INT)
			fprintf(f, " [%lld..%lld, default %s]",
			    (long long)e->min, (long long)e->max, e->def);
		else if (e->def[0] != '\0')
			fprintf(f, " [default %s]", e->def);
		fprintf(f, "\n");
	}
}

_Static_assert(sizeof(((struct config *)0)->store) == STORE_PG_URI_MAX + 1,
    "truce.conf's store holds the longest PostgreSQL URI a store takes");
