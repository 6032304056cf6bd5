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
#include "common/log.h"

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
    mode_t mode)
{
	char tmp[PATH_MAX];
	const char *p = data;
	ssize_t w;
	int fd, rc = -1;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >=
	    sizeof(tmp)) {
		log_warnx("%s: path too long", path);
		return -1;
	}
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    mode)) == -1) {
		log_warn("open %s", tmp);
		return -1;
	}
	while (len > 0) {
		w = write(fd, p, len);
		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0) {
			log_warn("write %s", tmp);
			goto done;
		}
		p += w;
		len -= (size_t)w;
	}
	if (fsync(fd) == -1) {
		log_warn("fsync %s", tmp);
		goto done;
	}
	if (close(fd) == -1) {
		fd = -1;
		log_warn("close %s", tmp);
		goto done;
	}
	fd = -1;
	if (rename(tmp, path) == -1) {
		log_warn("rename %s", tmp);
		goto done;
	}
	if (file_sync_parent(path) == -1) {
		log_warn("fsync the directory of %s", path);
		goto done;
	}
	rc = 0;
done:
	if (fd != -1)
		close(fd);
	if (rc == -1)
		unlink(tmp);
	return rc;
}
