/*
 * control: the local control socket of a served center, DIR/control.sock,
 * after the OpenBSD daemons' control sockets (bgpd/ospfd with bgpctl and
 * ospfctl): a Unix stream socket of mode 0600, so only the account that
 * runs the center (or root) can connect, checked again with SO_PEERCRED.
 *
 * While `truce serve` holds the log, local commands that change the center
 * (`truce token add|revoke`) cannot open it; they send their request here
 * and the server writes the log entry through its sequencer. One request
 * per connection: a JSON object on one line, answered by one line:
 *
 *   {"op":"principal_add","name":N,"role":R,"member":M?,"party":P?}
 *        -> {"status":201,"index":I,"token":T}
 *   {"op":"principal_revoke","name":N}
 *        -> {"status":200,"index":I}
 *   any error -> {"status":4xx|5xx,"error":"what, naming the field"}
 *
 * Requests are at most CONTROL_MAX_REQUEST bytes and must arrive within
 * CONTROL_TIMEOUT_S seconds.
 */
#ifndef TRUCE_CONTROL_H
#define TRUCE_CONTROL_H

#include <stddef.h>

#include <jansson.h>

#define CONTROL_MAX_REQUEST 4096
#define CONTROL_TIMEOUT_S 5

struct center;
struct control;

/*
 * Listens on path for center c (not owned; opened with CENTER_WRITE),
 * replacing a stale socket file, and serves requests on a thread of its
 * own until control_stop. NULL with the reason in err.
 */
struct control *control_start(struct center *c, const char *path, char *err,
    size_t errlen);

/* Stops listening, removes the socket file and frees ctl; NULL is fine. */
void control_stop(struct control *ctl);

/*
 * Sends request to the control socket at path and reads the answer into
 * *answer (caller json_decref's it). Returns 0, or -1 with the reason in
 * err; *unreachable is set when nothing listens there (no socket file, or
 * a stale one), so the caller may open the center itself.
 */
int control_request(const char *path, const json_t *request, json_t **answer,
    int *unreachable, char *err, size_t errlen);

#endif
