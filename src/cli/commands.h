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
int cmd_backup(int argc, char **argv); /* cli/cmd_backup.c */
int cmd_witness(int argc, char **argv);

/*
 * Client commands: they talk to a center over HTTP (--server or
 * TRUCE_SERVER, --token or TRUCE_TOKEN).
 */

/* truce observe: submits one observation described by flags. */
int cmd_observe(int argc, char **argv);

/* truce import FILE: validates and submits observations from a file. */
int cmd_import(int argc, char **argv);

/* truce query: prints the observations matching filters. */
int cmd_query(int argc, char **argv);

/* truce simulate: writes illustrative simulated observations (offline). */
int cmd_simulate(int argc, char **argv);
/* truce assess: signs a member's assessment locally and submits it. */
int cmd_assess(int argc, char **argv);
int cmd_report(int argc, char **argv);	      /* cli/cmd_report.c */
int cmd_source(int argc, char **argv);	      /* cli/cmd_source.c */
int cmd_verify_report(int argc, char **argv); /* cli/cmd_verify_report.c */
int cmd_keygen(int argc, char **argv);	      /* cli/cmd_keygen.c */
int cmd_note(int argc, char **argv);	      /* cli/cmd_note.c */
int cmd_tlog(int argc, char **argv);	      /* cli/cmd_tlog.c */

/* truce events, truce alert: the event stream and alert rules (client). */
int cmd_events(int argc, char **argv);
int cmd_alert(int argc, char **argv);

/* truce geo: describe, resolve, lookup (offline; geo/). */
int cmd_geo(int argc, char **argv);

/* truce locate: localization fixes as JSON lines, stdin to stdout (offline). */
int cmd_locate(int argc, char **argv);

/* truce incidents: lists, shows, merges and splits incidents (client). */
int cmd_incidents(int argc, char **argv);

/* truce fuse: associates observations into incidents offline. */
int cmd_fuse(int argc, char **argv);

/* truce audit URL: checks a center end to end (audit/audit.h). */
int cmd_audit(int argc, char **argv);

/* truce mirror URL DIR: a verified copy of a center (mirror/mirror.h). */
int cmd_mirror(int argc, char **argv);

/* truce verify-receipt: verifies a write's receipt offline. */
int cmd_verify_receipt(int argc, char **argv);

#endif
