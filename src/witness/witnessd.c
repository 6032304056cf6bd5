/*
 * witnessd: C2SP tlog-witness server with durable, fork-proof state (see
 * witnessd.h).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>
#include <sodium.h>

#include "common/file.h"
#include "common/log.h"
#include "common/num.h"
#include "tlog/checkpoint.h"
#include "tlog/merkle.h"
#include "tlog/note.h"
#include "tlog/witness.h"
#include "witness/witnessd.h"

#define MAX_LOGS 64

struct wlog {
	char origin[CHECKPOINT_ORIGIN_MAX + 1];
	const struct note_verifier *keys[8];
	size_t nkeys;
	struct witness_state state;
	int has_state;
	char path[4096];
};

struct witnessd {
	struct MHD_Daemon *daemon;
	struct note_signer *key;
	struct note_verifier *verifiers[MAX_LOGS];
	size_t nverifiers;
	struct wlog logs[MAX_LOGS];
	size_t nlogs;
	char dir[4096];
	int lock_fd;
	uint16_t port;
	pthread_mutex_t mu;
};

struct wreq {
	char *body;
	size_t len;
	int too_large;
};

static int
state_path(struct witnessd *w, const char *origin, char *out, size_t outlen)
{
	uint8_t h[32];
	char hex[65];

	/* Origins are arbitrary text: name the file by their hash. */
	crypto_hash_sha256(h, (const uint8_t *)origin, strlen(origin));
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	return (size_t)snprintf(out, outlen, "%s/%s.state", w->dir, hex) >=
		outlen
	    ? -1
	    : 0;
}

/* Reads "origin\nsize\nroot-base64\n". 1 found, 0 none, -1 bad. */
static int
load_state(struct wlog *l)
{
	char buf[CHECKPOINT_ORIGIN_MAX + 128], *nl1, *nl2, *nl3;
	ssize_t n;
	int fd;

	if ((fd = open(l->path, O_RDONLY | O_CLOEXEC)) == -1)
		return errno == ENOENT ? 0 : -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	if ((nl1 = strchr(buf, '\n')) == NULL ||
	    (nl2 = strchr(nl1 + 1, '\n')) == NULL ||
	    (nl3 = strchr(nl2 + 1, '\n')) == NULL)
		return -1;
	*nl1 = *nl2 = *nl3 = '\0';
	if (strcmp(buf, l->origin) != 0 ||
	    num_parse_i64(nl1 + 1, 0, INT64_MAX, &l->state.size, NULL, 0) ==
		-1 ||
	    merkle_hash_from_base64(nl2 + 1, strlen(nl2 + 1), l->state.root) ==
		-1)
		return -1;
	l->has_state = 1;
	return 1;
}

static int
save_state(struct wlog *l, const struct witness_state *s)
{
	char b64[MERKLE_BASE64_SIZE], buf[CHECKPOINT_ORIGIN_MAX + 128];
	char err[4400];
	int n;

	merkle_hash_to_base64(s->root, b64);
	n = snprintf(buf, sizeof(buf), "%s\n%lld\n%s\n", l->origin,
	    (long long)s->size, b64);
	if (n < 0 || (size_t)n >= sizeof(buf) ||
	    file_write_atomic(l->path, buf, (size_t)n, 0600, 0, err,
		sizeof(err)) == -1) {
		log_warnx("witness: save state: %s",
		    n < 0 || (size_t)n >= sizeof(buf) ? "state too long" : err);
		return -1;
	}
	return 0;
}

static enum MHD_Result
answer(struct MHD_Connection *conn, unsigned int status, const char *ctype,
    const char *body)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	resp = MHD_create_response_from_buffer(strlen(body), (void *)body,
	    MHD_RESPMEM_MUST_COPY);
	if (resp == NULL)
		return MHD_NO;
	MHD_add_response_header(resp, "Content-Type", ctype);
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result
add_checkpoint(struct witnessd *w, struct MHD_Connection *conn,
    const struct wreq *q)
{
	struct witness_request *req;
	struct witness_result res;
	struct wlog *l = NULL;
	char msg[WITNESS_MESSAGE_MAX + 2], err[256];
	const char *origin;
	size_t i;

	memset(&res, 0, sizeof(res));
	if ((req = witness_request_parse((const uint8_t *)q->body, q->len, err,
		 sizeof(err))) == NULL) {
		snprintf(msg, sizeof(msg), "%s\n", err);
		return answer(conn, 400, "text/plain; charset=utf-8", msg);
	}
	origin = checkpoint_origin(witness_request_checkpoint(req));
	for (i = 0; i < w->nlogs; i++)
		if (strcmp(w->logs[i].origin, origin) == 0)
			l = &w->logs[i];
	/* Check, then save, then answer: one request at a time. */
	pthread_mutex_lock(&w->mu);
	witness_decide(req, l && l->has_state ? &l->state : NULL,
	    l ? l->keys : NULL, l ? l->nkeys : 0, w->key, (uint64_t)time(NULL),
	    &res);
	if (res.status == 200) {
		if (save_state(l, &res.state) == -1) {
			res.status = 500;
			snprintf(res.message, sizeof(res.message),
			    "cannot save the witness state");
		} else {
			l->state = res.state;
			l->has_state = 1;
		}
	}
	pthread_mutex_unlock(&w->mu);
	if (res.status != 200 && res.status != 409)
		log_info("witness: %d for %.100s: %s", res.status, origin,
		    res.message);
	witness_request_free(req); /* origin points into it */
	if (res.status == 200)
		return answer(conn, 200, "text/plain; charset=utf-8",
		    res.cosignature);
	if (res.status == 409) {
		snprintf(msg, sizeof(msg), "%lld\n", (long long)res.size);
		return answer(conn, 409, "text/x.tlog.size", msg);
	}
	snprintf(msg, sizeof(msg), "%s\n", res.message);
	return answer(conn, (unsigned int)res.status,
	    "text/plain; charset=utf-8", msg);
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
	struct witnessd *w = cls;
	struct wreq *q = *con_cls;
	char *nb;

	(void)version;
	if (q == NULL) {
		if (strcmp(url, "/add-checkpoint") != 0)
			return answer(conn, 404, "text/plain; charset=utf-8",
			    "not found\n");
		if (strcmp(method, "POST") != 0)
			return answer(conn, 405, "text/plain; charset=utf-8",
			    "POST only\n");
		if ((q = calloc(1, sizeof(*q))) == NULL)
			return MHD_NO;
		*con_cls = q;
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		if (q->too_large ||
		    q->len + *upload_data_size > WITNESS_MAX_BODY) {
			q->too_large = 1;
		} else {
			if ((nb = realloc(q->body,
				 q->len + *upload_data_size + 1)) == NULL)
				return MHD_NO;
			q->body = nb;
			memcpy(q->body + q->len, upload_data,
			    *upload_data_size);
			q->len += *upload_data_size;
			q->body[q->len] = '\0';
		}
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (q->too_large)
		return answer(conn, 413, "text/plain; charset=utf-8",
		    "body over the limit\n");
	return add_checkpoint(w, conn, q);
}

static void
on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct wreq *q = *con_cls;

	(void)cls;
	(void)conn;
	(void)toe;
	if (q != NULL) {
		free(q->body);
		free(q);
		*con_cls = NULL;
	}
}

static int
add_log(struct witnessd *w, const char *vkey, char *err, size_t errlen)
{
	struct note_verifier *v;
	const char *origin;
	struct wlog *l = NULL;
	size_t i;

	if (w->nverifiers == MAX_LOGS) {
		snprintf(err, errlen, "--log: more than %d keys", MAX_LOGS);
		return -1;
	}
	if ((v = note_verifier_parse(vkey, strlen(vkey), err, errlen)) == NULL)
		return -1;
	w->verifiers[w->nverifiers++] = v;
	if (note_verifier_type(v) != NOTE_KEY_ED25519) {
		snprintf(err, errlen, "--log: %.64s is not an Ed25519 log key",
		    vkey);
		return -1;
	}
	/* The key name is the log's origin (C2SP tlog-checkpoint). */
	origin = note_verifier_name(v);
	for (i = 0; i < w->nlogs; i++)
		if (strcmp(w->logs[i].origin, origin) == 0)
			l = &w->logs[i];
	if (l == NULL) {
		l = &w->logs[w->nlogs++];
		snprintf(l->origin, sizeof(l->origin), "%s", origin);
		if (state_path(w, origin, l->path, sizeof(l->path)) == -1) {
			snprintf(err, errlen, "state path too long");
			return -1;
		}
		if (load_state(l) == -1) {
			snprintf(err, errlen,
			    "%s: unreadable witness state; "
			    "refusing to start rather than forget what was "
			    "cosigned",
			    l->path);
			return -1;
		}
	}
	if (l->nkeys == sizeof(l->keys) / sizeof(l->keys[0])) {
		snprintf(err, errlen, "--log: too many keys for %.64s", origin);
		return -1;
	}
	l->keys[l->nkeys++] = v;
	return 0;
}

struct witnessd *
witnessd_start(struct note_signer *key, const char *const *log_vkeys,
    size_t nlogs, const char *state_dir, const char *listen,
    const char *tls_cert, const char *tls_key, char *err, size_t errlen)
{
	struct witnessd *w;
	struct sockaddr_in sa;
	const union MHD_DaemonInfo *info;
	struct MHD_OptionItem tls[3] = { { MHD_OPTION_END, 0, NULL },
		{ MHD_OPTION_END, 0, NULL }, { MHD_OPTION_END, 0, NULL } };
	unsigned int flags =
	    MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
	char host[64], lock[4200];
	const char *colon = strrchr(listen, ':');
	int64_t port;
	size_t i;

	if ((w = calloc(1, sizeof(*w))) == NULL) {
		note_signer_free(key);
		return NULL;
	}
	w->key = key;
	w->lock_fd = -1;
	pthread_mutex_init(&w->mu, NULL);
	snprintf(w->dir, sizeof(w->dir), "%s", state_dir);
	if (note_signer_type(key) != NOTE_KEY_COSIGNATURE) {
		snprintf(err, errlen,
		    "--key: not a cosignature key (make one "
		    "with `truce keygen NAME --cosign`)");
		goto fail;
	}
	if (mkdir(state_dir, 0700) == -1 && errno != EEXIST) {
		snprintf(err, errlen, "--state: %s: %s", state_dir,
		    strerror(errno));
		goto fail;
	}
	if ((size_t)snprintf(lock, sizeof(lock), "%s/lock", state_dir) >=
		sizeof(lock) ||
	    (size_t)snprintf(w->dir, sizeof(w->dir), "%s", state_dir) >=
		sizeof(w->dir)) {
		snprintf(err, errlen, "--state: path too long");
		goto fail;
	}
	if ((w->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) ==
		-1 ||
	    flock(w->lock_fd, LOCK_EX | LOCK_NB) == -1) {
		snprintf(err, errlen,
		    "--state: %s is in use by another "
		    "witness",
		    state_dir);
		goto fail;
	}
	for (i = 0; i < nlogs; i++)
		if (add_log(w, log_vkeys[i], err, errlen) == -1)
			goto fail;
	if (colon == NULL || (size_t)(colon - listen) >= sizeof(host) ||
	    num_parse_i64(colon + 1, 0, 65535, &port, NULL, 0) == -1) {
		snprintf(err, errlen, "--listen: '%.64s' is not HOST:PORT",
		    listen);
		goto fail;
	}
	memcpy(host, listen, (size_t)(colon - listen));
	host[colon - listen] = '\0';
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, strcmp(host, "localhost") ? host : "127.0.0.1",
		&sa.sin_addr) != 1) {
		snprintf(err, errlen,
		    "--listen: '%.64s' is not an IPv4 "
		    "address",
		    host);
		goto fail;
	}
	if (tls_cert != NULL && tls_key != NULL) {
		tls[0].option = MHD_OPTION_HTTPS_MEM_CERT;
		tls[0].ptr_value = (void *)(uintptr_t)tls_cert;
		tls[1].option = MHD_OPTION_HTTPS_MEM_KEY;
		tls[1].ptr_value = (void *)(uintptr_t)tls_key;
		flags |= MHD_USE_TLS;
	}
	w->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, w,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
	    MHD_OPTION_THREAD_POOL_SIZE, 2u, MHD_OPTION_CONNECTION_LIMIT, 256u,
	    MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_NOTIFY_COMPLETED,
	    on_completed, w, MHD_OPTION_ARRAY, tls, MHD_OPTION_END);
	if (w->daemon == NULL) {
		snprintf(err, errlen, "cannot listen on %s", listen);
		goto fail;
	}
	info = MHD_get_daemon_info(w->daemon, MHD_DAEMON_INFO_BIND_PORT);
	w->port = info ? info->port : (uint16_t)port;
	return w;
fail:
	witnessd_stop(w);
	return NULL;
}

uint16_t
witnessd_port(struct witnessd *w)
{
	return w->port;
}

void
witnessd_stop(struct witnessd *w)
{
	size_t i;

	if (w == NULL)
		return;
	if (w->daemon != NULL)
		MHD_stop_daemon(w->daemon);
	for (i = 0; i < w->nverifiers; i++)
		note_verifier_free(w->verifiers[i]);
	note_signer_free(w->key);
	if (w->lock_fd != -1)
		close(w->lock_fd);
	pthread_mutex_destroy(&w->mu);
	free(w);
}
