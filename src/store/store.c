/*
 * store: dispatch to the backend's store_ops (see store.h).
 */
#include <sys/stat.h>

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "common/log.h"
#include "record/entry.h"
#include "record/observation.h"
#include "fusion/fusion.h"
#include "store/applier.h"
#include "store/fusionbook.h"
#include "store/store.h"
#include "store/store_backend.h"

static const struct store_ops *const backends[] = { &store_sqlite_ops,
	&store_pg_ops, NULL };

struct store *
store_open(const char *kind, const char *target, int flags)
{
	const struct store_ops *const *b;

	/* truce.conf's store names a PostgreSQL database by its URI. */
	if (store_pg_uri(kind))
		return store_pg_ops.open(kind, flags);
	for (b = backends; *b != NULL; b++)
		if (strcmp((*b)->name, kind) == 0)
			return (*b)->open(target, flags);
	log_warnx("unknown store backend '%s'", kind);
	return NULL;
}

int
store_kind_is_file(const char *kind)
{
	return !store_pg_uri(kind) && strcmp(kind, store_pg_ops.name) != 0;
}

void
store_close(struct store *s)
{
	if (s != NULL) {
		fusionbook_free(store_head_of(s)->book);
		store_head_of(s)->book = NULL;
		store_ops_of(s)->close(s);
	}
}

int
store_begin(struct store *s)
{
	return store_ops_of(s)->begin(s);
}

/* Fusion's book is written behind: its rows reach the backend here, before
 * the commit, and a rollback makes it load again from what was committed. */
int
store_commit(struct store *s, int64_t applied_size)
{
	struct store_head *h = store_head_of(s);

	if (fusionbook_flush(h->book) == -1) {
		store_rollback(s);
		return -1;
	}
	if (h->ops->commit(s, applied_size) == -1) {
		/* the backend rolled back */
		fusionbook_drop(h->book);
		return -1;
	}
	return 0;
}

int
store_rollback(struct store *s)
{
	struct store_head *h = store_head_of(s);

	/* The set may hold what the tables now lose: load it again. */
	fusionbook_drop(h->book);
	return h->ops->rollback(s);
}

int
store_applied_size(struct store *s, int64_t *size)
{
	return store_ops_of(s)->applied_size(s, size);
}

static struct fusionbook *book_of(struct store *s);

/* The row observation entry e (log index, bytes, hex id) is indexed as.
 * 0, or -1 for an id that is not 64 hex digits. */
static int
observation_row(int64_t index, const json_t *e, const char *bytes, size_t len,
    const char *id, struct store_observation_row *row)
{
	const json_t *at = json_object_get(e, "observed_at");
	const json_t *src = json_object_get(e, "source");
	const json_t *loc = json_object_get(e, "location");
	const char *form = json_string_value(json_object_get(loc, "form"));

	if (id == NULL ||
	    sodium_hex2bin(row->id, sizeof(row->id), id, strlen(id), NULL, NULL,
		NULL) != 0)
		return -1;
	row->index = index;
	row->entry = bytes;
	row->len = len;
	row->from_ms = json_integer_value(json_object_get(at, "from"));
	row->to_ms = json_integer_value(json_object_get(at, "to"));
	row->category = json_string_value(json_object_get(e, "category"));
	row->category_code = observation_category_code(row->category);
	row->source_type = json_string_value(json_object_get(src, "type"));
	row->member = json_string_value(json_object_get(src, "member"));
	row->organisation =
	    json_string_value(json_object_get(src, "organisation"));
	/* Forms that carry coordinates themselves; fusion locates the
	 * others (the incident tables). */
	row->located = form != NULL &&
	    (strcmp(form, "point") == 0 || strcmp(form, "uav_frame") == 0);
	row->lat_e7 = row->located
	    ? json_integer_value(json_object_get(loc, "lat_e7"))
	    : 0;
	row->lon_e7 = row->located
	    ? json_integer_value(json_object_get(loc, "lon_e7"))
	    : 0;
	return 0;
}

/*
 * The rules of the center's entries are the applier's, above every
 * backend; a backend indexes observations and provides the rows of the
 * applier and of fusion's book (docs/storage.md, "Layers").
 */
int
store_apply(struct store *s, int64_t index, const json_t *entry,
    const char *bytes, size_t len, const char *id)
{
	struct store_head *h = store_head_of(s);
	enum entry_type type = entry_type_of(entry);
	struct store_observation_row row;

	h->placed.index = -1;
	/* Anything but an observation may read the incident tables: fusion's
	 * book, written behind, brings them up to date first. */
	if (type != ENTRY_OBSERVATION && fusionbook_flush(h->book) == -1)
		return -1;
	if (applier_owns(type))
		return applier_apply(h->ops->rows, s, index, type, entry);
	if (type == ENTRY_OBSERVATION &&
	    (observation_row(index, entry, bytes, len, id, &row) == -1 ||
		h->ops->index_observation(s, &row) == -1))
		return -1;
	/* Fusion, on the one path every entry takes, live or replayed (its
	 * book is loaded only for an entry it acts on). */
	if (h->fusion != NULL && entry_type_fused(type))
		return book_of(s) != NULL
		    ? fusionbook_apply(h->book, index, entry, id, &h->placed)
		    : -1;
	return 0;
}

int
store_placed(struct store *s, int64_t index, struct fusionbook_placed *out)
{
	struct store_head *h = store_head_of(s);

	if (h->placed.index != index || index < 0 ||
	    h->placed.incident[0] == '\0')
		return 0;
	*out = h->placed;
	return 1;
}

int
store_apply_entry(struct store *s, int64_t index, const uint8_t *bytes,
    size_t len, const json_t *parsed, char *err, size_t errlen)
{
	json_t *own = NULL;
	json_error_t je;
	uint8_t h[crypto_hash_sha256_BYTES];
	char id[2 * crypto_hash_sha256_BYTES + 1];
	int rc = -1;

	if (parsed == NULL) {
		if ((own = json_loadb((const char *)bytes, len, 0, &je)) ==
		    NULL) {
			snprintf(err, errlen, "log entry %lld is not JSON: %s",
			    (long long)index, je.text);
			goto done;
		}
		parsed = own;
	}
	id[0] = '\0';
	if (entry_type_of(parsed) == ENTRY_OBSERVATION) {
		crypto_hash_sha256(h, bytes, len);
		sodium_bin2hex(id, sizeof(id), h, sizeof(h));
	}
	if (store_apply(s, index, parsed, (const char *)bytes, len,
		id[0] ? id : NULL) == -1) {
		snprintf(err, errlen, "store refused log entry %lld",
		    (long long)index);
		goto done;
	}
	rc = 0;
done:
	json_decref(own);
	return rc;
}

int
store_find_observation(struct store *s, const char *id, int64_t *index,
    char **entry, size_t *len)
{
	return store_ops_of(s)->find_observation(s, id, index, entry, len);
}

int
store_observation_ids(struct store *s, store_id_fn fn, void *ctx)
{
	return store_ops_of(s)->observation_ids(s, fn, ctx);
}

int
store_query_observations(struct store *s, const struct store_query *q,
    store_row_fn fn, void *ctx)
{
	return store_ops_of(s)->query_observations(s, q, fn, ctx);
}

int
store_count_observations(struct store *s, int64_t *n)
{
	return store_ops_of(s)->count_observations(s, n);
}

int
store_reset(struct store *s)
{
	fusionbook_drop(store_head_of(s)->book);
	return store_ops_of(s)->reset(s);
}

int
store_refusal(struct store *s, int64_t index, char *reason, size_t len)
{
	return store_ops_of(s)->refusal(s, index, reason, len);
}

int
store_find_token(struct store *s, const uint8_t hash[32], struct principal *p)
{
	return store_ops_of(s)->find_token(s, hash, p);
}

int
store_find_principal(struct store *s, const char *name, struct principal *p)
{
	return store_ops_of(s)->find_principal(s, name, p);
}

int
store_principals(struct store *s, store_principal_fn fn, void *ctx)
{
	return store_ops_of(s)->principals(s, fn, ctx);
}

int
store_members(struct store *s, store_member_fn fn, void *ctx)
{
	return store_ops_of(s)->members(s, fn, ctx);
}

int
store_center_value(struct store *s, const char *key, char **text)
{
	return store_ops_of(s)->center_value(s, key, text);
}

int
store_key_used(struct store *s, const char *vkey)
{
	return store_ops_of(s)->key_used(s, vkey);
}

int
store_find_evidence(struct store *s, const char *sha256_hex, int64_t *size,
    char *media_type, size_t len)
{
	return store_ops_of(s)->find_evidence(s, sha256_hex, size, media_type,
	    len);
}

int
store_custody(struct store *s, const char *sha256_hex, store_custody_fn fn,
    void *ctx)
{
	return store_ops_of(s)->custody(s, sha256_hex, fn, ctx);
}

int
store_uploaded_by(struct store *s, const char *sha256_hex, const char *name)
{
	return store_ops_of(s)->uploaded_by(s, sha256_hex, name);
}

int
store_incident_exists(struct store *s, const char *id)
{
	return store_ops_of(s)->incident_exists(s, id);
}

int
store_incident_states(struct store *s, const struct store_state_filter *f,
    store_state_fn fn, void *ctx)
{
	return store_ops_of(s)->incident_states(s, f, fn, ctx);
}

int
store_bulk_publish(struct store *s)
{
	if (store_ops_of(s)->bulk_publish == NULL)
		return 0;
	return store_ops_of(s)->bulk_publish(s);
}

int
store_incident_states_of(struct store *s, const char *const *ids, size_t n,
    store_state_fn fn, void *ctx)
{
	if (n > STORE_STATES_MAX) {
		log_warnx("store %s: the states of %zu incidents asked at "
			  "once: "
			  "%d at most",
		    store_head_of(s)->name, n, STORE_STATES_MAX);
		return -1;
	}
	if (n == 0)
		return 0;
	return store_ops_of(s)->incident_states_of(s, ids, n, fn, ctx);
}

int
store_assessments(struct store *s, const char *id, int latest,
    store_assessment_fn fn, void *ctx)
{
	return store_ops_of(s)->assessments(s, id, latest, fn, ctx);
}

int
store_releases(struct store *s, const char *id, store_text_fn fn, void *ctx)
{
	return store_ops_of(s)->releases(s, id, fn, ctx);
}

int
store_tasks(struct store *s, const struct store_task_filter *f,
    store_task_fn fn, void *ctx)
{
	return store_ops_of(s)->tasks(s, f, fn, ctx);
}

void
store_task_filter_init(struct store_task_filter *f)
{
	f->incident = NULL;
	f->task = -1;
	f->open_for = NULL;
}

int
store_history(struct store *s, const char *id, store_event_fn fn, void *ctx)
{
	return store_ops_of(s)->history(s, id, fn, ctx);
}

int
store_observation_incident(struct store *s, int64_t index, char *incident,
    size_t len, int *created)
{
	return store_ops_of(s)->observation_incident(s, index, incident, len,
	    created);
}

int
store_released(struct store *s, const char *id, const char *party)
{
	return store_ops_of(s)->released(s, id, party);
}

void
store_set_fusion(struct store *s, struct fusion *f)
{
	struct store_head *h = store_head_of(s);

	fusionbook_free(h->book);
	h->book = NULL;
	h->fusion = f;
}

/* The book of fusion engine h->fusion, made when first needed; NULL when
 * no engine is attached or out of memory (logged). */
static struct fusionbook *
book_of(struct store *s)
{
	struct store_head *h = store_head_of(s);

	if (h->book == NULL && h->fusion != NULL &&
	    (h->book = fusionbook_new(h->fusion, h->ops->fusion_rows, s,
		 h->name)) == NULL)
		log_warnx("store %s: no memory for fusion's book", h->name);
	return h->book;
}

int
store_prepare_fusion(struct store *s)
{
	struct fusionbook *b;

	if (store_head_of(s)->fusion == NULL)
		return 0;
	return (b = book_of(s)) != NULL ? fusionbook_load(b) : -1;
}

int
store_find_incident(struct store *s, const char *id, store_incident_fn fn,
    void *ctx)
{
	return store_ops_of(s)->find_incident(s, id, fn, ctx);
}

int
store_query_incidents(struct store *s, const struct store_incident_query *q,
    store_incident_fn fn, void *ctx)
{
	return store_ops_of(s)->query_incidents(s, q, fn, ctx);
}

int
store_brief_incidents(struct store *s, const struct store_incident_query *q,
    store_brief_fn fn, void *ctx)
{
	return store_ops_of(s)->brief_incidents(s, q, fn, ctx);
}

int
store_incident_parts(struct store *s, const char *id,
    const struct store_incident_visit *v, void *ctx)
{
	return store_ops_of(s)->incident_parts(s, id, v, ctx);
}

int
store_count_incidents(struct store *s, int64_t *n)
{
	return store_ops_of(s)->count_incidents(s, n);
}

int
store_incident_tallies(struct store *s, int64_t from_ms, int64_t to_ms,
    const char *released_to, store_tally_fn fn, void *ctx)
{
	return store_ops_of(s)->incident_tallies(s, from_ms, to_ms, released_to,
	    fn, ctx);
}

int
store_read_begin(struct store *s)
{
	return store_ops_of(s)->read_begin(s);
}

int
store_read_end(struct store *s)
{
	return store_ops_of(s)->read_end(s);
}

int
store_reports(struct store *s, const struct store_report_filter *f,
    store_report_fn fn, void *ctx)
{
	return store_ops_of(s)->reports(s, f, fn, ctx);
}

int
store_signatures(struct store *s, const char *report, store_signature_fn fn,
    void *ctx)
{
	return store_ops_of(s)->signatures(s, report, fn, ctx);
}

int
store_source_statuses(struct store *s, int64_t from_ms, int64_t to_ms,
    store_source_status_fn fn, void *ctx)
{
	return store_ops_of(s)->source_statuses(s, from_ms, to_ms, fn, ctx);
}

int
store_report_entries(struct store *s, int64_t below, store_index_fn fn,
    void *ctx)
{
	return store_ops_of(s)->report_entries(s, below, fn, ctx);
}

/* While the report entries run down from the basis, the basis follows. */
static int
lower_basis(void *ctx, int64_t index)
{
	int64_t *n = ctx;

	if (index != *n - 1)
		return 1;
	(*n)--;
	return 0;
}

/* Report entries change nothing a report says: a basis stands below those
 * at the log's end, so drafting twice in a row gives the same report. */
int
store_report_basis(struct store *s, int64_t size, int64_t *basis)
{
	int64_t n = size;

	if (store_report_entries(s, size, lower_basis, &n) == -1)
		return -1;
	*basis = n;
	return 0;
}

int
store_state_keys(struct store *s, enum store_key_kind kind, int64_t from,
    int64_t to, store_key_fn fn, void *ctx)
{
	return store_ops_of(s)->state_keys(s, kind, from, to, fn, ctx);
}

int
store_alert_rules(struct store *s, int64_t from, int64_t to,
    store_alert_rule_fn fn, void *ctx)
{
	return store_ops_of(s)->alert_rules(s, from, to, fn, ctx);
}

int
store_state_incidents(struct store *s, int64_t from, int64_t to,
    store_incident_fn fn, const struct store_incident_visit *v, void *ctx)
{
	return store_ops_of(s)->state_incidents(s, from, to, fn, v, ctx);
}

void
store_incident_query_init(struct store_incident_query *q)
{
	memset(q, 0, sizeof(*q));
	q->from_ms = INT64_MIN;
	q->to_ms = INT64_MAX;
	q->after = 0;
	q->limit = 100;
}

void
store_query_init(struct store_query *q)
{
	memset(q, 0, sizeof(*q));
	q->from_ms = INT64_MIN;
	q->to_ms = INT64_MAX;
	q->after_index = -1;
	q->limit = 100;
}

/*
 * The pool's connections each carry the generation of the store they were
 * opened on; store_pool_refresh starts a new one when a file store was
 * replaced (`truce rebuild` renames a new file over it), and a connection
 * of an older generation is reopened when it is next taken. Nothing is
 * closed under a reader's feet: a read that holds a connection finishes
 * on the store it began with.
 */
struct store_pool {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct store **free;
	unsigned *free_gen; /* free[i]'s generation */
	int nfree, n;
	unsigned gen; /* of the store the target names now */
	struct {
		struct store *s;
		unsigned gen;
	} * out; /* the connections taken, n slots (s NULL when unused) */
	char *kind, *target; /* store_open's */
	int file;	     /* a file store: its identity is watched */
	dev_t dev;
	ino_t ino;
};

/* The identity of the file a file store's target names; -1 if none. */
static int
pool_identity(const struct store_pool *p, dev_t *dev, ino_t *ino)
{
	struct stat st;

	if (!p->file || stat(p->target, &st) == -1)
		return -1;
	*dev = st.st_dev;
	*ino = st.st_ino;
	return 0;
}

struct store_pool *
store_pool_new(const char *kind, const char *target, int n)
{
	struct store_pool *p;
	int i;

	if ((p = calloc(1, sizeof(*p))) == NULL ||
	    (p->free = calloc((size_t)n, sizeof(*p->free))) == NULL ||
	    (p->free_gen = calloc((size_t)n, sizeof(*p->free_gen))) == NULL ||
	    (p->out = calloc((size_t)n, sizeof(*p->out))) == NULL ||
	    (p->kind = strdup(kind)) == NULL ||
	    (p->target = strdup(target)) == NULL) {
		if (p != NULL) {
			free(p->free);
			free(p->free_gen);
			free(p->out);
			free(p->kind);
		}
		free(p);
		return NULL;
	}
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	p->file = store_kind_is_file(kind);
	/* The identity before the connections: a replacement in between is
	   then seen at the next refresh, never missed. */
	if (pool_identity(p, &p->dev, &p->ino) == -1)
		p->file = 0;
	for (i = 0; i < n; i++) {
		if ((p->free[i] = store_open(kind, target, STORE_READONLY)) ==
		    NULL) {
			store_pool_free(p);
			return NULL;
		}
		p->nfree = p->n = i + 1;
	}
	return p;
}

void
store_pool_free(struct store_pool *p)
{
	int i;

	if (p == NULL)
		return;
	for (i = 0; i < p->nfree; i++)
		store_close(p->free[i]);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	free(p->free);
	free(p->free_gen);
	free(p->out);
	free(p->kind);
	free(p->target);
	free(p);
}

struct store *
store_pool_get(struct store_pool *p)
{
	struct store *s, *fresh;
	unsigned gen, now;
	int i;

	pthread_mutex_lock(&p->mu);
	while (p->nfree == 0)
		pthread_cond_wait(&p->cv, &p->mu);
	p->nfree--;
	s = p->free[p->nfree];
	gen = p->free_gen[p->nfree];
	now = p->gen;
	pthread_mutex_unlock(&p->mu);
	if (gen != now) {
		/* Opened on a store since replaced: the new one instead (the
		   old one if it cannot be opened; tried again next time). */
		if ((fresh = store_open(p->kind, p->target, STORE_READONLY)) !=
		    NULL) {
			store_close(s);
			s = fresh;
			gen = now;
		} else
			log_warnx("store %s: cannot open the new store; "
				  "reading the one it replaced",
			    p->target);
	}
	pthread_mutex_lock(&p->mu);
	for (i = 0; i < p->n && p->out[i].s != NULL; i++)
		;
	if (i < p->n) { /* always: at most n are out */
		p->out[i].s = s;
		p->out[i].gen = gen;
	}
	pthread_mutex_unlock(&p->mu);
	return s;
}

void
store_pool_put(struct store_pool *p, struct store *s)
{
	unsigned gen = 0;
	int i;

	pthread_mutex_lock(&p->mu);
	for (i = 0; i < p->n; i++)
		if (p->out[i].s == s) {
			gen = p->out[i].gen;
			p->out[i].s = NULL;
			break;
		}
	p->free[p->nfree] = s;
	p->free_gen[p->nfree] = gen;
	p->nfree++;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

int
store_pool_refresh(struct store_pool *p)
{
	dev_t dev;
	ino_t ino;
	int renewed = 0;

	if (pool_identity(p, &dev, &ino) == -1)
		return 0; /* not a file, or gone: nothing to reopen yet */
	pthread_mutex_lock(&p->mu);
	if (dev != p->dev || ino != p->ino) {
		p->dev = dev;
		p->ino = ino;
		p->gen++;
		renewed = 1;
	}
	pthread_mutex_unlock(&p->mu);
	return renewed;
}
