/*
 * fuzz_config: a center's truce.conf (center/config.h), read by
 * config_parse as `truce serve` reads the file, then the escalation tiers
 * split as the workflow splits them.
 *
 * Promises checked: a configuration that reads, written back by
 * config_write (as `truce init` writes one), reads again to the same
 * settings: written once more, it is the same text. (The text, not the
 * struct, is compared: a setting given twice may leave bytes past a
 * string's NUL that mean nothing.)
 */
#include <ftw.h>
#include <unistd.h>

#include "center/config.h"

#include "fuzz.h"

static char dir[64], path[96], path2[96];

/* The whole of a small file into buf (cap bytes); its length or -1. */
static long
slurp(const char *p, char *buf, size_t cap)
{
	FILE *f;
	size_t n;

	if ((f = fopen(p, "r")) == NULL)
		return -1;
	n = fread(buf, 1, cap, f);
	fclose(f);
	return n == cap ? -1 : (long)n;
}

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
	snprintf(path2, sizeof(path2), "%s/again.conf", dir);
	atexit(cleanup);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct config c, back;
	static char text[65536], text2[65536];
	long len, len2;
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
	FUZZ_CHECK(config_write(path2, &back) == 0);
	FUZZ_CHECK((len = slurp(path, text, sizeof(text))) >= 0);
	FUZZ_CHECK((len2 = slurp(path2, text2, sizeof(text2))) >= 0);
	FUZZ_CHECK(len == len2 && memcmp(text, text2, (size_t)len) == 0);
	return 0;
}
