/*
 * center: create, open (with catch-up), rebuild (see center.h).
 */
#include <sys/stat.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "center/center.h"
#include "center/follower.h"
#include "center/geopin.h"
#include "center/keyfile.h"
#include "common/file.h"
#include "common/log.h"
#include "format/verform.h"
#include "fusion/fusion.h"
#include "geo/geodigest.h"
#include "geo/layers.h"
#include "ledger/checkpointer.h"
#include "ledger/entrylog.h"
#include "ledger/sequencer.h"
#include "tlog/note.h"
#include "record/canon.h"
#include "record/geography.h"
#include "verify/member.h"
#include "verify/principal.h"
#include "record/timefmt.h"
#include "store/store.h"

#define REPLAY_COMMIT_EVERY 20000
/* copies of data/ x regions a replay compares */
#define REPLAY_MAX_COPIES (4 * (1 + CENTER_REBUILD_MAX_GEO_DATA))

int
center_path(const char *dir, const char *name, char *out, size_t outlen)
{
	return (size_t)snprintf(out, outlen, "%s/%s", dir, name) >= outlen ? -1
									   : 0;
}

/*
 * Fusion over region's data in dir (aliases: the center's alias file, or
 * ""): the layers to *geo (NULL for region "none", whose places stay
 * unresolved) and the engine to *fusion. -1 with err.
 */
static int
load_fusion(const char *dir, const char *region, const char *aliases,
    struct layers **geo, struct fusion **fusion, char *err, size_t errlen)
{
	struct fusion_geography g;
	struct layers *l = NULL;
	char msg[512];

	memset(&g, 0, sizeof(g));
	if (strcmp(region, "none") != 0) {
		if ((l = layers_load_region(dir, region, msg, sizeof(msg))) ==
		    NULL) {
			snprintf(err, errlen, "region %s: %s", region, msg);
			return -1;
		}
		if (aliases[0] != '\0' &&
		    layers_load_aliases(l, aliases, msg, sizeof(msg)) == -1) {
			snprintf(err, errlen, "geo_aliases: %s", msg);
			layers_free(l);
			return -1;
		}
		g.gazetteer = layers_gazetteer(l);
		g.zones = layers_zones(l, &g.nzones);
		g.lines = layers_lines(l, &g.nlines);
	}
	if ((*fusion = fusion_new(&g)) == NULL) {
		snprintf(err, errlen, "out of memory");
		layers_free(l);
		return -1;
	}
	*geo = l;
	return 0;
}

/* center.h; with region "none" places stay unresolved. */
int
center_open_fusion(const struct config *cfg, struct layers **geo,
    struct fusion **fusion, struct geodigest *gd, char *dir, char *err,
    size_t errlen)
{
	snprintf(dir, PATH_MAX, "-");
	if (strcmp(cfg->region, "none") != 0) {
		if (cfg->geo_data[0] != '\0') {
			if ((size_t)snprintf(dir, PATH_MAX, "%s",
				cfg->geo_data) >= PATH_MAX) {
				snprintf(err, errlen,
				    "geo_data: longer than "
				    "%d bytes",
				    PATH_MAX - 1);
				return -1;
			}
		} else if (layers_datadir(dir, PATH_MAX) == -1) {
			snprintf(err, errlen,
			    "geo_data: the data directory's "
			    "path is too long");
			return -1;
		}
	}
	if (load_fusion(dir, cfg->region, cfg->geo_aliases, geo, fusion, err,
		errlen) == -1)
		return -1;
	if (geodigest_compute(dir, cfg->region, cfg->geo_aliases, gd, err,
		errlen) == -1) {
		fusion_free(*fusion);
		layers_free(*geo);
		*fusion = NULL;
		*geo = NULL;
		return -1;
	}
	return 0;
}

/*
 * The replay's reader: a thread that reads and parses the entries up to
 * REPLAY_AHEAD ahead of the store (a seventh of a rebuild's time, which
 * then overlaps the store's on the other core). Entry i is in slot
 * i % REPLAY_AHEAD once next > i.
 */
#define REPLAY_AHEAD 512
#define REPLAY_THREAD_MIN 1024 /* fewer entries: read in line */

struct replay_slot {
	uint8_t *bytes; /* NULL: unreadable */
	size_t len;
	json_t *parsed; /* NULL: not JSON (store_apply_entry says so) */
};

struct replay_reader {
	struct entrylog *log;
	int64_t next, taken, size; /* read below next, applied below taken */
	int stop;
	int reader_waits, applier_waits; /* who sleeps on cv: the other
					    wakes it, and only then */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct replay_slot slot[REPLAY_AHEAD];
};

static void *
replay_read(void *arg)
{
	struct replay_reader *r = arg;
	struct replay_slot one;
	int64_t i;
	int stop = 0;

	pthread_setname_np(pthread_self(), "replay-read");
	for (i = r->next; i < r->size && !stop; i++) {
		pthread_mutex_lock(&r->mu);
		/* Full: sleep until half the ring is free, not one slot, so
		   the two threads do not wake each other at every entry. */
		if (!r->stop && i - r->taken >= REPLAY_AHEAD) {
			r->reader_waits = 1;
			while (!r->stop && i - r->taken > REPLAY_AHEAD / 2)
				pthread_cond_wait(&r->cv, &r->mu);
			r->reader_waits = 0;
		}
		stop = r->stop;
		pthread_mutex_unlock(&r->mu);
		if (stop)
			break;
		one.parsed = NULL;
		if (entrylog_read(r->log, i, &one.bytes, &one.len) == -1)
			one.bytes = NULL;
		else
			one.parsed = json_loadb((const char *)one.bytes,
			    one.len, 0, NULL);
		pthread_mutex_lock(&r->mu);
		r->slot[i % REPLAY_AHEAD] = one;
		r->next = i + 1;
		if (r->applier_waits)
			pthread_cond_broadcast(&r->cv);
		pthread_mutex_unlock(&r->mu);
		if (one.bytes == NULL)
			break; /* the applier reports it */
	}
	return NULL;
}

/* Entry i from the reader (waits for it): its slot, moved to *out. */
static void
replay_take(struct replay_reader *r, int64_t i, struct replay_slot *out)
{
	pthread_mutex_lock(&r->mu);
	r->applier_waits = 1;
	while (r->next <= i)
		pthread_cond_wait(&r->cv, &r->mu);
	r->applier_waits = 0;
	*out = r->slot[i % REPLAY_AHEAD];
	r->taken = i + 1;
	if (r->reader_waits && r->next - r->taken <= REPLAY_AHEAD / 2)
		pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
}

/* Stops the reader, waits for it and frees what it read ahead. */
static void
replay_stop(struct replay_reader *r, pthread_t th)
{
	int64_t i;

	pthread_mutex_lock(&r->mu);
	r->stop = 1;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
	pthread_join(th, NULL);
	for (i = r->taken; i < r->next; i++) {
		free(r->slot[i % REPLAY_AHEAD].bytes);
		json_decref(r->slot[i % REPLAY_AHEAD].parsed);
	}
	pthread_cond_destroy(&r->cv);
	pthread_mutex_destroy(&r->mu);
}

/* Applies [from, size), committing every `every` entries and at size. */
static int
replay_range(struct entrylog *log, struct store *store, int64_t from,
    int64_t size, int64_t every, void (*committed)(void *, int64_t), void *ctx,
    char *err, size_t errlen)
{
	int64_t i;
	struct replay_reader *r = NULL;
	struct replay_slot one = { NULL, 0, NULL };
	pthread_t th;
	int in_txn = 0, rc = -1;

	memset(&th, 0, sizeof(th));

	/* A long replay reads and parses on a thread of its own. */
	if (size - from >= REPLAY_THREAD_MIN &&
	    (r = calloc(1, sizeof(*r))) != NULL) {
		r->log = log;
		r->next = r->taken = from;
		r->size = size;
		pthread_mutex_init(&r->mu, NULL);
		pthread_cond_init(&r->cv, NULL);
		if (pthread_create(&th, NULL, replay_read, r) != 0) {
			pthread_cond_destroy(&r->cv);
			pthread_mutex_destroy(&r->mu);
			free(r);
			r = NULL;
		}
	}
	for (i = from; i < size; i++) {
		if (!in_txn) {
			if (store_begin(store) == -1)
				goto fail;
			in_txn = 1;
		}
		if (r != NULL)
			replay_take(r, i, &one);
		else if (entrylog_read(log, i, &one.bytes, &one.len) == -1)
			one.bytes = NULL;
		if (one.bytes == NULL) {
			snprintf(err, errlen, "log entry %lld unreadable",
			    (long long)i);
			goto fail;
		}
		if (store_apply_entry(store, i, one.bytes, one.len, one.parsed,
			err, errlen) == -1)
			goto fail;
		free(one.bytes);
		json_decref(one.parsed);
		one.bytes = NULL;
		one.parsed = NULL;
		if ((i + 1) % every == 0 || i + 1 == size) {
			if (store_commit(store, i + 1) == -1) {
				snprintf(err, errlen,
				    "the store cannot keep "
				    "entries up to %lld (the disk may be full: "
				    "see above); nothing in the log is lost: "
				    "free space and start again",
				    (long long)i);
				in_txn = 0;
				goto fail;
			}
			in_txn = 0;
			if (committed != NULL)
				committed(ctx, i + 1);
		}
	}
	rc = 0;
fail:
	if (in_txn)
		store_rollback(store);
	free(one.bytes);
	json_decref(one.parsed);
	if (r != NULL) {
		replay_stop(r, th);
		free(r);
	}
	return rc;
}

/* center.h: applies [from, size), committing in chunks. */
int
center_replay(struct entrylog *log, struct store *store, int64_t from,
    int64_t every, void (*committed)(void *, int64_t), void *ctx, char *err,
    size_t errlen)
{
	return replay_range(log, store, from, entrylog_size(log), every,
	    committed, ctx, err, errlen);
}

/* Makes member name's key pair into DIR/keys/<name>.key; vkey out. */
static int
member_keygen(const char *dir, const char *name, char *vkey, size_t vkeylen,
    char *err, size_t errlen)
{
	struct note_signer *signer;
	char path[PATH_MAX], file[PRINCIPAL_NAME_LEN + 16];
	int rc = -1;

	if ((signer = note_signer_generate(name, NOTE_KEY_ED25519, err,
		 errlen)) == NULL)
		return -1;
	snprintf(file, sizeof(file), "keys/%s.key", name);
	if (center_path(dir, file, path, sizeof(path)) == -1) {
		snprintf(err, errlen, "%s: path too long", dir);
		goto done;
	}
	if (note_signer_vkey(signer, vkey, vkeylen) == -1) {
		snprintf(err, errlen, "member %s: cannot format its key", name);
		goto done;
	}
	rc = keyfile_write(path, signer, err, errlen);
done:
	note_signer_free(signer);
	return rc;
}

/* The genesis entry: what the center is, at index 0. */
static json_t *
genesis_entry(const struct config *cfg, const struct center_genesis *g,
    const struct geodigest *gd, const char *log_vkey, const char *admin_sha256)
{
	json_t *members = json_array(), *parties = json_array(), *genesis;
	size_t i;

	for (i = 0; i < cfg->nmembers; i++)
		json_array_append_new(members,
		    json_pack("{s:s,s:s}", "name", cfg->members[i], "vkey",
			g->vkeys[i]));
	for (i = 0; i < g->nparties; i++)
		json_array_append_new(parties, json_string(g->parties[i]));
	genesis = json_pack("{s:s,s:i,s:s,s:s,s:o,s:o,s:o,s:I,s:[{s:s,s:s,"
			    "s:s,s:s,s:i}]}",
	    "type", "genesis", "v", 2, "origin", cfg->origin, "log_key",
	    log_vkey, "members", members, "parties", parties, "rule",
	    member_rule_json(&g->rule), "created_ms",
	    (json_int_t)timefmt_now_ms(), "principals", "name", "admin", "role",
	    "admin", "token_sha256", admin_sha256, "by", PRINCIPAL_LOCAL,
	    "at_ms", 0);
	/* The geography its incidents are worded with (record/geography.h). */
	if (genesis != NULL &&
	    json_object_set_new(genesis, "geography", geography_json(gd)) ==
		-1) {
		json_decref(genesis);
		genesis = NULL;
	}
	return genesis;
}

int
center_create(const char *dir, const struct config *cfg,
    struct center_genesis *g, char admin_token[PRINCIPAL_TOKEN_LEN + 1],
    char *log_vkey, size_t vkeylen, char *err, size_t errlen)
{
	struct note_signer *signer = NULL;
	char path[PATH_MAX], *bytes = NULL, token[PRINCIPAL_TOKEN_LEN + 1];
	char token_sha[65];
	struct entrylog *log = NULL;
	struct store *store = NULL;
	struct layers *geo = NULL;
	struct fusion *fusion = NULL;
	struct entrylog_entry e;
	struct geodigest gd;
	char gdir[PATH_MAX];
	json_t *genesis = NULL;
	struct stat st;
	size_t len, i;
	int rc = -1;

	if (config_check(cfg, err, errlen) == -1)
		return -1;
	if (center_path(dir, "truce.conf", path, sizeof(path)) == -1) {
		snprintf(err, errlen, "%s: path too long", dir);
		return -1;
	}
	if (stat(path, &st) == 0) {
		snprintf(err, errlen,
		    "%s already holds a center; refusing to "
		    "overwrite it",
		    dir);
		return -1;
	}
	for (i = 0; i < cfg->nmembers; i++)
		if (g->vkeys[i][0] != '\0' &&
		    member_vkey_check(cfg->members[i], g->vkeys[i], err,
			errlen) == -1)
			return -1;
	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		snprintf(err, errlen, "mkdir %s: %s", dir, strerror(errno));
		return -1;
	}
	/* The log's key, named after the origin (C2SP tlog-checkpoint). */
	center_path(dir, "keys", path, sizeof(path));
	if (mkdir(path, 0700) == -1 && errno != EEXIST) {
		snprintf(err, errlen, "mkdir %s: %s", path, strerror(errno));
		return -1;
	}
	if ((signer = note_signer_generate(cfg->origin, NOTE_KEY_ED25519, err,
		 errlen)) == NULL ||
	    note_signer_vkey(signer, log_vkey, vkeylen) == -1) {
		note_signer_free(signer);
		return -1;
	}
	center_path(dir, "keys/log.key", path, sizeof(path));
	if (keyfile_write(path, signer, err, errlen) == -1) {
		note_signer_free(signer);
		return -1;
	}
	note_signer_free(signer);
	for (i = 0; i < cfg->nmembers; i++)
		if (g->vkeys[i][0] == '\0' &&
		    member_keygen(dir, cfg->members[i], g->vkeys[i],
			sizeof(g->vkeys[i]), err, errlen) == -1)
			return -1;
	/* The geography first: the genesis entry names it. */
	if (center_open_fusion(cfg, &geo, &fusion, &gd, gdir, err, errlen) ==
	    -1)
		goto done;
	center_path(dir, "log", path, sizeof(path));
	if ((log = entrylog_open(path, 1, NULL, 0)) == NULL) {
		snprintf(err, errlen, "cannot create the log in %s", path);
		goto done;
	}
	if (entrylog_size(log) != 0) {
		snprintf(err, errlen,
		    "%s already holds log entries; refusing "
		    "to overwrite them",
		    path);
		goto done;
	}
	principal_token_new(token, token_sha);
	genesis = genesis_entry(cfg, g, &gd, log_vkey, token_sha);
	if (genesis == NULL || canon_encode(genesis, &bytes, &len) == -1) {
		snprintf(err, errlen, "cannot encode the genesis entry");
		goto done;
	}
	if (len > ENTRYLOG_MAX_ENTRY) {
		snprintf(err, errlen,
		    "the genesis entry is %zu bytes, over the "
		    "limit of %d",
		    len, ENTRYLOG_MAX_ENTRY);
		goto done;
	}
	e.bytes = (const uint8_t *)bytes;
	e.len = len;
	if (entrylog_append(log, &e, 1) == -1) {
		snprintf(err, errlen, "cannot write the genesis entry");
		goto done;
	}
	center_path(dir, "store.db", path, sizeof(path));
	if ((store = store_open(cfg->store, path, 0)) == NULL) {
		snprintf(err, errlen, "cannot create the store %s",
		    store_kind_is_file(cfg->store) ? path
						   : "(PostgreSQL, see above)");
		goto done;
	}
	store_set_fusion(store, fusion);
	if (center_replay(log, store, 0, REPLAY_COMMIT_EVERY, NULL, NULL, err,
		errlen) == -1)
		goto done;
	/* Last: the configuration marks the center as complete. */
	center_path(dir, "truce.conf", path, sizeof(path));
	if (config_write(path, cfg) == -1) {
		snprintf(err, errlen, "cannot write %s", path);
		goto done;
	}
	memcpy(admin_token, token, sizeof(token));
	rc = 0;
done:
	sodium_memzero(token, sizeof(token));
	free(bytes);
	json_decref(genesis);
	store_close(store);
	fusion_free(fusion);
	layers_free(geo);
	entrylog_close(log);
	return rc;
}

int
center_append(struct center *c, const json_t *entry, int64_t *index,
    int *status, char *err, size_t errlen)
{
	struct seq_item item;
	char *bytes = NULL, reason[STORE_REASON_LEN];
	struct store *s;
	size_t len;
	int rc = -1, refused;

	*status = 503;
	if (c->seq == NULL) {
		snprintf(err, errlen, "the center is open read-only");
		return -1;
	}
	if (canon_encode(entry, &bytes, &len) == -1) {
		snprintf(err, errlen, "the entry has no canonical form");
		goto done;
	}
	if (len > ENTRYLOG_MAX_ENTRY) {
		*status = 413;
		snprintf(err, errlen,
		    "the entry is %zu bytes, over the log's "
		    "limit of %d",
		    len, ENTRYLOG_MAX_ENTRY);
		goto done;
	}
	memset(&item, 0, sizeof(item));
	item.bytes = bytes;
	item.len = len;
	item.entry = entry;
	if (sequencer_run(c->seq, &item, 1) == -1) {
		snprintf(err, errlen,
		    "the log could not store the entry; "
		    "nothing was stored");
		goto done;
	}
	s = store_pool_get(c->readers);
	refused = store_refusal(s, item.index, reason, sizeof(reason));
	store_pool_put(c->readers, s);
	if (refused == -1) {
		snprintf(err, errlen, "the store is unavailable");
		goto done;
	}
	if (refused == 1) {
		*status = 409;
		snprintf(err, errlen,
		    "log entry %lld was refused when applied: "
		    "%s",
		    (long long)item.index, reason);
		goto done;
	}
	*index = item.index;
	rc = 0;
done:
	free(bytes);
	return rc;
}

/* 1 if name is listed in the JSON array of names or objects with "name". */
static int
listed(const json_t *list, const char *name)
{
	const json_t *v;
	const char *n;
	size_t i;

	json_array_foreach(list, i, v)
	{
		n = json_is_string(v)
		    ? json_string_value(v)
		    : json_string_value(json_object_get(v, "name"));
		if (n != NULL && strcmp(n, name) == 0)
			return 1;
	}
	return 0;
}

json_t *
center_principal_add_entry(struct center *c, const char *by,
    const struct principal *p, char token[PRINCIPAL_TOKEN_LEN + 1], int *status,
    char *err, size_t errlen)
{
	char tok[PRINCIPAL_TOKEN_LEN + 1], sha[65];
	struct principal cur;
	json_t *members = NULL, *entry = NULL, *parties;
	struct store *s;
	int found;

	*status = 422;
	if (principal_check(p, err, errlen) == -1)
		return NULL;
	*status = 503;
	s = store_pool_get(c->readers);
	found = store_find_principal(s, p->name, &cur);
	members = verform_members(s);
	store_pool_put(c->readers, s);
	if (found == -1 || members == NULL) {
		snprintf(err, errlen, "the store is unavailable");
		goto done;
	}
	*status = 422;
	if (p->member[0] != '\0' &&
	    !listed(json_object_get(members, "members"), p->member)) {
		snprintf(err, errlen,
		    "/member: '%s' is not a member of this "
		    "center",
		    p->member);
		goto done;
	}
	parties = json_object_get(members, "parties");
	if (p->party[0] != '\0' && json_array_size(parties) > 0 &&
	    !listed(parties, p->party)) {
		snprintf(err, errlen,
		    "/party: '%s' is not one of the parties "
		    "the genesis entry lists",
		    p->party);
		goto done;
	}
	if (found) {
		*status = 409;
		snprintf(err, errlen,
		    "/name: principal %s exists; revoke it "
		    "first",
		    p->name);
		goto done;
	}
	principal_token_new(tok, sha);
	if ((entry = principal_add_entry(p, sha, by, timefmt_now_ms())) ==
	    NULL) {
		*status = 503;
		snprintf(err, errlen, "out of memory");
		goto done;
	}
	memcpy(token, tok, sizeof(tok));
done:
	sodium_memzero(tok, sizeof(tok));
	json_decref(members);
	return entry;
}

json_t *
center_principal_revoke_entry(struct center *c, const char *by,
    const char *name, int *status, char *err, size_t errlen)
{
	struct principal cur;
	json_t *entry;
	struct store *s;
	int found;

	*status = 404;
	if (principal_name_check(name) == -1) {
		snprintf(err, errlen, "/name: not a principal name");
		return NULL;
	}
	s = store_pool_get(c->readers);
	found = store_find_principal(s, name, &cur);
	store_pool_put(c->readers, s);
	if (found != 1) {
		*status = found == -1 ? 503 : 404;
		snprintf(err, errlen,
		    found == -1 ? "the store is unavailable"
				: "no active principal is "
				  "named %s",
		    name);
		return NULL;
	}
	if ((entry = principal_revoke_entry(name, by, timefmt_now_ms())) ==
	    NULL) {
		*status = 503;
		snprintf(err, errlen, "out of memory");
	}
	return entry;
}

int
center_add_principal(struct center *c, const char *by,
    const struct principal *p, char token[PRINCIPAL_TOKEN_LEN + 1], int *status,
    char *err, size_t errlen)
{
	char tok[PRINCIPAL_TOKEN_LEN + 1];
	json_t *entry;
	int64_t index;
	int rc = -1;

	if ((entry = center_principal_add_entry(c, by, p, tok, status, err,
		 errlen)) == NULL)
		return -1;
	if (center_append(c, entry, &index, status, err, errlen) == 0) {
		memcpy(token, tok, sizeof(tok));
		rc = 0;
	}
	sodium_memzero(tok, sizeof(tok));
	json_decref(entry);
	return rc;
}

int
center_revoke_principal(struct center *c, const char *by, const char *name,
    int *status, char *err, size_t errlen)
{
	json_t *entry;
	int64_t index;
	int rc;

	if ((entry = center_principal_revoke_entry(c, by, name, status, err,
		 errlen)) == NULL)
		return -1;
	rc = center_append(c, entry, &index, status, err, errlen);
	if (rc == -1 && *status == 409)
		*status = 404;
	json_decref(entry);
	return rc;
}

/* The sequencer's hook: sign and record the new size before answering. */
static int
after_batch(void *ctx, int64_t size)
{
	return checkpointer_sign(ctx, size);
}

/*
 * Opens the log of center dir, verified against every checkpoint the log
 * signed (ledger/checkpointer.h), read with the log's key in keys/log.key.
 */
static struct entrylog *
open_log(const char *dir, char *err, size_t errlen)
{
	struct entrylog_anchor anchors[CHECKPOINTER_MAX_ANCHORS];
	struct note_signer *signer = NULL;
	struct note_verifier *v = NULL;
	struct entrylog *log = NULL;
	char path[PATH_MAX];
	size_t n = 0;

	if (center_path(dir, "keys/log.key", path, sizeof(path)) == -1 ||
	    (signer = keyfile_read(path, err, errlen)) == NULL)
		goto done;
	if ((v = note_signer_verifier(signer)) == NULL) {
		snprintf(err, errlen, "%s: cannot make its verifier", path);
		goto done;
	}
	if (center_path(dir, "log/checkpoint.joint", path, sizeof(path)) ==
		-1 ||
	    checkpointer_anchors(path, v, anchors, &n) == -1) {
		snprintf(err, errlen, "%s: path too long", dir);
		goto done;
	}
	center_path(dir, "log", path, sizeof(path));
	if ((log = entrylog_open(path, 0, anchors, n)) == NULL)
		snprintf(err, errlen, "cannot open the log %s (see above)",
		    path);
done:
	note_verifier_free(v);
	note_signer_free(signer);
	return log;
}

/* center.h */
int
center_pin_geography(struct entrylog *log, int64_t from,
    const struct geodigest *gd, const char *gdir, const char *remedy,
    char last[GEODIGEST_HEX_LEN], char *err, size_t errlen)
{
	struct geopin *pin;
	int64_t size = entrylog_size(log);
	int rc = -1;

	if ((pin = malloc(sizeof(*pin))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (geopin_scan(log, size, pin, err, errlen) == -1 ||
	    geopin_check(pin, from, size, gd, gdir, remedy, err, errlen) == -1)
		goto done;
	snprintf(last, GEODIGEST_HEX_LEN, "%s", geopin_last(pin));
	rc = 0;
done:
	free(pin);
	return rc;
}

/*
 * Appends a `geography` entry when the center starts with data other than
 * the geography its log names last (an upgrade of the gazetteer becomes
 * visible, dated and attributable); entries after it are computed with it.
 */
static int
record_geography(struct center *c, const struct geodigest *gd, const char *last,
    char *err, size_t errlen)
{
	json_t *entry;
	int64_t index;
	int status, rc;

	if (strcmp(last, gd->digest) == 0)
		return 0;
	if ((entry = geography_entry(gd, last, PRINCIPAL_LOCAL,
		 timefmt_now_ms())) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rc = center_append(c, entry, &index, &status, err, errlen);
	json_decref(entry);
	if (rc == 0)
		log_info("geography %s (region %s) recorded at log entry %lld, "
			 "replacing %s: incidents before it keep their words",
		    gd->digest, gd->region, (long long)index,
		    last[0] != '\0' ? last : "none named");
	return rc;
}

/*
 * Replaces the message of a failed open that found the store damaged: the
 * store is an index of the log, and `truce rebuild` recreates it.
 */
static void
store_damage_message(const char *dir, char *err, size_t errlen)
{
	char was[512];

	snprintf(was, sizeof(was), "%s", err);
	snprintf(err, errlen,
	    "the store %s/store.db is damaged (%s; SQLite's message is "
	    "above); it is only an index of the log: `truce rebuild %s` "
	    "recreates it from the log, then start again",
	    dir, was, dir);
}

/*
 * The log's verifier key as the genesis entry (index 0) names it, into
 * c->log_vkey: a read server needs no signing key. 0, or -1 with err.
 */
static int
genesis_log_key(struct center *c, char *err, size_t errlen)
{
	uint8_t *bytes = NULL;
	size_t len;
	json_t *g = NULL;
	const char *key;
	int rc = -1;

	if (entrylog_read(c->log, 0, &bytes, &len) == -1) {
		snprintf(err, errlen,
		    "the store has applied no log entry yet: "
		    "start the writer (truce serve %s) first",
		    c->dir);
		goto done;
	}
	if ((g = json_loadb((const char *)bytes, len, 0, NULL)) == NULL ||
	    (key = json_string_value(json_object_get(g, "log_key"))) == NULL ||
	    strlen(key) >= sizeof(c->log_vkey)) {
		snprintf(err, errlen,
		    "log entry 0 is not a genesis entry naming the "
		    "log's key (log_key)");
		goto done;
	}
	snprintf(c->log_vkey, sizeof(c->log_vkey), "%s", key);
	rc = 0;
done:
	json_decref(g);
	free(bytes);
	return rc;
}

/*
 * What a read server's PostgreSQL sessions add to the store's URI (libpq's
 * query parameters): every transaction read-only, PostgreSQL's own guard
 * that nothing is written, and a name in pg_stat_activity.
 */
#define READER_PG_OPTIONS                                                   \
	"options=-c%20default_transaction_read_only%3Don&application_name=" \
	"truce-read-server"

/*
 * The store a read server opens (store_open's kind): the configuration's,
 * read-only sessions for PostgreSQL (into buf of len bytes). When the URI
 * would be too long the configuration's is used as it is, said once.
 */
static const char *
reader_store(const struct center *c, char *buf, size_t len)
{
	int n;

	if (!store_pg_uri(c->cfg.store))
		return c->cfg.store;
	n = snprintf(buf, len, "%s%c%s", c->cfg.store,
	    strchr(c->cfg.store, '?') != NULL ? '&' : '?', READER_PG_OPTIONS);
	if (n < 0 || (size_t)n >= len || n > STORE_PG_URI_MAX) {
		log_warnx("read server: the store's URI leaves no room for "
			  "read-only sessions (%d bytes at most): its sessions "
			  "are not set read-only",
		    STORE_PG_URI_MAX);
		return c->cfg.store;
	}
	return buf;
}

/*
 * center_open with CENTER_READ_ONLY: the read server's view of the center
 * in c->dir (center.h), its configuration loaded. 0, or -1 with err.
 */
static int
open_reader(struct center *c, char *err, size_t errlen)
{
	char path[PATH_MAX], joint[PATH_MAX], kind[STORE_PG_URI_MAX + 1];
	struct geodigest gd;

	if (center_path(c->dir, "log", path, sizeof(path)) == -1 ||
	    center_path(c->dir, "log/checkpoint.joint", joint, sizeof(joint)) ==
		-1) {
		snprintf(err, errlen, "%s: path too long", c->dir);
		return -1;
	}
	if ((c->log = entrylog_open_follower(path)) == NULL) {
		snprintf(err, errlen,
		    "a read server reads the writer's log %s and "
		    "cannot open it (see above)",
		    path);
		return -1;
	}
	if (center_path(c->dir, "store.db", path, sizeof(path)) == -1) {
		snprintf(err, errlen, "%s: path too long", c->dir);
		return -1;
	}
	if ((c->readers = store_pool_new(reader_store(c, kind, sizeof(kind)),
		 path, (int)c->cfg.threads + 4)) == NULL) {
		snprintf(err, errlen,
		    "cannot open the store %s read-only (has "
		    "the writer created it? see above)",
		    store_kind_is_file(c->cfg.store) ? path : "on PostgreSQL");
		return -1;
	}
	if ((c->cp = checkpointer_follow()) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if ((c->follower = follower_start(c->log, c->readers, c->cp, joint,
		 c->cfg.follow_ms, err, errlen)) == NULL)
		return -1;
	/* The geography, as the writer's: the map's layers (GET /v1/geo),
	   reports' maps and events' places read it. Nothing is applied. */
	if (center_open_fusion(&c->cfg, &c->geo, &c->fusion, &gd, path, err,
		errlen) == -1)
		return -1;
	return genesis_log_key(c, err, errlen);
}

struct center *
center_open(const char *dir, int flags, char *err, size_t errlen)
{
	struct note_signer *signer = NULL;
	struct center *c;
	struct geodigest gd;
	char path[PATH_MAX], gdir[PATH_MAX], last[GEODIGEST_HEX_LEN];
	int64_t applied;
	uint64_t damage = store_damage_seen();

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	snprintf(c->dir, sizeof(c->dir), "%s", dir);
	if (center_path(dir, "truce.conf", path, sizeof(path)) == -1 ||
	    config_load(path, &c->cfg, err, errlen) == -1)
		goto fail;
	if (flags & CENTER_READ_ONLY) {
		if (open_reader(c, err, errlen) == -1)
			goto fail;
		return c;
	}
	if ((c->log = open_log(dir, err, errlen)) == NULL)
		goto fail;
	center_path(dir, "store.db", path, sizeof(path));
	if ((c->store = store_open(c->cfg.store, path, 0)) == NULL) {
		snprintf(err, errlen, "cannot open the store %s",
		    store_kind_is_file(c->cfg.store)
			? path
			: "(PostgreSQL, see above)");
		goto fail;
	}
	if (store_applied_size(c->store, &applied) == -1) {
		snprintf(err, errlen, "cannot read the store's applied size");
		goto fail;
	}
	if (applied > entrylog_size(c->log)) {
		snprintf(err, errlen,
		    "the store has applied %lld entries but "
		    "the log holds %lld: run `truce rebuild %s`",
		    (long long)applied, (long long)entrylog_size(c->log), dir);
		goto fail;
	}
	if ((flags & CENTER_WRITE) || applied < entrylog_size(c->log)) {
		/* Every write to the store goes through fusion. */
		if (center_open_fusion(&c->cfg, &c->geo, &c->fusion, &gd, gdir,
			err, errlen) == -1)
			goto fail;
		store_set_fusion(c->store, c->fusion);
		if (center_pin_geography(c->log, applied, &gd, gdir,
			"start the "
			"center once with the data the log names (geo_data) so "
			"the store catches up, then with the new data",
			last, err, errlen) == -1)
			goto fail;
	}
	if (applied < entrylog_size(c->log)) {
		log_info("store catching up with the log: %lld -> %lld",
		    (long long)applied, (long long)entrylog_size(c->log));
		if (center_replay(c->log, c->store, applied,
			REPLAY_COMMIT_EVERY, NULL, NULL, err, errlen) == -1)
			goto fail;
	}
	center_path(dir, "keys/log.key", path, sizeof(path));
	if ((signer = keyfile_read(path, err, errlen)) == NULL)
		goto fail;
	if (note_signer_vkey(signer, c->log_vkey, sizeof(c->log_vkey)) == -1) {
		snprintf(err, errlen, "%s: cannot format its verifier key",
		    path);
		goto fail;
	}
	if (flags & CENTER_WRITE) {
		center_path(dir, "log/checkpoint.joint", path, sizeof(path));
		c->cp = checkpointer_start(c->log, c->cfg.origin, signer,
		    &c->cfg, path);
		signer = NULL; /* owned by the checkpointer now */
		if (c->cp == NULL) {
			snprintf(err, errlen,
			    "cannot start the checkpointer "
			    "(see above)");
			goto fail;
		}
		if ((c->seq = sequencer_start(c->log, c->store, after_batch,
			 c->cp)) == NULL) {
			snprintf(err, errlen, "cannot start the sequencer");
			goto fail;
		}
		center_path(dir, "store.db", path, sizeof(path));
		if ((c->readers = store_pool_new(c->cfg.store, path,
			 (int)c->cfg.threads + 4)) == NULL) {
			snprintf(err, errlen,
			    "cannot open the store's "
			    "readers");
			goto fail;
		}
		if (record_geography(c, &gd, last, err, errlen) == -1)
			goto fail;
	}
	note_signer_free(signer);
	return c;
fail:
	note_signer_free(signer);
	center_close(c);
	if (store_damage_seen() != damage)
		store_damage_message(dir, err, errlen);
	return NULL;
}

void
center_close(struct center *c)
{
	if (c == NULL)
		return;
	sequencer_stop(c->seq);
	follower_stop(c->follower);
	checkpointer_stop(c->cp);
	store_pool_free(c->readers);
	store_close(c->store);
	fusion_free(c->fusion);
	layers_free(c->geo);
	entrylog_close(c->log);
	free(c);
}

/*
 * A copy of data/ a replay may word with, for one region: its digest, and
 * fusion over it once an entry needs it.
 */
struct replay_copy {
	const char *dir;
	char region[GEODIGEST_REGION_LEN];
	char digest[GEODIGEST_HEX_LEN];
	struct layers *geo;
	struct fusion *fusion;
};

/* center.h: the copies a replay knows (the configured one first, then the
 * others given, each for every region the log names), the log's
 * geographies as scanned so far and the copy each one is worded with. */
struct center_replayer {
	struct replay_copy v[REPLAY_MAX_COPIES];
	size_t n;
	const char *dirs[1 + CENTER_REBUILD_MAX_GEO_DATA];
	size_t ndirs;
	char gdir[PATH_MAX]; /* the configured copy */
	char aliases[sizeof(((struct config *)0)->geo_aliases)];
	struct geopin pin;
	struct replay_copy *use[GEOPIN_MAX_SPANS];
	struct store *store; /* the store fusion was last attached to */
	struct replay_copy *attached;
	struct replay_copy *start; /* in effect at the last check's from */
};

/* The copy of dir for region, its digest computed if new; NULL with err. */
static struct replay_copy *
copy_of(struct center_replayer *r, const char *dir, const char *region,
    char *err, size_t errlen)
{
	struct replay_copy *c;
	struct geodigest gd;
	size_t i;

	for (i = 0; i < r->n; i++)
		if (r->v[i].dir == dir && strcmp(r->v[i].region, region) == 0)
			return &r->v[i];
	if (r->n == REPLAY_MAX_COPIES) {
		snprintf(err, errlen,
		    "geography: more than %d copies of data/ and regions "
		    "to compare",
		    REPLAY_MAX_COPIES);
		return NULL;
	}
	if (geodigest_compute(dir, region, r->aliases, &gd, err, errlen) == -1)
		return NULL;
	c = &r->v[r->n++];
	memset(c, 0, sizeof(*c));
	c->dir = dir;
	/* region may be a span's, inside *r too: gd holds its copy. */
	snprintf(c->region, sizeof(c->region), "%s", gd.region);
	snprintf(c->digest, sizeof(c->digest), "%s", gd.digest);
	return c;
}

/*
 * The copy whose digest is the one span i names, or NULL with a message
 * naming the entries, the digest they were computed with, what the
 * configured copy is and what to do (docs/geography.md).
 */
static struct replay_copy *
copy_for(struct center_replayer *r, size_t i, int64_t size, const char *remedy,
    char *err, size_t errlen)
{
	const struct geopin_span *sp = &r->pin.span[i];
	struct replay_copy *c, *first = NULL;
	char why[512] = "", have[640], nor[80] = "";
	int64_t end = i + 1 < r->pin.n ? r->pin.span[i + 1].from : size;
	size_t d;

	for (d = 0; d < r->ndirs; d++) {
		if ((c = copy_of(r, r->dirs[d], sp->region, why,
			 sizeof(why))) == NULL) {
			if (d == 0)
				continue;
			/* A copy given for this log must be readable. */
			snprintf(err, errlen, "--geo-data %.512s: %s",
			    r->dirs[d], why);
			return NULL;
		}
		if (d == 0)
			first = c;
		if (strcmp(c->digest, sp->digest) == 0)
			return c;
	}
	if (first != NULL)
		snprintf(have, sizeof(have), "geography %s (region %s)",
		    first->digest, first->region);
	else
		snprintf(have, sizeof(have), "unreadable as region %s: %s",
		    sp->region, why);
	if (r->ndirs > 1)
		snprintf(nor, sizeof(nor),
		    ", and none of the %zu copies given with --geo-data is it",
		    r->ndirs - 1);
	snprintf(err, errlen,
	    "geography: log entries %lld to %lld were computed with "
	    "geography %s (region %s, named by entry %lld), but the data in "
	    "%.512s is %s%s; replaying them with it could word or zone "
	    "their incidents differently, so nothing was replayed: %s",
	    (long long)sp->from, (long long)(end - 1), sp->digest, sp->region,
	    (long long)sp->from, r->dirs[0], have, nor, remedy);
	return NULL;
}

struct center_replayer *
center_replayer_new(const struct config *cfg, const char *const *geo_data,
    size_t ngeo_data, char *err, size_t errlen)
{
	struct center_replayer *r;
	struct geodigest gd;
	size_t i;

	if (ngeo_data > CENTER_REBUILD_MAX_GEO_DATA) {
		snprintf(err, errlen, "--geo-data: more than %d copies",
		    CENTER_REBUILD_MAX_GEO_DATA);
		return NULL;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	snprintf(r->aliases, sizeof(r->aliases), "%s", cfg->geo_aliases);
	/* The configured copy is v[0], loaded as a center opening would. */
	if (center_open_fusion(cfg, &r->v[0].geo, &r->v[0].fusion, &gd, r->gdir,
		err, errlen) == -1) {
		free(r);
		return NULL;
	}
	r->n = 1;
	r->dirs[0] = r->gdir;
	r->v[0].dir = r->gdir;
	snprintf(r->v[0].region, sizeof(r->v[0].region), "%s", gd.region);
	snprintf(r->v[0].digest, sizeof(r->v[0].digest), "%s", gd.digest);
	for (i = 0; i < ngeo_data; i++)
		r->dirs[1 + i] = geo_data[i];
	r->ndirs = 1 + ngeo_data;
	return r;
}

struct layers *
center_replayer_layers(struct center_replayer *r)
{
	return r->v[0].geo;
}

void
center_replayer_free(struct center_replayer *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->n; i++) {
		fusion_free(r->v[i].fusion);
		layers_free(r->v[i].geo);
	}
	free(r);
}

/* Attaches copy c's engine (made now if needed) to store, unless it is. */
static int
attach(struct center_replayer *r, struct store *store, struct replay_copy *c,
    char *err, size_t errlen)
{
	if (c->fusion == NULL &&
	    load_fusion(c->dir, c->region, r->aliases, &c->geo, &c->fusion, err,
		errlen) == -1)
		return -1;
	if (r->store != store || r->attached != c) {
		store_set_fusion(store, c->fusion);
		r->store = store;
		r->attached = c;
	}
	return 0;
}

int
center_replayer_check(struct center_replayer *r, struct entrylog *log,
    int64_t from, const char *remedy, char *err, size_t errlen)
{
	int64_t size = entrylog_size(log), end;
	size_t i;

	if (geopin_scan_more(log, size, &r->pin, err, errlen) == -1)
		return -1;
	r->start = &r->v[0];
	for (i = 0; i < r->pin.n; i++) {
		end = i + 1 < r->pin.n ? r->pin.span[i + 1].from : size;
		r->use[i] = NULL;
		if (end > from && r->pin.span[i].fused &&
		    (r->use[i] = copy_for(r, i, size, remedy, err, errlen)) ==
			NULL)
			return -1;
		/* The engine in effect at from; before the log's first
		   geography (an older center's log), the configured one. */
		if (r->pin.span[i].from <= from && r->use[i] != NULL)
			r->start = r->use[i];
	}
	return 0;
}

int
center_replayer_run(struct center_replayer *r, struct entrylog *log,
    struct store *store, int64_t from, int64_t every,
    void (*committed)(void *, int64_t), void *ctx, const char *remedy,
    char *err, size_t errlen)
{
	int64_t pos = from, size = entrylog_size(log);
	size_t i;

	/* Every geography wording an entry of [from, size) has its copy,
	   found before anything is applied. */
	if (center_replayer_check(r, log, from, remedy, err, errlen) == -1)
		return -1;
	if (attach(r, store, r->start, err, errlen) == -1)
		return -1;
	for (i = 0; i < r->pin.n; i++) {
		if (r->pin.span[i].from <= from || r->use[i] == NULL ||
		    r->use[i] == r->attached)
			continue;
		if (replay_range(log, store, pos, r->pin.span[i].from, every,
			committed, ctx, err, errlen) == -1)
			return -1;
		pos = r->pin.span[i].from;
		if (attach(r, store, r->use[i], err, errlen) == -1)
			return -1;
		if (r->use[i] != &r->v[0])
			log_info("replay: entries from %lld on worded with "
				 "geography %s, the data in %s",
			    (long long)pos, r->use[i]->digest, r->use[i]->dir);
	}
	return replay_range(log, store, pos, size, every, committed, ctx, err,
	    errlen);
}

int
center_rebuild(const char *dir, const char *const *geo_data, size_t ngeo_data,
    int64_t *replayed, char *err, size_t errlen)
{
	struct config cfg;
	struct entrylog *log = NULL;
	struct store *store = NULL;
	struct center_replayer *rp = NULL;
	/* Sized so that ".new" and "-wal" after a path cannot truncate. */
	char path[PATH_MAX], tmp[PATH_MAX + 8], side[PATH_MAX + 8];
	int rc = -1;
	const char *suffix[] = { "", "-wal", "-shm" };
	const char *remedy =
	    "rebuild with the data the log names (point geo_data at the "
	    "copy of data/ whose `truce geo digest` it is, and give the "
	    "copy of every other geography the log names with --geo-data "
	    "DIR); the store was left as it was";
	size_t i;

	if (errlen > 0)
		*err = '\0';
	if (center_path(dir, "truce.conf", path, sizeof(path)) == -1 ||
	    config_load(path, &cfg, err, errlen) == -1)
		return -1;
	if ((log = open_log(dir, err, errlen)) == NULL)
		return -1;
	/* Build beside the old store, then swap it in by rename(2). */
	center_path(dir, "store.db", path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	for (i = 0; i < 3; i++) {
		snprintf(side, sizeof(side), "%s%s", tmp, suffix[i]);
		unlink(side);
	}
	if ((rp = center_replayer_new(&cfg, geo_data, ngeo_data, err,
		 errlen)) == NULL)
		goto done;
	/* Bulk: no sync until the end (a failed rebuild leaves only the
	   .new file, removed by the next one), then one fsync. */
	if ((store = store_open(cfg.store, tmp, STORE_BULK)) == NULL) {
		snprintf(err, errlen, "cannot create %s",
		    store_kind_is_file(cfg.store)
			? tmp
			: "the store (PostgreSQL, see "
			  "above)");
		goto done;
	}
	/* A store that is no file (PostgreSQL) is loaded into fresh tables
	   beside it and swapped in at the end (store_bulk_publish): readers
	   see the old store until then, and a failure leaves it. The copies
	   of data/ the log needs are found first, before any work. */
	if (!store_kind_is_file(cfg.store) &&
	    center_replayer_check(rp, log, 0, remedy, err, errlen) == -1)
		goto done;
	if (center_replayer_run(rp, log, store, 0, REPLAY_COMMIT_EVERY, NULL,
		NULL, remedy, err, errlen) == -1)
		goto done;
	if (store_bulk_publish(store) == -1) {
		snprintf(err, errlen,
		    "cannot swap the rebuilt store in (see above); the old "
		    "one is still served");
		goto done;
	}
	store_close(store);
	store = NULL;
	if (!store_kind_is_file(cfg.store)) {
		unlink(tmp);
		*replayed = entrylog_size(log);
		rc = 0;
		goto done;
	}
	if (file_sync(tmp) == -1) {
		snprintf(err, errlen, "fsync %s: %s", tmp, strerror(errno));
		goto done;
	}
	for (i = 1; i < 3; i++) {
		snprintf(side, sizeof(side), "%s%s", path, suffix[i]);
		unlink(side);
	}
	if (rename(tmp, path) == -1 || file_sync_parent(path) == -1) {
		snprintf(err, errlen, "rename %s: %s", tmp, strerror(errno));
		goto done;
	}
	*replayed = entrylog_size(log);
	rc = 0;
done:
	store_close(store);
	center_replayer_free(rp);
	entrylog_close(log);
	return rc;
}
