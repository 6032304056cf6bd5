/*
 * fuzz_checkpoint: a C2SP tlog-checkpoint body (tlog/checkpoint.h), as a
 * client reads it from GET /checkpoint once the note is split off.
 *
 * Promises checked: a body that parses formats back, from its origin,
 * size, root and extension lines, to exactly the input (strict parsing
 * leaves one spelling per checkpoint), and that text parses again.
 */
#include "tlog/checkpoint.h"

#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct checkpoint *c, *again;
	const char *ext;
	char err[256], *buf;
	size_t extlen, outlen;

	if ((c = checkpoint_parse(data, size, err, sizeof(err))) == NULL)
		return 0;
	FUZZ_CHECK(size <= CHECKPOINT_TEXT_MAX);
	FUZZ_CHECK(checkpoint_size(c) >= 0);
	ext = checkpoint_extensions(c, &extlen);
	FUZZ_CHECK(ext != NULL && strlen(ext) == extlen);
	if ((buf = malloc(size + 1)) == NULL)
		goto done;
	FUZZ_CHECK(checkpoint_format(checkpoint_origin(c), checkpoint_size(c),
	    checkpoint_root(c), ext, buf, size + 1, &outlen, err,
	    sizeof(err)) == 0);
	FUZZ_CHECK(outlen == size && memcmp(buf, data, size) == 0);
	again = checkpoint_parse((const uint8_t *)buf, outlen, err,
	    sizeof(err));
	FUZZ_CHECK(again != NULL);
	FUZZ_CHECK(checkpoint_size(again) == checkpoint_size(c));
	checkpoint_free(again);
	free(buf);
done:
	checkpoint_free(c);
	return 0;
}
