/* One function per command; each returns an exit code (enum cli_exit). */
#ifndef SIPSYNC_COMMANDS_H
#define SIPSYNC_COMMANDS_H

int cmd_validate(int argc, char **argv);
int cmd_plan(int argc, char **argv);
int cmd_apply(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_history(int argc, char **argv);
int cmd_test(int argc, char **argv);
int cmd_route(int argc, char **argv);
int cmd_probe(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_version(int argc, char **argv);
int cmd_accounts(int argc, char **argv);

#endif
