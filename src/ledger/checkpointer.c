/*
 * checkpointer: log-signed checkpoints and the cosigning rounds that make
 * them joint (see checkpointer.h). The witnesses are asked in parallel with
 * libcurl's multi interface.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "common/clock.h"
#include "center/config.h"
#include "common/file.h"
#include "common/log.h"
#include "common/num.h"
#include "ledger/checkpointer.h"
#include "ledger/entrylog.h"
#include "record/timefmt.h"
#include "tlog/checkpoint.h"
#include "tlog/merkle.h"
#include "tlog/note.h"

#define MAX_RESPONSE 8192 /* bytes of a witness's answer we read */
#define BACKOFF_MIN_MS 250
#define BACKOFF_MAX_MS 8000

struct peer {
	char url[300];		 /* .../add-checkpoint */
	struct note_verifier *v; /* its cosignature key */
	int64_t known_size;	 /* what it last cosigned for us, as we know */
	int64_t retry_at_ms;
	int backoff_ms;
	/* One round's exchange. */
	CURL *easy;
	struct curl_slist *hdrs;
	char *body;
	char resp[MAX_RESPONSE + 1];
	size_t resp_len;
	long status;
	char cosig[NOTE_SIGLINE_MAX];
	int cosigned;
};

struct checkpointer {
	struct entrylog *log;
	char origin[256];
	struct note_signer *signer;
	struct note_verifier *log_v;
	struct peer peers[CONFIG_MAX_WITNESSES];
	size_t npeers;
	size_t quorum;
	long timeout_ms;
	char cacert[1024]; /* witness_cacert, or "" */
	char joint_path[4096];
	int signed_fd; /* log/checkpoint.signed, SIGNED_SLOTS slots */
	int next_slot; /* the slot the next signed checkpoint goes to */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	char *latest, *joint;
	int64_t latest_size, joint_size;
	int stopping;
	pthread_t thread;
	int started;
};

static char *
copy_str(const char *s)
{
	return s ? strdup(s) : NULL;
}

/*
 * The log's own signed checkpoints are recorded in log/checkpoint.signed:
 * SIGNED_SLOTS fixed slots of SIGNED_SLOT bytes, each a signed note padded
 * with NULs, written in turn and synced before the note is shown to anyone
 * (the two meta pages of LMDB: a torn slot fails its signature and the
 * other one still holds the last good checkpoint). The file never grows
 * after it is made, so recording needs no free space.
 */
#define SIGNED_SLOTS 2
#define SIGNED_SLOT 2048

static int
save_signed(struct checkpointer *cp, const char *note, size_t len)
{
	char slot[SIGNED_SLOT];
	ssize_t w;

	if (len >= sizeof(slot)) {
		log_warnx("checkpoint: a signed note of %zu bytes is over the "
			  "slot of %d bytes",
		    len, SIGNED_SLOT);
		return -1;
	}
	memset(slot, 0, sizeof(slot));
	memcpy(slot, note, len);
	w = pwrite(cp->signed_fd, slot, sizeof(slot),
	    (off_t)cp->next_slot * SIGNED_SLOT);
	if (w != (ssize_t)sizeof(slot) || fdatasync(cp->signed_fd) == -1) {
		log_warn("checkpoint: record the signed checkpoint");
		return -1;
	}
	cp->next_slot = (cp->next_slot + 1) % SIGNED_SLOTS;
	return 0;
}

int
checkpointer_sign(struct checkpointer *cp, int64_t size)
{
	uint8_t root[MERKLE_HASH_SIZE];
	char body[1024], err[256], *note = NULL;
	size_t blen, nlen;

	if (entrylog_root(cp->log, size, root) == -1) {
		log_warnx("checkpoint: no root for size %lld", (long long)size);
		return -1;
	}
	if (checkpoint_format(cp->origin, size, root, NULL, body, sizeof(body),
		&blen, err, sizeof(err)) == -1 ||
	    note_sign(cp->signer, (const uint8_t *)body, blen, 0, &note, &nlen,
		err, sizeof(err)) == -1) {
		log_warnx("checkpoint: cannot sign size %lld: %s",
		    (long long)size, err);
		return -1;
	}
	/* Recorded before anyone sees it, so no restart signs it anew. */
	if (save_signed(cp, note, nlen) == -1) {
		free(note);
		return -1;
	}
	pthread_mutex_lock(&cp->mu);
	if (size >= cp->latest_size) {
		free(cp->latest);
		cp->latest = note;
		cp->latest_size = size;
		note = NULL;
		pthread_cond_broadcast(&cp->cv);
	}
	pthread_mutex_unlock(&cp->mu);
	free(note);
	return 0;
}

char *
checkpointer_latest(struct checkpointer *cp, int64_t *size)
{
	char *s;

	pthread_mutex_lock(&cp->mu);
	s = copy_str(cp->latest);
	*size = cp->latest_size;
	pthread_mutex_unlock(&cp->mu);
	return s;
}

char *
checkpointer_joint(struct checkpointer *cp, int64_t *size)
{
	char *s;

	pthread_mutex_lock(&cp->mu);
	s = copy_str(cp->joint);
	*size = cp->joint_size;
	pthread_mutex_unlock(&cp->mu);
	return s;
}

int64_t
checkpointer_joint_size(struct checkpointer *cp)
{
	int64_t size;

	pthread_mutex_lock(&cp->mu);
	size = cp->joint != NULL ? cp->joint_size : 0;
	pthread_mutex_unlock(&cp->mu);
	return size;
}

/* Writes the joint checkpoint durably (common/file.h). */
static int
save_joint(struct checkpointer *cp, const char *note)
{
	char err[PATH_MAX + 128];

	if (file_write_atomic(cp->joint_path, note, strlen(note), 0600, 0, err,
		sizeof(err)) == 0)
		return 0;
	log_warnx("joint checkpoint: %s", err);
	return -1;
}

static void
publish_joint(struct checkpointer *cp, char *note, int64_t size)
{
	if (save_joint(cp, note) == -1) {
		free(note);
		return;
	}
	pthread_mutex_lock(&cp->mu);
	free(cp->joint);
	cp->joint = note;
	cp->joint_size = size;
	pthread_cond_broadcast(&cp->cv);
	pthread_mutex_unlock(&cp->mu);
	log_debug("joint checkpoint at size %lld", (long long)size);
}

static size_t
on_data(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct peer *p = arg;
	size_t n = size * nmemb, room = MAX_RESPONSE - p->resp_len;

	if (n > room)
		n = room;
	memcpy(p->resp + p->resp_len, ptr, n);
	p->resp_len += n;
	p->resp[p->resp_len] = '\0';
	return size * nmemb;
}

/* The add-checkpoint body for peer p and the signed checkpoint note. */
static char *
request_body(struct checkpointer *cp, struct peer *p, const char *note,
    int64_t size)
{
	uint8_t proof[MERKLE_MAX_PROOF][MERKLE_HASH_SIZE];
	char b64[MERKLE_BASE64_SIZE], *body;
	size_t len = 0, plen = 0, i, cap;

	if (p->known_size > 0 && p->known_size < size &&
	    merkle_prove_consistency(p->known_size, size, entrylog_read_hashes,
		cp->log, proof, &plen) == -1)
		return NULL;
	cap = 64 + plen * (MERKLE_BASE64_SIZE + 1) + strlen(note) + 2;
	if ((body = malloc(cap)) == NULL)
		return NULL;
	len = (size_t)snprintf(body, cap, "old %lld\n",
	    (long long)(p->known_size <= size ? p->known_size : 0));
	for (i = 0; i < plen; i++) {
		merkle_hash_to_base64(proof[i], b64);
		len += (size_t)snprintf(body + len, cap - len, "%s\n", b64);
	}
	snprintf(body + len, cap - len, "\n%s", note);
	return body;
}

/* Checks that line is p's valid cosignature of note. */
static int
check_cosignature(struct checkpointer *cp, struct peer *p, const char *note,
    const char *line)
{
	const struct note_verifier *known[2] = { cp->log_v, p->v };
	enum note_error e;
	char err[256], *full;
	size_t n = strlen(note) + strlen(line) + 1;
	struct note *opened;
	int rc = -1;
	size_t i;

	if ((full = malloc(n)) == NULL)
		return -1;
	snprintf(full, n, "%s%s", note, line);
	opened = note_open((const uint8_t *)full, n - 1, known, 2, &e, err,
	    sizeof(err));
	if (opened != NULL)
		for (i = 0; i < note_verified_count(opened); i++)
			if (note_verified_key(opened, i) == p->v)
				rc = 0;
	if (rc == -1)
		log_warnx("witness %s: answer is not a valid cosignature: %s",
		    p->url, opened ? "missing" : err);
	note_free(opened);
	free(full);
	return rc;
}

static void
backoff(struct peer *p)
{
	p->backoff_ms = p->backoff_ms ? p->backoff_ms * 2 : BACKOFF_MIN_MS;
	if (p->backoff_ms > BACKOFF_MAX_MS)
		p->backoff_ms = BACKOFF_MAX_MS;
	p->retry_at_ms = timefmt_now_ms() + p->backoff_ms;
}

/* One exchange with every witness that is due; fills p->status etc. */
static void
exchange(struct checkpointer *cp, CURLM *multi, const char *note, int64_t size,
    int *asked)
{
	struct peer *p;
	size_t i;
	int running = 0, numfds;
	int64_t now = timefmt_now_ms();

	*asked = 0;
	for (i = 0; i < cp->npeers; i++) {
		p = &cp->peers[i];
		p->status = 0;
		p->resp_len = 0;
		p->resp[0] = '\0';
		if (p->cosigned || now < p->retry_at_ms)
			continue;
		if ((p->body = request_body(cp, p, note, size)) == NULL) {
			backoff(p);
			continue;
		}
		p->easy = curl_easy_init();
		p->hdrs = curl_slist_append(NULL, "Content-Type: text/plain");
		curl_easy_setopt(p->easy, CURLOPT_URL, p->url);
		curl_easy_setopt(p->easy, CURLOPT_POSTFIELDS, p->body);
		curl_easy_setopt(p->easy, CURLOPT_HTTPHEADER, p->hdrs);
		curl_easy_setopt(p->easy, CURLOPT_TIMEOUT_MS, cp->timeout_ms);
		curl_easy_setopt(p->easy, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(p->easy, CURLOPT_WRITEFUNCTION, on_data);
		curl_easy_setopt(p->easy, CURLOPT_WRITEDATA, p);
		curl_easy_setopt(p->easy, CURLOPT_PRIVATE, p);
		curl_easy_setopt(p->easy, CURLOPT_PROTOCOLS_STR, "http,https");
		if (cp->cacert[0] != '\0')
			curl_easy_setopt(p->easy, CURLOPT_CAINFO, cp->cacert);
		curl_multi_add_handle(multi, p->easy);
		(*asked)++;
	}
	if (*asked == 0)
		return;
	do {
		curl_multi_perform(multi, &running);
		if (running)
			curl_multi_poll(multi, NULL, 0, 200, &numfds);
	} while (running);
	for (i = 0; i < cp->npeers; i++) {
		p = &cp->peers[i];
		if (p->easy == NULL)
			continue;
		curl_easy_getinfo(p->easy, CURLINFO_RESPONSE_CODE, &p->status);
		curl_multi_remove_handle(multi, p->easy);
		curl_easy_cleanup(p->easy);
		curl_slist_free_all(p->hdrs);
		free(p->body);
		p->easy = NULL;
		p->hdrs = NULL;
		p->body = NULL;
	}
}

/* The size in a 409 answer ("<size>\n", text/x.tlog.size). */
static int
conflict_size(struct peer *p, int64_t max, int64_t *n)
{
	char buf[32];
	size_t len = p->resp_len;

	if (len == 0 || len >= sizeof(buf) || p->resp[len - 1] != '\n')
		return -1;
	memcpy(buf, p->resp, len - 1);
	buf[len - 1] = '\0';
	return num_parse_i64(buf, 0, max, n, NULL, 0);
}

/* Asks the witnesses to cosign note (size entries); publishes if enough. */
static void
round_for(struct checkpointer *cp, CURLM *multi, const char *note, int64_t size)
{
	struct peer *p;
	size_t i, have = 0, len, cap;
	int pass, asked;
	int64_t n;
	char *joint;

	for (i = 0; i < cp->npeers; i++) {
		cp->peers[i].cosigned = 0;
		cp->peers[i].cosig[0] = '\0';
	}
	/* A second pass retries at once a witness that told us its size. */
	for (pass = 0; pass < 2; pass++) {
		exchange(cp, multi, note, size, &asked);
		if (asked == 0)
			break;
		for (i = 0; i < cp->npeers; i++) {
			p = &cp->peers[i];
			if (p->cosigned ||
			    (p->status == 0 && p->resp_len == 0 &&
				p->retry_at_ms > timefmt_now_ms()))
				continue;
			if (p->status == 200 && p->resp_len > 0 &&
			    p->resp[p->resp_len - 1] == '\n' &&
			    p->resp_len < sizeof(p->cosig) &&
			    check_cosignature(cp, p, note, p->resp) == 0) {
				memcpy(p->cosig, p->resp, p->resp_len + 1);
				p->cosigned = 1;
				p->known_size = size;
				p->backoff_ms = 0;
				p->retry_at_ms = 0;
			} else if (p->status == 409 &&
			    conflict_size(p, size, &n) == 0 &&
			    n != p->known_size && pass == 0) {
				log_info("witness %s last cosigned size %lld",
				    p->url, (long long)n);
				p->known_size = n;
			} else {
				log_warnx("witness %s: no cosignature for size "
					  "%lld (status %ld%s%.200s)",
				    p->url, (long long)size, p->status,
				    p->resp_len ? ": " : "", p->resp);
				backoff(p);
			}
		}
	}
	len = strlen(note);
	cap = len + 1;
	for (i = 0; i < cp->npeers; i++)
		if (cp->peers[i].cosigned) {
			have++;
			cap += strlen(cp->peers[i].cosig);
		}
	if (have < cp->quorum)
		return;
	if ((joint = malloc(cap)) == NULL)
		return;
	memcpy(joint, note, len + 1);
	for (i = 0; i < cp->npeers; i++)
		if (cp->peers[i].cosigned) {
			memcpy(joint + len, cp->peers[i].cosig,
			    strlen(cp->peers[i].cosig) + 1);
			len += strlen(cp->peers[i].cosig);
		}
	publish_joint(cp, joint, size);
}

static void *
run(void *arg)
{
	struct checkpointer *cp = arg;
	CURLM *multi = curl_multi_init();
	struct timespec ts;
	char *note;
	int64_t size;

	for (;;) {
		pthread_mutex_lock(&cp->mu);
		while (!cp->stopping && cp->latest_size <= cp->joint_size)
			pthread_cond_wait(&cp->cv, &cp->mu);
		if (cp->stopping) {
			pthread_mutex_unlock(&cp->mu);
			break;
		}
		note = copy_str(cp->latest);
		size = cp->latest_size;
		pthread_mutex_unlock(&cp->mu);
		if (note == NULL)
			continue;
		if (cp->npeers == 0) {
			publish_joint(cp, note, size);
			continue;
		}
		round_for(cp, multi, note, size);
		free(note);
		/* Not joint yet: wait a little (or for a newer checkpoint). */
		pthread_mutex_lock(&cp->mu);
		if (!cp->stopping && cp->joint_size < size) {
			clock_deadline(&ts, BACKOFF_MIN_MS);
			pthread_cond_timedwait(&cp->cv, &cp->mu, &ts);
		}
		pthread_mutex_unlock(&cp->mu);
	}
	curl_multi_cleanup(multi);
	return NULL;
}

/*
 * Verifies buf[0..len-1] as a checkpoint signed by v; sets *size and root.
 * 0, or -1 with the reason in err.
 */
static int
read_checkpoint(const char *buf, size_t len, const struct note_verifier *v,
    int64_t *size, uint8_t root[MERKLE_HASH_SIZE], char *err, size_t errlen)
{
	const struct note_verifier *known[1] = { v };
	struct checkpoint *c = NULL;
	struct note *n = NULL;
	enum note_error e;
	const uint8_t *text;
	size_t tlen;
	int rc = -1;

	if ((n = note_open((const uint8_t *)buf, len, known, 1, &e, err,
		 errlen)) == NULL ||
	    (text = note_text(n, &tlen)) == NULL ||
	    (c = checkpoint_parse(text, tlen, err, errlen)) == NULL)
		goto done;
	*size = checkpoint_size(c);
	memcpy(root, checkpoint_root(c), MERKLE_HASH_SIZE);
	rc = 0;
done:
	checkpoint_free(c);
	note_free(n);
	return rc;
}

/* Reads up to cap - 1 bytes of path at off into buf (NUL-terminated). */
static ssize_t
read_file_at(const char *path, off_t off, char *buf, size_t cap)
{
	ssize_t r;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	r = pread(fd, buf, cap - 1, off);
	close(fd);
	if (r < 0)
		return -1;
	buf[r] = '\0';
	return r;
}

/* The path of file name in the directory of the joint checkpoint. */
static int
beside(const char *joint_path, const char *name, char *out, size_t cap)
{
	const char *slash = strrchr(joint_path, '/');
	int dlen = slash ? (int)(slash - joint_path + 1) : 0;

	return (size_t)snprintf(out, cap, "%.*s%s", dlen, joint_path, name) >=
		cap
	    ? -1
	    : 0;
}

int
checkpointer_anchors(const char *joint_path, const struct note_verifier *v,
    struct entrylog_anchor out[CHECKPOINTER_MAX_ANCHORS], size_t *n)
{
	char buf[65536], err[256], path[4096];
	struct entrylog_anchor *a;
	ssize_t r;
	int i;

	*n = 0;
	if ((r = read_file_at(joint_path, 0, buf, sizeof(buf))) > 0) {
		a = &out[*n];
		if (read_checkpoint(buf, (size_t)r, v, &a->size, a->root, err,
			sizeof(err)) == -1)
			log_warnx("%s: not a checkpoint signed by the log's "
				  "key, not used: %s",
			    joint_path, err);
		else {
			snprintf(a->what, sizeof(a->what),
			    "the joint "
			    "checkpoint log/checkpoint.joint");
			(*n)++;
		}
	}
	if (beside(joint_path, "checkpoint.signed", path, sizeof(path)) == -1)
		return -1;
	for (i = 0; i < SIGNED_SLOTS; i++) {
		if ((r = read_file_at(path, (off_t)i * SIGNED_SLOT, buf,
			 SIGNED_SLOT + 1)) <= 0 ||
		    buf[0] == '\0')
			continue;
		a = &out[*n];
		/* A torn slot fails here; the other holds the last good. */
		if (read_checkpoint(buf, strlen(buf), v, &a->size, a->root, err,
			sizeof(err)) == -1) {
			log_warnx("%s: slot %d is not a checkpoint signed by "
				  "the log's key, not used: %s",
			    path, i, err);
			continue;
		}
		snprintf(a->what, sizeof(a->what),
		    "the checkpoint in slot %d "
		    "of log/checkpoint.signed",
		    i);
		(*n)++;
	}
	return 0;
}

/*
 * Opens (making it, zero-filled and synced, if missing) the record of
 * signed checkpoints, and picks the slot to write next: the one that does
 * not hold the largest valid checkpoint. 0, or -1 (reported).
 */
static int
open_signed(struct checkpointer *cp)
{
	char path[4096], buf[SIGNED_SLOT + 1], err[256];
	uint8_t root[MERKLE_HASH_SIZE];
	int64_t size, best = -1;
	struct stat st;
	int i;

	if (beside(cp->joint_path, "checkpoint.signed", path, sizeof(path)) ==
	    -1) {
		log_warnx("%s: path too long", cp->joint_path);
		return -1;
	}
	if ((cp->signed_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) ==
		-1 ||
	    fstat(cp->signed_fd, &st) == -1) {
		log_warn("open %s", path);
		return -1;
	}
	if (st.st_size < SIGNED_SLOTS * SIGNED_SLOT) {
		char zero[SIGNED_SLOT];

		memset(zero, 0, sizeof(zero));
		for (i = 0; i < SIGNED_SLOTS; i++)
			if (pwrite(cp->signed_fd, zero, sizeof(zero),
				(off_t)i * SIGNED_SLOT) !=
			    (ssize_t)sizeof(zero))
				break;
		if (i < SIGNED_SLOTS || fsync(cp->signed_fd) == -1 ||
		    file_sync_parent(path) == -1) {
			log_warn("make %s", path);
			return -1;
		}
	}
	cp->next_slot = 0;
	for (i = 0; i < SIGNED_SLOTS; i++) {
		if (pread(cp->signed_fd, buf, SIGNED_SLOT,
			(off_t)i * SIGNED_SLOT) != SIGNED_SLOT)
			continue;
		buf[SIGNED_SLOT] = '\0';
		if (buf[0] == '\0' ||
		    read_checkpoint(buf, strlen(buf), cp->log_v, &size, root,
			err, sizeof(err)) == -1)
			continue;
		if (size > best) {
			best = size;
			cp->next_slot = (i + 1) % SIGNED_SLOTS;
		}
	}
	return 0;
}

/* Loads the saved joint checkpoint if it still fits the log. */
static void
load_joint(struct checkpointer *cp)
{
	uint8_t root[MERKLE_HASH_SIZE];
	char buf[65536], err[256];
	int64_t size;
	ssize_t r;

	if ((r = read_file_at(cp->joint_path, 0, buf, sizeof(buf))) <= 0)
		return;
	if (read_checkpoint(buf, (size_t)r, cp->log_v, &size, root, err,
		sizeof(err)) == -1 ||
	    size > entrylog_size(cp->log)) {
		log_warnx("%s: ignoring the saved joint checkpoint: %s",
		    cp->joint_path,
		    size > entrylog_size(cp->log) ? "beyond the log" : err);
		return;
	}
	cp->joint = strdup(buf);
	cp->joint_size = size;
}

struct checkpointer *
checkpointer_start(struct entrylog *log, const char *origin,
    struct note_signer *signer, const struct config *cfg,
    const char *joint_path)
{
	struct checkpointer *cp;
	char err[256];
	size_t i;

	if ((cp = calloc(1, sizeof(*cp))) == NULL) {
		note_signer_free(signer);
		return NULL;
	}
	cp->log = log;
	cp->signer = signer;
	snprintf(cp->origin, sizeof(cp->origin), "%s", origin);
	snprintf(cp->joint_path, sizeof(cp->joint_path), "%s", joint_path);
	pthread_mutex_init(&cp->mu, NULL);
	pthread_cond_init(&cp->cv, NULL);
	cp->signed_fd = -1;
	cp->timeout_ms = (long)cfg->cosign_timeout_ms;
	snprintf(cp->cacert, sizeof(cp->cacert), "%s", cfg->witness_cacert);
	if ((cp->log_v = note_signer_verifier(signer)) == NULL)
		goto fail;
	for (i = 0; i < cfg->nwitnesses; i++) {
		struct peer *p = &cp->peers[i];
		const char *u = cfg->witnesses[i].url;
		size_t ul = strlen(u);

		snprintf(p->url, sizeof(p->url), "%.*s/add-checkpoint",
		    (int)(ul && u[ul - 1] == '/' ? ul - 1 : ul), u);
		p->v = note_verifier_parse(cfg->witnesses[i].vkey,
		    strlen(cfg->witnesses[i].vkey), err, sizeof(err));
		if (p->v == NULL ||
		    note_verifier_type(p->v) != NOTE_KEY_COSIGNATURE) {
			log_warnx("witness %s: its key is not a cosignature "
				  "verifier key: %s",
			    u, p->v ? "wrong type" : err);
			cp->npeers = i + 1;
			goto fail;
		}
		cp->npeers = i + 1;
	}
	cp->quorum =
	    cfg->witness_quorum ? (size_t)cfg->witness_quorum : cp->npeers;
	load_joint(cp);
	if (open_signed(cp) == -1)
		goto fail;
	if (checkpointer_sign(cp, entrylog_size(log)) == -1)
		goto fail;
	if (pthread_create(&cp->thread, NULL, run, cp) != 0) {
		log_warnx("cannot start the cosigning thread");
		goto fail;
	}
	cp->started = 1;
	return cp;
fail:
	checkpointer_stop(cp);
	return NULL;
}

struct checkpointer *
checkpointer_follow(void)
{
	struct checkpointer *cp;

	if ((cp = calloc(1, sizeof(*cp))) == NULL)
		return NULL;
	pthread_mutex_init(&cp->mu, NULL);
	pthread_cond_init(&cp->cv, NULL);
	cp->signed_fd = -1;
	return cp;
}

int
checkpointer_publish(struct checkpointer *cp, const char *note, int64_t size)
{
	char *a, *b;

	if ((a = strdup(note)) == NULL || (b = strdup(note)) == NULL) {
		free(a);
		return -1;
	}
	pthread_mutex_lock(&cp->mu);
	free(cp->latest);
	free(cp->joint);
	cp->latest = a;
	cp->joint = b;
	cp->latest_size = cp->joint_size = size;
	pthread_cond_broadcast(&cp->cv);
	pthread_mutex_unlock(&cp->mu);
	return 0;
}

void
checkpointer_stop(struct checkpointer *cp)
{
	size_t i;

	if (cp == NULL)
		return;
	if (cp->started) {
		pthread_mutex_lock(&cp->mu);
		cp->stopping = 1;
		pthread_cond_broadcast(&cp->cv);
		pthread_mutex_unlock(&cp->mu);
		pthread_join(cp->thread, NULL);
	}
	for (i = 0; i < cp->npeers; i++)
		note_verifier_free(cp->peers[i].v);
	note_verifier_free(cp->log_v);
	note_signer_free(cp->signer);
	if (cp->signed_fd != -1)
		close(cp->signed_fd);
	free(cp->latest);
	free(cp->joint);
	pthread_mutex_destroy(&cp->mu);
	pthread_cond_destroy(&cp->cv);
	free(cp);
}
