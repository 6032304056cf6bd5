/*
 * events: the follower, the event ring, the streams, the alert rules and
 * the webhook deliveries (see events.h, docs/alerts.md).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <sodium.h>

#include "alert/alert_rule.h"
#include "alert/events.h"
#include "center/center.h"
#include "center/follower.h"
#include "center/products.h"
#include "common/clock.h"
#include "common/file.h"
#include "common/log.h"
#include "format/reportform.h"
#include "format/verform.h"
#include "fusion/fusion.h"
#include "geo/layers.h"
#include "ledger/checkpointer.h"
#include "ledger/entrylog.h"
#include "ledger/sequencer.h"
#include "record/timefmt.h"
#include "report/report.h"
#include "report/reportentry.h"
#include "store/fusionbook.h"
#include "store/store.h"

#define STREAM_BATCH 256      /* log entries one read looks at, at most */
#define STREAM_BUF_HIGH 65536 /* bytes one read gathers, about */
#define FOLLOW_TICK_MS 1000   /* checkpoints and heartbeats, this often */
#define STREAM_WAKE_MS 5      /* streams hear of new entries this often */
#define DELIVERY_TICK_MS 200  /* the delivery thread looks this often */
#define BACKOFF_MAX_MS 600000 /* retries at most 10 minutes apart */
#define ANSWER_MAX 65536      /* bytes of a receiver's answer kept */
#define SPOT_MATCHES_MAX 4096 /* a spot rule's latest matches kept */
#define SPOT_ATTEMPTS 5	      /* a spot report draft is tried so often */

/* Who may see an event. */
enum seen {
	SEEN_READERS,	/* every reader but a liaison */
	SEEN_ADMIN,	/* principals, members, genesis */
	SEEN_RULES,	/* alert rules and failures: admins, analysts */
	SEEN_COMPLAINT, /* readers, and the liaison of party */
	SEEN_INCIDENT,	/* readers, and liaisons it was released to */
	SEEN_RELEASE	/* readers, and the liaison of party */
};

/* One log entry as an event; immutable once published, shared. */
struct ev {
	_Atomic int refs;
	int64_t index;
	char type[32];
	enum seen seen;
	char party[PRINCIPAL_NAME_LEN];
	char incident[48];
	char category[32];
	int located;
	int64_t lat_e7, lon_e7;
	char *zones;   /* "\n"-joined zone names, or NULL */
	char *data;    /* the event's JSON */
	char **alerts; /* the alerts it raised: their JSON */
	size_t nalerts;
};

enum alert_state { A_STREAM, A_PENDING, A_DELIVERED, A_FAILED };

/* The spot report an alert asks for. */
enum spot_state {
	SPOT_NONE,     /* none asked for, or settled (drafted or given up) */
	SPOT_WANTED,   /* to draft, at spot_next_ms */
	SPOT_DRAFTING, /* the drafter is at it */
};

static const char *const state_names[] = { "stream", "pending", "delivered",
	"failed" };

struct alert {
	int64_t rule, index;
	enum alert_state state;
	int64_t attempts, next_ms, deadline_ms;
	char last_error[160];
	char *url;
	struct target *target; /* url's, once start_due has seen it */
	char *body;	       /* NULL while its spot report is not settled */
	char secret_sha256[65];
	enum spot_state spot;
	int spot_asked;	   /* the rule asked for a spot report */
	char *base;	   /* spot: the body before the report is known */
	char *incidents;   /* spot: the incidents to report, "\n"-joined */
	char *by;	   /* spot: who set the rule (drafts in its name) */
	int spot_attempts; /* since the last start */
	int64_t spot_next_ms;
	char report[REPORT_ID_LEN + 1]; /* spot: the draft's id, or "" */
	int64_t report_index;		/* spot: its draft entry's index */
};

/* A match of a spot rule: when, and the incident it is in. */
struct spot_match {
	int64_t t_ms;
	char incident[48];
};

struct rule_state {
	struct alert_rule r;
	struct alert_window w;
	struct spot_match *m; /* spot_report: the latest matches */
	size_t nm, capm;
	int64_t latest_ms; /* the latest match's observed time */
};

struct secret {
	char sha256[65];
	char *secret;
};

/* An acknowledged delivery. */
struct ack {
	int64_t rule, index;
};

struct target {
	char *url;
	CURL *easy;	     /* in flight, or NULL */
	size_t alert;	     /* the alert in flight */
	int64_t rule, index; /* its rule and entry */
	size_t cursor;	     /* alerts below are not its pending ones */
	struct curl_slist *headers;
	size_t answer; /* bytes of the answer read */
};

struct events_stream {
	struct events *h;
	struct events_stream *prev, *next_st;
	struct principal who;
	struct events_filter f;
	void (*suspend)(void *);
	void (*resume)(void *);
	int (*gone)(void *);
	void *arg;
	atomic_int ended; /* the client is gone: end the stream */
	int64_t next;	  /* the next log index to look at */
	uint64_t cp_seq;  /* the last checkpoint sent */
	int suspended;	  /* under h->mu */
	int greeted;
	int64_t last_ms; /* when it last sent (monotonic) */
	char *buf;
	size_t len, off, cap;
};

struct events {
	struct center *c;
	struct fusion *fusion; /* positions and zones, under fusion_mu */
	pthread_mutex_t fusion_mu;
	pthread_mutex_t back_mu; /* held while an event of back is made */
	pthread_mutex_t mu;
	pthread_cond_t cv;  /* next moved */
	int64_t next;	    /* entries below are processed */
	int64_t start_size; /* the log's size at start */
	struct ev *ring[EVENTS_RING];
	/* Events older than the ring, recomputed for a stream that fell
	   behind it, kept for the other streams behind with it (one makes
	   each, under back_mu; then mu, fusion_mu, never the reverse). */
	struct ev *back[EVENTS_RING];
	struct rule_state *rules;
	size_t nrules, caprules;
	struct alert *alerts;
	size_t nalerts, capalerts, first_spot;
	size_t scan; /* alerts below have their target found */
	struct secret *secrets;
	size_t nsecrets;
	struct ack *acks;
	size_t nacks;
	int acks_fd;
	char secrets_path[PATH_MAX], acks_path[PATH_MAX];
	struct events_stream *streams;
	size_t nstreams;
	int closing;
	int stop;
	/* A read server's hub (center/follower.h): streams only, their
	   alert events included, but no deliveries or drafts and nothing
	   written (the writer's hub does that). */
	int streams_only;
	int64_t woken_ms; /* when wake_streams last ran (monotonic) */
	uint64_t cp_seq;
	int64_t cp_size;
	char *cp_data; /* the checkpoint event's JSON */
	pthread_t follower, deliverer, drafter;
	int follower_started, deliverer_started, drafter_started;
	CURLM *multi;
	struct target **targets; /* each apart: curl holds pointers to them */
	size_t ntargets;
};

static int64_t
mono_ms(void)
{
	return (int64_t)(clock_now_s() * 1000.0);
}

static void
ev_unref(struct ev *e)
{
	size_t i;

	if (e == NULL || atomic_fetch_sub(&e->refs, 1) != 1)
		return;
	for (i = 0; i < e->nalerts; i++)
		free(e->alerts[i]);
	free(e->alerts);
	free(e->zones);
	free(e->data);
	free(e);
}

/* Appends the bytes of s to the stream's buffer: 0 or -1. */
static int
buf_add(struct events_stream *st, const char *s, size_t n)
{
	size_t ncap;
	char *nb;

	if (st->len + n + 1 > st->cap) {
		ncap = st->cap ? st->cap : 4096;
		while (ncap < st->len + n + 1)
			ncap *= 2;
		if ((nb = realloc(st->buf, ncap)) == NULL)
			return -1;
		st->buf = nb;
		st->cap = ncap;
	}
	memcpy(st->buf + st->len, s, n);
	st->len += n;
	return 0;
}

static int
buf_str(struct events_stream *st, const char *s)
{
	return buf_add(st, s, strlen(s));
}

/* -------------------------------------------------------------------- */
/* Entries into events                                                   */

static const char *
str_of(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s != NULL ? s : "";
}

/*
 * The state an assessment at index moved incident to, from the store's
 * trail (fixed once the entry is applied), or "" if none.
 */
static void
ruling_of(struct store *s, const char *incident, int64_t index, char *out,
    size_t len)
{
	json_t *trail = verform_history(s, incident), *step;
	size_t i;

	out[0] = '\0';
	json_array_foreach(trail, i,
	    step) if (json_integer_value(json_object_get(step, "index")) ==
		index &&
	    json_string_value(json_object_get(step, "to")))
	    snprintf(out, len, "%s", str_of(step, "to"));
	json_decref(trail);
}

/*
 * The event's JSON: {"index":..,"type":..,"entry":..} and then rest's
 * members, the entry spliced in as the log holds it (canonical JSON, RFC
 * 8785) rather than serialized again. A new string, or NULL if out of
 * memory.
 */
static char *
ev_data(int64_t index, const char *type, const uint8_t *bytes, size_t len,
    const json_t *rest)
{
	json_t *head;
	char *h = NULL, *r = NULL, *out = NULL;
	size_t hl, rl, n;

	head = json_pack("{s:I,s:s}", "index", (json_int_t)index, "type", type);
	if (head == NULL || (h = json_dumps(head, JSON_COMPACT)) == NULL ||
	    (r = json_dumps(rest, JSON_COMPACT | JSON_REAL_PRECISION(10))) ==
		NULL)
		goto done;
	hl = strlen(h) - 1; /* without its closing brace */
	rl = strlen(r);	    /* "{}" or "{...}" */
	if ((out = malloc(hl + sizeof(",\"entry\":") + len + rl)) == NULL)
		goto done;
	memcpy(out, h, hl);
	n = hl;
	memcpy(out + n, ",\"entry\":", sizeof(",\"entry\":") - 1);
	n += sizeof(",\"entry\":") - 1;
	memcpy(out + n, bytes, len);
	n += len;
	if (rl > 2) {
		out[n++] = ',';
		memcpy(out + n, r + 1, rl - 1); /* its members and brace */
		n += rl - 1;
	} else
		out[n++] = '}';
	out[n] = '\0';
done:
	json_decref(head);
	free(h);
	free(r);
	return out;
}

/*
 * Makes the event of log entry index (bytes, parsed as entry) with the
 * store s (which has applied it). Writes the state an incident moved to
 * (or "") to state, and the zones to words for the rules. With applied
 * (the writer's applier lent the observation: sequencer_applied_get), its
 * id, position and incident are the applier's rather than computed and
 * read again: the same values (fusion_observation of the same entry, the
 * incident the store has just recorded). NULL if out of memory.
 */
static struct ev *
ev_make(struct events *h, struct store *s, int64_t index, const uint8_t *bytes,
    size_t len, const json_t *entry, const struct seq_applied *applied,
    char *state, size_t statelen, struct fusion_words *words)
{
	const struct fusionbook_placed *placed =
	    applied != NULL ? applied->placed : NULL;
	struct associate_obs o;
	struct ev *e;
	json_t *data, *zl;
	const json_t *src;
	uint8_t sha[32];
	char id[65], note[256];
	const char *type = str_of(entry, "type");
	int created = 0;
	size_t i, zlen, n;

	state[0] = '\0';
	words->nzones = 0;
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return NULL;
	atomic_store(&e->refs, 1);
	e->index = index;
	snprintf(e->type, sizeof(e->type), "%s", type[0] ? type : "unknown");
	e->seen = SEEN_READERS;
	data = json_object();
	if (strcmp(type, "observation") == 0) {
		src = json_object_get(entry, "source");
		if (strcmp(str_of(src, "type"), "complaint") == 0) {
			e->seen = SEEN_COMPLAINT;
			snprintf(e->party, sizeof(e->party), "%s",
			    str_of(src, "organisation"));
		}
		snprintf(e->category, sizeof(e->category), "%s",
		    str_of(entry, "category"));
		if (applied != NULL)
			snprintf(id, sizeof(id), "%s", applied->id);
		else {
			crypto_hash_sha256(sha, bytes, len);
			sodium_bin2hex(id, sizeof(id), sha, sizeof(sha));
		}
		json_object_set_new(data, "id", json_string(id));
		pthread_mutex_lock(&h->fusion_mu);
		if (placed != NULL) {
			o.located = placed->located;
			o.lat = placed->lat;
			o.lon = placed->lon;
		}
		if ((placed != NULL ||
			fusion_observation(h->fusion, index, entry, id, &o,
			    note, sizeof(note)) == 0) &&
		    o.located) {
			e->located = 1;
			e->lat_e7 = (int64_t)(o.lat * 1e7);
			e->lon_e7 = (int64_t)(o.lon * 1e7);
			if (fusion_zones(h->fusion, o.lat, o.lon, words) == -1)
				words->nzones = 0;
		}
		pthread_mutex_unlock(&h->fusion_mu);
		if (placed != NULL) {
			snprintf(e->incident, sizeof(e->incident), "%s",
			    placed->incident);
			created = placed->created;
		}
		if ((placed != NULL ||
			(s != NULL &&
			    store_observation_incident(s, index, e->incident,
				sizeof(e->incident), &created) == 1))) {
			json_object_set_new(data, "incident",
			    json_string(e->incident));
			json_object_set_new(data, "incident_created",
			    json_boolean(created));
		}
		if (e->located) {
			json_object_set_new(data, "lat",
			    json_real((double)e->lat_e7 / 1e7));
			json_object_set_new(data, "lon",
			    json_real((double)e->lon_e7 / 1e7));
		}
		if (words->nzones > 0) {
			zl = json_array();
			for (zlen = 0, i = 0; i < words->nzones; i++) {
				json_array_append_new(zl,
				    json_string(words->zone[i]));
				zlen += strlen(words->zone[i]) + 1;
			}
			json_object_set_new(data, "zones", zl);
			if ((e->zones = calloc(1, zlen + 1)) != NULL)
				for (zlen = 0, i = 0; i < words->nzones; i++) {
					n = strlen(words->zone[i]);
					memcpy(e->zones + zlen, words->zone[i],
					    n);
					e->zones[zlen + n] = '\n';
					zlen += n + 1;
				}
		}
	} else if (strcmp(type, "genesis") == 0 ||
	    strcmp(type, "principal") == 0 || strcmp(type, "member") == 0)
		e->seen = SEEN_ADMIN;
	else if (strcmp(type, "alert_rule") == 0 ||
	    strcmp(type, "alert_failed") == 0)
		e->seen = SEEN_RULES;
	else if (json_string_value(json_object_get(entry, "incident"))) {
		snprintf(e->incident, sizeof(e->incident), "%s",
		    str_of(entry, "incident"));
		e->seen = SEEN_INCIDENT;
		if (strcmp(type, "release") == 0) {
			e->seen = SEEN_RELEASE;
			snprintf(e->party, sizeof(e->party), "%s",
			    str_of(entry, "party"));
		}
		if (strcmp(type, "incident_state") == 0)
			snprintf(state, statelen, "%s", str_of(entry, "to"));
		else if (strcmp(type, "assessment") == 0 && s != NULL)
			ruling_of(s, e->incident, index, state, statelen);
		if (state[0] != '\0')
			json_object_set_new(data, "state", json_string(state));
	}
	e->data = data ? ev_data(index, e->type, bytes, len, data) : NULL;
	json_decref(data);
	if (e->data == NULL) {
		ev_unref(e);
		return NULL;
	}
	return e;
}

/* The event of an old index, recomputed from the log and the store. */
static struct ev *
ev_recompute(struct events *h, struct store *s, int64_t index)
{
	char state[64];
	struct fusion_words *w;
	uint8_t *bytes = NULL;
	json_t *entry = NULL;
	struct ev *e = NULL;
	size_t len;

	if ((w = malloc(sizeof(*w))) == NULL)
		return NULL;
	if (entrylog_read(h->c->log, index, &bytes, &len) == -1 ||
	    (entry = json_loadb((const char *)bytes, len, 0, NULL)) == NULL)
		goto done;
	e = ev_make(h, s, index, bytes, len, entry, NULL, state, sizeof(state),
	    w);
done:
	json_decref(entry);
	free(bytes);
	free(w);
	return e;
}

/* -------------------------------------------------------------------- */
/* Durable files: secrets and acknowledgements                           */

/* Appends line to fd and syncs it: 0, or -1 (logged). */
static int
append_synced(int fd, const char *path, const char *line)
{
	size_t n = strlen(line), off = 0;
	ssize_t w;

	while (off < n) {
		if ((w = write(fd, line + off, n - off)) == -1) {
			if (errno == EINTR)
				continue;
			log_warn("%s: write", path);
			return -1;
		}
		off += (size_t)w;
	}
	if (fdatasync(fd) == -1) {
		log_warn("%s: fdatasync", path);
		return -1;
	}
	return 0;
}

static int
ack_cmp(const void *a, const void *b)
{
	const struct ack *x = a, *y = b;

	if (x->rule != y->rule)
		return x->rule < y->rule ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

/*
 * Loads DIR/alerts/secrets and DIR/alerts/acks (a torn last line, from a
 * crash while appending, is ignored), and opens acks for appending.
 */
static int
load_files(struct events *h, char *err, size_t errlen)
{
	char dir[PATH_MAX], line[ALERT_RULE_SECRET_MAX + 128], *sp, *nl;
	struct secret *ns;
	struct ack *na, a;
	FILE *f;
	size_t cap = 0;

	if (center_path(h->c->dir, "alerts", dir, sizeof(dir)) == -1 ||
	    center_path(h->c->dir, "alerts/secrets", h->secrets_path,
		sizeof(h->secrets_path)) == -1 ||
	    center_path(h->c->dir, "alerts/acks", h->acks_path,
		sizeof(h->acks_path)) == -1) {
		snprintf(err, errlen, "%s: path too long", h->c->dir);
		return -1;
	}
	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		snprintf(err, errlen, "mkdir %s: %s", dir, strerror(errno));
		return -1;
	}
	if ((f = fopen(h->secrets_path, "r")) != NULL) {
		while (fgets(line, sizeof(line), f) != NULL) {
			if ((nl = strchr(line, '\n')) == NULL ||
			    (sp = strchr(line, ' ')) == NULL || sp - line != 64)
				continue;
			*nl = '\0';
			ns = realloc(h->secrets,
			    (h->nsecrets + 1) * sizeof(*ns));
			if (ns == NULL)
				break;
			h->secrets = ns;
			memcpy(ns[h->nsecrets].sha256, line, 64);
			ns[h->nsecrets].sha256[64] = '\0';
			if ((ns[h->nsecrets].secret = strdup(sp + 1)) == NULL)
				break;
			h->nsecrets++;
		}
		fclose(f);
	}
	if ((f = fopen(h->acks_path, "r")) != NULL) {
		while (fgets(line, sizeof(line), f) != NULL) {
			if (strchr(line, '\n') == NULL ||
			    sscanf(line, "d-%" SCNd64 "-%" SCNd64, &a.rule,
				&a.index) != 2)
				continue;
			if (h->nacks == cap) {
				cap = cap ? cap * 2 : 256;
				if ((na = realloc(h->acks,
					 cap * sizeof(*na))) == NULL)
					break;
				h->acks = na;
			}
			h->acks[h->nacks++] = a;
		}
		fclose(f);
		if (h->nacks > 1)
			qsort(h->acks, h->nacks, sizeof(*h->acks), ack_cmp);
	}
	h->acks_fd =
	    open(h->acks_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (h->acks_fd == -1) {
		snprintf(err, errlen, "%s: %s", h->acks_path, strerror(errno));
		return -1;
	}
	(void)file_sync_parent(h->acks_path);
	return 0;
}

int
events_secret_put(struct events *h, const char *sha256_hex, const char *secret)
{
	char line[ALERT_RULE_SECRET_MAX + 80];
	struct secret *ns;
	int fd, rc = -1;

	if (strlen(sha256_hex) != 64 ||
	    strlen(secret) > ALERT_RULE_SECRET_MAX ||
	    strpbrk(secret, "\r\n") != NULL)
		return -1;
	snprintf(line, sizeof(line), "%s %s\n", sha256_hex, secret);
	pthread_mutex_lock(&h->mu);
	if ((fd = open(h->secrets_path,
		 O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600)) == -1) {
		log_warn("%s", h->secrets_path);
		goto done;
	}
	rc = append_synced(fd, h->secrets_path, line);
	close(fd);
	if (rc == 0 && file_sync_parent(h->secrets_path) == -1)
		rc = -1;
	if (rc == 0 &&
	    (ns = realloc(h->secrets, (h->nsecrets + 1) * sizeof(*ns))) !=
		NULL) {
		h->secrets = ns;
		snprintf(ns[h->nsecrets].sha256, 65, "%s", sha256_hex);
		if ((ns[h->nsecrets].secret = strdup(secret)) != NULL)
			h->nsecrets++;
	}
done:
	pthread_mutex_unlock(&h->mu);
	sodium_memzero(line, sizeof(line));
	return rc;
}

/* The secret whose hash is sha (under mu), or NULL. */
static const char *
secret_of(struct events *h, const char *sha)
{
	size_t i;

	for (i = h->nsecrets; i > 0; i--)
		if (strcmp(h->secrets[i - 1].sha256, sha) == 0)
			return h->secrets[i - 1].secret;
	return NULL;
}

/* -------------------------------------------------------------------- */
/* The follower: rules and alerts                                        */

static struct rule_state *
rule_find(struct events *h, int64_t id)
{
	size_t lo = 0, hi = h->nrules, mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (h->rules[mid].r.id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < h->nrules && h->rules[lo].r.id == id ? &h->rules[lo] : NULL;
}

/* The time an alert on entry speaks of: its at_ms or observed time. */
static int64_t
entry_time(const json_t *entry)
{
	const json_t *at = json_object_get(entry, "at_ms");

	if (json_is_integer(at))
		return json_integer_value(at);
	return json_integer_value(
	    json_object_get(json_object_get(entry, "observed_at"), "from"));
}

/* Frees what alert a holds. */
static void
alert_clear(struct alert *a)
{
	free(a->url);
	free(a->body);
	free(a->base);
	free(a->incidents);
	free(a->by);
	a->url = a->body = a->base = a->incidents = a->by = NULL;
}

/*
 * Notes a match of spot rule rs at t_ms in incident (under mu): the
 * matches within the window of the latest are kept, at most
 * SPOT_MATCHES_MAX (the oldest noted go first). 0 or -1 out of memory.
 */
static int
spot_note(struct rule_state *rs, int64_t t_ms, const char *incident)
{
	int64_t span = rs->r.window_s * 1000;
	struct spot_match *nm;
	size_t i, k, cap;

	if (incident[0] == '\0')
		return 0;
	if (rs->nm == 0 || t_ms > rs->latest_ms)
		rs->latest_ms = t_ms;
	for (k = 0, i = 0; i < rs->nm; i++)
		if (rs->m[i].t_ms > rs->latest_ms - span)
			rs->m[k++] = rs->m[i];
	rs->nm = k;
	if (rs->nm == SPOT_MATCHES_MAX) {
		memmove(rs->m, rs->m + 1, (rs->nm - 1) * sizeof(*rs->m));
		rs->nm--;
	}
	if (rs->nm == rs->capm) {
		cap = rs->capm ? rs->capm * 2 : 64;
		if ((nm = realloc(rs->m, cap * sizeof(*nm))) == NULL)
			return -1;
		rs->m = nm;
		rs->capm = cap;
	}
	rs->m[rs->nm].t_ms = t_ms;
	snprintf(rs->m[rs->nm].incident, sizeof(rs->m[0].incident), "%s",
	    incident);
	rs->nm++;
	return 0;
}

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * The incidents of spot rule rs's matches within its window, the latest
 * first up to REPORT_MAX_INCIDENTS, as a sorted array (under mu).
 */
static json_t *
spot_incidents(const struct rule_state *rs)
{
	const char *pick[REPORT_MAX_INCIDENTS];
	int64_t span = rs->r.window_s * 1000;
	json_t *list = json_array();
	size_t n = 0, i, k;
	int seen;

	for (i = rs->nm; i > 0 && n < REPORT_MAX_INCIDENTS; i--) {
		if (rs->m[i - 1].t_ms <= rs->latest_ms - span)
			continue;
		for (seen = 0, k = 0; k < n; k++)
			seen |= strcmp(pick[k], rs->m[i - 1].incident) == 0;
		if (!seen)
			pick[n++] = rs->m[i - 1].incident;
	}
	qsort(pick, n, sizeof(pick[0]), str_cmp);
	for (i = 0; list != NULL && i < n; i++)
		json_array_append_new(list, json_string(pick[i]));
	return list;
}

/* Sets up the spot report alert a asks for (under mu): 0 or -1. */
static int
spot_ask(struct alert *a, const struct rule_state *rs, json_t *body,
    int64_t now_ms)
{
	json_t *incs = spot_incidents(rs), *it;
	size_t i, n, off = 0, len = 1;

	if (incs == NULL)
		return -1;
	json_array_foreach(incs, i, it) len +=
	    strlen(json_string_value(it)) + 1;
	a->base = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS);
	a->incidents = calloc(1, len);
	a->by = strdup(rs->r.by);
	if (a->base == NULL || a->incidents == NULL || a->by == NULL) {
		json_decref(incs);
		return -1;
	}
	json_array_foreach(incs, i, it)
	{
		if (i > 0)
			a->incidents[off++] = '\n';
		n = strlen(json_string_value(it));
		memcpy(a->incidents + off, json_string_value(it), n);
		off += n;
	}
	a->spot_asked = 1;
	a->spot = SPOT_WANTED;
	a->spot_next_ms = now_ms;
	/* The stream's alert says what is being drafted. */
	json_object_set_new(body, "spot_report", json_string("drafting"));
	json_object_set_new(body, "incidents", incs);
	return 0;
}

/*
 * Records the alert of rule rs on event e (under mu); its JSON goes to
 * *text (a new string) for the event. 0 or -1.
 */
static int
alert_add(struct events *h, struct rule_state *rs, const struct ev *e,
    const json_t *entry, int64_t now_ms, char **text)
{
	char did[ALERT_DELIVERY_ID_MAX], rid[ALERT_RULE_ID_MAX];
	char at[TIMEFMT_LEN];
	struct alert *na, *a;
	struct ack key;
	json_t *body, *event;
	size_t cap;

	*text = NULL;
	alert_delivery_id(rs->r.id, e->index, did);
	alert_rule_id(rs->r.id, rid);
	timefmt_format(entry_time(entry), at);
	event = json_loads(e->data, 0, NULL);
	body = json_pack("{s:s,s:s,s:s,s:I,s:s,s:o}", "id", did, "rule", rid,
	    "name", rs->r.name, "index", (json_int_t)e->index, "at", at,
	    "event", event ? event : json_null());
	if (body == NULL)
		return -1;
	if (rs->r.min_count > 0)
		json_object_set_new(body, "min_count",
		    json_integer(rs->r.min_count));
	if (rs->r.spike > 0)
		json_object_set_new(body, "spike", json_integer(rs->r.spike));
	if (rs->r.min_count > 0 || rs->r.spike > 0)
		json_object_set_new(body, "window_s",
		    json_integer(rs->r.window_s));
	if (h->nalerts == h->capalerts) {
		cap = h->capalerts ? h->capalerts * 2 : 256;
		if ((na = realloc(h->alerts, cap * sizeof(*na))) == NULL) {
			json_decref(body);
			return -1;
		}
		h->alerts = na;
		h->capalerts = cap;
	}
	a = &h->alerts[h->nalerts];
	memset(a, 0, sizeof(*a));
	a->rule = rs->r.id;
	a->index = e->index;
	a->state = A_STREAM;
	a->report_index = -1;
	if ((rs->r.spot_report && spot_ask(a, rs, body, now_ms) == -1) ||
	    (*text = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS)) == NULL) {
		json_decref(body);
		alert_clear(a);
		return -1;
	}
	json_decref(body);
	if (rs->r.has_webhook) {
		/* A spot alert's body waits for its report (spot_settle). */
		if ((a->url = strdup(rs->r.url)) == NULL ||
		    (!a->spot_asked && (a->body = strdup(*text)) == NULL)) {
			alert_clear(a);
			return -1;
		}
		snprintf(a->secret_sha256, sizeof(a->secret_sha256), "%s",
		    rs->r.secret_sha256);
		key.rule = a->rule;
		key.index = a->index;
		a->state = h->nacks > 0 &&
			bsearch(&key, h->acks, h->nacks, sizeof(key),
			    ack_cmp) != NULL
		    ? A_DELIVERED
		    : A_PENDING;
		a->next_ms = now_ms;
		a->deadline_ms = now_ms + h->c->cfg.alert_retry_s * 1000;
	}
	h->nalerts++;
	return 0;
}

/*
 * Settles the spot report of alert a (under mu): drafted as report id at
 * log index (number: its number), or, with id NULL, given up for why. A
 * webhook's body is the alert with "spot_report":{"id","index","number"}
 * (or "spot_report_error") and "incidents". Nothing if settled already.
 */
static void
spot_settle(struct events *h, struct alert *a, const char *id, int64_t index,
    const char *number, const char *why)
{
	json_t *body;
	char *nb;

	if (!a->spot_asked || a->report[0] != '\0' ||
	    (id == NULL && a->spot == SPOT_NONE))
		return;
	a->spot = SPOT_NONE;
	if (id != NULL) {
		snprintf(a->report, sizeof(a->report), "%s", id);
		a->report_index = index;
	}
	if (a->url == NULL || a->body != NULL)
		return;
	if ((body = json_loads(a->base, 0, NULL)) == NULL) {
		/* Out of memory: the alert goes without its report. */
		a->body = strdup(a->base);
		return;
	}
	json_object_set_new(body, "incidents", json_array());
	nb = a->incidents;
	while (nb != NULL && *nb != '\0') {
		const char *start = nb;
		size_t n = strcspn(nb, "\n");

		json_array_append_new(json_object_get(body, "incidents"),
		    json_stringn(start, n));
		nb += n + (nb[n] == '\n');
	}
	if (id != NULL)
		json_object_set_new(body, "spot_report",
		    json_pack("{s:s,s:I,s:s}", "id", id, "index",
			(json_int_t)index, "number", number ? number : ""));
	else
		json_object_set_new(body, "spot_report_error",
		    json_string(why));
	a->body = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(body);
	if (a->body == NULL)
		a->body = strdup(a->base);
	(void)h;
}

/* The alert of rule on entry index, or NULL (under mu). */
static struct alert *
alert_find(struct events *h, int64_t rule, int64_t index)
{
	size_t lo = 0, hi = h->nalerts, mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (h->alerts[mid].index < index)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < h->nalerts && h->alerts[lo].index == index; lo++)
		if (h->alerts[lo].rule == rule)
			return &h->alerts[lo];
	return NULL;
}

/* Evaluates the rules on e and acts on rule entries (under mu). */
static void
follow_rules(struct events *h, struct ev *e, const json_t *entry,
    const char *state, const struct fusion_words *w)
{
	const char *zones[FUSION_MAX_ZONES];
	struct alert_facts f;
	struct alert_rule r;
	struct rule_state *rs, *nr;
	struct alert *a;
	int64_t now = timefmt_now_ms(), id, idx;
	char *text, **na;
	size_t i, cap;
	int fire;

	memset(&f, 0, sizeof(f));
	f.type = e->type;
	f.category = e->category[0] ? e->category : NULL;
	f.complaint_party =
	    e->seen == SEEN_COMPLAINT && e->party[0] ? e->party : NULL;
	f.located = e->located;
	f.lat_e7 = e->lat_e7;
	f.lon_e7 = e->lon_e7;
	for (i = 0; i < w->nzones; i++)
		zones[i] = w->zone[i];
	f.zones = zones;
	f.nzones = w->nzones;
	f.state = state[0] ? state : NULL;
	f.t_ms = entry_time(entry);
	for (i = 0; i < h->nrules; i++) {
		rs = &h->rules[i];
		if (rs->r.disabled >= 0 || !alert_rule_matches(&rs->r, &f))
			continue;
		if (rs->r.spot_report &&
		    spot_note(rs, f.t_ms, e->incident) == -1)
			log_warnx("events: out of memory noting a match of "
				  "rule %" PRId64,
			    rs->r.id);
		fire = rs->r.spike > 0
		    ? alert_window_spike(&rs->w, f.t_ms, rs->r.window_s,
			  rs->r.min_count, rs->r.spike)
		    : rs->r.min_count > 0 ? alert_window_add(&rs->w, f.t_ms,
						rs->r.window_s, rs->r.min_count)
					  : 1;
		if (fire != 1)
			continue;
		if (alert_add(h, rs, e, entry, now, &text) == -1) {
			log_warnx("events: out of memory recording the alert "
				  "of rule %" PRId64 " on entry %" PRId64,
			    rs->r.id, e->index);
			free(text);
			continue;
		}
		if ((na = realloc(e->alerts, (e->nalerts + 1) * sizeof(*na))) ==
		    NULL) {
			free(text);
			continue;
		}
		e->alerts = na;
		e->alerts[e->nalerts++] = text;
	}
	if (alert_rule_parse(entry, e->index, &r) == 0) {
		if (h->nrules == h->caprules) {
			cap = h->caprules ? h->caprules * 2 : 16;
			if ((nr = realloc(h->rules, cap * sizeof(*nr))) ==
			    NULL) {
				log_warnx("events: out of memory for rules");
				return;
			}
			h->rules = nr;
			h->caprules = cap;
		}
		memset(&h->rules[h->nrules], 0, sizeof(h->rules[0]));
		h->rules[h->nrules++].r = r;
	} else if (alert_rule_parse_disable(entry, &id) == 0 &&
	    (rs = rule_find(h, id)) != NULL && rs->r.disabled < 0)
		rs->r.disabled = e->index;
	else if (alert_failed_parse(entry, &id, &idx) == 0 &&
	    (a = alert_find(h, id, idx)) != NULL && a->state == A_PENDING)
		a->state = A_FAILED;
	else if (strcmp(e->type, "report") == 0 &&
	    strcmp(str_of(entry, "action"), "draft") == 0 &&
	    sscanf(str_of(entry, "alert"), "d-%" SCNd64 "-%" SCNd64, &id,
		&idx) == 2 &&
	    (a = alert_find(h, id, idx)) != NULL)
		/* The spot report drafted for that alert, before a restart
		   or by the drafter: never drafted again. */
		spot_settle(h, a, str_of(entry, "report"), e->index,
		    str_of(entry, "number"), NULL);
}

/* Publishes the latest joint checkpoint if it is new (under mu). */
static void
follow_checkpoint(struct events *h)
{
	char *note;
	int64_t size;
	json_t *d;

	if (h->c->cp == NULL ||
	    (note = checkpointer_joint(h->c->cp, &size)) == NULL)
		return;
	if (size != h->cp_size) {
		d = json_pack("{s:I,s:s}", "size", (json_int_t)size,
		    "checkpoint", note);
		free(h->cp_data);
		h->cp_data = d ? json_dumps(d, JSON_COMPACT) : NULL;
		json_decref(d);
		h->cp_size = size;
		h->cp_seq++;
	}
	free(note);
}

static int might_want(const struct events_stream *st, const struct ev *e);

/*
 * 1 if suspended stream st may want one of the new events (under mu).
 * When every new event is in the ring and none can pass its filters and
 * visibility, its cursor moves past them without resuming it: a held
 * stream with a narrow filter costs its connection nothing per entry.
 */
static int
has_news(struct events *h, struct events_stream *st)
{
	struct ev *e;
	int64_t i;

	if (st->next >= h->next)
		return 0;
	if (h->next - st->next > EVENTS_RING)
		return 1;
	for (i = st->next; i < h->next; i++) {
		e = h->ring[i % EVENTS_RING];
		if (e == NULL || e->index != i || might_want(st, e))
			return 1;
	}
	st->next = h->next;
	return 0;
}

/* Resumes the suspended streams that have something to do (under mu). */
static void
wake_streams(struct events *h, int64_t now)
{
	struct events_stream *st;
	int64_t hb = h->c->cfg.stream_heartbeat_s * 1000;

	h->woken_ms = now;
	for (st = h->streams; st != NULL; st = st->next_st)
		if (st->suspended &&
		    (h->closing || st->cp_seq != h->cp_seq ||
			now - st->last_ms >= hb || has_news(h, st))) {
			st->suspended = 0;
			st->resume(st->arg);
		}
}

/*
 * Ends the suspended streams whose clients have closed their end (under
 * mu): resumed, their next read ends the response and libmicrohttpd
 * closes the connection. Cost: one poll(2) per suspended stream.
 */
static void
end_gone_streams(struct events *h)
{
	struct events_stream *st;

	for (st = h->streams; st != NULL; st = st->next_st)
		if (st->suspended && st->gone != NULL && st->gone(st->arg)) {
			atomic_store(&st->ended, 1);
			st->suspended = 0;
			st->resume(st->arg);
		}
}

/*
 * A read server's hub raises the same alert events as the writer's (the
 * rules are a function of the log) but delivers nothing: its outbox is
 * emptied after each entry (under mu), so it holds no memory for them.
 */
static void
outbox_drop(struct events *h)
{
	size_t i;

	for (i = 0; i < h->nalerts; i++)
		alert_clear(&h->alerts[i]);
	h->nalerts = h->scan = h->first_spot = 0;
}

/*
 * Waits until the store has applied size entries, at most timeout_ms: the
 * writer's sequencer says so, or a read server's follower. 0 or -1.
 */
static int
applied_wait(struct events *h, int64_t size, int timeout_ms)
{
	if (h->c->seq != NULL)
		return sequencer_wait_applied(h->c->seq, size, timeout_ms);
	return follower_wait(h->c->follower, size, timeout_ms);
}

/* Processes log entry index (applied to the store). 0 or -1. */
static int
follow_one(struct events *h, int64_t index, struct fusion_words *w)
{
	char state[64];
	uint8_t *bytes = NULL;
	const uint8_t *b;
	json_t *entry = NULL;
	const json_t *ent;
	struct ev *e = NULL, *old;
	struct store *st;
	struct seq_applied a;
	int64_t now;
	size_t len;
	int pending = 0, lent = 0, rc = -1;

	/* An observation the writer's applier has just applied is lent as
	   it applied it (read-only); anything else is read from the log. */
	if (h->c->seq != NULL &&
	    (lent = sequencer_applied_get(h->c->seq, index, &a)) == 1) {
		b = (const uint8_t *)a.bytes;
		len = a.len;
		ent = a.entry;
	} else if (entrylog_read(h->c->log, index, &bytes, &len) == -1 ||
	    (entry = json_loadb((const char *)bytes, len, 0, NULL)) == NULL) {
		log_warnx("events: log entry %" PRId64 " unreadable", index);
		goto done;
	} else {
		b = bytes;
		ent = entry;
	}
	/* A connection of the center's read pool, which follows the store
	   when a rebuild replaces its file (store_pool_refresh). */
	st = store_pool_get(h->c->readers);
	e = ev_make(h, st, index, b, len, ent, lent ? &a : NULL, state,
	    sizeof(state), w);
	store_pool_put(h->c->readers, st);
	if (e == NULL)
		goto done;
	pthread_mutex_lock(&h->mu);
	follow_rules(h, e, ent, state, w);
	if (h->streams_only)
		outbox_drop(h);
	pending = e->nalerts > 0;
	old = h->ring[index % EVENTS_RING];
	h->ring[index % EVENTS_RING] = e;
	e = NULL;
	h->next = index + 1;
	/* Within a long run of entries, the streams hear of them every
	   STREAM_WAKE_MS rather than at its end. */
	now = mono_ms();
	if (now - h->woken_ms >= STREAM_WAKE_MS)
		wake_streams(h, now);
	pthread_mutex_unlock(&h->mu);
	ev_unref(old);
	if (pending && h->multi != NULL)
		curl_multi_wakeup(h->multi);
	rc = 0;
done:
	ev_unref(e);
	if (lent)
		sequencer_applied_put(h->c->seq, &a);
	json_decref(entry);
	free(bytes);
	return rc;
}

static void *
follower_main(void *arg)
{
	struct events *h = arg;
	struct fusion_words *w;
	int64_t next, last_tick = 0, now;
	int n;

	if ((w = malloc(sizeof(*w))) == NULL) {
		log_warnx("events: out of memory; no events");
		return NULL;
	}
	for (;;) {
		pthread_mutex_lock(&h->mu);
		next = h->next;
		if (h->stop) {
			pthread_mutex_unlock(&h->mu);
			break;
		}
		pthread_mutex_unlock(&h->mu);
		n = 0;
		if (applied_wait(h, next + 1, FOLLOW_TICK_MS) == 0)
			do {
				if (follow_one(h, next, w) == -1) {
					/* Skip it rather than stop the
					   stream: logged above. */
					pthread_mutex_lock(&h->mu);
					h->next = next + 1;
					pthread_mutex_unlock(&h->mu);
				}
				next++;
			} while (
			    ++n < 4096 && applied_wait(h, next + 1, 0) == 0);
		/* Caught up: the applier keeps nothing more for it. */
		if (n > 0 && h->c->seq != NULL)
			sequencer_applied_passed(h->c->seq, next);
		now = mono_ms();
		pthread_mutex_lock(&h->mu);
		if (now - last_tick >= FOLLOW_TICK_MS) {
			follow_checkpoint(h);
			end_gone_streams(h);
			last_tick = now;
		}
		pthread_cond_broadcast(&h->cv);
		wake_streams(h, now);
		pthread_mutex_unlock(&h->mu);
	}
	free(w);
	return NULL;
}

int
events_wait(struct events *h, int64_t size, int timeout_ms)
{
	struct timespec ts;
	int rc = 0;

	clock_deadline(&ts, timeout_ms);
	pthread_mutex_lock(&h->mu);
	while (h->next < size && rc == 0)
		if (pthread_cond_timedwait(&h->cv, &h->mu, &ts) != 0)
			rc = h->next < size ? -1 : 0;
	pthread_mutex_unlock(&h->mu);
	return rc;
}

json_t *
events_rules(struct events *h, int active_only)
{
	json_t *list = json_array(), *v;
	size_t i;

	pthread_mutex_lock(&h->mu);
	for (i = 0; list != NULL && i < h->nrules; i++) {
		if (active_only && h->rules[i].r.disabled >= 0)
			continue;
		if ((v = alert_rule_view(&h->rules[i].r)) == NULL) {
			json_decref(list);
			list = NULL;
			break;
		}
		json_array_append_new(list, v);
	}
	pthread_mutex_unlock(&h->mu);
	return list;
}

int
events_rule_active(struct events *h, int64_t id)
{
	struct rule_state *rs;
	int active;

	pthread_mutex_lock(&h->mu);
	rs = rule_find(h, id);
	active = rs != NULL && rs->r.disabled < 0;
	pthread_mutex_unlock(&h->mu);
	return active;
}

json_t *
events_deliveries(struct events *h, int64_t rule, const char *state,
    size_t limit)
{
	char did[ALERT_DELIVERY_ID_MAX], rid[ALERT_RULE_ID_MAX];
	json_t *list = json_array(), *v;
	struct alert *a;
	size_t i;

	pthread_mutex_lock(&h->mu);
	for (i = h->nalerts;
	     list != NULL && i > 0 && json_array_size(list) < limit; i--) {
		a = &h->alerts[i - 1];
		if (a->state == A_STREAM || (rule >= 0 && a->rule != rule) ||
		    (state != NULL &&
			strcmp(state, state_names[a->state]) != 0))
			continue;
		alert_delivery_id(a->rule, a->index, did);
		alert_rule_id(a->rule, rid);
		v = json_pack("{s:s,s:s,s:I,s:s,s:s,s:I}", "id", did, "rule",
		    rid, "index", (json_int_t)a->index, "url", a->url, "state",
		    state_names[a->state], "attempts", (json_int_t)a->attempts);
		if (v != NULL && a->last_error[0] != '\0')
			json_object_set_new(v, "last_error",
			    json_string(a->last_error));
		if (v != NULL && a->report[0] != '\0')
			json_object_set_new(v, "spot_report",
			    json_string(a->report));
		if (v == NULL || json_array_append_new(list, v) == -1) {
			json_decref(list);
			list = NULL;
		}
	}
	pthread_mutex_unlock(&h->mu);
	return list;
}

/* -------------------------------------------------------------------- */
/* Webhook deliveries                                                    */

static size_t
discard_answer(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct target *t = arg;
	size_t n = size * nmemb;

	(void)ptr;
	t->answer += n;
	return t->answer > ANSWER_MAX ? 0 : n;
}

/*
 * The target of url (under mu), created when new; NULL if no memory.
 * Each target is allocated apart and never moves: an easy handle in
 * flight holds a pointer to its target (CURLOPT_PRIVATE, WRITEDATA)
 * while new targets are added.
 */
static struct target *
target_of(struct events *h, const char *url)
{
	struct target **nt, *t;
	size_t i;

	for (i = 0; i < h->ntargets; i++)
		if (strcmp(h->targets[i]->url, url) == 0)
			return h->targets[i];
	if ((nt = realloc(h->targets, (h->ntargets + 1) * sizeof(*nt))) == NULL)
		return NULL;
	h->targets = nt;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	if ((t->url = strdup(url)) == NULL) {
		free(t);
		return NULL;
	}
	nt[h->ntargets++] = t;
	return t;
}

/* Marks alert k failed (under mu): 1 so the caller logs it. */
static void
mark_failed(struct events *h, size_t k, const char *why)
{
	struct alert *a = &h->alerts[k];

	a->state = A_FAILED;
	snprintf(a->last_error, sizeof(a->last_error), "%s", why);
}

/* Starts the request of alert k to t (under mu). 0, or -1: failed. */
static int
start_delivery(struct events *h, struct target *t, size_t k)
{
	struct alert *a = &h->alerts[k];
	const char *secret = secret_of(h, a->secret_sha256);
	uint8_t mac[crypto_auth_hmacsha256_BYTES];
	crypto_auth_hmacsha256_state hs;
	char hex[2 * sizeof(mac) + 1], hdr[160];
	char did[ALERT_DELIVERY_ID_MAX];
	struct curl_slist *l = NULL, *nl;
	static const char *const fixed[] = { "Content-Type: application/json",
		"User-Agent: truce", "Expect:", NULL };
	size_t i;

	if (secret == NULL) {
		mark_failed(h, k,
		    "the webhook's secret is not kept by this "
		    "center (alerts/secrets)");
		return -1;
	}
	crypto_auth_hmacsha256_init(&hs, (const uint8_t *)secret,
	    strlen(secret));
	crypto_auth_hmacsha256_update(&hs, (const uint8_t *)a->body,
	    strlen(a->body));
	crypto_auth_hmacsha256_final(&hs, mac);
	sodium_bin2hex(hex, sizeof(hex), mac, sizeof(mac));
	alert_delivery_id(a->rule, a->index, did);
	for (i = 0; fixed[i] != NULL; i++) {
		if ((nl = curl_slist_append(l, fixed[i])) == NULL)
			goto fail;
		l = nl;
	}
	snprintf(hdr, sizeof(hdr), "X-Truce-Delivery: %s", did);
	if ((nl = curl_slist_append(l, hdr)) == NULL)
		goto fail;
	l = nl;
	snprintf(hdr, sizeof(hdr), "X-Truce-Signature: sha256=%s", hex);
	if ((nl = curl_slist_append(l, hdr)) == NULL)
		goto fail;
	l = nl;
	if ((t->easy = curl_easy_init()) == NULL)
		goto fail;
	curl_easy_setopt(t->easy, CURLOPT_URL, a->url);
	curl_easy_setopt(t->easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(t->easy, CURLOPT_COPYPOSTFIELDS, a->body);
	curl_easy_setopt(t->easy, CURLOPT_HTTPHEADER, l);
	curl_easy_setopt(t->easy, CURLOPT_TIMEOUT_MS,
	    (long)h->c->cfg.alert_timeout_ms);
	curl_easy_setopt(t->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(t->easy, CURLOPT_WRITEFUNCTION, discard_answer);
	curl_easy_setopt(t->easy, CURLOPT_WRITEDATA, t);
	curl_easy_setopt(t->easy, CURLOPT_PRIVATE, t);
	if (curl_multi_add_handle(h->multi, t->easy) != CURLM_OK) {
		curl_easy_cleanup(t->easy);
		t->easy = NULL;
		goto fail;
	}
	t->headers = l;
	t->alert = k;
	t->rule = a->rule;
	t->index = a->index;
	t->answer = 0;
	a->attempts++;
	return 0;
fail:
	curl_slist_free_all(l);
	/* Out of memory: try again at the next pass. */
	a->next_ms = timefmt_now_ms() + h->c->cfg.alert_backoff_ms;
	return 0;
}

/*
 * Starts what is due, one request per target, in log order (under mu).
 * Each alert is looked at once to find its target, and each target keeps
 * a cursor on its oldest pending alert (an alert never becomes pending
 * again): a pass costs the targets, not the backlog, so a backlog never
 * holds the lock the follower and the streams need.
 */
static void
start_due(struct events *h, int64_t now)
{
	struct target *t;
	struct alert *a;
	size_t i, k;

	for (; h->scan < h->nalerts; h->scan++) {
		a = &h->alerts[h->scan];
		if (a->url == NULL)
			continue;
		if ((t = target_of(h, a->url)) == NULL)
			break; /* out of memory: again at the next pass */
		a->target = t;
	}
	for (i = 0; i < h->ntargets; i++) {
		t = h->targets[i];
		while (t->cursor < h->nalerts &&
		    (h->alerts[t->cursor].target != t ||
			h->alerts[t->cursor].state != A_PENDING))
			t->cursor++;
		if (t->easy != NULL || t->cursor >= h->nalerts)
			continue;
		k = t->cursor;
		a = &h->alerts[k];
		if (a->body == NULL)
			continue; /* its spot report is being drafted */
		if (now >= a->deadline_ms) {
			mark_failed(h, k,
			    a->last_error[0]
				? a->last_error
				: "not delivered within alert_retry_s");
			continue;
		}
		if (a->next_ms <= now)
			(void)start_delivery(h, t, k);
	}
}

/* A finished request, gathered before any is recorded. */
struct outcome {
	struct target *t;
	CURLcode cc;
	long code;
	int ok, fail;
	char why[160];
};

/*
 * Records the outcomes of n finished requests (not under mu). The
 * acknowledged ones are made durable together, one write and one
 * fdatasync for the batch, before any counts as delivered, and without
 * holding mu (only this thread writes the acks file): the follower and
 * the streams do not wait for the disk.
 */
static void
finish_deliveries(struct events *h, struct outcome *o, size_t n)
{
	char did[ALERT_DELIVERY_ID_MAX], why[160], *lines = NULL;
	struct alert *a;
	json_t **failed = NULL;
	int64_t now = timefmt_now_ms(), backoff, index;
	size_t i, len = 0, nfailed = 0;
	int synced = -1, astatus, shift;

	for (i = 0; i < n; i++) {
		curl_easy_getinfo(o[i].t->easy, CURLINFO_RESPONSE_CODE,
		    &o[i].code);
		curl_multi_remove_handle(h->multi, o[i].t->easy);
		curl_easy_cleanup(o[i].t->easy);
		curl_slist_free_all(o[i].t->headers);
		o[i].t->headers = NULL;
		o[i].ok =
		    o[i].cc == CURLE_OK && o[i].code >= 200 && o[i].code < 300;
		o[i].fail = o[i].cc == CURLE_OK && o[i].code >= 400 &&
		    o[i].code < 500 && o[i].code != 408 && o[i].code != 429;
		if (o[i].cc != CURLE_OK)
			snprintf(o[i].why, sizeof(o[i].why), "%s",
			    curl_easy_strerror(o[i].cc));
		else
			snprintf(o[i].why, sizeof(o[i].why), "HTTP %ld",
			    o[i].code);
	}
	/* Durable before it counts: a crash re-delivers, never loses. */
	if ((lines = malloc(n * (ALERT_DELIVERY_ID_MAX + 1) + 1)) != NULL) {
		for (i = 0; i < n; i++)
			if (o[i].ok) {
				alert_delivery_id(o[i].t->rule, o[i].t->index,
				    did);
				len += (size_t)snprintf(lines + len,
				    ALERT_DELIVERY_ID_MAX + 1, "%s\n", did);
			}
		lines[len] = '\0';
		synced = len == 0
		    ? 0
		    : append_synced(h->acks_fd, h->acks_path, lines);
		free(lines);
	}
	failed = calloc(n, sizeof(*failed));
	pthread_mutex_lock(&h->mu);
	for (i = 0; i < n; i++) {
		o[i].t->easy = NULL;
		a = &h->alerts[o[i].t->alert];
		if (o[i].ok) {
			if (synced == 0) {
				a->state = A_DELIVERED;
				a->last_error[0] = '\0';
			} else
				a->next_ms = now + h->c->cfg.alert_backoff_ms;
			continue;
		}
		snprintf(a->last_error, sizeof(a->last_error), "%s", o[i].why);
		shift = a->attempts > 20 ? 20 : (int)a->attempts - 1;
		backoff = h->c->cfg.alert_backoff_ms << (shift < 0 ? 0 : shift);
		if (backoff > BACKOFF_MAX_MS)
			backoff = BACKOFF_MAX_MS;
		/* Jitter: between half and one and a half of it. */
		backoff = backoff / 2 +
		    (int64_t)randombytes_uniform(
			(uint32_t)(backoff > 0 ? backoff : 1));
		if (o[i].fail || now + backoff > a->deadline_ms) {
			a->state = A_FAILED;
			if (failed != NULL)
				failed[nfailed++] = alert_failed_entry(a->rule,
				    a->index, a->attempts, o[i].why, now);
		} else
			a->next_ms = now + backoff;
	}
	pthread_mutex_unlock(&h->mu);
	for (i = 0; i < nfailed; i++) {
		/* The failure is a log entry: an event, and replay knows. */
		if (failed[i] != NULL &&
		    center_append(h->c, failed[i], &index, &astatus, why,
			sizeof(why)) == -1)
			log_warnx("events: cannot record a failed delivery: "
				  "%s",
			    why);
		json_decref(failed[i]);
	}
	free(failed);
}

static void *
deliverer_main(void *arg)
{
	struct events *h = arg;
	struct outcome *o = NULL, *no, one;
	struct target *t;
	CURLMsg *m;
	size_t n, cap = 0, ncap;
	int running, left;
	int64_t start = h->start_size;

	for (;;) {
		pthread_mutex_lock(&h->mu);
		if (h->stop) {
			pthread_mutex_unlock(&h->mu);
			break;
		}
		/* Not before replay knows what was acknowledged or failed. */
		if (h->next >= start)
			start_due(h, timefmt_now_ms());
		pthread_mutex_unlock(&h->mu);
		curl_multi_perform(h->multi, &running);
		/* Gather what finished (at most one request per target), then
		   record it all at once. */
		n = 0;
		while ((m = curl_multi_info_read(h->multi, &left)) != NULL) {
			if (m->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE,
			    (char **)&t);
			memset(&one, 0, sizeof(one));
			one.t = t;
			one.cc = m->data.result;
			if (n == cap) {
				ncap = cap ? cap * 2 : 16;
				if ((no = realloc(o, ncap * sizeof(*o))) ==
				    NULL) {
					/* Out of memory: this one alone. */
					finish_deliveries(h, &one, 1);
					continue;
				}
				o = no;
				cap = ncap;
			}
			o[n++] = one;
		}
		if (n > 0)
			finish_deliveries(h, o, n);
		curl_multi_poll(h->multi, NULL, 0, DELIVERY_TICK_MS, NULL);
	}
	free(o);
	return NULL;
}

/* -------------------------------------------------------------------- */
/* Spot report drafts                                                    */

/* What the drafter needs of an alert, copied out from under mu. */
struct spot_job {
	int64_t rule, index;
	char name[ALERT_RULE_NAME_MAX + 1];
	char *incidents; /* owned */
	char *by;	 /* owned */
};

/*
 * Drafts the spot report of job j (not under mu) as the API does (center/
 * products.h), its draft entry naming the alert ("alert":"d-R-I"), so a
 * restart finds it and never drafts it twice. 0 with the report's id,
 * number and entry index; 1 if it cannot be drafted (why); -1 to retry.
 */
static int
spot_draft(struct events *h, struct spot_job *j, char id[REPORT_ID_LEN + 1],
    char number[REPORT_NUMBER_LEN], int64_t *index, char *why, size_t whylen)
{
	char did[ALERT_DELIVERY_ID_MAX], rid[ALERT_RULE_ID_MAX];
	char narrative[ALERT_RULE_NAME_MAX + 256];
	struct products_report pr;
	struct report_request rq;
	struct store *s;
	json_t *rec = NULL, *entry = NULL;
	char *p;
	int status, found, rc = -1;

	memset(&rq, 0, sizeof(rq));
	rq.kind = REPORT_SPOT;
	for (p = j->incidents;
	     *p != '\0' && rq.nincidents < REPORT_MAX_INCIDENTS;) {
		rq.incidents[rq.nincidents++] = p;
		p += strcspn(p, "\n");
		if (*p == '\n')
			*p++ = '\0';
	}
	if (rq.nincidents == 0) {
		snprintf(why, whylen, "no incident among the matches");
		return 1;
	}
	alert_delivery_id(j->rule, j->index, did);
	alert_rule_id(j->rule, rid);
	snprintf(narrative, sizeof(narrative),
	    "Drafted by alert rule %s (%s), which fired on log entry "
	    "%" PRId64 " (alert %s).",
	    rid, j->name, j->index, did);
	rq.narrative = narrative;
	s = store_pool_get(h->c->readers);
	if (products_compute(h->c, s, &rq, &pr, &status, why, whylen) == -1) {
		store_pool_put(h->c->readers, s);
		return status == 422 ? 1 : -1;
	}
	found = reportform_find(s, pr.id, &rec);
	store_pool_put(h->c->readers, s);
	snprintf(id, REPORT_ID_LEN + 1, "%s", pr.id);
	snprintf(number, REPORT_NUMBER_LEN, "%s",
	    json_string_value(json_object_get(pr.report, "number")));
	if (found == 1) {
		/* That very report is drafted already. */
		*index = json_integer_value(json_object_get(rec, "index"));
		rc = 0;
		goto done;
	}
	if (found == -1) {
		snprintf(why, whylen, "the store is unavailable");
		goto done;
	}
	if (products_keep(h->c, pr.bytes, pr.len, pr.id, why, whylen) == -1)
		goto done;
	if ((entry = reportentry_draft(pr.report, pr.id, pr.subject, j->by,
		 timefmt_now_ms())) == NULL ||
	    json_object_set_new(entry, "alert", json_string(did)) == -1) {
		snprintf(why, whylen, "out of memory");
		goto done;
	}
	if (center_append(h->c, entry, index, &status, why, whylen) == -1)
		rc = status == 503 ? -1 : 1;
	else
		rc = 0;
done:
	json_decref(entry);
	json_decref(rec);
	products_report_clear(&pr);
	return rc;
}

/*
 * The alert whose spot report is due first (under mu), or NULL; *wait_ms
 * says when to look again if one waits for its retry.
 */
static struct alert *
spot_due(struct events *h, int64_t now, int64_t *wait_ms)
{
	struct alert *a;
	size_t k;

	while (h->first_spot < h->nalerts &&
	    h->alerts[h->first_spot].spot == SPOT_NONE)
		h->first_spot++;
	for (k = h->first_spot; k < h->nalerts; k++) {
		a = &h->alerts[k];
		if (a->spot != SPOT_WANTED)
			continue;
		if (a->spot_next_ms <= now)
			return a;
		if (a->spot_next_ms - now < *wait_ms)
			*wait_ms = a->spot_next_ms - now;
	}
	return NULL;
}

/*
 * The drafter: drafts the spot reports alerts ask for, one at a time, in
 * log order, once the replay knows which were drafted before a restart.
 */
static void *
drafter_main(void *arg)
{
	struct events *h = arg;
	char id[REPORT_ID_LEN + 1], number[REPORT_NUMBER_LEN], why[256];
	struct timespec ts;
	struct rule_state *rs;
	struct spot_job j;
	struct alert *a;
	int64_t index, wait_ms;
	int rc;

	pthread_mutex_lock(&h->mu);
	for (;;) {
		if (h->stop)
			break;
		wait_ms = DELIVERY_TICK_MS;
		a = h->next >= h->start_size
		    ? spot_due(h, timefmt_now_ms(), &wait_ms)
		    : NULL;
		if (a == NULL) {
			clock_deadline(&ts, (int)wait_ms);
			pthread_cond_timedwait(&h->cv, &h->mu, &ts);
			continue;
		}
		memset(&j, 0, sizeof(j));
		j.rule = a->rule;
		j.index = a->index;
		if ((j.incidents = strdup(a->incidents)) == NULL ||
		    (j.by = strdup(a->by)) == NULL) {
			free(j.incidents);
			a->spot_next_ms = timefmt_now_ms() + 1000;
			continue;
		}
		rs = rule_find(h, a->rule);
		snprintf(j.name, sizeof(j.name), "%s",
		    rs != NULL ? rs->r.name : "");
		a->spot = SPOT_DRAFTING;
		pthread_mutex_unlock(&h->mu);
		why[0] = '\0';
		rc = spot_draft(h, &j, id, number, &index, why, sizeof(why));
		free(j.incidents);
		free(j.by);
		pthread_mutex_lock(&h->mu);
		/* The follower may have moved the alerts: find it again. */
		if ((a = alert_find(h, j.rule, j.index)) == NULL)
			continue;
		if (rc == 0)
			spot_settle(h, a, id, index, number, NULL);
		else if (rc == 1 || ++a->spot_attempts >= SPOT_ATTEMPTS) {
			log_warnx("events: no spot report for alert "
				  "d-%" PRId64 "-%" PRId64 ": %s",
			    j.rule, j.index, why);
			a->spot = SPOT_WANTED; /* so that it settles */
			spot_settle(h, a, NULL, -1, NULL, why);
		} else {
			a->spot = SPOT_WANTED;
			a->spot_next_ms = timefmt_now_ms() +
			    h->c->cfg.alert_backoff_ms *
				((int64_t)1 << a->spot_attempts);
		}
		if (a->url != NULL && h->multi != NULL)
			curl_multi_wakeup(h->multi);
	}
	pthread_mutex_unlock(&h->mu);
	return NULL;
}

/* -------------------------------------------------------------------- */
/* Streams                                                               */

struct events_stream *
events_stream_new(struct events *h, const struct principal *who,
    const struct events_filter *f, int64_t after, void (*suspend)(void *),
    void (*resume)(void *), int (*gone)(void *), void *arg, int *status,
    char *err, size_t errlen)
{
	struct events_stream *st, *it;
	int64_t mine = 0;

	if ((st = calloc(1, sizeof(*st))) == NULL) {
		*status = 503;
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	st->h = h;
	st->who = *who;
	st->f = *f;
	st->suspend = suspend;
	st->resume = resume;
	st->gone = gone;
	st->arg = arg;
	st->last_ms = mono_ms();
	pthread_mutex_lock(&h->mu);
	for (it = h->streams; it != NULL; it = it->next_st)
		mine += strcmp(it->who.name, who->name) == 0;
	*status = 0;
	if (h->closing) {
		*status = 503;
		snprintf(err, errlen, "the server is stopping");
	} else if ((int64_t)h->nstreams >= h->c->cfg.stream_max) {
		*status = 503;
		snprintf(err, errlen,
		    "%zu event streams are open, the "
		    "limit (stream_max)",
		    h->nstreams);
	} else if (mine >= h->c->cfg.stream_max_per_principal) {
		*status = 429;
		snprintf(err, errlen,
		    "principal %s holds %" PRId64 " event "
		    "streams, the limit (stream_max_per_principal)",
		    who->name, mine);
	}
	if (*status != 0) {
		pthread_mutex_unlock(&h->mu);
		free(st);
		return NULL;
	}
	st->next = after < -1 ? entrylog_size(h->c->log) : after + 1;
	st->cp_seq = h->cp_seq;
	if ((st->next_st = h->streams) != NULL)
		h->streams->prev = st;
	h->streams = st;
	h->nstreams++;
	pthread_mutex_unlock(&h->mu);
	return st;
}

void
events_stream_free(struct events_stream *st)
{
	struct events *h;

	if (st == NULL)
		return;
	h = st->h;
	pthread_mutex_lock(&h->mu);
	if (st->prev != NULL)
		st->prev->next_st = st->next_st;
	else
		h->streams = st->next_st;
	if (st->next_st != NULL)
		st->next_st->prev = st->prev;
	h->nstreams--;
	pthread_cond_broadcast(&h->cv);
	pthread_mutex_unlock(&h->mu);
	free(st->buf);
	free(st);
}

static int
listed(const char (*list)[32], size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(list[i], s) == 0)
			return 1;
	return 0;
}

/* 1 if the stream's principal may see e, 0 if not, -1 store error. */
static int
may_see(struct events_stream *st, const struct ev *e, struct store **s)
{
	enum role role = st->who.role;

	if (role == ROLE_ADMIN)
		return 1;
	if (role == ROLE_LIAISON) {
		switch (e->seen) {
		case SEEN_COMPLAINT:
		case SEEN_RELEASE:
			return principal_sees_complaint(&st->who, e->party);
		case SEEN_INCIDENT:
			if (*s == NULL)
				*s = store_pool_get(st->h->c->readers);
			return store_released(*s, e->incident, st->who.party) ==
			    1;
		default: return 0;
		}
	}
	if (role == ROLE_SENSOR || role == ROLE_NONE)
		return 0;
	if (e->seen == SEEN_ADMIN)
		return 0;
	if (e->seen == SEEN_RULES)
		return role == ROLE_ANALYST;
	return 1;
}

/* 1 if e passes the stream's bbox, zone and category filters. */
static int
passes(const struct events_filter *f, const struct ev *e)
{
	const char *z;
	size_t n;

	if (f->has_bbox &&
	    (!e->located || e->lon_e7 < f->bbox[0] || e->lat_e7 < f->bbox[1] ||
		e->lon_e7 > f->bbox[2] || e->lat_e7 > f->bbox[3]))
		return 0;
	if (f->ncategories > 0 &&
	    !listed(f->categories, f->ncategories, e->category))
		return 0;
	if (f->zone[0] != '\0') {
		n = strlen(f->zone);
		for (z = e->zones; z != NULL && *z != '\0';
		     z = strchr(z, '\n') + 1)
			if (strncmp(z, f->zone, n) == 0 && z[n] == '\n')
				return 1;
		return 0;
	}
	return 1;
}

/* Appends one SSE event; id < 0: no id line. 0 or -1. */
static int
sse_event(struct events_stream *st, const char *type, int64_t id,
    const char *data)
{
	char head[96];

	if (id >= 0)
		snprintf(head, sizeof(head),
		    "event: %s\nid: %" PRId64 "\ndata: ", type, id);
	else
		snprintf(head, sizeof(head), "event: %s\ndata: ", type);
	if (buf_str(st, head) == -1 || buf_str(st, data) == -1 ||
	    buf_str(st, "\n\n") == -1)
		return -1;
	return 0;
}

/*
 * Appends the events of e that the stream may see and asks for. The last
 * one carries the id, so a client that resumes from it has them all.
 */
static int
stream_ev(struct events_stream *st, const struct ev *e, struct store **s)
{
	int want_entry, want_alerts, seen;
	size_t i, last;

	if (!passes(&st->f, e))
		return 0;
	if ((seen = may_see(st, e, s)) != 1)
		return 0;
	want_entry =
	    st->f.ntypes == 0 || listed(st->f.types, st->f.ntypes, e->type);
	want_alerts = e->nalerts > 0 && st->who.role != ROLE_LIAISON &&
	    (st->f.ntypes == 0 || listed(st->f.types, st->f.ntypes, "alert"));
	last = want_alerts ? e->nalerts : 0;
	if (want_entry &&
	    sse_event(st, e->type, last == 0 ? e->index : -1, e->data) == -1)
		return -1;
	for (i = 0; i < last; i++)
		if (sse_event(st, "alert", i + 1 == last ? e->index : -1,
			e->alerts[i]) == -1)
			return -1;
	return 0;
}

/*
 * 1 if stream st may send something of e: stream_ev's tests without the
 * store (an incident's release to a liaison counts as maybe).
 */
static int
might_want(const struct events_stream *st, const struct ev *e)
{
	enum role role = st->who.role;
	int visible;

	if (!passes(&st->f, e))
		return 0;
	switch (role) {
	case ROLE_ADMIN: visible = 1; break;
	case ROLE_LIAISON:
		visible = e->seen == SEEN_INCIDENT ||
		    ((e->seen == SEEN_COMPLAINT || e->seen == SEEN_RELEASE) &&
			principal_sees_complaint(&st->who, e->party));
		break;
	case ROLE_SENSOR:
	case ROLE_NONE: visible = 0; break;
	default:
		visible = e->seen != SEEN_ADMIN &&
		    (e->seen != SEEN_RULES || role == ROLE_ANALYST);
	}
	if (!visible)
		return 0;
	return st->f.ntypes == 0 ||
	    listed(st->f.types, st->f.ntypes, e->type) ||
	    (e->nalerts > 0 && role != ROLE_LIAISON &&
		listed(st->f.types, st->f.ntypes, "alert"));
}

/* The alerts of index, as their JSON, for a recomputed event (mu). */
static void
attach_alerts(struct events *h, struct ev *e)
{
	size_t lo = 0, hi = h->nalerts, mid;
	char **na;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (h->alerts[mid].index < e->index)
			lo = mid + 1;
		else
			hi = mid;
	}
	(void)na;
	/* Only webhook alerts keep their body; stream-only ones of old
	   entries are not shown again. */
	for (; lo < h->nalerts && h->alerts[lo].index == e->index; lo++) {
		if (h->alerts[lo].body == NULL)
			continue;
		if ((na = realloc(e->alerts, (e->nalerts + 1) * sizeof(*na))) ==
		    NULL)
			return;
		e->alerts = na;
		if ((e->alerts[e->nalerts] = strdup(h->alerts[lo].body)) !=
		    NULL)
			e->nalerts++;
	}
}

/* The event of index i held in memory, with a reference, or NULL. */
static struct ev *
ev_held(struct events *h, int64_t i)
{
	struct ev *e;

	pthread_mutex_lock(&h->mu);
	e = h->ring[i % EVENTS_RING];
	if (e == NULL || e->index != i)
		e = h->back[i % EVENTS_RING];
	if (e != NULL && e->index == i)
		atomic_fetch_add(&e->refs, 1);
	else
		e = NULL;
	pthread_mutex_unlock(&h->mu);
	return e;
}

/*
 * The event of index i, older than the ring, with a reference (NULL if
 * unreadable: logged). Recomputed from the log and the store (*s: a
 * reader taken from the pool if NULL) by one stream and kept in back, so
 * the streams behind with it read it there: N streams behind cost one
 * recomputation per entry, not N, in the MHD workers and against the
 * follower's fusion_mu.
 */
static struct ev *
ev_behind(struct events *h, struct store **s, int64_t i)
{
	struct ev *e, *old;

	/* The reader first: back_mu's holder never waits for the pool. */
	if (*s == NULL)
		*s = store_pool_get(h->c->readers);
	pthread_mutex_lock(&h->back_mu);
	if ((e = ev_held(h, i)) == NULL) {
		if ((e = ev_recompute(h, *s, i)) != NULL) {
			pthread_mutex_lock(&h->mu);
			attach_alerts(h, e);
			atomic_fetch_add(&e->refs, 1);
			old = h->back[i % EVENTS_RING];
			h->back[i % EVENTS_RING] = e;
			pthread_mutex_unlock(&h->mu);
			ev_unref(old);
		}
	}
	pthread_mutex_unlock(&h->back_mu);
	return e;
}

/* Gathers the stream's next events into its buffer. 0 or -1. */
static int
stream_fill(struct events_stream *st)
{
	struct events *h = st->h;
	struct store *s = NULL;
	struct ev *e;
	int64_t upto, i;
	char *cp = NULL;
	int rc = 0;

	pthread_mutex_lock(&h->mu);
	upto = h->next;
	if (st->cp_seq != h->cp_seq) {
		if (h->cp_data != NULL &&
		    (st->f.ntypes == 0 ||
			listed(st->f.types, st->f.ntypes, "checkpoint")))
			cp = strdup(h->cp_data);
		st->cp_seq = h->cp_seq;
	}
	pthread_mutex_unlock(&h->mu);
	if (cp != NULL) {
		rc = sse_event(st, "checkpoint", -1, cp);
		free(cp);
	}
	for (i = st->next; rc == 0 && i < upto && i < st->next + STREAM_BATCH &&
	     st->len < STREAM_BUF_HIGH;
	     i++) {
		if ((e = ev_held(h, i)) == NULL &&
		    (e = ev_behind(h, &s, i)) == NULL)
			continue; /* unreadable: logged */
		rc = stream_ev(st, e, &s);
		ev_unref(e);
	}
	st->next = i;
	if (s != NULL)
		store_pool_put(h->c->readers, s);
	return rc;
}

ssize_t
events_stream_read(struct events_stream *st, char *buf, size_t max)
{
	struct events *h = st->h;
	size_t n;
	int64_t now;

	for (;;) {
		if (atomic_load(&st->ended))
			return -1;
		if (st->off < st->len) {
			n = st->len - st->off < max ? st->len - st->off : max;
			memcpy(buf, st->buf + st->off, n);
			st->off += n;
			st->last_ms = mono_ms();
			return (ssize_t)n;
		}
		st->off = st->len = 0;
		pthread_mutex_lock(&h->mu);
		n = (size_t)h->closing;
		pthread_mutex_unlock(&h->mu);
		if (n)
			return -1;
		if (!st->greeted) {
			st->greeted = 1;
			if (buf_str(st, ": truce events\nretry: 2000\n\n") ==
			    -1)
				return -1;
			continue;
		}
		if (stream_fill(st) == -1)
			return -1;
		if (st->len > 0)
			continue;
		now = mono_ms();
		if (now - st->last_ms >= h->c->cfg.stream_heartbeat_s * 1000) {
			if (buf_str(st, ": heartbeat\n\n") == -1)
				return -1;
			continue;
		}
		pthread_mutex_lock(&h->mu);
		if (h->closing || st->next < h->next ||
		    st->cp_seq != h->cp_seq) {
			pthread_mutex_unlock(&h->mu);
			continue;
		}
		st->suspended = 1;
		st->suspend(st->arg);
		pthread_mutex_unlock(&h->mu);
		return 0;
	}
}

/* -------------------------------------------------------------------- */
/* Life                                                                  */

struct events *
events_start(struct center *c, char *err, size_t errlen)
{
	struct fusion_geography g;
	struct events *h;

	if ((c->seq == NULL && c->follower == NULL) || c->readers == NULL) {
		snprintf(err, errlen, "events: the center is open read-only");
		return NULL;
	}
	if ((h = calloc(1, sizeof(*h))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	h->c = c;
	h->acks_fd = -1;
	h->cp_size = -1;
	pthread_mutex_init(&h->mu, NULL);
	pthread_mutex_init(&h->fusion_mu, NULL);
	pthread_mutex_init(&h->back_mu, NULL);
	pthread_cond_init(&h->cv, NULL);
	h->start_size = entrylog_size(c->log);
	if (c->seq != NULL)
		sequencer_keep_applied(c->seq);
	h->streams_only = c->seq == NULL;
	if (!h->streams_only && load_files(h, err, errlen) == -1)
		goto fail;
	memset(&g, 0, sizeof(g));
	if (c->geo != NULL) {
		g.gazetteer = layers_gazetteer(c->geo);
		g.zones = layers_zones(c->geo, &g.nzones);
		g.lines = layers_lines(c->geo, &g.nlines);
	}
	if ((h->fusion = fusion_new(&g)) == NULL ||
	    (!h->streams_only && (h->multi = curl_multi_init()) == NULL)) {
		snprintf(err, errlen,
		    "events: out of memory, or cannot "
		    "start libcurl");
		goto fail;
	}
	if (pthread_create(&h->follower, NULL, follower_main, h) != 0) {
		snprintf(err, errlen, "events: cannot start the follower");
		goto fail;
	}
	h->follower_started = 1;
	pthread_setname_np(h->follower, "events"); /* for top -H */
	if (h->streams_only)
		return h;
	if (pthread_create(&h->deliverer, NULL, deliverer_main, h) != 0) {
		snprintf(err, errlen, "events: cannot start the deliveries");
		goto fail;
	}
	h->deliverer_started = 1;
	pthread_setname_np(h->deliverer, "webhooks");
	if (pthread_create(&h->drafter, NULL, drafter_main, h) != 0) {
		snprintf(err, errlen, "events: cannot start the drafter");
		goto fail;
	}
	h->drafter_started = 1;
	pthread_setname_np(h->drafter, "spot-drafts");
	return h;
fail:
	events_stop(h);
	return NULL;
}

void
events_close_streams(struct events *h)
{
	if (h == NULL)
		return;
	pthread_mutex_lock(&h->mu);
	h->closing = 1;
	wake_streams(h, mono_ms());
	pthread_mutex_unlock(&h->mu);
}

void
events_stop(struct events *h)
{
	size_t i;

	if (h == NULL)
		return;
	pthread_mutex_lock(&h->mu);
	h->stop = 1;
	h->closing = 1;
	pthread_mutex_unlock(&h->mu);
	if (h->multi != NULL)
		curl_multi_wakeup(h->multi);
	if (h->follower_started)
		pthread_join(h->follower, NULL);
	if (h->deliverer_started)
		pthread_join(h->deliverer, NULL);
	if (h->drafter_started) {
		pthread_mutex_lock(&h->mu);
		pthread_cond_broadcast(&h->cv);
		pthread_mutex_unlock(&h->mu);
		pthread_join(h->drafter, NULL);
	}
	for (i = 0; i < h->ntargets; i++) {
		if (h->targets[i]->easy != NULL) {
			curl_multi_remove_handle(h->multi, h->targets[i]->easy);
			curl_easy_cleanup(h->targets[i]->easy);
		}
		curl_slist_free_all(h->targets[i]->headers);
		free(h->targets[i]->url);
		free(h->targets[i]);
	}
	free(h->targets);
	if (h->multi != NULL)
		curl_multi_cleanup(h->multi);
	for (i = 0; i < EVENTS_RING; i++) {
		ev_unref(h->ring[i]);
		ev_unref(h->back[i]);
	}
	for (i = 0; i < h->nrules; i++) {
		alert_window_free(&h->rules[i].w);
		free(h->rules[i].m);
	}
	free(h->rules);
	for (i = 0; i < h->nalerts; i++)
		alert_clear(&h->alerts[i]);
	free(h->alerts);
	for (i = 0; i < h->nsecrets; i++) {
		sodium_memzero(h->secrets[i].secret,
		    strlen(h->secrets[i].secret));
		free(h->secrets[i].secret);
	}
	free(h->secrets);
	free(h->acks);
	free(h->cp_data);
	if (h->acks_fd != -1)
		close(h->acks_fd);
	fusion_free(h->fusion);
	pthread_cond_destroy(&h->cv);
	pthread_mutex_destroy(&h->fusion_mu);
	pthread_mutex_destroy(&h->back_mu);
	pthread_mutex_destroy(&h->mu);
	free(h);
}
