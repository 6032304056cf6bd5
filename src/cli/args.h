/*
 * args: the small helpers every command uses to read its command line:
 * checked numbers from option values (through common/num), bounded
 * strings, and usage errors in one shape ("truce CMD: what is wrong" then a
 * pointer to --help; the command then exits 2).
 */
#ifndef TRUCE_ARGS_H
#define TRUCE_ARGS_H

#include <stddef.h>
#include <stdint.h>

/*
 * Prints "truce <cmd>: <message>" and "Try 'truce <cmd> --help'." to
 * stderr. Commands return 2 after it.
 */
void args_usage(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Parses the value val of option opt (e.g. "--count") as an integer in
 * [min, max] into *out. On failure prints a usage error naming the option
 * and the limit, leaves *out untouched and returns -1.
 */
int args_i64(const char *cmd, const char *opt, const char *val, int64_t min,
    int64_t max, int64_t *out);

/* As args_i64 for a decimal number (no hex, inf or nan) in [min, max]. */
int args_double(const char *cmd, const char *opt, const char *val, double min,
    double max, double *out);

/*
 * Checks that the value of option opt is 1 to max bytes long; on failure
 * prints a usage error naming the option and the limit and returns -1.
 */
int args_string(const char *cmd, const char *opt, const char *val, size_t max);

/*
 * Reports the option getopt_long refused (unknown, or missing its value)
 * as a usage error. argv and optind are getopt's; optopt its optopt.
 */
void args_bad_option(const char *cmd, char **argv, int optind_now,
    int optopt_now);

struct note_signer;

/*
 * Reads a member's key from --key path into *out (caller frees with
 * note_signer_free): 0; 2 (usage said) when path is NULL or the key is
 * not an Ed25519 note key (a witness's cosigning key, say); 1 (said)
 * when the file cannot be read. cmd names the command in messages.
 */
int args_member_key(const char *cmd, const char *path,
    struct note_signer **out);

#endif
