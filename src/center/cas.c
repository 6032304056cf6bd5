/*
 * cas: content-addressed evidence files (see cas.h).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "center/cas.h"

struct cas_writer {
	char root[PATH_MAX];
	char tmp[PATH_MAX];
	int fd;
	int64_t size;
	crypto_hash_sha256_state h;
};

/* mkdir path with mode unless it exists. 0 or -1 with err. */
static int
ensure_dir(const char *path, char *err, size_t errlen)
{
	if (mkdir(path, 0750) == -1 && errno != EEXIST) {
		snprintf(err, errlen, "mkdir %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* fsyncs directory path, so a rename in it is durable. */
static int
sync_dir(const char *path, char *err, size_t errlen)
{
	int fd, rc = -1;

	if ((fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fsync(fd) == 0)
		rc = 0;
	else
		snprintf(err, errlen, "fsync %s: %s", path, strerror(errno));
	close(fd);
	return rc;
}

struct cas_writer *
cas_writer_new(const char *root, char *err, size_t errlen)
{
	struct cas_writer *w;
	char dir[PATH_MAX];

	if ((w = calloc(1, sizeof(*w))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	w->fd = -1;
	if ((size_t)snprintf(w->root, sizeof(w->root), "%s", root) >=
		sizeof(w->root) ||
	    (size_t)snprintf(dir, sizeof(dir), "%s/tmp", root) >= sizeof(dir) ||
	    (size_t)snprintf(w->tmp, sizeof(w->tmp), "%s/upload.XXXXXX", dir) >=
		sizeof(w->tmp)) {
		snprintf(err, errlen, "%s: path too long", root);
		goto fail;
	}
	if (ensure_dir(root, err, errlen) == -1 ||
	    ensure_dir(dir, err, errlen) == -1)
		goto fail;
	if ((w->fd = mkostemp(w->tmp, O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "%s: %s", w->tmp, strerror(errno));
		w->tmp[0] = '\0';
		goto fail;
	}
	crypto_hash_sha256_init(&w->h);
	return w;
fail:
	cas_writer_free(w);
	return NULL;
}

int
cas_writer_write(struct cas_writer *w, const void *data, size_t len, char *err,
    size_t errlen)
{
	const uint8_t *p = data;
	size_t done = 0;
	ssize_t n;

	crypto_hash_sha256_update(&w->h, p, len);
	while (done < len) {
		n = write(w->fd, p + done, len - done);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(err, errlen, "%s: %s", w->tmp,
			    n == 0 ? "short write" : strerror(errno));
			return -1;
		}
		done += (size_t)n;
	}
	w->size += (int64_t)len;
	return 0;
}

int
cas_writer_finish(struct cas_writer *w, const uint8_t *expected,
    char hex[CAS_HEX_LEN + 1], int64_t *size, int *existed, int *mismatch,
    char *err, size_t errlen)
{
	uint8_t digest[32];
	char name[CAS_HEX_LEN + 1], dir[PATH_MAX + 16], path[PATH_MAX + 96];
	struct stat st;

	*existed = *mismatch = 0;
	crypto_hash_sha256_final(&w->h, digest);
	sodium_bin2hex(name, sizeof(name), digest, sizeof(digest));
	if (expected != NULL && sodium_memcmp(expected, digest, 32) != 0) {
		*mismatch = 1;
		snprintf(hex, CAS_HEX_LEN + 1, "%s", name);
		snprintf(err, errlen,
		    "the body's SHA-256 is %s, not the "
		    "expected digest",
		    name);
		return -1;
	}
	if (fchmod(w->fd, 0440) == -1 || fsync(w->fd) == -1) {
		snprintf(err, errlen, "%s: %s", w->tmp, strerror(errno));
		return -1;
	}
	close(w->fd);
	w->fd = -1;
	if ((size_t)snprintf(dir, sizeof(dir), "%s/sha256/%.2s", w->root,
		name) >= sizeof(dir) ||
	    (size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
		sizeof(path)) {
		snprintf(err, errlen,
		    "the evidence directory's path is too "
		    "long");
		return -1;
	}
	dir[strlen(dir) - 3] = '\0'; /* .../sha256 first */
	if (ensure_dir(dir, err, errlen) == -1)
		return -1;
	dir[strlen(dir)] = '/';
	if (ensure_dir(dir, err, errlen) == -1)
		return -1;
	if (stat(path, &st) == 0) {
		/* The same bytes are stored already: keep the first copy. */
		*existed = 1;
		unlink(w->tmp);
	} else if (rename(w->tmp, path) == -1) {
		snprintf(err, errlen, "rename %s: %s", path, strerror(errno));
		return -1;
	}
	w->tmp[0] = '\0';
	if (!*existed && sync_dir(dir, err, errlen) == -1)
		return -1;
	memcpy(hex, name, sizeof(name));
	*size = w->size;
	return 0;
}

void
cas_writer_free(struct cas_writer *w)
{
	if (w == NULL)
		return;
	if (w->fd != -1)
		close(w->fd);
	if (w->tmp[0] != '\0')
		unlink(w->tmp);
	free(w);
}

int
cas_open(const char *root, const char *hex, int *fdp, int64_t *size,
    int *corrupt, char *err, size_t errlen)
{
	crypto_hash_sha256_state h;
	uint8_t buf[65536], digest[32], want[32];
	char path[PATH_MAX];
	struct stat st;
	int64_t total = 0;
	ssize_t n;
	size_t i;
	int fd;

	*corrupt = 0;
	for (i = 0; hex[i] != '\0'; i++)
		if (!((hex[i] >= '0' && hex[i] <= '9') ||
			(hex[i] >= 'a' && hex[i] <= 'f')))
			break;
	if (i != CAS_HEX_LEN || hex[i] != '\0' ||
	    sodium_hex2bin(want, sizeof(want), hex, CAS_HEX_LEN, NULL, NULL,
		NULL) != 0) {
		snprintf(err, errlen, "not a SHA-256 in lower-case hex");
		return -1;
	}
	if ((size_t)snprintf(path, sizeof(path), "%s/sha256/%.2s/%s", root, hex,
		hex) >= sizeof(path)) {
		snprintf(err, errlen, "%s: path too long", root);
		return -1;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	crypto_hash_sha256_init(&h);
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			goto fail;
		}
		crypto_hash_sha256_update(&h, buf, (size_t)n);
		total += n;
	}
	crypto_hash_sha256_final(&h, digest);
	if (sodium_memcmp(digest, want, 32) != 0) {
		*corrupt = 1;
		snprintf(err, errlen,
		    "%s: the stored bytes no longer match "
		    "their SHA-256",
		    path);
		goto fail;
	}
	if (fstat(fd, &st) == -1 || st.st_size != total ||
	    lseek(fd, 0, SEEK_SET) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	*size = total;
	*fdp = fd;
	return 0;
fail:
	close(fd);
	return -1;
}
