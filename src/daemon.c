/* The daemon loop; being wired up (issue 5). */
#include "daemon.h"

#include "log.h"

int daemon_run(struct config *cfg, const struct daemon_opts *opts)
{
	(void)cfg;
	log_init(opts->verbosity, opts->log_file, false);
	log_warnx("the mesh daemon is not wired up yet");
	return 1;
}
