/*
 * fuzz_import_geojson: a geojson file given to `truce import --format geojson
 * --dry-run` (fuzz/import.h). Nothing is checked beyond the sanitizers:
 * the command's own answer (rows valid and rejected) is its business.
 */
#include "import.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	import_run("geojson", data, size);
	return 0;
}
