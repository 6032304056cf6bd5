/*
 * args: command-line value checking and usage errors. See args.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "center/keyfile.h"
#include "cli/args.h"
#include "common/num.h"
#include "tlog/note.h"

void
args_usage(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	char msg[1024];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "truce %s: %s\nTry 'truce %s --help'.\n", cmd, msg,
	    cmd);
}

int
args_i64(const char *cmd, const char *opt, const char *val, int64_t min,
    int64_t max, int64_t *out)
{
	char err[160];

	if (num_parse_i64(val, min, max, out, err, sizeof(err)) == -1) {
		args_usage(cmd, "%s: %s", opt, err);
		return -1;
	}
	return 0;
}

int
args_double(const char *cmd, const char *opt, const char *val, double min,
    double max, double *out)
{
	char err[160];

	if (num_parse_double(val, min, max, out, err, sizeof(err)) == -1) {
		args_usage(cmd, "%s: %s", opt, err);
		return -1;
	}
	return 0;
}

int
args_string(const char *cmd, const char *opt, const char *val, size_t max)
{
	size_t n = strlen(val);

	if (n == 0 || n > max) {
		args_usage(cmd, "%s: must be 1 to %zu bytes long (got %zu)",
		    opt, max, n);
		return -1;
	}
	return 0;
}

void
args_bad_option(const char *cmd, char **argv, int optind_now, int optopt_now)
{
	const char *arg = optind_now > 0 ? argv[optind_now - 1] : "";

	if (optopt_now == 0)
		args_usage(cmd, "unknown option '%.64s'", arg);
	else if (strncmp(arg, "--", 2) != 0)
		args_usage(cmd, "option -%c is unknown or needs a value",
		    optopt_now);
	else if (strchr(arg, '=') != NULL)
		args_usage(cmd, "option '%.64s' takes no value", arg);
	else
		args_usage(cmd, "option '%.64s' needs a value", arg);
}

int
args_member_key(const char *cmd, const char *path, struct note_signer **out)
{
	struct note_signer *signer;
	char err[512];

	if (path == NULL) {
		args_usage(cmd, "--key: the member's key file is required");
		return 2;
	}
	if ((signer = keyfile_read(path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "truce %s: --key: %s\n", cmd, err);
		return 1;
	}
	if (note_signer_type(signer) != NOTE_KEY_ED25519) {
		args_usage(cmd,
		    "--key: a member's note key, not a cosigning "
		    "key");
		note_signer_free(signer);
		return 2;
	}
	*out = signer;
	return 0;
}
