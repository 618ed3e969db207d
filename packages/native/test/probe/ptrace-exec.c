/*
 * Test probe (test/helper-exe.test.ts), run as a container's command: for SECONDS, watches for new processes
 * whose exe is the helper (an exec'd process before its execve) and tries to ptrace-attach each one. Attached,
 * container root could rewrite it: skip its seccomp install (with no-new-privileges that comes after the
 * capability drop), or write its status pipe. Prints "ready", then "attached N" at the end.
 * Usage: ptrace-exec SECONDS
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	time_t end = time(NULL) + atoi(argv[1]);
	long attached = 0;
	printf("ready\n");
	fflush(stdout);
	while (time(NULL) < end) {
		DIR *dir = opendir("/proc");
		if (!dir)
			return 1;
		for (struct dirent *e; (e = readdir(dir));) {
			int pid = atoi(e->d_name);
			char path[64], exe[128] = "";
			snprintf(path, sizeof path, "/proc/%d/exe", pid);
			if (pid <= 1 || pid == getpid() || readlink(path, exe, sizeof exe - 1) < 0 || !strstr(exe, "skiff-hel"))
				continue;
			if (ptrace(PTRACE_SEIZE, pid, 0, 0) < 0)
				continue;
			attached++;
			/* Detaching needs a stopped tracee. */
			ptrace(PTRACE_INTERRUPT, pid, 0, 0);
			waitpid(pid, NULL, __WALL);
			ptrace(PTRACE_DETACH, pid, 0, 0);
		}
		closedir(dir);
	}
	printf("attached %ld\n", attached);
	return 0;
}
