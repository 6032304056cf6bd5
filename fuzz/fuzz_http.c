/*
 * fuzz_http: a request as bytes, through the server as it runs: a center
 * made in a temporary directory (on /dev/shm when there is one) and
 * served by server_start on 127.0.0.1, in this process, so the sanitizers
 * watch libmicrohttpd's parsing, truce's framing and admission checks,
 * the route table, the query parser, every route's handler and the store
 * behind it. Each input is written to a fresh connection and the
 * answers are read (see LLVMFuzzerTestOneInput for how long).
 *
 * Bearer tokens are random per center, so an input names them: "@A@" is
 * replaced by the admin's token, "@M@" by a monitor's of member RU, "@L@"
 * by a liaison's of party AM, "@V@" by a viewer's.
 *
 * Rate and connection limits are raised to their maxima: a fuzzer
 * sending bad tokens from 127.0.0.1 would otherwise be refused everything
 * with 429, and its hundreds of connections a second reach the limit of
 * connections (fuzz/README.md, "Findings").
 *
 * Promises checked: a plain, whole request (looks_whole) gets an
 * answer; every answer starts with an HTTP/1.x status line and none is a
 * 500 (an input the server cannot take is refused with a 4xx, or a 503
 * when busy).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ftw.h>
#include <netinet/in.h>
#include <poll.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <curl/curl.h>

#include "center/center.h"
#include "server/server.h"
#include "verify/principal.h"

#include "fuzz.h"

#define WAIT_MS 10000 /* for an answer to start or go on (a write
			 waits for a group commit, on a loaded machine) */
#define ODD_MS 300    /* ... to a request libmicrohttpd may drop */
#define SHORT_MS 50   /* ... to a request that looks incomplete */
#define IDLE_MS 2    /* for a next answer after a complete one */

static char dir[64];
static struct center *center;
static struct server *server;
static uint16_t port;
static char tokens[4][PRINCIPAL_TOKEN_LEN + 1];
static const char *const marks[4] = { "@A@", "@M@", "@L@", "@V@" };

static int
rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static void
cleanup(void)
{
	server_stop(server, 1000);
	server = NULL;
	center_close(center);
	center = NULL;
	curl_global_cleanup();
	(void)nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void
add_principal(const char *name, enum role role, const char *member,
    const char *party, char *token)
{
	struct principal p;
	char err[256];
	int status;

	memset(&p, 0, sizeof(p));
	snprintf(p.name, sizeof(p.name), "%s", name);
	p.role = role;
	snprintf(p.member, sizeof(p.member), "%s", member);
	snprintf(p.party, sizeof(p.party), "%s", party);
	if (center_add_principal(center, PRINCIPAL_LOCAL, &p, token, &status,
	    err, sizeof(err)) == -1) {
		fprintf(stderr, "fuzz_http: principal %s: %s\n", name, err);
		abort();
	}
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	static struct center_genesis g;
	struct config cfg;
	char path[128], err[512], vkey[NOTE_VKEY_MAX];

	(void)argc;
	(void)argv;
	curl_global_init(CURL_GLOBAL_DEFAULT); /* as main() does */
	snprintf(dir, sizeof(dir), "%s/truce-fuzz-http.XXXXXX", base);
	FUZZ_CHECK(mkdtemp(dir) != NULL);
	atexit(cleanup);
	snprintf(path, sizeof(path), "%s/center", dir);
	config_defaults(&cfg);
	snprintf(cfg.origin, sizeof(cfg.origin), "fuzz.example/log");
	snprintf(cfg.members[0], CONFIG_NAME_LEN, "RU");
	snprintf(cfg.members[1], CONFIG_NAME_LEN, "TR");
	cfg.nmembers = 2;
	snprintf(cfg.listen, sizeof(cfg.listen), "127.0.0.1:0");
	if (fuzz_datadir(cfg.geo_data, sizeof(cfg.geo_data)) == -1)
		snprintf(cfg.region, sizeof(cfg.region), "none");
	cfg.auth_fail_burst = cfg.auth_fail_per_minute = 1000000;
	/* Hundreds of connections a second from one address: see
	   fuzz/README.md, "Findings", on the connection limit. */
	cfg.max_connections = 10000;
	cfg.max_connections_per_address = 10000;
	cfg.write_burst = cfg.write_per_minute = 1000000000;
	memset(&g, 0, sizeof(g));
	snprintf(g.parties[0], PRINCIPAL_NAME_LEN, "AM");
	snprintf(g.parties[1], PRINCIPAL_NAME_LEN, "AZ");
	g.nparties = 2;
	if (center_create(path, &cfg, &g, tokens[0], vkey, sizeof(vkey), err,
	    sizeof(err)) == -1 ||
	    (center = center_open(path, CENTER_WRITE, err, sizeof(err))) ==
	    NULL) {
		fprintf(stderr, "fuzz_http: %s\n", err);
		abort();
	}
	add_principal("ru-monitor", ROLE_MONITOR, "RU", "", tokens[1]);
	add_principal("am-liaison", ROLE_LIAISON, "", "AM", tokens[2]);
	add_principal("viewer", ROLE_VIEWER, "", "", tokens[3]);
	if ((server = server_start(center, "127.0.0.1:0", err,
	    sizeof(err))) == NULL) {
		fprintf(stderr, "fuzz_http: %s\n", err);
		abort();
	}
	port = server_port(server);
	return 0;
}

/* The input with the token marks replaced (malloc'd), its length in *n. */
static uint8_t *
with_tokens(const uint8_t *data, size_t size, size_t *n)
{
	uint8_t *out;
	size_t i, k, o = 0;

	/* A mark of 3 bytes becomes PRINCIPAL_TOKEN_LEN bytes at most. */
	if ((out = malloc(size / 3 * PRINCIPAL_TOKEN_LEN + size + 1)) == NULL)
		return NULL;
	for (i = 0; i < size;) {
		for (k = 0; k < 4; k++)
			if (size - i >= 3 && memcmp(data + i, marks[k], 3) == 0)
				break;
		if (k < 4) {
			memcpy(out + o, tokens[k], strlen(tokens[k]));
			o += strlen(tokens[k]);
			i += 3;
		} else
			out[o++] = data[i++];
	}
	*n = o;
	return out;
}

/*
 * Where the responses in a[0..n-1] end: the offset after the last
 * complete one (headers, then Content-Length bytes or chunks up to the
 * last one; 1xx, 204 and 304 have no body), checking each status line.
 * *open is 1 when bytes of an incomplete response follow.
 */
static size_t
complete(const char *a, size_t n, int *open)
{
	const char *h, *end, *cl, *p;
	size_t at = 0, body, hl;
	long code, chunk;

	*open = 0;
	while (at < n) {
		h = a + at;
		if ((end = memmem(h, n - at, "\r\n\r\n", 4)) == NULL) {
			*open = 1;
			break;
		}
		FUZZ_CHECK(n - at >= 12 && strncmp(h, "HTTP/1.", 7) == 0);
		code = strtol(h + 9, NULL, 10);
		if (code == 500)
			fprintf(stderr, "fuzz_http: 500: %.300s\n", h);
		FUZZ_CHECK(code >= 100 && code <= 599 && code != 500);
		if (getenv("FUZZ_HTTP_VERBOSE") != NULL)
			fprintf(stderr, "fuzz_http: %.*s\n",
			    (int)strcspn(h, "\r"), h);
		hl = (size_t)(end + 4 - h);
		body = 0;
		if (code >= 200 && code != 204 && code != 304) {
			if ((cl = memmem(h, hl, "Content-Length: ", 16)) != NULL)
				body = (size_t)strtoul(cl + 16, NULL, 10);
			else if (memmem(h, hl, "chunked", 7) != NULL) {
				/* Chunks: size line, data, CRLF; up to 0. */
				for (p = end + 4;;) {
					if (memmem(p, (size_t)(a + n - p),
					    "\r\n", 2) == NULL) {
						*open = 1;
						return at;
					}
					chunk = strtol(p, NULL, 16);
					p = (const char *)memmem(p,
					    (size_t)(a + n - p), "\r\n", 2) + 2;
					if (chunk == 0) {
						body = (size_t)(p - end - 4) + 2;
						break;
					}
					p += chunk + 2;
					if (p > a + n) {
						*open = 1;
						return at;
					}
				}
			}
		}
		if (hl + body > n - at) {
			*open = 1;
			break;
		}
		at += hl + body;
	}
	return at;
}

/*
 * 1 if b[0..n-1] holds chunks up to the last one (size 0, no trailers),
 * each a hex size line and its data; else 0.
 */
static int
chunks_end(const uint8_t *b, size_t n)
{
	const uint8_t *nl;
	unsigned long size;
	char *end;
	size_t at = 0;

	while (at < n) {
		if ((nl = memmem(b + at, n - at, "\r\n", 2)) == NULL ||
		    nl == b + at)
			return 0;
		size = strtoul((const char *)b + at, &end, 16);
		if ((const uint8_t *)end != nl)
			return 0;
		at = (size_t)(nl - b) + 2;
		if (size == 0)
			return n - at >= 2 && memcmp(b + at, "\r\n", 2) == 0;
		if (size > n - at || n - at - size < 2)
			return 0;
		at += size + 2;
	}
	return 0;
}

/* memmem without regard to ASCII case (header names and transfer
   codings are case-insensitive: RFC 9110 sections 5.1, 10.1.4). */
static const char *
memcasemem(const uint8_t *h, size_t n, const char *needle)
{
	size_t k = strlen(needle), i;

	for (i = 0; k <= n && i <= n - k; i++)
		if (strncasecmp((const char *)h + i, needle, k) == 0)
			return (const char *)h + i;
	return NULL;
}

/*
 * How whole req looks: 0 if its headers do not end or a Content-Length
 * or chunked body, if any, is not all there (libmicrohttpd keeps waiting for the rest even
 * after the half-close, until connection_timeout_s, so the answer is
 * waited for briefly); 2 if it is also a plain request, a method, " /",
 * and headers without control characters (the server must answer it);
 * else 1 (libmicrohttpd may drop what it cannot parse without a word).
 */
static int
looks_whole(const uint8_t *req, size_t len)
{
	const char *end, *cl;
	size_t hl, i;

	if ((end = memmem(req, len, "\r\n\r\n", 4)) == NULL)
		return 0;
	hl = (size_t)(end + 4 - (const char *)req);
	/* The header at a line's start, not those words inside a value. */
	if ((cl = memcasemem(req, hl, "\nContent-Length:")) != NULL &&
	    strtoul(cl + 16, NULL, 10) > len - hl)
		return 0;
	if (memcasemem(req, hl, "chunked") != NULL &&
	    chunks_end(req + hl, len - hl) == 0)
		return 0;
	for (i = 0; i < hl && req[i] >= 'A' && req[i] <= 'Z'; i++)
		;
	if (i == 0 || i + 1 >= hl || req[i] != ' ' || req[i + 1] != '/')
		return 1;
	for (i = 0; i < hl; i++)
		if ((req[i] < 0x20 && req[i] != '\r' && req[i] != '\n' &&
		    req[i] != '\t') || req[i] == 0x7f)
			return 1;
	return 2;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char answer[4 << 20];
	struct sockaddr_in sa;
	struct pollfd pfd;
	uint8_t *req;
	size_t len, off = 0, got = 0, done = 0;
	ssize_t w;
	int fd, open = 1, wait, whole;

	if ((req = with_tokens(data, size, &len)) == NULL)
		return 0;
	FUZZ_CHECK((fd = socket(AF_INET, SOCK_STREAM, 0)) != -1);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons(port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	FUZZ_CHECK(connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	while (off < len) {
		w = send(fd, req + off, len - off, MSG_NOSIGNAL);
		if (w <= 0)
			break; /* the server closed early: its right */
		off += (size_t)w;
	}
	/*
	 * A plain whole request is answered on an open connection (after
	 * the client's half-close, libmicrohttpd may close a connection whose
	 * answer is still being made, e.g. a chunked write waiting for its
	 * group commit); anything else is half-closed, so that the server
	 * sees its end. libmicrohttpd keeps a connection after either, so
	 * the answers are framed: wait long for the first byte and for the
	 * rest of an incomplete answer, briefly for a pipelined next.
	 */
	whole = looks_whole(req, len);
	if (whole < 2)
		(void)shutdown(fd, SHUT_WR);
	pfd.fd = fd;
	pfd.events = POLLIN;
	wait = whole == 2 ? WAIT_MS : whole == 1 ? ODD_MS : SHORT_MS;
	while (poll(&pfd, 1, got > 0 && !open ? IDLE_MS : wait) == 1) {
		if (got == sizeof(answer))
			break; /* more than a fuzz input's answers need */
		if ((w = recv(fd, answer + got, sizeof(answer) - got, 0)) <= 0)
			break;
		got += (size_t)w;
		done += complete(answer + done, got - done, &open);
	}
	close(fd);
	/* A whole request is answered, not dropped (the server may close
	   after an answer, but not instead of one). */
	if (getenv("FUZZ_HTTP_VERBOSE") != NULL && whole == 2 && got == 0)
		fprintf(stderr, "fuzz_http: no answer\n");
	FUZZ_CHECK(whole < 2 || got > 0);
	free(req);
	return 0;
}
