/*
 * truce locate: localization fixes as JSON lines, stdin to stdout, one
 * answer line per input line, in order (issue 4; docs/localization.md).
 * Time-difference-of-arrival fixes go to locate/tdoa, bearings to
 * locate/bearings, the JSON to locate/fixjson. Lines are read with read(2)
 * into a bounded buffer so that an over-long line is refused without
 * holding it, and the answers are flushed whenever the input runs dry, so a
 * live sensor feed gets its answers without waiting for the end.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "locate/bearings.h"
#include "locate/fixjson.h"
#include "locate/tdoa.h"

#define READ_CAP (2 * FIXJSON_MAX_LINE + 2)

struct reader {
	char buf[READ_CAP];
	size_t start, end; /* unread bytes are buf[start..end) */
	int eof;
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: truce locate [--help]\n\n"
	    "Reads localization fixes as JSON lines on standard input and "
	    "writes one JSON\nline per input line, in order, on standard "
	    "output:\n\n"
	    "  {\"id\":\"a1\",\"speed_mps\":343.0,\"sigma_t_s\":0.001,"
	    "\"alt_m\":250,\n   \"sensors\":[{\"lat\":39.95,\"lon\":46.90,"
	    "\"alt_m\":300,\"t_s\":12.3456}, ...]}\n"
	    "     arrival times as \"t_s\" (seconds) or \"t_ns\" (integer "
	    "nanoseconds);\n     source \"alt_m\" given: 2-D solve at that "
	    "height (>= 3 sensors),\n     absent: 3-D (>= 4 sensors); at "
	    "most %d sensors\n"
	    "  {\"id\":\"b1\",\"bearings\":[{\"lat\":..,\"lon\":..,"
	    "\"bearing_deg\":..,\"sigma_deg\":..}, ...]}\n"
	    "     two or more bearings from known posts (at most %d)\n\n"
	    "  -> {\"id\":..,\"status\":\"ok\"|\"poor_geometry\"|\"failed\","
	    "\"lat\":..,\"lon\":..,\"alt_m\":..,\n      \"ellipse\":"
	    "{\"semi_major_m\":..,\"semi_minor_m\":..,\"orientation_deg\":..},"
	    "\n      \"residual_rms_m\":..,\"sensors_used\":[..],"
	    "\"message\":..}\n\n"
	    "The ellipse is the 95 %% confidence ellipse of the horizontal "
	    "position,\norientation_deg the bearing of its major axis from "
	    "true north. Lines are\nat most %d bytes; blank lines are "
	    "skipped. A line that is not a valid fix\ngets a \"failed\" line "
	    "naming the field, and the exit status is then 1.\nSee "
	    "docs/localization.md.\n",
	    TDOA_MAX_SENSORS, BEARINGS_MAX, FIXJSON_MAX_LINE);
}

/* Refills r; flushes stdout first when the read may block. 0, or -1. */
static int
refill(struct reader *r)
{
	ssize_t n;

	if (r->start > 0) {
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->end -= r->start;
		r->start = 0;
	}
	if (fflush(stdout) == EOF)
		return -1;
	for (;;) {
		n = read(STDIN_FILENO, r->buf + r->end, READ_CAP - r->end);
		if (n >= 0)
			break;
		if (errno != EINTR) {
			fprintf(stderr, "truce locate: read: %s\n",
			    strerror(errno));
			return -1;
		}
	}
	if (n == 0)
		r->eof = 1;
	r->end += (size_t)n;
	return 0;
}

/*
 * The next line: *line and *len (without the newline), *toolong set when
 * the line exceeded FIXJSON_MAX_LINE (its bytes are skipped). Returns 1 for
 * a line, 0 at the end of input, -1 on a read error.
 */
static int
next_line(struct reader *r, const char **line, size_t *len, int *toolong)
{
	char *nl;

	*toolong = 0;
	for (;;) {
		nl = memchr(r->buf + r->start, '\n', r->end - r->start);
		if (nl != NULL) {
			*line = r->buf + r->start;
			*len = (size_t)(nl - (r->buf + r->start));
			r->start += *len + 1;
			if (*len > FIXJSON_MAX_LINE)
				*toolong = 1;
			return 1;
		}
		if (r->end - r->start > FIXJSON_MAX_LINE) {
			/* Too long: drop what we have, keep skipping. */
			*toolong = 1;
			r->start = r->end = 0;
		}
		if (r->eof) {
			if (r->end == r->start && !*toolong)
				return 0;
			*line = r->buf + r->start;
			*len = r->end - r->start;
			r->start = r->end;
			return 1;
		}
		if (refill(r) == -1)
			return -1;
	}
}

static int
blank(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return 0;
	return 1;
}

int
cmd_locate(int argc, char **argv)
{
	struct reader *r = NULL;
	char out[FIXJSON_OUT_LEN], msg[96];
	const char *line;
	size_t len;
	long lineno = 0;
	int st, toolong, status = 0;

	if (argc == 2 &&
	    (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		usage(stdout);
		return 0;
	}
	if (argc != 1) {
		usage(stderr);
		return 2;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		fprintf(stderr, "truce locate: out of memory\n");
		return 1;
	}
	while ((st = next_line(r, &line, &len, &toolong)) == 1) {
		lineno++;
		if (toolong) {
			snprintf(msg, sizeof(msg),
			    "line %ld: longer than %d "
			    "bytes",
			    lineno, FIXJSON_MAX_LINE);
			fixjson_failed(NULL, msg, out, sizeof(out));
			status = 1;
		} else if (blank(line, len)) {
			continue;
		} else if (fixjson_locate(line, len, NULL, out, sizeof(out)) ==
		    -1) {
			status = 1;
		}
		fputs(out, stdout);
		fputc('\n', stdout);
	}
	if (st == -1)
		status = 1;
	if (fflush(stdout) == EOF || ferror(stdout)) {
		fprintf(stderr, "truce locate: write: %s\n", strerror(errno));
		status = 1;
	}
	free(r);
	return status;
}
