/*
 * audit: fetch a center's checkpoint, tiles, entries and listing, check
 * them against each other and against the previous audit (see audit.h and
 * docs/audit.md). Specs: C2SP signed-note, tlog-checkpoint,
 * tlog-cosignature, tlog-tiles; RFC 9162 proofs.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "common/clock.h"
#include "audit/audit.h"
#include "common/file.h"
#include "common/jsonmem.h"
#include "common/nomem.h"
#include "audit/fetch.h"
#include "format/obsfeature.h"
#include "geo/geodigest.h"
#include "geo/layers.h"
#include "record/canon.h"
#include "record/geography.h"
#include "fusion/fusion.h"
#include "store/obsdigest.h"
#include "store/statedigest.h"
#include "store/store.h"
#include "tlog/checkpoint.h"
#include "tlog/compact.h"
#include "tlog/merkle.h"
#include "tlog/note.h"
#include "tlog/tile.h"

#define WINDOW 16	   /* entry bundles in flight */
#define PAGE_WINDOW 2	   /* center digests in flight */
#define PAGE_SIZE 1000	   /* the listing's largest page */
#define DIGEST_CHUNK 65536 /* indexes per digest compared */
#define STATE_WINDOW 64	   /* indexes whose state rows are listed */
#define STATE_CHUNK \
	4096		/* indexes per state digest compared: an
			      incident's record costs ~100 us to read, so
			      a chunk answers in well under the stall
			      limit of 30 s */
#define REPLAY_QUEUE 32 /* checked bundles waiting for the replay */
#define CONNECTIONS 6
#define MAX_NOTE NOTE_MAX_SIZE
#define MAX_PROOF_JSON 65536
#define MAX_BUNDLE ((size_t)TILE_WIDTH * (2 + TILE_ENTRY_MAX))
#define MAX_PAGE ((size_t)64 << 20)
#define TILE_LEVELS 8 /* hash tile levels above 0 we check */
#define STATE_MAGIC "truce-audit-bundles 1\n"

enum tagkind { TAG_BUNDLE, TAG_TILE, TAG_PAGE };

/* A checked bundle on its way to the replay thread, which frees it. */
struct job {
	int64_t base; /* index of its first entry */
	int count;
	uint8_t *body; /* the bundle the entries point into */
	struct tile_entry entries[TILE_WIDTH];
	json_t *parsed[TILE_WIDTH];
	char bpath[TILE_PATH_MAX];
	/* Fusion engines to attach before entries switch_at[k] (a
	   geography the log names from there on). */
	struct fusion *switch_fusion[4];
	int switch_at[4];
	int nswitch;
	struct job *next; /* on the spent list */
};

/* The center's digest of one chunk of DIGEST_CHUNK indexes. */
struct chunk_digest {
	uint8_t digest[OBSDIGEST_SIZE];
	int64_t count;
};

/* An observation as the center lists it. */
struct listed {
	int64_t index;
	uint8_t id[32];
	char *feature; /* as listed, re-dumped with OBSFEATURE_JSON_FLAGS */
};

/* One bundle's pair of transfers. */
struct slot {
	int64_t n;
	struct fetch_reply bundle, tile;
	int have_bundle, have_tile;
};

/* The cached hash tile of one level above 0 (the one being compared). */
struct upper {
	int valid;
	int64_t n;
	int width;
	uint8_t data[TILE_FULL_BYTES];
};

struct audit {
	const struct audit_options *o;
	struct audit_summary *sum;
	char *err;
	size_t errlen;
	struct fetch *f;
	struct audit_keys keys;
	/* The joint checkpoint. */
	char *note;
	int64_t size;
	uint8_t root[MERKLE_HASH_SIZE];
	char origin[CHECKPOINT_ORIGIN_MAX + 1];
	/* The previous audit's, from the state directory. */
	int state_lock;
	int has_old;
	int64_t old_size;
	uint8_t old_root[MERKLE_HASH_SIZE];
	uint8_t (*old_bundles)[MERKLE_HASH_SIZE];	/* old_size / 256 */
	uint8_t old_tail[TILE_WIDTH][MERKLE_HASH_SIZE]; /* old_size % 256 */
	int has_old_bundles;
	/* The tree being rebuilt. */
	struct compact tree;
	uint8_t (*bundles)[MERKLE_HASH_SIZE]; /* size / 256 level-8 hashes */
	uint8_t tail[TILE_WIDTH][MERKLE_HASH_SIZE]; /* size % 256 leaves */
	uint8_t old_bundle_leaves[TILE_WIDTH][MERKLE_HASH_SIZE];
	uint8_t root_at_old[MERKLE_HASH_SIZE];
	uint8_t first_leaf[MERKLE_HASH_SIZE], last_leaf[MERKLE_HASH_SIZE];
	const uint8_t *tile0; /* this bundle's level-0 tile */
	struct upper upper[TILE_LEVELS];
	/* The first tile hash that differs from the recomputed one. */
	int mismatch;
	int mismatch_level; /* tile level */
	int64_t mismatch_n; /* subtree index at 8 * level */
	char mismatch_tile[TILE_PATH_MAX];
	char mismatch_bundle[TILE_PATH_MAX];
	/* The replay: a thread of its own applies the bundles the walk has
	   checked, in order, through this queue; until it is joined only it
	   touches the store, replayed and the replay_ fields. */
	struct store *store;
	/* A second connection to the same scratch store, read by
	   compare_state's second thread once the replay has committed; NULL:
	   compare_state reads a->store alone. */
	struct store *store2;
	pthread_t replayer;
	int replayer_started;
	pthread_mutex_t qmu;
	pthread_cond_t qput, qtake;
	struct job *queue[REPLAY_QUEUE];
	size_t qhead, qlen;
	int qclosed, qabort;
	struct job *spent; /* replayed, for the walk to free */
	atomic_int replay_failed;
	enum audit_outcome replay_outcome;
	char replay_err[1024];
	int64_t replayed;
	double tree_start, tree_done; /* the replay's last entry */
	/* The center's listing of one window, where digests differ. */
	struct listed *listed;
	size_t nlisted;
	/* The center's digests, chunk by chunk, are fetched by their own
	   thread over its own connections while the walk hashes and
	   replays: only that thread writes center[] and the fields below
	   until it is joined. Its failure waits for step 5, so that a fault
	   in the log itself (steps 3 and 4) is the one reported. */
	struct chunk_digest *center;
	int64_t nchunks;
	/* The center's state digests (store/statedigest.h), kind by kind,
	   chunk by chunk (state[k * nschunks + chunk]), after the
	   observations'; none with observations_only. */
	struct chunk_digest *state;
	int64_t nschunks; /* of STATE_CHUNK indexes */
	int nkinds;
	struct fetch *lf;
	pthread_t lister;
	int lister_started;
	atomic_int list_stop;
	enum audit_outcome list_outcome;
	char list_err[1024];
	/* The geography the log names (record/geography.h), against the
	   audit's own data: a difference is reported at the first entry
	   fusion words with it. Walking thread only. */
	struct geodigest geo[AUDIT_MAX_GEO_DATA]; /* of each copy of data/ */
	const char *geo_dir[AUDIT_MAX_GEO_DATA];
	size_t ngeo_dirs;
	char geo_now[GEODIGEST_HEX_LEN]; /* the geography fusion is on */
	char default_data[PATH_MAX];	 /* data/, without --geo-data */
	char geo_pending[2048];		 /* "" or the difference */
	/* Fusion over each geography the log names, made by the walk when
	   it checks the entry naming it and attached by the replay before
	   that entry (fusion_attach: not yet handed over); fusion is the
	   latest. */
	struct layers *geo_layers[AUDIT_MAX_GEOGRAPHIES];
	struct fusion *geo_fusion[AUDIT_MAX_GEOGRAPHIES];
	size_t ngeo_engines;
	struct fusion *fusion;
	int fusion_attach;
	/* The first failure. */
	enum audit_outcome outcome;
};

/* Records the first failure; returns -1 so callers can `return fail()`. */
static int __attribute__((format(printf, 3, 4)))
fail(struct audit *a, enum audit_outcome kind, const char *fmt, ...)
{
	va_list ap;

	if (a->outcome != AUDIT_OK)
		return -1;
	a->outcome = kind;
	va_start(ap, fmt);
	vsnprintf(a->err, a->errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static void
hash_b64(const uint8_t h[MERKLE_HASH_SIZE], char out[MERKLE_BASE64_SIZE])
{
	merkle_hash_to_base64(h, out);
}

enum audit_outcome
audit_reply_check(const struct fetch_reply *r, const char *what, char *err,
    size_t errlen)
{
	if (r->status == 200 && r->body != NULL)
		return AUDIT_OK;
	if (r->status == 0) {
		snprintf(err, errlen, "%s: GET %s: %s", what, r->path,
		    r->error);
		return AUDIT_INCOMPLETE;
	}
	snprintf(err, errlen, "%s: GET %s answered %ld: %.200s", what, r->path,
	    r->status, r->body ? (const char *)r->body : "");
	return r->status >= 500 ? AUDIT_INCOMPLETE : AUDIT_FAILED;
}

/* Checks a reply (audit_reply_check); what names the resource. */
static int
reply_ok(struct audit *a, const struct fetch_reply *r, const char *what)
{
	char why[FETCH_URL_MAX + 512];
	enum audit_outcome k;

	if ((k = audit_reply_check(r, what, why, sizeof(why))) == AUDIT_OK)
		return 0;
	return fail(a, k, "%s", why);
}

/* Opens a signed checkpoint note and parses its text. */
static struct checkpoint *
open_checkpoint(struct audit *a, const char *what, const uint8_t *msg,
    size_t len, const struct note_verifier *const *known, size_t nknown,
    struct note **out)
{
	struct checkpoint *c = NULL;
	struct note *n;
	enum note_error e;
	char err[300];
	const uint8_t *text;
	size_t tlen;

	if ((n = note_open(msg, len, known, nknown, &e, err, sizeof(err))) ==
	    NULL) {
		fail(a, AUDIT_FAILED, "%s: %s", what,
		    e == NOTE_NO_VERIFIABLE ? "not signed by the log key"
					    : err);
		return NULL;
	}
	text = note_text(n, &tlen);
	if ((c = checkpoint_parse(text, tlen, err, sizeof(err))) == NULL) {
		fail(a, AUDIT_FAILED, "%s: %s", what, err);
		note_free(n);
		return NULL;
	}
	*out = n;
	return c;
}

int
audit_verify_joint(const uint8_t *msg, size_t len,
    const struct note_verifier *log_v, const struct note_verifier *const *wit_v,
    size_t nwit, size_t quorum, int64_t *size, uint8_t root[MERKLE_HASH_SIZE],
    size_t *cosignatures, char *err, size_t errlen)
{
	const struct note_verifier *known[1 + AUDIT_MAX_WITNESSES];
	struct checkpoint *c = NULL;
	struct note *n = NULL;
	enum note_error e;
	const uint8_t *text;
	size_t i, j, tlen, have = 0;
	int found, rc = -1;
	char why[300];

	if (nwit > AUDIT_MAX_WITNESSES || quorum > nwit) {
		snprintf(err, errlen, "checkpoint: quorum %zu of %zu keys",
		    quorum, nwit);
		return -1;
	}
	known[0] = log_v;
	for (i = 0; i < nwit; i++)
		known[1 + i] = wit_v[i];
	if ((n = note_open(msg, len, known, 1 + nwit, &e, why, sizeof(why))) ==
	    NULL) {
		snprintf(err, errlen, "checkpoint: %s",
		    e == NOTE_NO_VERIFIABLE ? "not signed by the log key"
					    : why);
		goto done;
	}
	text = note_text(n, &tlen);
	if ((c = checkpoint_parse(text, tlen, why, sizeof(why))) == NULL) {
		snprintf(err, errlen, "checkpoint: %s", why);
		goto done;
	}
	found = 0;
	for (j = 0; j < note_verified_count(n); j++)
		if (note_verified_key(n, j) == log_v)
			found = 1;
	if (!found) {
		snprintf(err, errlen,
		    "checkpoint: the log's signature (%s) is missing",
		    note_verifier_name(log_v));
		goto done;
	}
	if (strcmp(checkpoint_origin(c), note_verifier_name(log_v)) != 0) {
		snprintf(err, errlen,
		    "checkpoint: origin '%.200s' is not the log key's name "
		    "'%s'",
		    checkpoint_origin(c), note_verifier_name(log_v));
		goto done;
	}
	for (i = 0; i < nwit; i++) {
		found = 0;
		for (j = 0; j < note_verified_count(n); j++)
			if (note_verified_key(n, j) == wit_v[i])
				found = 1;
		if (found)
			have++;
		else if (quorum == nwit) {
			snprintf(err, errlen,
			    "checkpoint: cosignature of %s missing",
			    note_verifier_name(wit_v[i]));
			goto done;
		}
	}
	if (have < quorum) {
		snprintf(err, errlen,
		    "checkpoint: cosigned by %zu of the given witnesses, the "
		    "quorum is %zu",
		    have, quorum);
		goto done;
	}
	*size = checkpoint_size(c);
	memcpy(root, checkpoint_root(c), MERKLE_HASH_SIZE);
	*cosignatures = have;
	rc = 0;
done:
	checkpoint_free(c);
	note_free(n);
	return rc;
}

/* Step 1: the joint checkpoint, its signature and cosignatures. */
static int
check_joint(struct audit *a)
{
	struct fetch_reply r;
	char why[1024];
	size_t have;
	int rc = -1;

	if (fetch_get(a->f, "/checkpoint", MAX_NOTE, &r) == -1)
		return fail(a, AUDIT_INCOMPLETE, "checkpoint: %s", r.error);
	if (reply_ok(a, &r, "checkpoint") == -1)
		goto done;
	if (audit_verify_joint(r.body, r.len, a->keys.log_v,
		(const struct note_verifier *const *)a->keys.wit_v,
		a->keys.nwit, a->keys.quorum, &a->size, a->root, &have, why,
		sizeof(why)) == -1) {
		fail(a, AUDIT_FAILED, "%s", why);
		goto done;
	}
	if (a->size > AUDIT_MAX_ENTRIES) {
		fail(a, AUDIT_INCOMPLETE,
		    "checkpoint: size %lld is over the "
		    "audit's limit of %lld entries",
		    (long long)a->size, (long long)AUDIT_MAX_ENTRIES);
		goto done;
	}
	/* The origin is the log key's name (checked above). */
	snprintf(a->origin, sizeof(a->origin), "%s",
	    note_verifier_name(a->keys.log_v));
	a->sum->cosignatures = have;
	a->sum->size = a->size;
	snprintf(a->sum->origin, sizeof(a->sum->origin), "%s", a->origin);
	hash_b64(a->root, a->sum->root);
	if ((a->note = strndup((const char *)r.body, r.len)) == NULL) {
		fail(a, AUDIT_INCOMPLETE, "out of memory");
		goto done;
	}
	rc = 0;
done:
	free(r.body);
	return rc;
}

/* Reads a whole small file; 1 read, 0 missing, -1 error (reported). */
static int
read_file(struct audit *a, const char *path, size_t max, uint8_t **out,
    size_t *len)
{
	struct stat st;
	uint8_t *buf = NULL;
	ssize_t r;
	size_t got = 0;
	int fd, rc = -1;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			return 0;
		return fail(a, AUDIT_INCOMPLETE, "%s: %s", path,
		    strerror(errno));
	}
	if (fstat(fd, &st) == -1 || st.st_size < 0 ||
	    (size_t)st.st_size > max) {
		fail(a, AUDIT_INCOMPLETE,
		    "%s: unreadable or over the limit "
		    "of %zu bytes",
		    path, max);
		goto done;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		fail(a, AUDIT_INCOMPLETE, "out of memory");
		goto done;
	}
	while (got < (size_t)st.st_size) {
		r = read(fd, buf + got, (size_t)st.st_size - got);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0) {
			fail(a, AUDIT_INCOMPLETE, "%s: read: %s", path,
			    r == 0 ? "short" : strerror(errno));
			goto done;
		}
		got += (size_t)r;
	}
	buf[got] = '\0';
	*out = buf;
	*len = got;
	buf = NULL;
	rc = 1;
done:
	free(buf);
	close(fd);
	return rc;
}

static int
state_path(struct audit *a, const char *name, char *out, size_t outlen)
{
	if ((size_t)snprintf(out, outlen, "%s/%s", a->o->state_dir, name) >=
	    outlen)
		return fail(a, AUDIT_USAGE, "--state: path too long");
	return 0;
}

static uint64_t
get_be64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static void
put_be64(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--) {
		p[i] = (uint8_t)v;
		v >>= 8;
	}
}

/*
 * Step 2: the state directory: locks it, loads the previous audit's
 * checkpoint (it must verify with the log key) and its bundle hashes, and
 * refuses a joint checkpoint smaller than the saved one.
 */
static int
load_state(struct audit *a)
{
	const struct note_verifier *known[1] = { a->keys.log_v };
	char path[PATH_MAX];
	uint8_t *buf = NULL, *bb = NULL;
	size_t len, blen, nfull, ntail, magic = sizeof(STATE_MAGIC) - 1;
	struct checkpoint *c = NULL;
	struct note *n = NULL;
	int r, rc = -1;

	if (mkdir(a->o->state_dir, 0700) == -1 && errno != EEXIST)
		return fail(a, AUDIT_USAGE, "--state: %s: %s", a->o->state_dir,
		    strerror(errno));
	if (state_path(a, "lock", path, sizeof(path)) == -1)
		return -1;
	if ((a->state_lock = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) ==
		-1 ||
	    flock(a->state_lock, LOCK_EX | LOCK_NB) == -1)
		return fail(a, AUDIT_USAGE,
		    "--state: %s is in use by another "
		    "audit (or unwritable)",
		    a->o->state_dir);
	if (state_path(a, "checkpoint", path, sizeof(path)) == -1 ||
	    (r = read_file(a, path, MAX_NOTE, &buf, &len)) == -1)
		return -1;
	if (r == 0)
		return 0; /* the first audit with this state */
	if ((c = open_checkpoint(a, path, buf, len, known, 1, &n)) == NULL) {
		a->outcome = AUDIT_USAGE; /* the state, not the center */
		goto done;
	}
	if (strcmp(checkpoint_origin(c), a->origin) != 0) {
		fail(a, AUDIT_USAGE,
		    "%s: a checkpoint of '%.200s', not of "
		    "'%s'",
		    path, checkpoint_origin(c), a->origin);
		goto done;
	}
	a->has_old = 1;
	a->old_size = checkpoint_size(c);
	memcpy(a->old_root, checkpoint_root(c), MERKLE_HASH_SIZE);
	a->sum->previous_size = a->old_size;
	if (a->size < a->old_size) {
		fail(a, AUDIT_FAILED,
		    "inconsistent with the checkpoint of size "
		    "%lld saved in %s: the center's joint checkpoint has only "
		    "%lld entries (entry %lld is the first missing)",
		    (long long)a->old_size, a->o->state_dir, (long long)a->size,
		    (long long)a->size);
		goto done;
	}
	/* The bundle hashes, to say where a rewritten history differs. */
	nfull = (size_t)(a->old_size / TILE_WIDTH);
	ntail = (size_t)(a->old_size % TILE_WIDTH);
	if (state_path(a, "bundles", path, sizeof(path)) == -1 ||
	    (r = read_file(a, path,
		 magic + 8 + (nfull + ntail) * MERKLE_HASH_SIZE, &bb, &blen)) ==
		-1) {
		a->outcome = AUDIT_OK; /* optional: go on without */
		a->err[0] = '\0';
		r = 0;
	}
	if (r == 1 && blen == magic + 8 + (nfull + ntail) * MERKLE_HASH_SIZE &&
	    memcmp(bb, STATE_MAGIC, magic) == 0 &&
	    get_be64(bb + magic) == (uint64_t)a->old_size &&
	    (a->old_bundles = malloc(nfull ? nfull * MERKLE_HASH_SIZE : 1)) !=
		NULL) {
		memcpy(a->old_bundles, bb + magic + 8,
		    nfull * MERKLE_HASH_SIZE);
		memcpy(a->old_tail, bb + magic + 8 + nfull * MERKLE_HASH_SIZE,
		    ntail * MERKLE_HASH_SIZE);
		a->has_old_bundles = 1;
	}
	rc = 0;
done:
	free(bb);
	free(buf);
	checkpoint_free(c);
	note_free(n);
	return rc;
}

static void *
tag_of(int64_t n, enum tagkind k)
{
	return (void *)(uintptr_t)(((uint64_t)n << 2 | (uint64_t)k) + 1);
}

static void
untag(void *tag, int64_t *n, enum tagkind *k)
{
	uint64_t v = (uint64_t)(uintptr_t)tag - 1;

	*n = (int64_t)(v >> 2);
	*k = (enum tagkind)(v & 3);
}

/* The hash tile (level, n) of the audited tree. */
static void
tile_of(struct audit *a, int level, int64_t n, struct tile *t)
{
	if (tile_for_size(level, n, a->size, t) == -1) {
		t->level = level;
		t->n = n;
		t->width = TILE_WIDTH;
	}
}

static int
queue_bundle(struct audit *a, int64_t n)
{
	struct tile t;
	char path[TILE_PATH_MAX + 1], err[256];

	tile_of(a, 0, n, &t);
	path[0] = '/';
	t.level = TILE_LEVEL_ENTRIES;
	tile_path_format(&t, path + 1, sizeof(path) - 1);
	if (fetch_queue(a->f, path, MAX_BUNDLE, tag_of(n, TAG_BUNDLE), err,
		sizeof(err)) == -1)
		return fail(a, AUDIT_INCOMPLETE, "%s", err);
	t.level = 0;
	tile_path_format(&t, path + 1, sizeof(path) - 1);
	if (fetch_queue(a->f, path, TILE_FULL_BYTES, tag_of(n, TAG_TILE), err,
		sizeof(err)) == -1)
		return fail(a, AUDIT_INCOMPLETE, "%s", err);
	return 0;
}

/* Records the digest thread's first failure (its fail()). */
static int __attribute__((format(printf, 3, 4)))
lfail(struct audit *a, enum audit_outcome kind, const char *fmt, ...)
{
	va_list ap;

	if (a->list_outcome != AUDIT_OK)
		return -1;
	a->list_outcome = kind;
	va_start(ap, fmt);
	vsnprintf(a->list_err, sizeof(a->list_err), fmt, ap);
	va_end(ap);
	return -1;
}

/* The path of the center's digest of the observations in [lo, hi). */
static void
digest_path(int64_t lo, int64_t hi, char *path, size_t len)
{
	snprintf(path, len, "/v1/observations/digest?from=%lld&to=%lld",
	    (long long)lo, (long long)hi);
}

/* The path of the center's digest of the state rows of kind k in [lo, hi)
 * at the audited size (with rows: and the rows). */
static void
state_digest_path(struct audit *a, int k, int64_t lo, int64_t hi, int rows,
    char *path, size_t len)
{
	snprintf(path, len,
	    "/v1/state/digest?kind=%s&from=%lld&to=%lld&"
	    "size=%lld%s",
	    statedigest_kind_name(k), (long long)lo, (long long)hi,
	    (long long)a->size, rows ? "&rows=1" : "");
}

/*
 * Reads a digest answer (GET /v1/observations/digest, docs/api.md) for
 * [lo, hi) into d and *count. 0, or -1 with the outcome in *kind and the
 * reason in msg.
 */
static int
parse_digest_of(const char *what, const struct fetch_reply *r, int64_t lo,
    int64_t hi, int64_t maxcount, uint8_t d[OBSDIGEST_SIZE], int64_t *count,
    enum audit_outcome *kind, char *msg, size_t msglen)
{
	json_t *doc;
	json_error_t je;
	json_int_t from, to, n;
	const char *hex;
	int rc = -1;

	*kind = AUDIT_FAILED;
	if (r->status == 0 || r->body == NULL) {
		*kind = AUDIT_INCOMPLETE;
		snprintf(msg, msglen, "%s: GET %.300s: %s", what, r->path,
		    r->error);
		return -1;
	}
	if (r->status != 200) {
		/* 409: the center's state is past the audited size (it took
		   writes meanwhile); no evidence, audit again. */
		if (r->status >= 500 || r->status == 409)
			*kind = AUDIT_INCOMPLETE;
		snprintf(msg, msglen,
		    "%s: GET %.300s answered %ld: "
		    "%.200s",
		    what, r->path, r->status, (const char *)r->body);
		return -1;
	}
	if ((doc = json_loadb((const char *)r->body, r->len, 0, &je)) == NULL) {
		snprintf(msg, msglen, "%s: GET %.300s: not JSON: %s", what,
		    r->path, je.text);
		return -1;
	}
	if (json_unpack(doc, "{s:I,s:I,s:I,s:s}", "from", &from, "to", &to,
		"count", &n, "digest", &hex) != 0 ||
	    from != lo || to != hi || n < 0 || n > maxcount ||
	    strlen(hex) != 2 * OBSDIGEST_SIZE ||
	    sodium_hex2bin(d, OBSDIGEST_SIZE, hex, 2 * OBSDIGEST_SIZE, NULL,
		NULL, NULL) != 0) {
		snprintf(msg, msglen,
		    "%s: GET %.300s: not a digest of "
		    "indexes [%lld, %lld) ({\"from\",\"to\",\"count\","
		    "\"digest\": 64 hex})",
		    what, r->path, (long long)lo, (long long)hi);
		goto done;
	}
	*count = n;
	rc = 0;
done:
	json_decref(doc);
	return rc;
}

static int
parse_digest(const struct fetch_reply *r, int64_t lo, int64_t hi,
    uint8_t d[OBSDIGEST_SIZE], int64_t *count, enum audit_outcome *kind,
    char *msg, size_t msglen)
{
	return parse_digest_of("observations", r, lo, hi, hi - lo, d, count,
	    kind, msg, msglen);
}

/* What digest thread request t asks for: kind *k (-1: the observations)
 * over [*lo, *hi). */
static void
request_range(const struct audit *a, int64_t t, int *k, int64_t *lo,
    int64_t *hi)
{
	int64_t chunk = DIGEST_CHUNK;

	if (t < a->nchunks)
		*k = -1;
	else {
		t -= a->nchunks;
		*k = (int)(t / a->nschunks);
		t %= a->nschunks;
		chunk = STATE_CHUNK;
	}
	*lo = t * chunk;
	*hi = *lo + chunk < a->size ? *lo + chunk : a->size;
}

/*
 * The digest thread: the center's digest of every chunk of DIGEST_CHUNK
 * indexes below the audited size, PAGE_WINDOW in flight: the
 * observations' into a->center, then each state kind's into a->state.
 * Request t < nchunks is chunk t of the observations, then request
 * nchunks + u is chunk u % nschunks (of STATE_CHUNK) of kind u / nschunks.
 */
static void *
digest_run(void *arg)
{
	struct audit *a = arg;
	struct fetch_reply r;
	enum audit_outcome kind;
	enum tagkind tk;
	struct chunk_digest *c;
	char path[256], err[1024];
	int64_t total = a->nchunks + a->nschunks * a->nkinds;
	int64_t queued = 0, done = 0, t, lo, hi;
	int k;

	pthread_setname_np(pthread_self(), "audit-digests");
	while (done < total && a->list_outcome == AUDIT_OK &&
	    !atomic_load(&a->list_stop)) {
		while (queued < total && queued < done + PAGE_WINDOW) {
			request_range(a, queued, &k, &lo, &hi);
			if (k < 0)
				digest_path(lo, hi, path, sizeof(path));
			else
				state_digest_path(a, k, lo, hi, 0, path,
				    sizeof(path));
			if (fetch_queue(a->lf, path, MAX_PROOF_JSON,
				tag_of(queued, TAG_PAGE), err,
				sizeof(err)) == -1) {
				lfail(a, AUDIT_INCOMPLETE, "%s: %s",
				    k < 0 ? "observations"
					  : statedigest_kind_name(k),
				    err);
				return NULL;
			}
			queued++;
		}
		if (fetch_next(a->lf, &r) == 0) {
			lfail(a, AUDIT_INCOMPLETE,
			    "digests: transfers "
			    "lost");
			return NULL;
		}
		untag(r.tag, &t, &tk);
		done++;
		request_range(a, t, &k, &lo, &hi);
		if (k < 0) {
			c = &a->center[t];
			if (parse_digest(&r, lo, hi, c->digest, &c->count,
				&kind, err, sizeof(err)) == -1)
				lfail(a, kind, "%s", err);
		} else {
			c = &a->state[t - a->nchunks];
			if (parse_digest_of(statedigest_kind_name(k), &r, lo,
				hi, INT64_MAX, c->digest, &c->count, &kind, err,
				sizeof(err)) == -1)
				lfail(a, kind, "%s", err);
		}
		free(r.body);
	}
	return NULL;
}

/* Stops (if stop) and joins the digest thread. */
static void
list_join(struct audit *a, int stop)
{
	if (!a->lister_started)
		return;
	if (stop)
		atomic_store(&a->list_stop, 1);
	pthread_join(a->lister, NULL);
	a->lister_started = 0;
}

/* The level-L hash tile holding subtree n of Merkle level 8L, cached. */
static const uint8_t *
upper_tile(struct audit *a, int level, int64_t n, char *path, size_t pathlen)
{
	struct upper *u = &a->upper[level];
	struct fetch_reply r;
	struct tile t;
	char p[TILE_PATH_MAX + 1];

	tile_of(a, level, n / TILE_WIDTH, &t);
	p[0] = '/';
	tile_path_format(&t, p + 1, sizeof(p) - 1);
	snprintf(path, pathlen, "%s", p + 1);
	if (u->valid && u->n == t.n && u->width == t.width)
		return u->data;
	u->valid = 0;
	if (fetch_get(a->f, p, TILE_FULL_BYTES, &r) == -1) {
		fail(a, AUDIT_INCOMPLETE, "%s: %s", path, r.error);
		return NULL;
	}
	if (reply_ok(a, &r, path) == -1) {
		free(r.body);
		return NULL;
	}
	if (r.len != (size_t)t.width * MERKLE_HASH_SIZE) {
		fail(a, AUDIT_FAILED, "%s: %d hashes expected, got %zu bytes",
		    path, t.width, r.len);
		free(r.body);
		return NULL;
	}
	memcpy(u->data, r.body, r.len);
	free(r.body);
	u->valid = 1;
	u->n = t.n;
	u->width = t.width;
	return u->data;
}

/*
 * compact_visit_fn: every complete subtree as the rebuilt tree grows.
 * Compares leaves with the level-0 tile and level-8L subtrees with tile L,
 * keeps the bundle hashes for the state, and the leaves of the bundle the
 * previous audit ended in.
 */
static int
visit(void *ctx, int level, int64_t n, const uint8_t hash[MERKLE_HASH_SIZE])
{
	struct audit *a = ctx;
	const uint8_t *tile;
	char path[TILE_PATH_MAX];
	int64_t pos = n % TILE_WIDTH;

	if (level == 0) {
		if (a->has_old && n / TILE_WIDTH == a->old_size / TILE_WIDTH)
			memcpy(a->old_bundle_leaves[pos], hash,
			    MERKLE_HASH_SIZE);
		if (n / TILE_WIDTH == a->size / TILE_WIDTH)
			memcpy(a->tail[pos], hash, MERKLE_HASH_SIZE);
		if (n == 0)
			memcpy(a->first_leaf, hash, MERKLE_HASH_SIZE);
		if (n == a->size - 1)
			memcpy(a->last_leaf, hash, MERKLE_HASH_SIZE);
		if (!a->mismatch &&
		    memcmp(a->tile0 + pos * MERKLE_HASH_SIZE, hash,
			MERKLE_HASH_SIZE) != 0) {
			a->mismatch = 1;
			a->mismatch_level = 0;
			a->mismatch_n = n;
		}
		return 0;
	}
	if (level == TILE_HEIGHT)
		memcpy(a->bundles[n], hash, MERKLE_HASH_SIZE);
	if (level % TILE_HEIGHT != 0 || level / TILE_HEIGHT >= TILE_LEVELS ||
	    a->mismatch)
		return 0;
	if ((tile = upper_tile(a, level / TILE_HEIGHT, n, path,
		 sizeof(path))) == NULL)
		return -1;
	if (memcmp(tile + pos * MERKLE_HASH_SIZE, hash, MERKLE_HASH_SIZE) !=
	    0) {
		a->mismatch = 1;
		a->mismatch_level = level / TILE_HEIGHT;
		a->mismatch_n = n;
		snprintf(a->mismatch_tile, sizeof(a->mismatch_tile), "%s",
		    path);
	}
	return 0;
}

/*
 * Fusion over the geography the log names, in dir, for the replay: made
 * at each geography entry that names another geography than the one in
 * effect (the genesis, a center started on other data) and handed to the
 * replay with the entry naming it, so that the entries after it are
 * worded with it, as the center did. Only when the state is compared.
 */
static int
open_fusion(struct audit *a, const char *dir, const char *region)
{
	struct fusion_geography g;
	struct layers *l = NULL;
	char msg[512];

	if (a->nkinds == 0)
		return 0;
	if (a->ngeo_engines == AUDIT_MAX_GEOGRAPHIES)
		return fail(a, AUDIT_INCOMPLETE,
		    "geography: the log names more than %d geographies",
		    AUDIT_MAX_GEOGRAPHIES);
	memset(&g, 0, sizeof(g));
	if (strcmp(region, "none") != 0) {
		if ((l = layers_load_region(dir, region, msg, sizeof(msg))) ==
		    NULL)
			return fail(a, AUDIT_INCOMPLETE,
			    "geography: region %s: %s", region, msg);
		a->geo_layers[a->ngeo_engines] = l;
		if (a->o->geo_aliases != NULL &&
		    layers_load_aliases(l, a->o->geo_aliases, msg,
			sizeof(msg)) == -1) {
			a->ngeo_engines++;
			return fail(a, AUDIT_INCOMPLETE, "--geo-aliases: %s",
			    msg);
		}
		g.gazetteer = layers_gazetteer(l);
		g.zones = layers_zones(l, &g.nzones);
		g.lines = layers_lines(l, &g.nlines);
	}
	a->fusion = a->geo_fusion[a->ngeo_engines] = fusion_new(&g);
	a->ngeo_engines++;
	if (a->fusion == NULL)
		return fail(a, AUDIT_INCOMPLETE, "out of memory");
	a->fusion_attach = 1;
	return 0;
}

/*
 * Step 4's geography check for one entry (docs/geography.md): a genesis or
 * `geography` entry names the geography of the entries after it, which
 * must be the audit's own (--geo-data) once one of them is worded by
 * fusion with it; the replay would otherwise word incidents differently.
 */
static int
check_geography(struct audit *a, int64_t index, const uint8_t *bytes,
    size_t len, const json_t *e, const char *bundle)
{
	const char *digest, *region;
	char why[512], first_why[512] = "";
	struct geodigest *g;
	size_t i;
	int r;

	if (a->geo_pending[0] != '\0' && geography_fused(bytes, len))
		return fail(a, AUDIT_INCOMPLETE, "entry %lld (%s): %s",
		    (long long)index, bundle, a->geo_pending);
	if (a->nkinds > 0 && a->fusion == NULL && a->geo_pending[0] == '\0' &&
	    geography_fused(bytes, len))
		return fail(a, AUDIT_INCOMPLETE,
		    "entry %lld (%s): fusion acts on it, but the log names no "
		    "geography before it (a log of an older center): its "
		    "state cannot be replayed as the center made it; audit "
		    "with --observations-only",
		    (long long)index, bundle);
	if (!geography_maybe(bytes, len))
		return 0;
	if ((r = geography_read(e, &digest, &region, why, sizeof(why))) == -1)
		return fail(a, AUDIT_FAILED, "entry %lld (%s): %s",
		    (long long)index, bundle, why);
	if (r == 0)
		return 0;
	a->geo_pending[0] = '\0';
	if (strcmp(a->geo_now, digest) == 0)
		return 0; /* the same geography again (a restart) */
	/* The copy of data/ whose digest is the one named; the first given
	   (or data/) is the one a difference is reported against. */
	for (i = 0; i < a->ngeo_dirs; i++) {
		g = &a->geo[i];
		if (strcmp(g->region, region) != 0 || g->digest[0] == '\0') {
			if (geodigest_compute(a->geo_dir[i], region,
				a->o->geo_aliases, g, why, sizeof(why)) == -1) {
				memset(g, 0, sizeof(*g));
				if (i == 0)
					snprintf(first_why, sizeof(first_why),
					    "%s", why);
				continue;
			}
		}
		if (strcmp(g->digest, digest) == 0) {
			snprintf(a->geo_now, sizeof(a->geo_now), "%s", digest);
			return open_fusion(a, a->geo_dir[i], region);
		}
	}
	if (a->geo[0].digest[0] == '\0')
		snprintf(a->geo_pending, sizeof(a->geo_pending),
		    "geography: entry %lld names geography %s (region "
		    "%s), which this audit cannot check: %s",
		    (long long)index, digest, region, first_why);
	else
		snprintf(a->geo_pending, sizeof(a->geo_pending),
		    "geography: "
		    "entry %lld names geography %s (region %s), but the "
		    "audit's data in %.512s is geography %s%s; a replay with "
		    "it could word or zone incidents differently: audit with "
		    "the copy of data/ the center used (--geo-data DIR, "
		    "--geo-aliases FILE)",
		    (long long)index, digest, region, a->geo_dir[0],
		    a->geo[0].digest,
		    a->ngeo_dirs > 1 ? " (nor is any other --geo-data)" : "");
	return 0;
}

/*
 * Step 4 for one entry, on the walking thread: parses it and checks that
 * it is canonical and that only entry 0 is the genesis of this log. The
 * parsed entry goes to *out (the caller owns it) for the replay.
 */
static int
check_entry(struct audit *a, int64_t index, const uint8_t *bytes, size_t len,
    const char *bundle, json_t **out)
{
	json_t *e;
	json_error_t je;
	const char *type;
	char *canon = NULL;
	size_t clen;
	int rc = -1;

	if ((e = json_loadb((const char *)bytes, len, 0, &je)) == NULL)
		return fail(a, AUDIT_FAILED, "entry %lld (%s): not JSON: %s",
		    (long long)index, bundle, je.text);
	if (!json_is_object(e) ||
	    (type = json_string_value(json_object_get(e, "type"))) == NULL) {
		fail(a, AUDIT_FAILED,
		    "entry %lld (%s): not an object with a "
		    "\"type\"",
		    (long long)index, bundle);
		goto done;
	}
	if (canon_encode(e, &canon, &clen) == -1 && errno == ENOMEM) {
		fail(a, AUDIT_INCOMPLETE, "entry %lld (%s): out of memory",
		    (long long)index, bundle);
		goto done;
	}
	if (canon == NULL || clen != len || memcmp(canon, bytes, len) != 0) {
		fail(a, AUDIT_FAILED,
		    "entry %lld (%s): not canonical JSON "
		    "(RFC 8785, integers only)",
		    (long long)index, bundle);
		goto done;
	}
	if (index == 0) {
		const char *origin =
		    json_string_value(json_object_get(e, "origin"));
		const char *key =
		    json_string_value(json_object_get(e, "log_key"));

		if (strcmp(type, "genesis") != 0 || origin == NULL ||
		    strcmp(origin, a->origin) != 0 || key == NULL ||
		    strcmp(key, a->o->log_key) != 0) {
			fail(a, AUDIT_FAILED,
			    "entry 0 (%s): not the genesis "
			    "entry of origin %s and the given log key",
			    bundle, a->origin);
			goto done;
		}
	} else if (strcmp(type, "genesis") == 0) {
		fail(a, AUDIT_FAILED,
		    "entry %lld (%s): a second genesis "
		    "entry",
		    (long long)index, bundle);
		goto done;
	}
	if (check_geography(a, index, bytes, len, e, bundle) == -1)
		goto done;
	*out = e;
	e = NULL;
	rc = 0;
done:
	free(canon);
	json_decref(e);
	return rc;
}

static void
job_free(struct job *j)
{
	int i;

	if (j == NULL)
		return;
	for (i = 0; i < j->count; i++)
		json_decref(j->parsed[i]);
	free(j->body);
	free(j);
}

/* Frees a list of spent jobs. */
static void
spent_free(struct job *j)
{
	struct job *next;

	for (; j != NULL; j = next) {
		next = j->next;
		job_free(j);
	}
}

/*
 * Hands a checked bundle to the replay thread, waiting while REPLAY_QUEUE
 * bundles are already queued; it comes back on the spent list, which is
 * freed here, on the thread that allocated it (cheaper for malloc than
 * freeing on the replay thread, the busier one). NULL closes the queue:
 * the replay commits after the last bundle (abort: rolls back).
 */
static void
replay_push(struct audit *a, struct job *j, int abort)
{
	struct job *spent;

	pthread_mutex_lock(&a->qmu);
	if (j == NULL) {
		a->qclosed = 1;
		a->qabort = abort;
		pthread_cond_signal(&a->qput);
	} else {
		while (a->qlen == REPLAY_QUEUE)
			pthread_cond_wait(&a->qtake, &a->qmu);
		a->queue[(a->qhead + a->qlen) % REPLAY_QUEUE] = j;
		a->qlen++;
		pthread_cond_signal(&a->qput);
	}
	spent = a->spent;
	a->spent = NULL;
	pthread_mutex_unlock(&a->qmu);
	spent_free(spent);
}

/* Records the replay thread's first failure (its fail()). */
static void __attribute__((format(printf, 3, 4)))
rfail(struct audit *a, enum audit_outcome kind, const char *fmt, ...)
{
	va_list ap;

	if (a->replay_outcome != AUDIT_OK)
		return;
	a->replay_outcome = kind;
	va_start(ap, fmt);
	vsnprintf(a->replay_err, sizeof(a->replay_err), fmt, ap);
	va_end(ap);
	atomic_store(&a->replay_failed, 1);
}

/*
 * The replay thread: applies the checked entries, bundle after bundle in
 * log order, to the scratch store with store_apply_entry (the code the
 * center replays with), all in one transaction; after a failure it only
 * frees what it is still given. The store is its alone until it is joined.
 */
static void *
replay_run(void *arg)
{
	struct audit *a = arg;
	struct job *j;
	char err[300];
	int i, k, in_txn = 0, abort;

	pthread_setname_np(pthread_self(), "audit-replay"); /* for top -H */
	if (store_begin(a->store) == -1)
		rfail(a, AUDIT_INCOMPLETE,
		    "scratch store: cannot begin a "
		    "transaction");
	else
		in_txn = 1;
	for (;;) {
		pthread_mutex_lock(&a->qmu);
		while (a->qlen == 0 && !a->qclosed)
			pthread_cond_wait(&a->qput, &a->qmu);
		if (a->qlen == 0) {
			abort = a->qabort;
			pthread_mutex_unlock(&a->qmu);
			break;
		}
		j = a->queue[a->qhead];
		a->qhead = (a->qhead + 1) % REPLAY_QUEUE;
		a->qlen--;
		pthread_cond_signal(&a->qtake);
		pthread_mutex_unlock(&a->qmu);
		for (i = 0, k = 0;
		     i < j->count && a->replay_outcome == AUDIT_OK; i++) {
			/* Another geography from here on: the center started
			   anew with it, its book flushed; so does the
			   replay. */
			if (k < j->nswitch && j->switch_at[k] == i) {
				if (in_txn &&
				    store_commit(a->store, j->base + i) == -1) {
					in_txn = 0;
					rfail(a, AUDIT_INCOMPLETE,
					    "scratch store: commit failed");
					break;
				}
				store_set_fusion(a->store,
				    j->switch_fusion[k++]);
				if (store_begin(a->store) == -1) {
					in_txn = 0;
					rfail(a, AUDIT_INCOMPLETE,
					    "scratch store: cannot begin a "
					    "transaction");
					break;
				}
				in_txn = 1;
			}
			if (store_apply_entry(a->store, j->base + i,
				j->entries[i].data, j->entries[i].len,
				j->parsed[i], err, sizeof(err)) == -1)
				rfail(a, AUDIT_FAILED,
				    "entry %lld (%s): cannot "
				    "be replayed: %s",
				    (long long)(j->base + i), j->bpath, err);
			else
				a->replayed++;
		}
		pthread_mutex_lock(&a->qmu);
		j->next = a->spent;
		a->spent = j;
		pthread_mutex_unlock(&a->qmu);
	}
	if (in_txn && (abort || a->replay_outcome != AUDIT_OK))
		store_rollback(a->store);
	else if (in_txn && store_commit(a->store, a->replayed) == -1)
		rfail(a, AUDIT_INCOMPLETE, "scratch store: commit failed");
	return NULL;
}

/*
 * Closes the replay queue (abort: after a failure of the walk), waits for
 * the replay thread, and makes its failure the audit's: it concerns an
 * entry before any the walk failed on, since the walk hands over only
 * bundles it has checked.
 */
static void
replay_join(struct audit *a, int abort)
{
	if (!a->replayer_started)
		return;
	replay_push(a, NULL, abort);
	pthread_join(a->replayer, NULL);
	a->replayer_started = 0;
	spent_free(a->spent);
	a->spent = NULL;
	if (a->replay_outcome != AUDIT_OK) {
		a->outcome = AUDIT_OK;
		fail(a, a->replay_outcome, "%s", a->replay_err);
	}
}

/* Steps 3 and 4 for one bundle whose bundle and tile have arrived. */
static int
process(struct audit *a, struct slot *s)
{
	struct tile_entry entries[TILE_WIDTH];
	struct tile t;
	struct job *j;
	char bpath[TILE_PATH_MAX], tpath[TILE_PATH_MAX], err[256];
	int64_t base = s->n * TILE_WIDTH, i;
	int replay;

	tile_of(a, 0, s->n, &t);
	tile_path_format(&t, tpath, sizeof(tpath));
	t.level = TILE_LEVEL_ENTRIES;
	tile_path_format(&t, bpath, sizeof(bpath));
	if (reply_ok(a, &s->bundle, bpath) == -1 ||
	    reply_ok(a, &s->tile, tpath) == -1)
		return -1;
	if (tile_entries_parse(s->bundle.body, s->bundle.len, t.width, entries,
		err, sizeof(err)) == -1)
		return fail(a, AUDIT_FAILED, "%s: %s", bpath, err);
	if (!a->mismatch && s->tile.len != (size_t)t.width * MERKLE_HASH_SIZE)
		return fail(a, AUDIT_FAILED,
		    "%s: %d hashes expected, got %zu "
		    "bytes",
		    tpath, t.width, s->tile.len);
	replay = !a->mismatch;
	a->tile0 = s->tile.body;
	for (i = 0; i < t.width; i++) {
		uint8_t leaf[MERKLE_HASH_SIZE];
		int had = a->mismatch;

		merkle_leaf_hash(entries[i].data, entries[i].len, leaf);
		if (compact_append(&a->tree, leaf, visit, a) == -1)
			return -1;
		if (!had && a->mismatch) {
			if (a->mismatch_level == 0)
				snprintf(a->mismatch_tile,
				    sizeof(a->mismatch_tile), "%s", tpath);
			snprintf(a->mismatch_bundle, sizeof(a->mismatch_bundle),
			    "%s", bpath);
		}
		if (a->has_old && a->tree.size == a->old_size)
			compact_root(&a->tree, a->root_at_old);
	}
	a->tile0 = NULL;
	if (!replay || a->mismatch)
		return 0; /* only hashing from now on, to say who is wrong */
	if ((j = calloc(1, sizeof(*j))) == NULL)
		return fail(a, AUDIT_INCOMPLETE, "out of memory");
	j->base = base;
	snprintf(j->bpath, sizeof(j->bpath), "%s", bpath);
	for (i = 0; i < t.width; i++) {
		if (check_entry(a, base + i, entries[i].data, entries[i].len,
			bpath, &j->parsed[i]) == -1) {
			job_free(j);
			return -1;
		}
		j->entries[i] = entries[i];
		j->count++;
		if (a->fusion_attach) {
			if (j->nswitch == 4) {
				job_free(j);
				return fail(a, AUDIT_INCOMPLETE,
				    "%s: more than 4 geographies in one "
				    "bundle",
				    bpath);
			}
			j->switch_at[j->nswitch] = (int)i;
			j->switch_fusion[j->nswitch++] = a->fusion;
			a->fusion_attach = 0;
		}
	}
	/* The entries point into the bundle: it goes with them. */
	j->body = s->bundle.body;
	s->bundle.body = NULL;
	replay_push(a, j, 0);
	return 0;
}

static void
slot_clear(struct slot *s)
{
	free(s->bundle.body);
	free(s->tile.body);
	memset(s, 0, sizeof(*s));
}

/*
 * Steps 3 and 4 over the whole log: fetching, hashing and checking here,
 * the replay on its own thread, the center's digests on a third.
 */
static int
walk(struct audit *a)
{
	struct slot slots[WINDOW];
	struct fetch_reply r;
	struct slot *s;
	int64_t nbundles = (a->size + TILE_WIDTH - 1) / TILE_WIDTH;
	int64_t queued = 0, done = 0, n;
	enum tagkind kind;
	int rc = -1, i;

	memset(slots, 0, sizeof(slots));
	while (done < nbundles) {
		if (atomic_load(&a->replay_failed))
			goto out; /* replay_join reports it */
		while (queued < nbundles && queued < done + WINDOW) {
			slots[queued % WINDOW].n = queued;
			if (queue_bundle(a, queued) == -1)
				goto out;
			queued++;
		}
		s = &slots[done % WINDOW];
		if (s->have_bundle && s->have_tile) {
			if (process(a, s) == -1)
				goto out;
			slot_clear(s);
			done++;
			continue;
		}
		if (fetch_next(a->f, &r) == 0) {
			fail(a, AUDIT_INCOMPLETE, "transfers lost");
			goto out;
		}
		untag(r.tag, &n, &kind);
		s = &slots[n % WINDOW];
		if (kind == TAG_BUNDLE) {
			s->bundle = r;
			s->have_bundle = 1;
		} else {
			s->tile = r;
			s->have_tile = 1;
		}
	}
	rc = 0;
out:
	for (i = 0; i < WINDOW; i++)
		slot_clear(&slots[i]);
	return rc;
}

/* After the walk: the recomputed root, and who is wrong on a mismatch. */
static int
check_root(struct audit *a)
{
	uint8_t root[MERKLE_HASH_SIZE];
	char got[MERKLE_BASE64_SIZE], want[MERKLE_BASE64_SIZE];
	int64_t first, last;
	int same;

	compact_root(&a->tree, root);
	same = memcmp(root, a->root, MERKLE_HASH_SIZE) == 0;
	if (a->mismatch && a->mismatch_level == 0) {
		if (same)
			return fail(a, AUDIT_FAILED,
			    "%s: hash %lld (entry "
			    "%lld) is not the leaf hash of the entry; the "
			    "entries do hash to the checkpoint's root, so the "
			    "center serves a corrupted hash tile",
			    a->mismatch_tile,
			    (long long)(a->mismatch_n % TILE_WIDTH),
			    (long long)a->mismatch_n);
		return fail(a, AUDIT_FAILED,
		    "entry %lld (%s): leaf hash does "
		    "not match %s (and the entries do not hash to the "
		    "checkpoint's root)",
		    (long long)a->mismatch_n, a->mismatch_bundle,
		    a->mismatch_tile);
	}
	if (a->mismatch) {
		first = a->mismatch_n << (TILE_HEIGHT * a->mismatch_level);
		last = first +
		    (INT64_C(1) << (TILE_HEIGHT * a->mismatch_level)) - 1;
		return fail(a, AUDIT_FAILED,
		    "%s: hash %lld (entries %lld.."
		    "%lld) is not the hash of those entries; %s",
		    a->mismatch_tile, (long long)(a->mismatch_n % TILE_WIDTH),
		    (long long)first, (long long)last,
		    same ? "the entries "
			   "do hash to the checkpoint's root, so the center "
			   "serves a "
			   "corrupted hash tile"
			 : "nor do the entries hash to the "
			   "checkpoint's root");
	}
	if (!same) {
		hash_b64(root, got);
		hash_b64(a->root, want);
		return fail(a, AUDIT_FAILED,
		    "checkpoint: the %lld entries hash "
		    "to %s, the checkpoint says %s",
		    (long long)a->size, got, want);
	}
	return 0;
}

/* The replay's observations in [lo, hi) against the center's listing. */
struct cmp {
	struct audit *a;
	size_t j; /* next listed observation */
	int64_t hi;
	int failed;
};

/* Whether listed (a Feature's text) is what the entry renders to. */
static int
same_feature(const char *listed, int64_t index, const char *entry, size_t len)
{
	json_t *f = obsfeature_json(index, entry, len);
	char *mine = f ? json_dumps(f, OBSFEATURE_JSON_FLAGS) : NULL;
	int same = listed != NULL && mine != NULL && strcmp(listed, mine) == 0;

	json_decref(f);
	free(mine);
	return same;
}

static int
cmp_row(void *ctx, int64_t index, const char *entry, size_t len,
    const uint8_t *stored_id)
{
	struct cmp *c = ctx;
	struct audit *a = c->a;
	uint8_t id[32];
	char hex[65], lhex[65];

	(void)stored_id; /* the replay's id is recomputed from its entry */
	if (index >= c->hi)
		return 1;
	crypto_hash_sha256(id, (const uint8_t *)entry, len);
	sodium_bin2hex(hex, sizeof(hex), id, sizeof(id));
	if (c->j < a->nlisted && a->listed[c->j].index < index) {
		sodium_bin2hex(lhex, sizeof(lhex), a->listed[c->j].id, 32);
		fail(a, AUDIT_FAILED,
		    "observations: the center lists %s at "
		    "index %lld, where the log holds no observation",
		    lhex, (long long)a->listed[c->j].index);
		c->failed = 1;
		return 1;
	}
	if (c->j == a->nlisted || a->listed[c->j].index > index) {
		fail(a, AUDIT_FAILED,
		    "observations: entry %lld (observation "
		    "%s) is missing from the center's listing",
		    (long long)index, hex);
		c->failed = 1;
		return 1;
	}
	if (memcmp(a->listed[c->j].id, id, 32) != 0) {
		sodium_bin2hex(lhex, sizeof(lhex), a->listed[c->j].id, 32);
		fail(a, AUDIT_FAILED,
		    "observations: at index %lld the center "
		    "lists %s, the log's entry is %s",
		    (long long)index, lhex, hex);
		c->failed = 1;
		return 1;
	}
	/*
	 * Same id, so the content must be the log's too: the center shows
	 * the id its store keeps, which a doctored store could keep beside
	 * other content. The listed Feature must be exactly the one the
	 * log's entry renders to (the server's own renderer's reference).
	 */
	if (!same_feature(a->listed[c->j].feature, index, entry, len)) {
		fail(a, AUDIT_FAILED,
		    "observations: at index %lld the center "
		    "lists %s, the log's entry is %s, but the center's feature "
		    "is not what that entry renders to",
		    (long long)index, hex, hex);
		c->failed = 1;
		return 1;
	}
	c->j++;
	return 0;
}

static int
by_index(const void *x, const void *y)
{
	const struct listed *l = x, *r = y;

	return (l->index > r->index) - (l->index < r->index);
}

/*
 * The observations with indexes in [lo, hi) from one page of the listing
 * into a->listed. The page holds the PAGE_SIZE observations after index
 * lo - 1, so every one of a window of at most PAGE_SIZE indexes.
 */
static int
parse_page(struct audit *a, int64_t lo, int64_t hi, const struct fetch_reply *r)
{
	json_t *doc, *features, *f;
	json_error_t je;
	const char *id;
	json_int_t index;
	size_t i;
	int rc = -1;

	if (reply_ok(a, r, "observations") == -1)
		return -1;
	if ((doc = json_loadb((const char *)r->body, r->len, 0, &je)) == NULL)
		return fail(a, AUDIT_FAILED,
		    "observations: GET %s: not JSON: "
		    "%s",
		    r->path, je.text);
	features = json_object_get(doc, "features");
	if (!json_is_array(features) || json_array_size(features) > PAGE_SIZE) {
		fail(a, AUDIT_FAILED,
		    "observations: GET %s: `features` is "
		    "not an array of at most %d",
		    r->path, PAGE_SIZE);
		goto done;
	}
	if ((a->listed = calloc(PAGE_SIZE, sizeof(*a->listed))) == NULL) {
		fail(a, AUDIT_INCOMPLETE, "out of memory");
		goto done;
	}
	json_array_foreach(features, i, f)
	{
		id = json_string_value(json_object_get(f, "id"));
		if (json_unpack(f, "{s:{s:I}}", "properties", "index",
			&index) != 0 ||
		    id == NULL || strlen(id) != 64) {
			fail(a, AUDIT_FAILED,
			    "observations: GET %s: feature "
			    "%zu has no `id` of 64 hex or no "
			    "`properties.index`",
			    r->path, i);
			goto done;
		}
		if (index < lo || index >= hi)
			continue;
		a->listed[a->nlisted].index = index;
		a->listed[a->nlisted].feature =
		    json_dumps(f, OBSFEATURE_JSON_FLAGS);
		if (sodium_hex2bin(a->listed[a->nlisted].id, 32, id, 64, NULL,
			NULL, NULL) != 0) {
			fail(a, AUDIT_FAILED,
			    "observations: GET %s: id '%.64s' "
			    "is not hex",
			    r->path, id);
			goto done;
		}
		a->nlisted++;
	}
	rc = 0;
done:
	json_decref(doc);
	return rc;
}

/*
 * Where the digests of [lo, hi) differ (at most PAGE_SIZE indexes): the
 * center's listing of that window against the replay, naming the first
 * observation missing, extra or different.
 */
static int
compare_page(struct audit *a, int64_t lo, int64_t hi)
{
	struct fetch_reply r;
	struct store_query q;
	struct cmp c;
	char path[128], hex[65];
	size_t i;
	int rc = -1;

	if (lo == 0)
		snprintf(path, sizeof(path), "/v1/observations?limit=%d",
		    PAGE_SIZE);
	else
		snprintf(path, sizeof(path),
		    "/v1/observations?limit=%d&"
		    "cursor=%lld",
		    PAGE_SIZE, (long long)(lo - 1));
	if (fetch_get(a->f, path, MAX_PAGE, &r) == -1)
		return fail(a, AUDIT_INCOMPLETE, "observations: %s", r.error);
	if (parse_page(a, lo, hi, &r) == -1)
		goto done;
	if (a->nlisted > 0)
		qsort(a->listed, a->nlisted, sizeof(*a->listed), by_index);
	for (i = 1; i < a->nlisted; i++)
		if (a->listed[i].index == a->listed[i - 1].index) {
			fail(a, AUDIT_FAILED,
			    "observations: the center lists "
			    "index %lld twice",
			    (long long)a->listed[i].index);
			goto done;
		}
	memset(&c, 0, sizeof(c));
	c.a = a;
	c.hi = hi;
	store_query_init(&q);
	q.after_index = lo - 1;
	q.limit = PAGE_SIZE;
	if (store_query_observations(a->store, &q, cmp_row, &c) == -1) {
		fail(a, AUDIT_INCOMPLETE, "scratch store: query failed");
		goto done;
	}
	if (c.failed)
		goto done;
	if (c.j < a->nlisted) {
		sodium_bin2hex(hex, sizeof(hex), a->listed[c.j].id, 32);
		fail(a, AUDIT_FAILED,
		    "observations: the center lists %s at "
		    "index %lld, where the log holds no observation",
		    hex, (long long)a->listed[c.j].index);
		goto done;
	}
	fail(a, AUDIT_FAILED,
	    "observations: the center's digest of indexes "
	    "[%lld, %lld) is not the replay's, though its listing of them "
	    "(GET %s) is: the center serves a wrong digest",
	    (long long)lo, (long long)hi, path);
done:
	for (i = 0; i < a->nlisted; i++) {
		free(a->listed[i].feature);
		a->listed[i].feature = NULL;
	}
	free(r.body);
	return rc;
}

/*
 * The digests of [lo, hi) differ: halves it, asking the center for the
 * digest of the lower half each time, down to a window of PAGE_SIZE
 * indexes, then names the first difference from the listing of it.
 */
static int
locate_difference(struct audit *a, int64_t lo, int64_t hi)
{
	uint8_t mine[OBSDIGEST_SIZE], theirs[OBSDIGEST_SIZE];
	struct fetch_reply r;
	enum audit_outcome kind;
	char path[128], msg[1024];
	int64_t mid, n, m;
	int rc;

	while (hi - lo > PAGE_SIZE) {
		mid = lo + (hi - lo) / 2;
		digest_path(lo, mid, path, sizeof(path));
		if (fetch_get(a->f, path, MAX_PROOF_JSON, &r) == -1)
			return fail(a, AUDIT_INCOMPLETE, "observations: %s",
			    r.error);
		rc = parse_digest(&r, lo, mid, theirs, &n, &kind, msg,
		    sizeof(msg));
		free(r.body);
		if (rc == -1)
			return fail(a, kind, "%s", msg);
		if (obsdigest_range(a->store, lo, mid, mine, &m) == -1)
			return fail(a, AUDIT_INCOMPLETE,
			    "scratch store: query "
			    "failed");
		if (n != m || memcmp(mine, theirs, OBSDIGEST_SIZE) != 0)
			hi = mid;
		else
			lo = mid;
	}
	return compare_page(a, lo, hi);
}

/*
 * Step 5: the center's store holds exactly the replay's observations:
 * the digest of every chunk of DIGEST_CHUNK indexes, recomputed from the
 * scratch store, equals the center's.
 */
static int
compare_digests(struct audit *a)
{
	uint8_t mine[OBSDIGEST_SIZE];
	int64_t k, lo, hi, n;

	if (a->list_outcome != AUDIT_OK)
		return fail(a, a->list_outcome, "%s", a->list_err);
	for (k = 0; k < a->nchunks; k++) {
		lo = k * DIGEST_CHUNK;
		hi = lo + DIGEST_CHUNK < a->size ? lo + DIGEST_CHUNK : a->size;
		if (obsdigest_range(a->store, lo, hi, mine, &n) == -1)
			return fail(a, AUDIT_INCOMPLETE,
			    "scratch store: query "
			    "failed");
		if (n != a->center[k].count ||
		    memcmp(mine, a->center[k].digest, OBSDIGEST_SIZE) != 0)
			return locate_difference(a, lo, hi);
		a->sum->observations += n;
	}
	return 0;
}

/* The rows of one state kind in a window, as JSON (center or replay). */
struct state_list {
	json_t *rows; /* [{"index","name","row"}] */
};

static int
list_row(void *ctx, int64_t key, const char *name, const char *row, size_t len)
{
	struct state_list *l = ctx;
	json_t *rec;

	if ((rec = json_loadb(row, len, 0, NULL)) == NULL)
		return 1;
	json_array_append_new(l->rows,
	    json_pack("{s:I,s:s,s:o}", "index", (json_int_t)key, "name", name,
		"row", rec));
	return 0;
}

/* Orders rows as statedigest lists them: by key, then name. */
static int
row_order(const json_t *x, const json_t *y)
{
	json_int_t a = json_integer_value(json_object_get(x, "index"));
	json_int_t b = json_integer_value(json_object_get(y, "index"));
	const char *na = json_string_value(json_object_get(x, "name"));
	const char *nb = json_string_value(json_object_get(y, "name"));

	if (a != b)
		return a < b ? -1 : 1;
	return strcmp(na != NULL ? na : "", nb != NULL ? nb : "");
}

/*
 * Where the state digests of kind k over [lo, hi) differ (at most
 * STATE_WINDOW indexes): compares the center's rows (GET ...&rows=1) with
 * the replay's and names the first row missing, extra or different, and
 * in a different row the first field that differs.
 */
static int
compare_state_rows(struct audit *a, int k, int64_t lo, int64_t hi)
{
	const char *what = statedigest_kind_name(k);
	const char *noun = statedigest_row_noun(k);
	struct state_list mine = { NULL };
	struct fetch_reply r;
	json_t *doc = NULL, *theirs, *x, *y;
	json_error_t je;
	char path[256], diff[1024];
	size_t i, j;
	int c;

	memset(&r, 0, sizeof(r));
	state_digest_path(a, k, lo, hi, 1, path, sizeof(path));
	if (fetch_get(a->f, path, MAX_PAGE, &r) == -1) {
		fail(a, AUDIT_INCOMPLETE, "%s: %s", what, r.error);
		goto done;
	}
	if (r.status != 200 || r.body == NULL) {
		fail(a,
		    r.status >= 500 || r.status == 0 ? AUDIT_INCOMPLETE
						     : AUDIT_FAILED,
		    "%s: GET %.300s answered %ld", what, path, r.status);
		goto done;
	}
	if ((doc = json_loadb((const char *)r.body, r.len, 0, &je)) == NULL ||
	    !json_is_array(theirs = json_object_get(doc, "rows"))) {
		fail(a, AUDIT_FAILED, "%s: GET %.300s: not a listing of rows",
		    what, path);
		goto done;
	}
	if ((mine.rows = json_array()) == NULL ||
	    statedigest_rows(a->store, k, lo, hi, list_row, &mine) == -1) {
		fail(a, AUDIT_INCOMPLETE, "scratch store: query failed");
		goto done;
	}
	for (i = j = 0;;) {
		x = json_array_get(theirs, i);
		y = json_array_get(mine.rows, j);
		if (x == NULL && y == NULL)
			break;
		c = x == NULL ? 1 : y == NULL ? -1 : row_order(x, y);
		if (c < 0) {
			fail(a, AUDIT_FAILED,
			    "%s: the center has %s %s (index %lld), which "
			    "the replay does not",
			    what, noun,
			    json_string_value(json_object_get(x, "name")),
			    (long long)json_integer_value(
				json_object_get(x, "index")));
			goto done;
		}
		if (c > 0) {
			fail(a, AUDIT_FAILED,
			    "%s: %s %s (index %lld) is missing from the "
			    "center",
			    what, noun,
			    json_string_value(json_object_get(y, "name")),
			    (long long)json_integer_value(
				json_object_get(y, "index")));
			goto done;
		}
		if (statedigest_diff(json_object_get(x, "row"),
			json_object_get(y, "row"), diff, sizeof(diff))) {
			fail(a, AUDIT_FAILED, "%s: %s %s (index %lld): %s",
			    what, noun,
			    json_string_value(json_object_get(y, "name")),
			    (long long)json_integer_value(
				json_object_get(y, "index")),
			    diff);
			goto done;
		}
		i++;
		j++;
	}
	fail(a, AUDIT_FAILED,
	    "%s: the center's digest of indexes [%lld, %lld) differs from "
	    "the replay's, but the rows it lists (GET %s) are the replay's: "
	    "the center serves a wrong digest",
	    what, (long long)lo, (long long)hi, path);
done:
	json_decref(doc);
	json_decref(mine.rows);
	free(r.body);
	return -1; /* a difference was found, or the comparison failed */
}

/*
 * The state digests of kind k over [lo, hi) differ: halves the range,
 * asking the center for the digest of the lower half each time, down to
 * STATE_WINDOW indexes, then names the first difference from the rows.
 */
static int
locate_state(struct audit *a, int k, int64_t lo, int64_t hi)
{
	const char *what = statedigest_kind_name(k);
	uint8_t mine[STATEDIGEST_SIZE], theirs[STATEDIGEST_SIZE];
	struct fetch_reply r;
	enum audit_outcome kind;
	char path[256], msg[1024];
	int64_t mid, n, m;
	int rc;

	while (hi - lo > STATE_WINDOW) {
		mid = lo + (hi - lo) / 2;
		state_digest_path(a, k, lo, mid, 0, path, sizeof(path));
		if (fetch_get(a->f, path, MAX_PROOF_JSON, &r) == -1)
			return fail(a, AUDIT_INCOMPLETE, "%s: %s", what,
			    r.error);
		rc = parse_digest_of(what, &r, lo, mid, INT64_MAX, theirs, &n,
		    &kind, msg, sizeof(msg));
		free(r.body);
		if (rc == -1)
			return fail(a, kind, "%s", msg);
		if (statedigest_range(a->store, k, lo, mid, mine, &m) == -1)
			return fail(a, AUDIT_INCOMPLETE,
			    "scratch store: query "
			    "failed");
		if (n != m || memcmp(mine, theirs, STATEDIGEST_SIZE) != 0)
			hi = mid;
		else
			lo = mid;
	}
	return compare_state_rows(a, k, lo, hi);
}

/* Chunk t of the state digests: kind *k, indexes [*lo, *hi). */
static void
state_chunk(const struct audit *a, int64_t t, int *k, int64_t *lo, int64_t *hi)
{
	*k = (int)(t / a->nschunks);
	*lo = (t % a->nschunks) * STATE_CHUNK;
	*hi = *lo + STATE_CHUNK < a->size ? *lo + STATE_CHUNK : a->size;
}

/* The replay's digests of the state chunks first, first + step, ...
 * read from store, into mine (ok[t] = 1 when read). */
struct state_share {
	const struct audit *a;
	struct store *store;
	int64_t first, step, total;
	struct chunk_digest *mine;
	char *ok;
};

static void *
state_share_run(void *arg)
{
	struct state_share *h = arg;
	int64_t t, lo, hi;
	int k;

	for (t = h->first; t < h->total; t += h->step) {
		state_chunk(h->a, t, &k, &lo, &hi);
		h->ok[t] = statedigest_range(h->store, k, lo, hi,
			       h->mine[t].digest, &h->mine[t].count) == 0;
	}
	return NULL;
}

/*
 * Step 5b: the center's derived state is the replay's, kind by kind
 * (store/statedigest.h): the digest of every chunk, recomputed from the
 * scratch store, equals the center's. The replay's digests are read by
 * two threads over two connections (reading the records is most of an
 * audit's time after the replay), then compared in order, so the first
 * chunk that differs is the one located.
 */
static int
compare_state(struct audit *a)
{
	struct state_share h[2];
	struct chunk_digest *mine = NULL;
	const struct chunk_digest *c;
	char *ok = NULL;
	pthread_t second;
	int64_t t, total = a->nschunks * a->nkinds, lo, hi;
	int k, two, rc = -1;

	if (total == 0)
		return 0;
	if ((mine = calloc((size_t)total, sizeof(*mine))) == NULL ||
	    (ok = calloc((size_t)total, 1)) == NULL) {
		fail(a, AUDIT_INCOMPLETE, "out of memory");
		goto done;
	}
	two = a->store2 != NULL && total > 1;
	for (k = 0; k < 2; k++) {
		h[k].a = a;
		h[k].store = k == 0 ? a->store : a->store2;
		h[k].first = k;
		h[k].step = two ? 2 : 1;
		h[k].total = total;
		h[k].mine = mine;
		h[k].ok = ok;
	}
	if (two && pthread_create(&second, NULL, state_share_run, &h[1]) != 0)
		two = 0; /* then this thread reads every chunk */
	h[0].step = two ? 2 : 1;
	state_share_run(&h[0]);
	if (two)
		pthread_join(second, NULL);
	for (t = 0; t < total; t++) {
		state_chunk(a, t, &k, &lo, &hi);
		c = &a->state[t];
		if (!ok[t]) {
			fail(a, AUDIT_INCOMPLETE,
			    "scratch store: query failed");
			goto done;
		}
		if (mine[t].count != c->count ||
		    memcmp(mine[t].digest, c->digest, STATEDIGEST_SIZE) != 0) {
			rc = locate_state(a, k, lo, hi);
			goto done;
		}
		a->sum->state_rows += mine[t].count;
	}
	rc = 0;
done:
	free(mine);
	free(ok);
	return rc;
}

int
audit_parse_proof(const uint8_t *body, size_t len,
    uint8_t (*proof)[MERKLE_HASH_SIZE], size_t *plen, char *err, size_t errlen)
{
	json_t *doc, *arr, *h;
	const char *s;
	size_t i;
	int rc = -1;

	if ((doc = json_loadb((const char *)body, len, 0, NULL)) == NULL ||
	    !json_is_array(arr = json_object_get(doc, "proof")) ||
	    json_array_size(arr) > MERKLE_MAX_PROOF) {
		snprintf(err, errlen, "not a JSON proof of at most %d hashes",
		    MERKLE_MAX_PROOF);
		goto done;
	}
	json_array_foreach(arr, i, h)
	{
		if ((s = json_string_value(h)) == NULL ||
		    merkle_hash_from_base64(s, strlen(s), proof[i]) == -1) {
			snprintf(err, errlen,
			    "proof[%zu] is not a base64 "
			    "SHA-256 hash",
			    i);
			goto done;
		}
	}
	*plen = json_array_size(arr);
	rc = 0;
done:
	json_decref(doc);
	return rc;
}

enum audit_outcome
audit_get_proof(struct fetch *f, const char *path, const char *what,
    uint8_t (*proof)[MERKLE_HASH_SIZE], size_t *plen, struct fetch_reply *r,
    char *err, size_t errlen)
{
	enum audit_outcome k;
	char why[128];

	if (fetch_get(f, path, MAX_PROOF_JSON, r) == -1) {
		snprintf(err, errlen, "%s: %s", what, r->error);
		return AUDIT_INCOMPLETE;
	}
	if ((k = audit_reply_check(r, what, err, errlen)) != AUDIT_OK)
		return k;
	if (audit_parse_proof(r->body, r->len, proof, plen, why, sizeof(why)) ==
	    -1) {
		snprintf(err, errlen, "%s: GET %s: %s", what, path, why);
		return AUDIT_FAILED;
	}
	return AUDIT_OK;
}

/* GETs a proof (inclusion or consistency JSON) into proof / *plen. */
static int
get_proof(struct audit *a, const char *path, const char *what,
    uint8_t (*proof)[MERKLE_HASH_SIZE], size_t *plen)
{
	struct fetch_reply r;
	char why[FETCH_URL_MAX + 512];
	enum audit_outcome k;

	memset(&r, 0, sizeof(r));
	k = audit_get_proof(a->f, path, what, proof, plen, &r, why,
	    sizeof(why));
	free(r.body);
	return k == AUDIT_OK ? 0 : fail(a, k, "%s", why);
}

/* Step 6: the center's proofs and its latest log-signed checkpoint. */
static int
check_center_proofs(struct audit *a)
{
	const struct note_verifier *known[1] = { a->keys.log_v };
	uint8_t proof[MERKLE_MAX_PROOF][MERKLE_HASH_SIZE];
	const uint8_t *leaf[2] = { a->first_leaf, a->last_leaf };
	int64_t index[2] = { 0, a->size - 1 }, lsize;
	struct fetch_reply r;
	struct checkpoint *c = NULL;
	struct note *n = NULL;
	char path[256], what[128];
	size_t plen;
	int i, rc = -1;

	for (i = 0; i < 2 && a->size > 0; i++) {
		snprintf(path, sizeof(path),
		    "/v1/log/proof/inclusion?index="
		    "%lld&size=%lld",
		    (long long)index[i], (long long)a->size);
		snprintf(what, sizeof(what), "inclusion proof of entry %lld",
		    (long long)index[i]);
		if (get_proof(a, path, what, proof, &plen) == -1)
			return -1;
		if (merkle_verify_inclusion(index[i], a->size, leaf[i],
			(const uint8_t(*)[MERKLE_HASH_SIZE])proof, plen,
			a->root) == -1)
			return fail(a, AUDIT_FAILED,
			    "%s in the checkpoint of "
			    "size %lld: the center's proof does not verify",
			    what, (long long)a->size);
	}
	if (fetch_get(a->f, "/v1/log/checkpoint", MAX_NOTE, &r) == -1)
		return fail(a, AUDIT_INCOMPLETE, "latest checkpoint: %s",
		    r.error);
	if (reply_ok(a, &r, "latest checkpoint") == -1 ||
	    (c = open_checkpoint(a, "latest checkpoint (/v1/log/checkpoint)",
		 r.body, r.len, known, 1, &n)) == NULL)
		goto done;
	lsize = checkpoint_size(c);
	if (strcmp(checkpoint_origin(c), a->origin) != 0) {
		fail(a, AUDIT_FAILED,
		    "latest checkpoint: origin '%.200s' is "
		    "not '%s'",
		    checkpoint_origin(c), a->origin);
		goto done;
	}
	if (lsize < a->size) {
		fail(a, AUDIT_FAILED,
		    "latest checkpoint: the log signed size "
		    "%lld after the joint checkpoint of size %lld: entries "
		    "%lld.. are gone",
		    (long long)lsize, (long long)a->size, (long long)lsize);
		goto done;
	}
	if (lsize == a->size &&
	    memcmp(checkpoint_root(c), a->root, MERKLE_HASH_SIZE) != 0) {
		fail(a, AUDIT_FAILED,
		    "latest checkpoint: the log signed two "
		    "different roots for size %lld (a fork)",
		    (long long)lsize);
		goto done;
	}
	if (lsize > a->size && a->size > 0) {
		snprintf(path, sizeof(path),
		    "/v1/log/proof/consistency?from="
		    "%lld&to=%lld",
		    (long long)a->size, (long long)lsize);
		if (get_proof(a, path, "latest checkpoint", proof, &plen) == -1)
			goto done;
		if (merkle_verify_consistency(a->size, lsize,
			(const uint8_t(*)[MERKLE_HASH_SIZE])proof, plen,
			a->root, checkpoint_root(c)) == -1) {
			fail(a, AUDIT_FAILED,
			    "latest checkpoint: size %lld is "
			    "not consistent with the joint checkpoint of size "
			    "%lld (the center's proof does not verify)",
			    (long long)lsize, (long long)a->size);
			goto done;
		}
	}
	rc = 0;
done:
	checkpoint_free(c);
	note_free(n);
	free(r.body);
	return rc;
}

/* Where a rewritten history first differs from the saved bundle hashes. */
static void
localize(struct audit *a, char *out, size_t outlen)
{
	int64_t nfull = a->old_size / TILE_WIDTH, k, i;
	int64_t ntail = a->old_size % TILE_WIDTH;
	struct tile t = { TILE_LEVEL_ENTRIES, 0, TILE_WIDTH };
	char path[TILE_PATH_MAX];

	out[0] = '\0';
	if (!a->has_old_bundles)
		return;
	for (k = 0; k < nfull; k++)
		if (memcmp(a->old_bundles[k], a->bundles[k],
			MERKLE_HASH_SIZE) != 0) {
			t.n = k;
			tile_path_format(&t, path, sizeof(path));
			snprintf(out, outlen,
			    "; the first difference is in "
			    "entries %lld..%lld (%s)",
			    (long long)(k * TILE_WIDTH),
			    (long long)(k * TILE_WIDTH + TILE_WIDTH - 1), path);
			return;
		}
	for (i = 0; i < ntail; i++)
		if (memcmp(a->old_tail[i], a->old_bundle_leaves[i],
			MERKLE_HASH_SIZE) != 0) {
			snprintf(out, outlen,
			    "; the first difference is entry "
			    "%lld",
			    (long long)(nfull * TILE_WIDTH + i));
			return;
		}
}

/* Step 7a: consistency with the previous audit. */
static int
check_state(struct audit *a)
{
	uint8_t proof[MERKLE_MAX_PROOF][MERKLE_HASH_SIZE];
	char path[256], where[256];
	size_t plen;
	int proof_ok, same;

	if (!a->has_old || a->old_size == 0)
		return 0;
	localize(a, where, sizeof(where));
	if (a->size == a->old_size) {
		if (memcmp(a->root, a->old_root, MERKLE_HASH_SIZE) != 0)
			return fail(a, AUDIT_FAILED,
			    "inconsistent with the "
			    "checkpoint of size %lld saved in %s: same size, "
			    "different root (history rewritten)%s",
			    (long long)a->old_size, a->o->state_dir, where);
		return 0;
	}
	snprintf(path, sizeof(path),
	    "/v1/log/proof/consistency?from=%lld&"
	    "to=%lld",
	    (long long)a->old_size, (long long)a->size);
	if (get_proof(a, path, "consistency proof", proof, &plen) == -1)
		return -1;
	proof_ok = merkle_verify_consistency(a->old_size, a->size,
		       (const uint8_t(*)[MERKLE_HASH_SIZE])proof, plen,
		       a->old_root, a->root) == 0;
	same = memcmp(a->root_at_old, a->old_root, MERKLE_HASH_SIZE) == 0;
	if (!same)
		return fail(a, AUDIT_FAILED,
		    "inconsistent with the checkpoint "
		    "of size %lld saved in %s: the first %lld entries now hash "
		    "to another root (history rewritten)%s",
		    (long long)a->old_size, a->o->state_dir,
		    (long long)a->old_size, where);
	if (!proof_ok)
		return fail(a, AUDIT_FAILED,
		    "consistency proof from %lld to "
		    "%lld (GET %s) does not verify, though the entries are "
		    "consistent with the checkpoint saved in %s: the center "
		    "serves wrong proofs",
		    (long long)a->old_size, (long long)a->size, path,
		    a->o->state_dir);
	return 0;
}

/* Writes data to dir/name durably (common/file.h). */
static int
write_atomic(struct audit *a, const char *name, const void *data, size_t len)
{
	char path[PATH_MAX], err[PATH_MAX + 128];

	if (state_path(a, name, path, sizeof(path)) == -1)
		return -1;
	if (file_write_atomic(path, data, len, 0600, 0, err, sizeof(err)) == -1)
		return fail(a, AUDIT_INCOMPLETE, "%s", err);
	return 0;
}

/* Step 7b: saves the audited checkpoint and its bundle hashes. */
static int
save_state(struct audit *a)
{
	size_t magic = sizeof(STATE_MAGIC) - 1;
	size_t nfull = (size_t)(a->size / TILE_WIDTH);
	size_t ntail = (size_t)(a->size % TILE_WIDTH);
	size_t len = magic + 8 + (nfull + ntail) * MERKLE_HASH_SIZE;
	uint8_t *buf;
	int dfd, rc;

	if ((buf = malloc(len)) == NULL)
		return fail(a, AUDIT_INCOMPLETE, "out of memory");
	memcpy(buf, STATE_MAGIC, magic);
	put_be64(buf + magic, (uint64_t)a->size);
	memcpy(buf + magic + 8, a->bundles, nfull * MERKLE_HASH_SIZE);
	memcpy(buf + magic + 8 + nfull * MERKLE_HASH_SIZE, a->tail,
	    ntail * MERKLE_HASH_SIZE);
	/* The checkpoint last: it is what the next audit trusts. */
	rc = write_atomic(a, "bundles", buf, len);
	free(buf);
	if (rc == -1 ||
	    write_atomic(a, "checkpoint", a->note, strlen(a->note)) == -1)
		return -1;
	if ((dfd = open(a->o->state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) !=
	    -1) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
}

/*
 * When no joint checkpoint can be had: if the log's latest checkpoint is
 * smaller than the one the previous audit saved, that is the failure to
 * report (entries acknowledged and audited are gone), not the missing
 * joint checkpoint.
 */
static void
diagnose_no_joint(struct audit *a)
{
	const struct note_verifier *known[1] = { a->keys.log_v };
	struct checkpoint *old = NULL, *latest = NULL;
	struct note *n1 = NULL, *n2 = NULL;
	struct fetch_reply r;
	enum audit_outcome outcome = a->outcome;
	char path[PATH_MAX], *saved = NULL;
	uint8_t *buf = NULL;
	size_t len;

	memset(&r, 0, sizeof(r));
	saved = strdup(a->err);
	a->outcome = AUDIT_OK; /* probe quietly; restored below */
	if (state_path(a, "checkpoint", path, sizeof(path)) == -1 ||
	    read_file(a, path, MAX_NOTE, &buf, &len) != 1 ||
	    (old = open_checkpoint(a, path, buf, len, known, 1, &n1)) == NULL)
		goto restore;
	if (fetch_get(a->f, "/v1/log/checkpoint", MAX_NOTE, &r) == -1 ||
	    r.status != 200 || r.body == NULL ||
	    (latest = open_checkpoint(a, "latest checkpoint", r.body, r.len,
		 known, 1, &n2)) == NULL ||
	    checkpoint_size(latest) >= checkpoint_size(old))
		goto restore;
	a->outcome = AUDIT_OK;
	fail(a, AUDIT_FAILED,
	    "inconsistent with the checkpoint of size %lld "
	    "saved in %s: the center serves no joint checkpoint and its log "
	    "now holds only %lld entries (entry %lld is the first missing)",
	    (long long)checkpoint_size(old), a->o->state_dir,
	    (long long)checkpoint_size(latest),
	    (long long)checkpoint_size(latest));
	goto done;
restore:
	a->outcome = outcome;
	if (saved != NULL)
		snprintf(a->err, a->errlen, "%s", saved);
done:
	free(saved);
	free(buf);
	free(r.body);
	checkpoint_free(old);
	checkpoint_free(latest);
	note_free(n1);
	note_free(n2);
}

int
audit_keys_parse(struct audit_keys *k, const char *log_key,
    const char *const *witness_keys, size_t nwitness, size_t quorum, char *err,
    size_t errlen)
{
	char why[300];
	size_t i;

	memset(k, 0, sizeof(*k));
	if ((k->log_v = note_verifier_parse(log_key, strlen(log_key), why,
		 sizeof(why))) == NULL) {
		snprintf(err, errlen, "--log-key: %s", why);
		return -1;
	}
	if (note_verifier_type(k->log_v) != NOTE_KEY_ED25519) {
		snprintf(err, errlen, "--log-key: not an Ed25519 log key");
		return -1;
	}
	if (nwitness > AUDIT_MAX_WITNESSES) {
		snprintf(err, errlen, "--witness-key: more than %d",
		    AUDIT_MAX_WITNESSES);
		return -1;
	}
	for (i = 0; i < nwitness; i++) {
		if ((k->wit_v[i] = note_verifier_parse(witness_keys[i],
			 strlen(witness_keys[i]), why, sizeof(why))) == NULL) {
			snprintf(err, errlen, "--witness-key %zu: %s", i + 1,
			    why);
			return -1;
		}
		k->nwit = i + 1;
		if (note_verifier_type(k->wit_v[i]) != NOTE_KEY_COSIGNATURE) {
			snprintf(err, errlen,
			    "--witness-key %s: not a cosignature key",
			    note_verifier_name(k->wit_v[i]));
			return -1;
		}
	}
	if (quorum > k->nwit) {
		snprintf(err, errlen,
		    "--quorum: %zu is more than the %zu witness keys given",
		    quorum, k->nwit);
		return -1;
	}
	k->quorum = quorum ? quorum : k->nwit;
	return 0;
}

void
audit_keys_free(struct audit_keys *k)
{
	size_t i;

	note_verifier_free(k->log_v);
	for (i = 0; i < k->nwit; i++)
		note_verifier_free(k->wit_v[i]);
	memset(k, 0, sizeof(*k));
}

/* Parses the keys and the quorum (audit_keys_parse). */
static int
setup_keys(struct audit *a)
{
	const struct audit_options *o = a->o;
	char why[512];

	if (audit_keys_parse(&a->keys, o->log_key, o->witness_keys,
		o->nwitness_keys, o->quorum, why, sizeof(why)) == -1)
		return fail(a, AUDIT_USAGE, "%s", why);
	return 0;
}

/*
 * The scratch store: a temporary SQLite file under $TMPDIR (else /tmp),
 * opened by two connections and unlinked at once, so the kernel frees it
 * when the audit ends however it ends (if no such file can be made: a
 * private temporary database, an empty file name, and one connection).
 * STORE_SCRATCH: no sync, an in-memory rollback journal. Sound because
 * nothing outlives the audit: a crash or a failed audit throws the store
 * away, and a completed one only compares it with the center.
 */
static int
setup_geo_dirs(struct audit *a)
{
	const struct audit_options *o = a->o;
	size_t i;

	if (o->ngeo_data_more > AUDIT_MAX_GEO_DATA - 1)
		return fail(a, AUDIT_USAGE, "--geo-data: more than %d",
		    AUDIT_MAX_GEO_DATA);
	if (o->geo_data != NULL)
		a->geo_dir[0] = o->geo_data;
	else {
		if (layers_datadir(a->default_data, sizeof(a->default_data)) ==
		    -1)
			snprintf(a->default_data, sizeof(a->default_data),
			    "data");
		a->geo_dir[0] = a->default_data;
	}
	for (i = 0; i < o->ngeo_data_more; i++)
		a->geo_dir[i + 1] = o->geo_data_more[i];
	a->ngeo_dirs = 1 + o->ngeo_data_more;
	return 0;
}

static int
open_store(struct audit *a)
{
	char path[PATH_MAX];
	const char *dir = getenv("TMPDIR");
	int fd = -1, n;

	/* A file of our own, unlinked as soon as both connections hold it
	   open, so that compare_state can read it from two threads and
	   nothing is left behind whatever happens to the audit. Without
	   one, SQLite's private temporary database and one reader. */
	if (dir == NULL || dir[0] == '\0')
		dir = "/tmp";
	n = snprintf(path, sizeof(path), "%s/truce-audit.XXXXXX", dir);
	if (n > 0 && (size_t)n < sizeof(path) && (fd = mkstemp(path)) != -1) {
		close(fd);
		a->store = store_open("sqlite", path, STORE_SCRATCH);
		if (a->store != NULL)
			a->store2 = store_open("sqlite", path,
			    STORE_SCRATCH | STORE_READONLY);
		unlink(path);
	}
	if (a->store == NULL &&
	    (a->store = store_open("sqlite", "", STORE_SCRATCH)) == NULL)
		return fail(a, AUDIT_INCOMPLETE, "cannot open a scratch store");
	return 0;
}

/*
 * Makes a failure found while memory ran out an incomplete audit, keeping
 * what was found in the message.
 */
static void
not_evidence(struct audit_summary *s, char *err, size_t errlen)
{
	char found[512];

	snprintf(found, sizeof(found), "%s", err);
	s->outcome = AUDIT_INCOMPLETE;
	snprintf(err, errlen,
	    "out of memory during the audit, so what it found is not "
	    "evidence (%s); run it again",
	    found);
}

int
audit_run(const struct audit_options *o, struct audit_summary *s, char *err,
    size_t errlen)
{
	struct audit *a;
	double t0 = clock_now_s();
	uint64_t json_oom = jsonmem_failures_all();
	uint64_t sql_oom = store_nomem_failures();
	uint64_t fusion_oom = nomem_failures_all();
	int64_t nfull;
	size_t i;
	int rc = -1, walked;

	memset(s, 0, sizeof(*s));
	s->previous_size = -1;
	if (errlen > 0)
		err[0] = '\0';
	if ((a = calloc(1, sizeof(*a))) == NULL) {
		s->outcome = AUDIT_INCOMPLETE;
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	a->o = o;
	a->sum = s;
	a->err = err;
	a->errlen = errlen;
	a->state_lock = -1;
	pthread_mutex_init(&a->qmu, NULL);
	pthread_cond_init(&a->qput, NULL);
	pthread_cond_init(&a->qtake, NULL);
	compact_init(&a->tree);
	if (setup_keys(a) == -1)
		goto done;
	if ((a->f = fetch_new(o->url, o->token, CONNECTIONS, err, errlen)) ==
	    NULL) {
		a->outcome = AUDIT_USAGE;
		goto done;
	}
	if (check_joint(a) == -1) {
		if (o->state_dir != NULL)
			diagnose_no_joint(a);
		goto done;
	}
	if (o->state_dir != NULL && load_state(a) == -1)
		goto done;
	nfull = a->size / TILE_WIDTH;
	if ((a->bundles = malloc(
		 nfull ? (size_t)nfull * MERKLE_HASH_SIZE : 1)) == NULL) {
		fail(a, AUDIT_INCOMPLETE, "out of memory");
		goto done;
	}
	if (open_store(a) == -1 || setup_geo_dirs(a) == -1)
		goto done;
	if ((a->lf = fetch_new(o->url, o->token, PAGE_WINDOW, err, errlen)) ==
	    NULL) {
		a->outcome = AUDIT_INCOMPLETE;
		goto done;
	}
	a->nchunks = (a->size + DIGEST_CHUNK - 1) / DIGEST_CHUNK;
	a->nkinds = o->observations_only ? 0 : STATEDIGEST_NKINDS;
	a->nschunks = (a->size + STATE_CHUNK - 1) / STATE_CHUNK;
	s->state_compared = a->nkinds > 0;
	if ((a->center = calloc((size_t)a->nchunks + 1, sizeof(*a->center))) ==
		NULL ||
	    (a->state = calloc((size_t)(a->nschunks * a->nkinds) + 1,
		 sizeof(*a->state))) == NULL) {
		fail(a, AUDIT_INCOMPLETE, "out of memory");
		goto done;
	}
	if (pthread_create(&a->lister, NULL, digest_run, a) != 0) {
		fail(a, AUDIT_INCOMPLETE, "cannot start the digest thread");
		goto done;
	}
	a->lister_started = 1;
	a->tree_start = clock_now_s();
	if (pthread_create(&a->replayer, NULL, replay_run, a) != 0) {
		fail(a, AUDIT_INCOMPLETE, "cannot start the replay thread");
		goto done;
	}
	a->replayer_started = 1;
	walked = walk(a);
	replay_join(a, walked == -1);
	a->tree_done = clock_now_s();
	if (walked == -1 || a->outcome != AUDIT_OK || check_root(a) == -1)
		goto done;
	list_join(a, 0);
	/* Hashing and replay only: the digests may still have been coming. */
	s->tree_seconds = a->tree_done - a->tree_start;
	s->replayed = a->replayed;
	if (compare_digests(a) == -1 || compare_state(a) == -1 ||
	    check_center_proofs(a) == -1)
		goto done;
	if (o->state_dir != NULL &&
	    (check_state(a) == -1 || save_state(a) == -1))
		goto done;
	rc = 0;
done:
	s->outcome = a->outcome;
	s->seconds = clock_now_s() - t0;
	/* A check that failed while memory ran out (an entry or proof that
	   could not be parsed, a replay the store could not make) is no
	   evidence against the log: the audit is incomplete. */
	if (s->outcome == AUDIT_FAILED &&
	    (jsonmem_failures_all() != json_oom ||
		store_nomem_failures() != sql_oom ||
		nomem_failures_all() != fusion_oom))
		not_evidence(s, err, errlen);
	if (rc == -1 && s->outcome == AUDIT_OK) {
		s->outcome = AUDIT_INCOMPLETE;
		if (err[0] == '\0')
			snprintf(err, errlen, "audit failed");
	}
	replay_join(a, 1);
	list_join(a, 1);
	fetch_free(a->lf);
	store_close(a->store2);
	store_close(a->store);
	for (i = 0; i < a->ngeo_engines; i++) {
		fusion_free(a->geo_fusion[i]);
		layers_free(a->geo_layers[i]);
	}
	fetch_free(a->f);
	audit_keys_free(&a->keys);
	if (a->state_lock != -1)
		close(a->state_lock);
	free(a->note);
	free(a->old_bundles);
	free(a->bundles);
	free(a->listed);
	free(a->center);
	free(a->state);
	pthread_mutex_destroy(&a->qmu);
	pthread_cond_destroy(&a->qput);
	pthread_cond_destroy(&a->qtake);
	free(a);
	return rc;
}
