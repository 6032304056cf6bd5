/*
 * follower: a read server's view of how far the center's writer has got
 * (truce serve --read-only, docs/readservers.md).
 *
 * A read server shares the writer's store (the same SQLite file in WAL
 * mode on one machine, or one PostgreSQL database) and reads the
 * writer's log files without their lock. The store's applied size (the
 * meta row the writer's applier commits with each batch) is the one
 * number it follows, as a PostgreSQL hot standby follows its replay
 * position: a thread reads it every follow_ms, raises the log's size to
 * it (entrylog_follow: the writer syncs entries before it applies them,
 * so they are on disk), publishes the joint checkpoint DIR/log/
 * checkpoint.joint once the store has applied its size and its root is
 * the log's there, and wakes the requests waiting for a size
 * (?min_size=). Everything a read server answers therefore reflects one
 * applied size or more, never a log entry its store has not applied.
 *
 * Thread rules: follower_size and follower_wait from any thread.
 */
#ifndef TRUCE_FOLLOWER_H
#define TRUCE_FOLLOWER_H

#include <stdint.h>

struct entrylog;
struct store_pool;
struct checkpointer;
struct follower;

/*
 * Follows the store of readers (not owned) every poll_ms: raises log (an
 * entrylog_open_follower, not owned) and publishes into cp (a
 * checkpointer_follow, not owned) the joint checkpoint at joint_path
 * (copied). Catches up once before it returns, so the first request sees
 * the store as it is. NULL with the reason in err when that first step
 * fails (the store unreadable, or the log not the one the store applied).
 */
struct follower *follower_start(struct entrylog *log,
    struct store_pool *readers, struct checkpointer *cp, const char *joint_path,
    int64_t poll_ms, char *err, size_t errlen);

/* The applied size last read: what a read answers reflects at least. */
int64_t follower_size(struct follower *f);

/*
 * Waits until the applied size is at least size, at most timeout_ms.
 * 0, or -1 on timeout (the size read last is then in follower_size).
 */
int follower_wait(struct follower *f, int64_t size, int64_t timeout_ms);

/*
 * Whether following failed since the last success (the store unreadable,
 * the log short of the store, or the store's applied size fallen below
 * the size already served, as when it is rebuilt in place): 1 with the
 * reason in why (len bytes). A read server then refuses reads (503).
 */
int follower_trouble(struct follower *f, char *why, size_t len);

/* Stops the thread and frees f; NULL does nothing. */
void follower_stop(struct follower *f);

#endif
