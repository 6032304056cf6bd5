#include "cli/commands.h"
int
cmd_verify_receipt(int argc, char **argv)
{
	(void)argc; (void)argv;
	return 2;
}
