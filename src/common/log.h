/*
 * log: the levelled logger of every truce process (after OpenBSD's log.c).
 *
 * Messages go to stderr as "truce[pid]: level: message". log_warn appends
 * strerror(errno); log_warnx does not. fatal/fatalx log and exit(1): use them
 * only at start-up or on a broken invariant (STYLE.md rule 4).
 */
#ifndef TRUCE_LOG_H
#define TRUCE_LOG_H

/* Sets the lowest level printed: 0 warnings, 1 info (default), 2 debug. */
void log_setverbose(int level);

void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatal(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

#endif
