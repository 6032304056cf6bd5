/*
 * fuzz_config: a center's truce.conf (center/config.h), read by
 * config_parse as `truce serve` reads the file, then the escalation tiers
 * split as the workflow splits them.
 *
 * Promises checked: a configuration that reads, written back by
 * config_write (as `truce init` writes one), reads again to the same
 * settings.
 */
#include <ftw.h>
#include <unistd.h>

#include "center/config.h"

#include "fuzz.h"

static char dir[64], path[96];

static int
rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static void
cleanup(void)
{
	(void)nftw(dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";

	(void)argc;
	(void)argv;
	snprintf(dir, sizeof(dir), "%s/truce-fuzz-config.XXXXXX", base);
	FUZZ_CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/truce.conf", dir);
	atexit(cleanup);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct config c, back;
	char tiers[CONFIG_MAX_TIERS][CONFIG_NAME_LEN], err[1200];
	FILE *f;
	int n, rc;

	f = size > 0 ? fmemopen((void *)(uintptr_t)data, size, "r") :
	    fopen("/dev/null", "r");
	if (f == NULL)
		return 0;
	rc = config_parse(f, "truce.conf", &c, err, sizeof(err));
	fclose(f);
	if (rc == -1) {
		FUZZ_CHECK(strncmp(err, "truce.conf", 10) == 0);
		return 0;
	}
	n = config_tiers(&c, tiers, err, sizeof(err));
	FUZZ_CHECK(n >= -1 && n <= CONFIG_MAX_TIERS);
	FUZZ_CHECK(config_write(path, &c) == 0);
	FUZZ_CHECK(config_load(path, &back, err, sizeof(err)) == 0);
	FUZZ_CHECK(memcmp(&c, &back, sizeof(c)) == 0);
	return 0;
}
