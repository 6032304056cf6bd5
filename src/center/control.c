/*
 * control: the control socket, server and client sides (see control.h).
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "center/center.h"
#include "center/control.h"
#include "common/log.h"

struct control {
	struct center *center;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int fd;
	int wake[2]; /* a pipe: written to stop the thread */
	pthread_t thread;
	int started;
};

/* Fills sa with path; -1 if it does not fit sun_path. */
static int
unix_address(const char *path, struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path))
		return -1;
	memcpy(sa->sun_path, path, strlen(path) + 1);
	return 0;
}

/* Copies string field key of o into out (len bytes); "" if absent. */
static int
field(const json_t *o, const char *key, char *out, size_t len)
{
	const json_t *v = json_object_get(o, key);

	out[0] = '\0';
	if (v == NULL)
		return 0;
	if (!json_is_string(v) || json_string_length(v) >= len)
		return -1;
	snprintf(out, len, "%s", json_string_value(v));
	return 0;
}

/* Runs one request; returns the answer (new object). */
static json_t *
handle(struct control *ctl, const json_t *req)
{
	struct principal p;
	char token[PRINCIPAL_TOKEN_LEN + 1], err[400], role[32];
	const char *op = json_string_value(json_object_get(req, "op"));
	json_t *answer;
	int status;

	memset(&p, 0, sizeof(p));
	if (op == NULL)
		return json_pack("{s:i,s:s}", "status", 400, "error",
		    "/op: required (principal_add, principal_revoke)");
	if (field(req, "name", p.name, sizeof(p.name)) == -1 ||
	    field(req, "role", role, sizeof(role)) == -1 ||
	    field(req, "member", p.member, sizeof(p.member)) == -1 ||
	    field(req, "party", p.party, sizeof(p.party)) == -1)
		return json_pack("{s:i,s:s}", "status", 422, "error",
		    "name, role, member and party are short strings");
	if (strcmp(op, "principal_add") == 0) {
		p.role = principal_role(role);
		if (center_add_principal(ctl->center, PRINCIPAL_LOCAL, &p,
			token, &status, err, sizeof(err)) == -1)
			return json_pack("{s:i,s:s}", "status", status, "error",
			    err);
		answer = json_pack("{s:i,s:s}", "status", 201, "token", token);
		sodium_memzero(token, sizeof(token));
		return answer;
	}
	if (strcmp(op, "principal_revoke") == 0) {
		if (center_revoke_principal(ctl->center, PRINCIPAL_LOCAL,
			p.name, &status, err, sizeof(err)) == -1)
			return json_pack("{s:i,s:s}", "status", status, "error",
			    err);
		return json_pack("{s:i}", "status", 200);
	}
	return json_pack("{s:i,s:s}", "status", 400, "error",
	    "/op: unknown (principal_add, principal_revoke)");
}

/* Reads one line of at most CONTROL_MAX_REQUEST bytes into buf. */
static ssize_t
read_line(int fd, char *buf, size_t cap)
{
	size_t n = 0;
	ssize_t r;

	while (n < cap) {
		r = read(fd, buf + n, cap - n);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		n += (size_t)r;
		if (memchr(buf, '\n', n) != NULL)
			return (ssize_t)n;
	}
	return -1;
}

static void
write_all(int fd, const char *s, size_t len)
{
	ssize_t w;

	while (len > 0) {
		w = write(fd, s, len);
		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		s += w;
		len -= (size_t)w;
	}
}

static void
serve_one(struct control *ctl, int fd)
{
	struct timeval tv = { CONTROL_TIMEOUT_S, 0 };
	struct ucred cred;
	socklen_t clen = sizeof(cred);
	char buf[CONTROL_MAX_REQUEST + 1], *text = NULL;
	json_t *req = NULL, *answer = NULL;
	ssize_t n;

	memset(&cred, 0, sizeof(cred));
	cred.uid = (uid_t)-1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) == -1 ||
	    (cred.uid != geteuid() && cred.uid != 0)) {
		log_warnx("control: refused a connection from uid %ld",
		    (long)cred.uid);
		answer = json_pack("{s:i,s:s}", "status", 403, "error",
		    "only the center's own account may use its control socket");
		goto reply;
	}
	if ((n = read_line(fd, buf, sizeof(buf) - 1)) == -1) {
		answer = json_pack("{s:i,s:s}", "status", 400, "error",
		    "a request is one JSON line of at most 4096 bytes");
		goto reply;
	}
	buf[n] = '\0';
	if ((req = json_loads(buf, JSON_REJECT_DUPLICATES, NULL)) == NULL ||
	    !json_is_object(req)) {
		answer = json_pack("{s:i,s:s}", "status", 400, "error",
		    "the request is not a JSON object");
		goto reply;
	}
	answer = handle(ctl, req);
reply:
	if (answer != NULL &&
	    (text = json_dumps(answer, JSON_COMPACT)) != NULL) {
		write_all(fd, text, strlen(text));
		write_all(fd, "\n", 1);
		sodium_memzero(text, strlen(text));
	}
	free(text);
	json_decref(answer);
	json_decref(req);
	sodium_memzero(buf, sizeof(buf));
}

static void *
run(void *arg)
{
	struct control *ctl = arg;
	struct pollfd pfd[2];
	int fd;

	pfd[0].fd = ctl->fd;
	pfd[0].events = POLLIN;
	pfd[1].fd = ctl->wake[0];
	pfd[1].events = POLLIN;
	for (;;) {
		if (poll(pfd, 2, -1) == -1) {
			if (errno == EINTR)
				continue;
			log_warn("control: poll");
			break;
		}
		if (pfd[1].revents != 0)
			break;
		if ((pfd[0].revents & POLLIN) == 0)
			continue;
		if ((fd = accept4(ctl->fd, NULL, NULL, SOCK_CLOEXEC)) == -1) {
			if (errno != EINTR && errno != EAGAIN)
				log_warn("control: accept");
			continue;
		}
		serve_one(ctl, fd);
		close(fd);
	}
	return NULL;
}

struct control *
control_start(struct center *c, const char *path, char *err, size_t errlen)
{
	struct control *ctl;
	struct sockaddr_un sa;
	mode_t old;

	if ((ctl = calloc(1, sizeof(*ctl))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	ctl->center = c;
	ctl->fd = ctl->wake[0] = ctl->wake[1] = -1;
	if (unix_address(path, &sa) == -1) {
		snprintf(err, errlen,
		    "%s: longer than a socket path may be "
		    "(%zu bytes)",
		    path, sizeof(sa.sun_path) - 1);
		goto fail;
	}
	snprintf(ctl->path, sizeof(ctl->path), "%s", path);
	if ((ctl->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    pipe2(ctl->wake, O_CLOEXEC) == -1) {
		snprintf(err, errlen, "control socket: %s", strerror(errno));
		goto fail;
	}
	/* We hold the log's lock: a socket file left here is stale. */
	if (unlink(path) == -1 && errno != ENOENT) {
		snprintf(err, errlen, "unlink %s: %s", path, strerror(errno));
		goto fail;
	}
	old = umask(0077);
	if (bind(ctl->fd, (struct sockaddr *)&sa, sizeof(sa)) == -1) {
		umask(old);
		snprintf(err, errlen, "bind %s: %s", path, strerror(errno));
		goto fail;
	}
	umask(old);
	if (chmod(path, 0600) == -1 || listen(ctl->fd, 8) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		unlink(path);
		goto fail;
	}
	if (pthread_create(&ctl->thread, NULL, run, ctl) != 0) {
		snprintf(err, errlen, "cannot start the control thread");
		unlink(path);
		goto fail;
	}
	ctl->started = 1;
	return ctl;
fail:
	control_stop(ctl);
	return NULL;
}

void
control_stop(struct control *ctl)
{
	if (ctl == NULL)
		return;
	if (ctl->started) {
		write_all(ctl->wake[1], "x", 1);
		pthread_join(ctl->thread, NULL);
		unlink(ctl->path);
	}
	if (ctl->fd != -1)
		close(ctl->fd);
	if (ctl->wake[0] != -1)
		close(ctl->wake[0]);
	if (ctl->wake[1] != -1)
		close(ctl->wake[1]);
	free(ctl);
}

int
control_request(const char *path, const json_t *request, json_t **answer,
    int *unreachable, char *err, size_t errlen)
{
	struct timeval tv = { 30, 0 };
	struct sockaddr_un sa;
	char buf[CONTROL_MAX_REQUEST + 1], *text = NULL;
	json_t *a;
	ssize_t n;
	int fd = -1, rc = -1;

	*unreachable = 0;
	if (unix_address(path, &sa) == -1) {
		snprintf(err, errlen, "%s: longer than a socket path may be",
		    path);
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1) {
		*unreachable = errno == ENOENT || errno == ECONNREFUSED;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto done;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if ((text = json_dumps(request, JSON_COMPACT)) == NULL ||
	    strlen(text) >= CONTROL_MAX_REQUEST) {
		snprintf(err, errlen, "the request is over %d bytes",
		    CONTROL_MAX_REQUEST);
		goto done;
	}
	write_all(fd, text, strlen(text));
	write_all(fd, "\n", 1);
	if ((n = read_line(fd, buf, sizeof(buf) - 1)) == -1) {
		snprintf(err, errlen, "%s: no answer from the server", path);
		goto done;
	}
	buf[n] = '\0';
	if ((a = json_loads(buf, 0, NULL)) == NULL || !json_is_object(a)) {
		json_decref(a);
		snprintf(err, errlen, "%s: the answer is not JSON", path);
		goto done;
	}
	*answer = a;
	rc = 0;
done:
	if (text != NULL)
		sodium_memzero(text, strlen(text));
	free(text);
	sodium_memzero(buf, sizeof(buf));
	close(fd);
	return rc;
}
