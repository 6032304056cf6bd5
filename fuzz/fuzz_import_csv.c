/*
 * fuzz_import_csv: a csv file given to `truce import --format csv
 * --dry-run` (fuzz/import.h). Nothing is checked beyond the sanitizers:
 * the command's own answer (rows valid and rejected) is its business.
 */
#include "import.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	import_run("csv", data, size);
	return 0;
}
