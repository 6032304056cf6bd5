/*
 * backup: a consistent online copy of a center (see backup.h).
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "center/backup.h"
#include "center/keyfile.h"
#include "common/file.h"
#include "ledger/checkpointer.h"
#include "ledger/entrylog.h"
#include "store/store.h"
#include "tlog/note.h"

#define COPY_CHUNK (1 << 20)
#define CONF_MAX (64 * 1024) /* truce.conf's bytes a backup rewrites */
#define CONF_LINE 1024	     /* its longest line (config.c's) */

static int
join(char *out, size_t cap, const char *a, const char *b, char *err,
    size_t errlen)
{
	if ((size_t)snprintf(out, cap, "%s/%s", a, b) < cap)
		return 0;
	snprintf(err, errlen, "%s/%s: path too long", a, b);
	return -1;
}

/* Reads all of a small file (at most cap - 1 bytes) into buf. */
static ssize_t
slurp_small(const char *path, char *buf, size_t cap)
{
	ssize_t r, n = 0;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	while ((size_t)n < cap - 1 &&
	    (r = read(fd, buf + n, cap - 1 - (size_t)n)) > 0)
		n += r;
	close(fd);
	buf[n] = '\0';
	return n;
}

/*
 * Copies the first len bytes of src into a new file dst (mode), synced;
 * len -1: all of it. 0 or -1 (err).
 */
static int
copy_file(const char *src, const char *dst, int64_t len, mode_t mode, char *err,
    size_t errlen)
{
	char *buf = NULL;
	int in = -1, out = -1, rc = -1;
	ssize_t r, w;
	size_t want;

	if ((in = open(src, O_RDONLY | O_CLOEXEC)) == -1 ||
	    (out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)) ==
		-1 ||
	    (buf = malloc(COPY_CHUNK)) == NULL) {
		snprintf(err, errlen, "%s: %s", in == -1 ? src : dst,
		    strerror(errno));
		goto done;
	}
	while (len != 0) {
		want = len < 0 || len > COPY_CHUNK ? COPY_CHUNK : (size_t)len;
		if ((r = read(in, buf, want)) <= 0) {
			if (r == -1 && errno == EINTR)
				continue;
			if (r == 0 && len < 0)
				break;
			snprintf(err, errlen, "%s: %s", src,
			    r == 0 ? "shorter than expected" : strerror(errno));
			goto done;
		}
		for (w = 0; w < r;) {
			ssize_t k = write(out, buf + w, (size_t)(r - w));

			if (k == -1 && errno == EINTR)
				continue;
			if (k <= 0) {
				snprintf(err, errlen, "%s: %s", dst,
				    strerror(errno));
				goto done;
			}
			w += k;
		}
		if (len > 0)
			len -= r;
	}
	if (fsync(out) == -1) {
		snprintf(err, errlen, "%s: %s", dst, strerror(errno));
		goto done;
	}
	rc = 0;
done:
	free(buf);
	if (in != -1)
		close(in);
	if (out != -1)
		close(out);
	return rc;
}

/*
 * The byte length of the first n records of the entries file path (each
 * a big-endian uint16 length and its bytes); n -1: every complete record,
 * *n set. 0, or -1 when the file holds fewer.
 */
static int
entries_prefix(const char *path, int64_t *n, int64_t *bytes, char *err,
    size_t errlen)
{
	uint8_t lp[2];
	int64_t k = 0, off = 0;
	struct stat st;
	int fd, rc = -1;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(fd, &st) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto done;
	}
	while (*n < 0 || k < *n) {
		if (st.st_size - off < 2 || pread(fd, lp, 2, (off_t)off) != 2 ||
		    (lp[0] == 0 && lp[1] == 0) ||
		    st.st_size - off - 2 < (lp[0] << 8 | lp[1]))
			break;
		off += 2 + (lp[0] << 8 | lp[1]);
		k++;
	}
	if (*n >= 0 && k < *n) {
		snprintf(err, errlen,
		    "%s holds %lld complete entries, fewer "
		    "than the %lld its signed checkpoint covers",
		    path, (long long)k, (long long)*n);
		goto done;
	}
	*n = k;
	*bytes = off;
	rc = 0;
done:
	if (fd != -1)
		close(fd);
	return rc;
}

/* Copies the regular files of directory src into dst (made, 0700). */
static int
copy_dir(const char *src, const char *dst, int depth, char *err, size_t errlen)
{
	char s[PATH_MAX], d[PATH_MAX];
	struct dirent *de;
	struct stat st;
	DIR *dp;
	int rc = -1;

	if ((dp = opendir(src)) == NULL) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", src, strerror(errno));
		return -1;
	}
	if (mkdir(dst, 0700) == -1 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", dst, strerror(errno));
		goto done;
	}
	while ((de = readdir(dp)) != NULL) {
		if (de->d_name[0] == '.' || strcmp(de->d_name, "tmp") == 0)
			continue;
		if (join(s, sizeof(s), src, de->d_name, err, errlen) == -1 ||
		    join(d, sizeof(d), dst, de->d_name, err, errlen) == -1)
			goto done;
		if (lstat(s, &st) == -1)
			continue; /* gone meanwhile */
		if (S_ISDIR(st.st_mode) && depth > 0) {
			if (copy_dir(s, d, depth - 1, err, errlen) == -1)
				goto done;
		} else if (S_ISREG(st.st_mode) &&
		    copy_file(s, d, -1, st.st_mode & 0777, err, errlen) == -1)
			goto done;
	}
	if (file_sync_dir(dst) == -1) {
		snprintf(err, errlen, "%s: %s", dst, strerror(errno));
		goto done;
	}
	rc = 0;
done:
	closedir(dp);
	return rc;
}

static int
unlink_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

/* Removes the directory tree at path (what a failed backup made). */
static void
remove_tree(const char *path)
{
	nftw(path, unlink_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Whether line (truce.conf's) sets the store: "store = ...". */
static int
sets_store(const char *line)
{
	line += strspn(line, " \t");
	if (strncmp(line, "store", 5) != 0)
		return 0;
	line += 5;
	line += strspn(line, " \t");
	return *line == '=';
}

/*
 * Writes src (the center's truce.conf) to dst with the store set to
 * store: each "store = ..." line is replaced (the center's store, above
 * all a PostgreSQL database still serving it, is not the copy's), and the
 * line appended when there was none. The lines are config.c's (at most
 * CONF_LINE bytes), the file at most CONF_MAX. 0 or -1 (err).
 */
static int
copy_conf(const char *src, const char *dst, const char *store, char *err,
    size_t errlen)
{
	char line[CONF_LINE], *out = NULL;
	size_t n = 0, len;
	int rc = -1, set = 0, w;
	FILE *f;

	if ((f = fopen(src, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", src, strerror(errno));
		return -1;
	}
	if ((out = malloc(CONF_MAX)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", src);
		goto done;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		len = strlen(line);
		if (len > 0 && line[len - 1] != '\n' && !feof(f)) {
			snprintf(err, errlen, "%s: a line longer than %d bytes",
			    src, CONF_LINE - 2);
			goto done;
		}
		if (sets_store(line)) {
			w = snprintf(out + n, CONF_MAX - n,
			    "# truce backup: the center's store is not the "
			    "copy's; `truce serve`\n# or `truce rebuild` "
			    "fills this one from the copied log\n"
			    "store = %s\n",
			    store);
			set = 1;
		} else
			w = snprintf(out + n, CONF_MAX - n, "%s%s", line,
			    len > 0 && line[len - 1] != '\n' ? "\n" : "");
		if (w < 0 || (size_t)w >= CONF_MAX - n)
			goto toolong;
		n += (size_t)w;
	}
	if (ferror(f)) {
		snprintf(err, errlen, "%s: %s", src, strerror(errno));
		goto done;
	}
	if (!set && strcmp(store, "sqlite") != 0) {
		w = snprintf(out + n, CONF_MAX - n, "store = %s\n", store);
		if (w < 0 || (size_t)w >= CONF_MAX - n)
			goto toolong;
		n += (size_t)w;
	}
	rc = file_write_atomic(dst, out, n, 0600, FILE_NO_REPLACE, err, errlen);
	goto done;
toolong:
	snprintf(err, errlen, "%s: over %d bytes", src, CONF_MAX);
done:
	free(out);
	fclose(f);
	return rc;
}

int
backup_center(const char *dir, const char *dest, const char *store,
    int64_t *size, char *err, size_t errlen)
{
	struct entrylog_anchor anchors[CHECKPOINTER_MAX_ANCHORS];
	char tmp[PATH_MAX], a[PATH_MAX], b[PATH_MAX], *joint = NULL;
	struct note_signer *signer = NULL;
	struct note_verifier *v = NULL;
	struct entrylog *log = NULL;
	struct stat st;
	int64_t n = -1, bytes = 0;
	ssize_t jlen = -1;
	size_t nanchors = 0, i;
	int rc = -1, made = 0;

	if (store == NULL)
		store = "sqlite";
	if (strcmp(store, "sqlite") != 0 &&
	    (!store_pg_uri(store) || strlen(store) > STORE_PG_URI_MAX ||
		strpbrk(store, "\r\n") != NULL)) {
		snprintf(err, errlen,
		    "--store: '%.32s' is not a backend (sqlite, or a "
		    "postgresql:// or postgres:// URI of at most %d bytes)",
		    store, STORE_PG_URI_MAX);
		return -1;
	}
	if (stat(dest, &st) == 0 || errno != ENOENT) {
		snprintf(err, errlen,
		    "%s already exists; a backup makes a new "
		    "directory",
		    dest);
		return -1;
	}
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.partial", dest) >=
	    sizeof(tmp)) {
		snprintf(err, errlen, "%s: path too long", dest);
		return -1;
	}
	if (join(a, sizeof(a), dir, "keys/log.key", err, errlen) == -1 ||
	    (signer = keyfile_read(a, err, errlen)) == NULL)
		goto done;
	if ((v = note_signer_verifier(signer)) == NULL) {
		snprintf(err, errlen, "%s: cannot make its verifier", a);
		goto done;
	}
	/* The joint checkpoint first: the signed ones are never older. */
	if (join(a, sizeof(a), dir, "log/checkpoint.joint", err, errlen) ==
		-1 ||
	    (joint = malloc(65536)) == NULL)
		goto done;
	jlen = slurp_small(a, joint, 65536);
	if (checkpointer_anchors(a, v, anchors, &nanchors) == -1) {
		snprintf(err, errlen, "%s: path too long", a);
		goto done;
	}
	for (i = 0; i < nanchors; i++)
		if (anchors[i].size > n)
			n = anchors[i].size;
	if (join(a, sizeof(a), dir, "log/entries", err, errlen) == -1 ||
	    entries_prefix(a, &n, &bytes, err, errlen) == -1)
		goto done;
	if (mkdir(tmp, 0700) == -1) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		goto done;
	}
	made = 1;
	if (join(b, sizeof(b), tmp, "log", err, errlen) == -1)
		goto done;
	if (mkdir(b, 0700) == -1) {
		snprintf(err, errlen, "%s: %s", b, strerror(errno));
		goto done;
	}
	if (join(b, sizeof(b), tmp, "log/entries", err, errlen) == -1 ||
	    copy_file(a, b, bytes, 0600, err, errlen) == -1)
		goto done;
	if (join(a, sizeof(a), dir, "log/checkpoint.signed", err, errlen) ==
		-1 ||
	    join(b, sizeof(b), tmp, "log/checkpoint.signed", err, errlen) ==
		-1 ||
	    (stat(a, &st) == 0 && copy_file(a, b, -1, 0600, err, errlen) == -1))
		goto done;
	if (jlen > 0 &&
	    (join(b, sizeof(b), tmp, "log/checkpoint.joint", err, errlen) ==
		    -1 ||
		file_write_atomic(b, joint, (size_t)jlen, 0600, 0, err,
		    errlen) == -1))
		goto done;
	if (join(a, sizeof(a), dir, "truce.conf", err, errlen) == -1 ||
	    join(b, sizeof(b), tmp, "truce.conf", err, errlen) == -1 ||
	    copy_conf(a, b, store, err, errlen) == -1)
		goto done;
	if (join(a, sizeof(a), dir, "keys", err, errlen) == -1 ||
	    join(b, sizeof(b), tmp, "keys", err, errlen) == -1 ||
	    copy_dir(a, b, 0, err, errlen) == -1)
		goto done;
	if (join(a, sizeof(a), dir, "evidence", err, errlen) == -1 ||
	    join(b, sizeof(b), tmp, "evidence", err, errlen) == -1 ||
	    copy_dir(a, b, 3, err, errlen) == -1)
		goto done;
	/* The copy's own open re-derives index and hashes and checks the
	   root of every checkpoint copied with it. */
	if (join(b, sizeof(b), tmp, "log", err, errlen) == -1 ||
	    file_sync_dir(b) == -1 || file_sync_dir(tmp) == -1)
		goto done;
	if ((log = entrylog_open(b, 0, anchors, nanchors)) == NULL ||
	    entrylog_size(log) != n) {
		snprintf(err, errlen,
		    "the copy of the log does not verify "
		    "(see above)");
		goto done;
	}
	entrylog_close(log);
	log = NULL;
	if (rename(tmp, dest) == -1 || file_sync_parent(dest) == -1) {
		snprintf(err, errlen, "rename %s: %s", tmp, strerror(errno));
		goto done;
	}
	made = 0;
	*size = n;
	rc = 0;
done:
	entrylog_close(log);
	/* Leave no half copy that could pass for a backup. */
	if (made && rc == -1)
		remove_tree(tmp);
	free(joint);
	note_verifier_free(v);
	note_signer_free(signer);
	return rc;
}
