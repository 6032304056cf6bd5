/*
 * slurp: read a whole stream or file into memory with a size limit, for the
 * CLI commands that take a note, a key or a list of leaves as input.
 */
#ifndef TRUCE_SLURP_H
#define TRUCE_SLURP_H

#include <stddef.h>
#include <stdio.h>

/*
 * Reads f to its end into a new NUL-terminated buffer *out (caller frees
 * with free()) of *len bytes (without the NUL). Returns -1 with a message
 * naming `what` and the limit in err if the input exceeds max bytes or a
 * read fails; *out is then untouched.
 */
int slurp_stream(FILE *f, const char *what, size_t max, char **out, size_t *len,
    char *err, size_t errlen);

/* The same for the file at path (opened read-only). */
int slurp_file(const char *path, size_t max, char **out, size_t *len, char *err,
    size_t errlen);

#endif
