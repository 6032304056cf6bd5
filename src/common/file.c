/*
 * file: durable replacement of small files (see file.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/file.h"

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
file_write_atomic(const char *path, const void *data, size_t len,
    mode_t mode, int flags, char *err, size_t errlen)
{
	char tmp[PATH_MAX];
	const char *p = data, *step = NULL;
	ssize_t w;
	int fd = -1, rc = -1, saved;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >=
	    sizeof(tmp)) {
		snprintf(err, errlen, "%s: path too long", path);
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    mode)) == -1) {
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
	if (flags & FILE_NO_REPLACE ?
	    renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE) :
	    rename(tmp, path)) {
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
