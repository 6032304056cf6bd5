/*
 * commands: the entry points of `truce <command>`, one file each under
 * src/cli/. Each takes the arguments after the command name (argv[0] is the
 * command) and returns the process exit status: 0 success, 1 failure, 2 bad
 * usage.
 */
#ifndef TRUCE_COMMANDS_H
#define TRUCE_COMMANDS_H

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

/* The table of commands, ended by a zeroed entry (cli/main.c). */
extern const struct command commands[];

int cmd_init(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_token(int argc, char **argv);
int cmd_rebuild(int argc, char **argv);
int cmd_witness(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_verify_receipt(int argc, char **argv);
int cmd_keygen(int argc, char **argv);	/* cli/cmd_keygen.c */
int cmd_note(int argc, char **argv);	/* cli/cmd_note.c */
int cmd_tlog(int argc, char **argv);	/* cli/cmd_tlog.c */

#endif
