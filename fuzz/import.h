/*
 * import: runs `truce import --dry-run` (src/cli/cmd_import.c) over the
 * fuzz input, the whole command as a monitor runs it on a file: its line
 * reader, the CSV / GeoJSON / JSON-lines conversions (format/obsform.h)
 * and the validator (record/observation.h). The input is put in a memory
 * file (memfd) that the command opens by its /proc/self/fd path. Shared
 * by fuzz_import_csv.c, fuzz_import_geojson.c and fuzz_import_jsonl.c.
 */
#ifndef TRUCE_FUZZ_IMPORT_H
#define TRUCE_FUZZ_IMPORT_H

#include <sys/mman.h>
#include <unistd.h>

#include "cli/commands.h"

#include "fuzz.h"

static int import_fd = -1;
static char import_path[64];

static void
import_run(const char *format, const uint8_t *data, size_t size)
{
	char *argv[] = { "import", "--dry-run", "--quiet", "--format",
		(char *)format, import_path, NULL };
	size_t off = 0;
	ssize_t w;

	if (import_fd == -1) {
		import_fd = memfd_create("fuzz-import", 0);
		FUZZ_CHECK(import_fd != -1);
		snprintf(import_path, sizeof(import_path), "/proc/self/fd/%d",
		    import_fd);
	}
	FUZZ_CHECK(ftruncate(import_fd, 0) == 0);
	while (off < size) {
		w = pwrite(import_fd, data + off, size - off, (off_t)off);
		FUZZ_CHECK(w > 0);
		off += (size_t)w;
	}
	(void)cmd_import(6, argv);
	fflush(stdout);
}

#endif
