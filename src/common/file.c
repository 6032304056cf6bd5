/*
 * file: durable replacement of small files (see file.h).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/file.h"

int
file_read_all(const char *path, size_t max, char **out, size_t *len, char *err,
    size_t errlen)
{
	struct stat st;
	char *buf = NULL;
	size_t n = 0;
	ssize_t r;
	int fd, rc = -1;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(fd, &st) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto done;
	}
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > max) {
		snprintf(err, errlen, "%s: %s", path,
		    S_ISREG(st.st_mode) ? "larger than the limit"
					: "not a regular file");
		goto done;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto done;
	}
	while (n < (size_t)st.st_size &&
	    (r = read(fd, buf + n, (size_t)st.st_size - n)) != 0) {
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			goto done;
		}
		n += (size_t)r;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	buf = NULL;
	rc = 0;
done:
	free(buf);
	if (fd != -1)
		close(fd);
	return rc;
}

int
file_source_dir(const char *env_name, const char *rel, const char *probe,
    char *buf, size_t len)
{
	const char *env = getenv(env_name);
	char exe[PATH_MAX], cand[PATH_MAX + 64];
	struct stat st;
	ssize_t n;
	char *slash;
	int w;

	if (env != NULL && *env != '\0') {
		w = snprintf(buf, len, "%s", env);
		return (w < 0 || (size_t)w >= len) ? -1 : 0;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		if ((slash = strrchr(exe, '/')) != NULL) {
			*slash = '\0';
			w = snprintf(cand, sizeof(cand), "%s/../../%s%s%s", exe,
			    rel, probe ? "/" : "", probe ? probe : "");
			if (w > 0 && (size_t)w < sizeof(cand) &&
			    stat(cand, &st) == 0 && S_ISDIR(st.st_mode)) {
				if (probe != NULL)
					cand[w - strlen(probe) - 1] = '\0';
				w = snprintf(buf, len, "%s", cand);
				return (w < 0 || (size_t)w >= len) ? -1 : 0;
			}
		}
	}
	w = snprintf(buf, len, "%s", rel);
	return (w < 0 || (size_t)w >= len) ? -1 : 0;
}

int
file_sync_dir(const char *dir)
{
	int fd, rc, saved;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	rc = fsync(fd);
	saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

int
file_sync(const char *path)
{
	int fd, rc, saved;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	rc = fsync(fd);
	saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

int
file_sync_parent(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return file_sync_dir(".");
	if (slash == path)
		return file_sync_dir("/");
	if ((size_t)(slash - path) >= sizeof(dir)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(dir, path, (size_t)(slash - path));
	dir[slash - path] = '\0';
	return file_sync_dir(dir);
}

int
file_write_atomic(const char *path, const void *data, size_t len, mode_t mode,
    int flags, char *err, size_t errlen)
{
	char tmp[PATH_MAX];
	const char *p = data, *step = NULL;
	ssize_t w;
	int fd = -1, rc = -1, saved;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp)) {
		snprintf(err, errlen, "%s: path too long", path);
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)) ==
	    -1) {
		step = "create";
		goto done;
	}
	while (len > 0) {
		w = write(fd, p, len);
		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w == 0)
				errno = EIO;
			step = "write";
			goto done;
		}
		p += w;
		len -= (size_t)w;
	}
	if (fsync(fd) == -1) {
		step = "fsync";
		goto done;
	}
	if (close(fd) == -1) {
		fd = -1;
		step = "close";
		goto done;
	}
	fd = -1;
	if (flags & FILE_NO_REPLACE
		? renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE)
		: rename(tmp, path)) {
		step = "rename";
		goto done;
	}
	if (file_sync_parent(path) == -1) {
		step = "fsync the directory of";
		goto done;
	}
	rc = 0;
done:
	saved = errno;
	if (fd != -1)
		close(fd);
	if (rc == -1) {
		snprintf(err, errlen, "%s %s: %s", step, path, strerror(saved));
		unlink(tmp);
	}
	errno = saved;
	return rc;
}
