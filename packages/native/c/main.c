/*
 * skiff-helper: the native half of skiff. Node cannot fork safely, enter namespaces or execve (it is
 * multithreaded), so TypeScript plans a container and this single-threaded program carries the plan out.
 *
 *   skiff-helper run         read a launch plan from fd 3 and run it in the foreground
 *   skiff-helper constants   print the values src/plan.ts mirrors (used by the tests that keep them in sync)
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "helper.h"

static int cmd_constants(void)
{
	for (const struct plan_record *rec = plan_records; rec->keyword; rec++)
		printf("record %s %d\n", rec->keyword, rec->fields);
	printf("exit EXIT_SETUP %d\nexit EXIT_CANNOT_RUN %d\nexit EXIT_NOT_FOUND %d\n", EXIT_SETUP, EXIT_CANNOT_RUN,
	       EXIT_NOT_FOUND);
#define FLAG(name) printf("flag %s %lu\n", #name, (unsigned long)(name))
	FLAG(MS_RDONLY);
	FLAG(MS_NOSUID);
	FLAG(MS_NODEV);
	FLAG(MS_NOEXEC);
	FLAG(MS_REMOUNT);
	FLAG(MS_NOATIME);
	FLAG(MS_NODIRATIME);
	FLAG(MS_BIND);
	FLAG(MS_REC);
	FLAG(MS_PRIVATE);
	FLAG(MS_SLAVE);
	FLAG(MS_SHARED);
	FLAG(MS_RELATIME);
	FLAG(MS_STRICTATIME);
#undef FLAG
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "constants"))
		return cmd_constants();
	if (argc != 2 || strcmp(argv[1], "run")) {
		fprintf(stderr, "usage: skiff-helper run   (the launch plan is read from fd 3)\n");
		return EXIT_SETUP;
	}
	/* If the CLI dies (even by SIGKILL), take the container down with us: we kill it by dying. */
	pid_t caller = getppid();
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		bail("prctl PR_SET_PDEATHSIG");
	if (getppid() != caller)
		bailx("the caller exited before the container started");
	return cmd_run();
}
