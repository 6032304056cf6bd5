/*
 * truce keygen: make a signed-note key pair (docs/tlog.md):
 *
 *   truce keygen NAME [--out FILE] [--cosign]
 *
 * Writes the private key (Go note format, PRIVATE+KEY+NAME+id+key) to FILE,
 * default NAME.key with every character outside [A-Za-z0-9._-] replaced by
 * '_', created with mode 0600 and never overwritten; prints the verifier
 * key (vkey) on standard output. --cosign makes a C2SP tlog-cosignature/v1
 * witness key (type 0x04) instead of an Ed25519 note key (0x01).
 * Exit status: 0 success, 1 failure, 2 usage error.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "cli/commands.h"
#include "tlog/note.h"

static void
keygen_usage(FILE *f)
{
	fprintf(f,
	    "usage: truce keygen NAME [--out FILE] [--cosign]\n"
	    "\n"
	    "Generates an Ed25519 key named NAME (at most %d bytes, no "
	    "spaces or '+';\n"
	    "a schema-less URL such as truce.example/log is recommended). "
	    "The private key\n"
	    "goes to FILE (default NAME.key, characters other than "
	    "A-Z a-z 0-9 . _ -\n"
	    "replaced by _), created with mode 0600; an existing file is "
	    "never overwritten.\n"
	    "The verifier key (vkey) is printed on standard output.\n"
	    "\n"
	    "  --cosign   a witness cosigning key (C2SP tlog-cosignature/v1, "
	    "type 0x04)\n"
	    "             instead of a note signing key (type 0x01)\n"
	    "\n"
	    "Exit status: 0 success, 1 failure, 2 usage error.\n",
	    NOTE_NAME_MAX);
}

/* Writes all of buf to the new file path (0600, O_EXCL). */
static int
write_new_file(const char *path, const char *buf, size_t len)
{
	size_t done = 0;
	ssize_t w;
	int fd, r = -1;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd == -1) {
		fprintf(stderr, "truce keygen: %s: %s%s\n", path,
		    strerror(errno),
		    errno == EEXIST ? " (refusing to overwrite a key)" : "");
		return -1;
	}
	while (done < len) {
		w = write(fd, buf + done, len - done);
		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0) {
			fprintf(stderr, "truce keygen: %s: %s\n", path,
			    strerror(errno));
			goto out;
		}
		done += (size_t)w;
	}
	if (fsync(fd) == -1) {
		fprintf(stderr, "truce keygen: %s: %s\n", path,
		    strerror(errno));
		goto out;
	}
	r = 0;
out:
	if (close(fd) == -1 && r == 0) {
		fprintf(stderr, "truce keygen: %s: %s\n", path,
		    strerror(errno));
		r = -1;
	}
	if (r == -1)
		unlink(path);
	return r;
}

int
cmd_keygen(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "out", required_argument, NULL, 'o' },
		{ "cosign", no_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	struct note_signer *s = NULL;
	char skey[NOTE_SKEY_MAX + 1], vkey[NOTE_VKEY_MAX], err[256];
	char defpath[NOTE_NAME_MAX + 8];
	const char *out = NULL, *name;
	size_t i, n;
	int ch, type = NOTE_KEY_ED25519, r = 1;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'h': keygen_usage(stdout); return 0;
		case 'o': out = optarg; break;
		case 'c': type = NOTE_KEY_COSIGNATURE; break;
		case ':':
			fprintf(stderr, "truce keygen: %.64s needs a value\n",
			    argv[optind - 1]);
			return 2;
		default:
			fprintf(stderr,
			    "truce keygen: unknown option %.64s (see --help)\n",
			    argv[optind - 1]);
			return 2;
		}
	}
	if (argc - optind != 1) {
		fprintf(stderr,
		    "truce keygen: needs exactly one NAME (see "
		    "--help)\n");
		return 2;
	}
	name = argv[optind];
	if (note_name_check(name, strlen(name)) == -1) {
		fprintf(stderr,
		    "truce keygen: NAME must be 1..%d bytes of UTF-8 without "
		    "spaces, '+' or control characters\n",
		    NOTE_NAME_MAX);
		return 2;
	}
	if (out == NULL) {
		n = strlen(name);
		for (i = 0; i < n; i++)
			defpath[i] = (strchr("abcdefghijklmnopqrstuvwxyz"
					     "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
					     "0123456789._-",
					  name[i]) != NULL)
			    ? name[i]
			    : '_';
		snprintf(defpath + n, sizeof(defpath) - n, ".key");
		out = defpath;
	}
	if ((s = note_signer_generate(name, type, err, sizeof(err))) == NULL) {
		fprintf(stderr, "truce keygen: %s\n", err);
		goto done;
	}
	if (note_signer_format(s, skey, sizeof(skey) - 1) == -1 ||
	    note_signer_vkey(s, vkey, sizeof(vkey)) == -1) {
		fprintf(stderr, "truce keygen: key does not format\n");
		goto done;
	}
	n = strlen(skey);
	skey[n++] = '\n';
	if (write_new_file(out, skey, n) == -1)
		goto done;
	printf("%s\n", vkey);
	if (fflush(stdout) != 0) {
		fprintf(stderr, "truce keygen: write error\n");
		goto done;
	}
	fprintf(stderr, "truce keygen: private key written to %s\n", out);
	r = 0;
done:
	sodium_memzero(skey, sizeof(skey));
	note_signer_free(s);
	return r;
}
