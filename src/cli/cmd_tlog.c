/*
 * truce tlog: RFC 6962 Merkle tree tools over leaves or proofs given on
 * standard input (docs/tlog.md "CLI tools"):
 *
 *   truce tlog root [--hashes] [--base64]
 *   truce tlog inclusion --index I --size N [--hashes] [--base64]
 *   truce tlog inclusion --verify --index I --size N --leaf-hash H --root R
 *   truce tlog consistency --from M --to N [--hashes] [--base64]
 *   truce tlog consistency --verify --from M --to N --root1 R1 --root2 R2
 *
 * Input lines are leaf data in hex (one leaf per line, an empty line is the
 * empty leaf), or leaf hashes with --hashes; --base64 switches every hash
 * and leaf read or printed to standard base64. Proofs are one hash per
 * line, leaf to root. Exit status: 0 success, 1 bad input or a proof that
 * does not verify, 2 usage error.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "cli/commands.h"
#include "common/num.h"
#include "tlog/b64.h"
#include "tlog/memlog.h"
#include "tlog/merkle.h"
#include "tlog/tile.h"

#define TLOG_MAX_LEAVES 1000000 /* leaves read from standard input */
/* A leaf is at most a tile entry: 65535 bytes, as hex plus "\n". */
#define TLOG_LINE_MAX (2 * TILE_ENTRY_MAX + 2)

struct tlog_opts {
	const char *cmd; /* "root", "inclusion" or "consistency" */
	int hashes, base64, verify;
	int64_t index, size, from, to;
	const char *leaf_hash, *root, *root1, *root2;
};

static void
tlog_usage(FILE *f)
{
	fprintf(f,
	    "usage: truce tlog root [--hashes] [--base64]\n"
	    "       truce tlog inclusion --index I --size N [--hashes] "
	    "[--base64]\n"
	    "       truce tlog inclusion --verify --index I --size N "
	    "--leaf-hash H --root R [--base64]\n"
	    "       truce tlog consistency --from M --to N [--hashes] "
	    "[--base64]\n"
	    "       truce tlog consistency --verify --from M --to N "
	    "--root1 R1 --root2 R2 [--base64]\n"
	    "\n"
	    "RFC 6962 Merkle tree tools. Standard input holds one leaf per "
	    "line: leaf data in\n"
	    "hex (an empty line is the empty leaf), or leaf hashes with "
	    "--hashes; at most\n"
	    "%d leaves of at most %d bytes. root prints the tree hash; "
	    "inclusion and\n"
	    "consistency print the proof, one hash per line, leaf to root. "
	    "With --verify they\n"
	    "read that proof from standard input instead and check it "
	    "against the given\n"
	    "hashes. Hashes are hex (64 digits), or standard base64 with "
	    "--base64, which also\n"
	    "applies to leaf data and to what is printed.\n"
	    "\n"
	    "Exit status: 0 success, 1 bad input or a proof that does not "
	    "verify, 2 usage error.\n",
	    TLOG_MAX_LEAVES, TILE_ENTRY_MAX);
}

/* Decodes one hash argument or line; -1 if it is not one. */
static int
parse_hash(const struct tlog_opts *o, const char *s, size_t len,
    uint8_t out[MERKLE_HASH_SIZE])
{
	return o->base64 ? merkle_hash_from_base64(s, len, out)
			 : merkle_hash_from_hex(s, len, out);
}

static void
print_hash(const struct tlog_opts *o, const uint8_t h[MERKLE_HASH_SIZE])
{
	char buf[MERKLE_HEX_SIZE];

	if (o->base64)
		merkle_hash_to_base64(h, buf);
	else
		merkle_hash_to_hex(h, buf);
	printf("%s\n", buf);
}

/* The next line of stdin without its "\n" into buf; 0, 1 at EOF, -1. */
static int
read_line(char *buf, size_t cap, size_t *len, long lineno)
{
	if (fgets(buf, (int)cap, stdin) == NULL) {
		if (ferror(stdin)) {
			fprintf(stderr,
			    "truce tlog: read error on standard "
			    "input\n");
			return -1;
		}
		return 1;
	}
	*len = strlen(buf);
	if (*len > 0 && buf[*len - 1] == '\n') {
		buf[--*len] = '\0';
	} else if (!feof(stdin)) {
		fprintf(stderr,
		    "truce tlog: line %ld: longer than the %d-character "
		    "limit\n",
		    lineno, TLOG_LINE_MAX - 2);
		return -1;
	}
	if (memchr(buf, '\0', *len) != NULL) {
		fprintf(stderr, "truce tlog: line %ld: contains a NUL byte\n",
		    lineno);
		return -1;
	}
	return 0;
}

/* Decodes one line of leaf data (hex, or base64) into data. */
static int
decode_leaf(const struct tlog_opts *o, const char *line, size_t len,
    uint8_t *data, size_t cap, size_t *dlen)
{
	const char *end = NULL;

	*dlen = 0;
	if (len == 0)
		return 0;
	if (o->base64)
		return b64_decode(line, len, data, cap, dlen);
	if (len % 2 != 0 ||
	    sodium_hex2bin(data, cap, line, len, NULL, dlen, &end) != 0 ||
	    end != line + len)
		return -1;
	return 0;
}

/* Reads the leaves on stdin into a new memlog. */
static struct memlog *
read_leaves(const struct tlog_opts *o)
{
	struct memlog *m = memlog_new();
	char *line = malloc(TLOG_LINE_MAX);
	uint8_t *data = malloc(TLOG_LINE_MAX), h[MERKLE_HASH_SIZE];
	size_t len, dlen;
	long lineno = 0;
	int r;

	if (m == NULL || line == NULL || data == NULL) {
		fprintf(stderr, "truce tlog: out of memory\n");
		goto fail;
	}
	while ((r = read_line(line, TLOG_LINE_MAX, &len, lineno + 1)) == 0) {
		if (++lineno > TLOG_MAX_LEAVES) {
			fprintf(stderr,
			    "truce tlog: more than %d leaves on standard "
			    "input\n",
			    TLOG_MAX_LEAVES);
			goto fail;
		}
		if (o->hashes) {
			if (parse_hash(o, line, len, h) == -1) {
				fprintf(stderr,
				    "truce tlog: line %ld: not a leaf hash "
				    "(%s)\n",
				    lineno,
				    o->base64 ? "44 base64 characters"
					      : "64 hex digits");
				goto fail;
			}
		} else {
			if (decode_leaf(o, line, len, data, TLOG_LINE_MAX,
				&dlen) == -1) {
				fprintf(stderr,
				    "truce tlog: line %ld: leaf data is not "
				    "%s\n",
				    lineno,
				    o->base64 ? "standard base64"
					      : "an even number of hex digits");
				goto fail;
			}
			if (dlen > TILE_ENTRY_MAX) {
				fprintf(stderr,
				    "truce tlog: line %ld: leaf longer than "
				    "the %d-byte limit\n",
				    lineno, TILE_ENTRY_MAX);
				goto fail;
			}
			merkle_leaf_hash(data, dlen, h);
		}
		if (memlog_append(m, h) == -1) {
			fprintf(stderr, "truce tlog: out of memory\n");
			goto fail;
		}
	}
	if (r == -1)
		goto fail;
	free(line);
	free(data);
	return m;
fail:
	memlog_free(m);
	free(line);
	free(data);
	return NULL;
}

/* Reads a proof (one hash per line, at most 64) from stdin. */
static int
read_proof(const struct tlog_opts *o, uint8_t (*proof)[MERKLE_HASH_SIZE],
    size_t *n)
{
	char line[128];
	size_t len;
	long lineno = 0;
	int r;

	*n = 0;
	while ((r = read_line(line, sizeof(line), &len, lineno + 1)) == 0) {
		lineno++;
		if (*n == MERKLE_MAX_PROOF) {
			fprintf(stderr,
			    "truce tlog: more than %d proof hashes on "
			    "standard input\n",
			    MERKLE_MAX_PROOF);
			return -1;
		}
		if (parse_hash(o, line, len, proof[*n]) == -1) {
			fprintf(stderr,
			    "truce tlog: proof line %ld: not a hash (%s)\n",
			    lineno,
			    o->base64 ? "44 base64 characters"
				      : "64 hex digits");
			return -1;
		}
		(*n)++;
	}
	return r == -1 ? -1 : 0;
}

static int
get_i64(const char *opt, const char *arg, int64_t *out)
{
	char err[128];

	if (num_parse_i64(arg, 0, MERKLE_MAX_TREE_SIZE, out, err,
		sizeof(err)) == -1) {
		fprintf(stderr, "truce tlog: %s: %s\n", opt, err);
		return -1;
	}
	return 0;
}

static int
get_hash(const struct tlog_opts *o, const char *opt, const char *arg,
    uint8_t out[MERKLE_HASH_SIZE])
{
	if (arg == NULL) {
		fprintf(stderr, "truce tlog %s: --verify needs %s\n", o->cmd,
		    opt);
		return -1;
	}
	if (parse_hash(o, arg, strlen(arg), out) == -1) {
		fprintf(stderr, "truce tlog %s: %s: not a hash (%s)\n", o->cmd,
		    opt, o->base64 ? "44 base64 characters" : "64 hex digits");
		return -1;
	}
	return 0;
}

static int
run_root(const struct tlog_opts *o)
{
	struct memlog *m = read_leaves(o);
	uint8_t root[MERKLE_HASH_SIZE];
	int r = 1;

	if (m == NULL)
		goto out;
	if (merkle_tree_hash(memlog_size(m), memlog_read, m, root) == -1) {
		fprintf(stderr, "truce tlog root: cannot compute the root\n");
		goto out;
	}
	print_hash(o, root);
	r = 0;
out:
	memlog_free(m);
	return r;
}

static int
run_prove(const struct tlog_opts *o)
{
	struct memlog *m = read_leaves(o);
	uint8_t proof[MERKLE_MAX_PROOF][MERKLE_HASH_SIZE];
	size_t len, i;
	int64_t n, need;
	int r = 1, incl = strcmp(o->cmd, "inclusion") == 0;

	if (m == NULL)
		goto out;
	n = memlog_size(m);
	need = incl ? o->size : o->to;
	if (need > n) {
		fprintf(stderr,
		    "truce tlog %s: %s %lld exceeds the %lld leaves on "
		    "standard input\n",
		    o->cmd, incl ? "--size" : "--to", (long long)need,
		    (long long)n);
		goto out;
	}
	if (incl ? merkle_prove_inclusion(o->index, o->size, memlog_read, m,
		       proof, &len) == -1
		 : merkle_prove_consistency(o->from, o->to, memlog_read, m,
		       proof, &len) == -1) {
		fprintf(stderr, "truce tlog %s: cannot build the proof\n",
		    o->cmd);
		goto out;
	}
	for (i = 0; i < len; i++)
		print_hash(o, proof[i]);
	r = 0;
out:
	memlog_free(m);
	return r;
}

static int
run_verify(const struct tlog_opts *o)
{
	uint8_t proof[MERKLE_MAX_PROOF][MERKLE_HASH_SIZE];
	uint8_t a[MERKLE_HASH_SIZE], b[MERKLE_HASH_SIZE];
	size_t len;
	int incl = strcmp(o->cmd, "inclusion") == 0, v;

	if (incl ? (get_hash(o, "--leaf-hash", o->leaf_hash, a) == -1 ||
		       get_hash(o, "--root", o->root, b) == -1)
		 : (get_hash(o, "--root1", o->root1, a) == -1 ||
		       get_hash(o, "--root2", o->root2, b) == -1))
		return 2;
	if (read_proof(o, proof, &len) == -1)
		return 1;
	v = incl ? merkle_verify_inclusion(o->index, o->size, a,
		       (const uint8_t(*)[MERKLE_HASH_SIZE])proof, len, b)
		 : merkle_verify_consistency(o->from, o->to,
		       (const uint8_t(*)[MERKLE_HASH_SIZE])proof, len, a, b);
	if (v == -1) {
		fprintf(stderr, "truce tlog %s: the proof does not verify\n",
		    o->cmd);
		return 1;
	}
	printf("%s proof verified\n", o->cmd);
	return 0;
}

int
cmd_tlog(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "hashes", no_argument, NULL, 'H' },
		{ "base64", no_argument, NULL, 'b' },
		{ "verify", no_argument, NULL, 'v' },
		{ "index", required_argument, NULL, 'i' },
		{ "size", required_argument, NULL, 's' },
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "leaf-hash", required_argument, NULL, 'l' },
		{ "root", required_argument, NULL, 'r' },
		{ "root1", required_argument, NULL, '1' },
		{ "root2", required_argument, NULL, '2' },
		{ NULL, 0, NULL, 0 },
	};
	struct tlog_opts o;
	int ch, incl, have_index = 0, have_size = 0, have_from = 0, have_to = 0;

	memset(&o, 0, sizeof(o));
	if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		tlog_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	o.cmd = argv[1];
	if (strcmp(o.cmd, "root") != 0 && strcmp(o.cmd, "inclusion") != 0 &&
	    strcmp(o.cmd, "consistency") != 0) {
		fprintf(stderr,
		    "truce tlog: unknown subcommand '%.64s' (root, inclusion, "
		    "consistency)\n",
		    o.cmd);
		return 2;
	}
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc - 1, argv + 1, ":h", longopts, NULL)) !=
	    -1) {
		switch (ch) {
		case 'h': tlog_usage(stdout); return 0;
		case 'H': o.hashes = 1; break;
		case 'b': o.base64 = 1; break;
		case 'v': o.verify = 1; break;
		case 'i':
			if (get_i64("--index", optarg, &o.index) == -1)
				return 2;
			have_index = 1;
			break;
		case 's':
			if (get_i64("--size", optarg, &o.size) == -1)
				return 2;
			have_size = 1;
			break;
		case 'f':
			if (get_i64("--from", optarg, &o.from) == -1)
				return 2;
			have_from = 1;
			break;
		case 't':
			if (get_i64("--to", optarg, &o.to) == -1)
				return 2;
			have_to = 1;
			break;
		case 'l': o.leaf_hash = optarg; break;
		case 'r': o.root = optarg; break;
		case '1': o.root1 = optarg; break;
		case '2': o.root2 = optarg; break;
		case ':':
			fprintf(stderr, "truce tlog %s: %.64s needs a value\n",
			    o.cmd, argv[optind]);
			return 2;
		default:
			fprintf(stderr,
			    "truce tlog %s: unknown option %.64s (see "
			    "--help)\n",
			    o.cmd, argv[optind]);
			return 2;
		}
	}
	if (optind < argc - 1) {
		fprintf(stderr, "truce tlog %s: unexpected argument '%.64s'\n",
		    o.cmd, argv[optind + 1]);
		return 2;
	}
	if (strcmp(o.cmd, "root") == 0) {
		if (o.verify || have_index || have_size || have_from ||
		    have_to || o.leaf_hash || o.root || o.root1 || o.root2) {
			fprintf(stderr,
			    "truce tlog root: takes only --hashes "
			    "and --base64\n");
			return 2;
		}
		return run_root(&o);
	}
	incl = strcmp(o.cmd, "inclusion") == 0;
	if (incl) {
		if (!have_index || !have_size || have_from || have_to) {
			fprintf(stderr,
			    "truce tlog inclusion: needs --index "
			    "and --size\n");
			return 2;
		}
		if (o.size < 1 || o.index >= o.size) {
			fprintf(stderr,
			    "truce tlog inclusion: --index must be in [0, "
			    "--size) and --size at least 1\n");
			return 2;
		}
	} else {
		if (!have_from || !have_to || have_index || have_size) {
			fprintf(stderr,
			    "truce tlog consistency: needs --from "
			    "and --to\n");
			return 2;
		}
		if (o.from < 1 || o.from > o.to) {
			fprintf(stderr,
			    "truce tlog consistency: need 1 <= --from <= --to "
			    "(a proof from size 0 is meaningless)\n");
			return 2;
		}
	}
	if (!o.verify && (o.leaf_hash || o.root || o.root1 || o.root2)) {
		fprintf(stderr,
		    "truce tlog %s: --leaf-hash, --root, --root1 and --root2 "
		    "go with --verify\n",
		    o.cmd);
		return 2;
	}
	if (o.verify && o.hashes) {
		fprintf(stderr,
		    "truce tlog %s: --verify reads a proof, not "
		    "leaves: drop --hashes\n",
		    o.cmd);
		return 2;
	}
	return o.verify ? run_verify(&o) : run_prove(&o);
}
