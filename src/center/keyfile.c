/*
 * keyfile: private key files, mode 0600, never overwritten (see keyfile.h).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "center/keyfile.h"
#include "common/file.h"
#include "tlog/note.h"

int
keyfile_write(const char *path, const struct note_signer *signer, char *err,
    size_t errlen)
{
	char skey[NOTE_SKEY_MAX + 2];
	size_t len;
	int rc = -1;

	if (note_signer_format(signer, skey, sizeof(skey) - 1) == -1) {
		snprintf(err, errlen, "cannot format the key");
		return -1;
	}
	len = strlen(skey);
	skey[len++] = '\n';
	if (file_write_atomic(path, skey, len, 0600, FILE_NO_REPLACE, err,
		errlen) == -1) {
		if (errno == EEXIST)
			snprintf(err, errlen,
			    "%s: it exists (refusing to "
			    "overwrite a key)",
			    path);
		goto done;
	}
	rc = 0;
done:
	sodium_memzero(skey, sizeof(skey));
	return rc;
}

struct note_signer *
keyfile_read(const char *path, char *err, size_t errlen)
{
	char buf[NOTE_SKEY_MAX + 2];
	struct note_signer *s = NULL;
	struct stat st;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == -1 || (st.st_mode & 077) != 0) {
		snprintf(err, errlen,
		    "%s: a private key must not be readable "
		    "by group or others (chmod 600)",
		    path);
		goto done;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0 || (size_t)n >= sizeof(buf) - 1) {
		snprintf(err, errlen,
		    "%s: not a key file (empty or over %zu "
		    "bytes)",
		    path, sizeof(buf) - 2);
		goto done;
	}
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	buf[n] = '\0';
	s = note_signer_parse(buf, (size_t)n, err, errlen);
done:
	close(fd);
	sodium_memzero(buf, sizeof(buf));
	return s;
}
