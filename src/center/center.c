/*
 * center: create, open (with catch-up), rebuild (see center.h).
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "center/center.h"
#include "center/keyfile.h"
#include "common/log.h"
#include "fusion/fusion.h"
#include "geo/layers.h"
#include "ledger/checkpointer.h"
#include "ledger/entrylog.h"
#include "ledger/sequencer.h"
#include "tlog/note.h"
#include "record/canon.h"
#include "record/timefmt.h"
#include "store/store.h"

#define REPLAY_COMMIT_EVERY 20000

int
center_path(const char *dir, const char *name, char *out, size_t outlen)
{
	return (size_t)snprintf(out, outlen, "%s/%s", dir, name) >= outlen
	    ? -1 : 0;
}

/*
 * Loads the geography of cfg and makes the fusion engine over it (both
 * owned by the caller: fusion_free, then layers_free). With region "none"
 * there is no geography: places stay unresolved. -1 with a message.
 */
static int
open_fusion(const struct config *cfg, struct layers **geo,
    struct fusion **fusion, char *err, size_t errlen)
{
	struct fusion_geography g;
	struct layers *l = NULL;
	char dir[PATH_MAX], msg[512];

	memset(&g, 0, sizeof(g));
	if (strcmp(cfg->region, "none") != 0) {
		if (cfg->geo_data[0] != '\0')
			snprintf(dir, sizeof(dir), "%s", cfg->geo_data);
		else if (layers_datadir(dir, sizeof(dir)) == -1) {
			snprintf(err, errlen, "geo_data: the data directory's "
			    "path is too long");
			return -1;
		}
		if ((l = layers_load_region(dir, cfg->region, msg,
			 sizeof(msg))) == NULL) {
			snprintf(err, errlen, "region %s: %s", cfg->region,
			    msg);
			return -1;
		}
		if (cfg->geo_aliases[0] != '\0' &&
		    layers_load_aliases(l, cfg->geo_aliases, msg,
			sizeof(msg)) == -1) {
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

/* Applies log entries [from, size) to the store, committing in chunks. */
static int
replay(struct entrylog *log, struct store *store, int64_t from,
    char *err, size_t errlen)
{
	int64_t size = entrylog_size(log), i;
	uint8_t *bytes = NULL;
	size_t len;
	int in_txn = 0, rc = -1;

	for (i = from; i < size; i++) {
		if (!in_txn) {
			if (store_begin(store) == -1)
				goto fail;
			in_txn = 1;
		}
		if (entrylog_read(log, i, &bytes, &len) == -1) {
			snprintf(err, errlen, "log entry %lld unreadable",
			    (long long)i);
			goto fail;
		}
		if (store_apply_entry(store, i, bytes, len, NULL, err,
			errlen) == -1)
			goto fail;
		free(bytes);
		bytes = NULL;
		if ((i + 1) % REPLAY_COMMIT_EVERY == 0 || i + 1 == size) {
			if (store_commit(store, i + 1) == -1) {
				snprintf(err, errlen, "store commit failed");
				in_txn = 0;
				goto fail;
			}
			in_txn = 0;
		}
	}
	rc = 0;
fail:
	if (in_txn)
		store_rollback(store);
	free(bytes);
	return rc;
}

int
center_create(const char *dir, const struct config *cfg,
    char admin_token[TOKEN_LEN + 1], char *log_vkey, size_t vkeylen,
    char *err, size_t errlen)
{
	struct note_signer *signer = NULL;
	char path[PATH_MAX], *bytes = NULL;
	struct entrylog *log = NULL;
	struct store *store = NULL;
	struct tokens *tokens = NULL;
	struct layers *geo = NULL;
	struct fusion *fusion = NULL;
	struct entrylog_entry e;
	json_t *genesis = NULL, *members;
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
		snprintf(err, errlen, "%s already holds a center; refusing to "
		    "overwrite it", dir);
		return -1;
	}
	if (mkdir(dir, 0755) == -1 && errno != EEXIST) {
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
	center_path(dir, "log", path, sizeof(path));
	if ((log = entrylog_open(path, 1)) == NULL) {
		snprintf(err, errlen, "cannot create the log in %s", path);
		goto done;
	}
	if (entrylog_size(log) != 0) {
		snprintf(err, errlen, "%s already holds log entries; refusing "
		    "to overwrite them", path);
		goto done;
	}
	/* The genesis entry: what the center is, at index 0. */
	members = json_array();
	for (i = 0; i < cfg->nmembers; i++)
		json_array_append_new(members,
		    json_pack("{s:s}", "name", cfg->members[i]));
	genesis = json_pack("{s:s,s:i,s:s,s:s,s:o,s:I}", "type", "genesis",
	    "v", 1, "origin", cfg->origin, "log_key", log_vkey, "members",
	    members, "created_ms", (json_int_t)timefmt_now_ms());
	if (genesis == NULL || canon_encode(genesis, &bytes, &len) == -1) {
		snprintf(err, errlen, "cannot encode the genesis entry");
		goto done;
	}
	e.bytes = (const uint8_t *)bytes;
	e.len = len;
	if (entrylog_append(log, &e, 1) == -1) {
		snprintf(err, errlen, "cannot write the genesis entry");
		goto done;
	}
	if (open_fusion(cfg, &geo, &fusion, err, errlen) == -1)
		goto done;
	center_path(dir, "store.db", path, sizeof(path));
	if ((store = store_open(cfg->store, path, 0)) == NULL) {
		snprintf(err, errlen, "cannot create the store %s", path);
		goto done;
	}
	store_set_fusion(store, fusion);
	if (replay(log, store, 0, err, errlen) == -1)
		goto done;
	center_path(dir, "auth.db", path, sizeof(path));
	if ((tokens = tokens_open(path, 1)) == NULL ||
	    tokens_add(tokens, "admin", ROLE_ADMIN, NULL, admin_token) == -1) {
		snprintf(err, errlen, "cannot create the admin token in %s",
		    path);
		goto done;
	}
	/* Last: the configuration marks the center as complete. */
	center_path(dir, "truce.conf", path, sizeof(path));
	if (config_write(path, cfg) == -1) {
		snprintf(err, errlen, "cannot write %s", path);
		goto done;
	}
	rc = 0;
done:
	free(bytes);
	json_decref(genesis);
	tokens_close(tokens);
	store_close(store);
	fusion_free(fusion);
	layers_free(geo);
	entrylog_close(log);
	return rc;
}

/* The sequencer's hook: sign the new size before answering writes. */
static void
after_batch(void *ctx, int64_t size)
{
	checkpointer_sign(ctx, size);
}

struct center *
center_open(const char *dir, int flags, char *err, size_t errlen)
{
	struct note_signer *signer = NULL;
	struct center *c;
	char path[PATH_MAX];
	int64_t applied;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	snprintf(c->dir, sizeof(c->dir), "%s", dir);
	if (center_path(dir, "truce.conf", path, sizeof(path)) == -1 ||
	    config_load(path, &c->cfg, err, errlen) == -1)
		goto fail;
	center_path(dir, "log", path, sizeof(path));
	if ((c->log = entrylog_open(path, 0)) == NULL) {
		snprintf(err, errlen, "cannot open the log %s (see above)",
		    path);
		goto fail;
	}
	center_path(dir, "store.db", path, sizeof(path));
	if ((c->store = store_open(c->cfg.store, path, 0)) == NULL) {
		snprintf(err, errlen, "cannot open the store %s", path);
		goto fail;
	}
	if (store_applied_size(c->store, &applied) == -1) {
		snprintf(err, errlen, "cannot read the store's applied size");
		goto fail;
	}
	if (applied > entrylog_size(c->log)) {
		snprintf(err, errlen, "the store has applied %lld entries but "
		    "the log holds %lld: run `truce rebuild %s`",
		    (long long)applied, (long long)entrylog_size(c->log), dir);
		goto fail;
	}
	if ((flags & CENTER_WRITE) || applied < entrylog_size(c->log)) {
		/* Every write to the store goes through fusion. */
		if (open_fusion(&c->cfg, &c->geo, &c->fusion, err, errlen) ==
		    -1)
			goto fail;
		store_set_fusion(c->store, c->fusion);
	}
	if (applied < entrylog_size(c->log)) {
		log_info("store catching up with the log: %lld -> %lld",
		    (long long)applied, (long long)entrylog_size(c->log));
		if (replay(c->log, c->store, applied, err, errlen) == -1)
			goto fail;
	}
	center_path(dir, "auth.db", path, sizeof(path));
	if ((c->tokens = tokens_open(path, 0)) == NULL) {
		snprintf(err, errlen, "cannot open %s", path);
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
			snprintf(err, errlen, "cannot start the checkpointer "
			    "(see above)");
			goto fail;
		}
		if ((c->seq = sequencer_start(c->log, c->store, after_batch,
			 c->cp)) == NULL) {
			snprintf(err, errlen, "cannot start the sequencer");
			goto fail;
		}
	}
	note_signer_free(signer);
	return c;
fail:
	note_signer_free(signer);
	center_close(c);
	return NULL;
}

void
center_close(struct center *c)
{
	if (c == NULL)
		return;
	sequencer_stop(c->seq);
	checkpointer_stop(c->cp);
	tokens_close(c->tokens);
	store_close(c->store);
	fusion_free(c->fusion);
	layers_free(c->geo);
	entrylog_close(c->log);
	free(c);
}

int
center_rebuild(const char *dir, int64_t *replayed, char *err, size_t errlen)
{
	struct config cfg;
	struct entrylog *log = NULL;
	struct store *store = NULL;
	struct layers *geo = NULL;
	struct fusion *fusion = NULL;
	char path[PATH_MAX], tmp[PATH_MAX + 8], side[PATH_MAX + 8];
	int rc = -1;
	const char *suffix[] = { "", "-wal", "-shm" };
	size_t i;

	if (center_path(dir, "truce.conf", path, sizeof(path)) == -1 ||
	    config_load(path, &cfg, err, errlen) == -1)
		return -1;
	center_path(dir, "log", path, sizeof(path));
	if ((log = entrylog_open(path, 0)) == NULL) {
		snprintf(err, errlen, "cannot open the log %s (is the center "
		    "being served?)", path);
		return -1;
	}
	/* Build beside the old store, then swap it in by rename(2). */
	center_path(dir, "store.db", path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	for (i = 0; i < 3; i++) {
		snprintf(side, sizeof(side), "%s%s", tmp, suffix[i]);
		unlink(side);
	}
	if (open_fusion(&cfg, &geo, &fusion, err, errlen) == -1)
		goto done;
	if ((store = store_open(cfg.store, tmp, 0)) == NULL) {
		snprintf(err, errlen, "cannot create %s", tmp);
		goto done;
	}
	store_set_fusion(store, fusion);
	if (replay(log, store, 0, err, errlen) == -1)
		goto done;
	store_close(store);
	store = NULL;
	for (i = 1; i < 3; i++) {
		snprintf(side, sizeof(side), "%s%s", path, suffix[i]);
		unlink(side);
	}
	if (rename(tmp, path) == -1) {
		snprintf(err, errlen, "rename %s: %s", tmp, strerror(errno));
		goto done;
	}
	*replayed = entrylog_size(log);
	rc = 0;
done:
	store_close(store);
	fusion_free(fusion);
	layers_free(geo);
	entrylog_close(log);
	return rc;
}
