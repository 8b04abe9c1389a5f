#include "cli_app.h"
#include "process_env.h"

int main(int argc, char **argv)
{
    normlab::ensureOpenMpWaitPolicy(argv);
    return normlab::cli::runCli(argc, argv);
}
