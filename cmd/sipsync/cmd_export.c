/* placeholder until its issue lands: the command exists but does nothing */
#include "cmd/sipsync/cli.h"
#include "cmd/sipsync/commands.h"

int cmd_export(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	cli_errorf("export: not implemented yet");
	return EXIT_FAILURE_;
}
