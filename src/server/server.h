/*
 * server: the center's HTTP API on libmicrohttpd (epoll, a thread pool,
 * connection limits and timeouts; suspend/resume so that a write waits for
 * the sequencer without holding a worker thread). Routes are listed in one
 * table in server.c; docs/api.md describes them.
 */
#ifndef TRUCE_SERVER_H
#define TRUCE_SERVER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct center;
struct server;

/*
 * Starts serving center c (not owned; opened with CENTER_WRITE) on listen
 * ("HOST:PORT"; port 0 picks a free one). NULL with a message in err.
 */
struct server *server_start(struct center *c, const char *listen, char *err,
    size_t errlen);

/* The port actually bound. */
uint16_t server_port(struct server *s);

/*
 * Stops accepting connections, waits (up to wait_ms) for requests in
 * flight, stops the daemon and frees s. NULL does nothing.
 */
void server_stop(struct server *s, int wait_ms);

/*
 * Prints the route table, one route a line: METHOD PATH ROLES, where ROLES
 * is "public" or the comma-separated roles allowed (`truce serve
 * --routes`; the permission test requests every cell from it).
 */
void server_print_routes(FILE *f);

#endif
