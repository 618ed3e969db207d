/*
 * skiff-helper: the native half of skiff. Node cannot fork safely, enter namespaces or execve (it is
 * multithreaded), so TypeScript plans a container and this single-threaded program carries the plan out.
 *
 *   skiff-helper run [PID]   read a launch plan from fd 3 and run it (in the foreground, or detached)
 *   skiff-helper exec [PID]  read an exec plan from fd 3 and run a command in a running container
 *                            (PID: the caller's own, so a caller that died before we looked is noticed)
 *   skiff-helper constants   print the values src/plan.ts mirrors (used by the tests that keep them in sync)
 *   skiff-helper copy-tree SRC DST
 *                            copy a container's writable layer into an empty DST without following anything
 *                            the container swaps in (copytree.c; `skiff commit`)
 *   skiff-helper unpack DIR  whiteouts, opaque dirs and device nodes of an image layer (see unpack.c)
 *   skiff-helper tied PID COMMAND [ARG...]
 *                            exec COMMAND so that it dies with PID, our caller (the host tools networking runs:
 *                            an `nft -f` left running by a killed CLI would load its stale rules after the next
 *                            command had rebuilt them)
 *
 * run and exec first re-exec themselves from a sealed memfd copy (reexec.c). If fd 4 is open, "pid N\n" is
 * written to it once the command runs (N: the host pid of the container's init, or of the exec'd process),
 * then it is closed. If fd 5 is open, "COLS ROWS\n" lines on it resize the pty (relay.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "helper.h"

static int cmd_constants(void)
{
	for (const struct plan_record *rec = plan_records; rec->keyword; rec++)
		printf("record %s %d\n", rec->keyword, rec->fields);
	for (const struct plan_record *rec = exec_plan_records; rec->keyword; rec++)
		printf("execrecord %s %d\n", rec->keyword, rec->fields);
	for (const struct mount_option *o = mount_options; o->word; o++)
		printf("mountoption %s %d\n", o->word, o->bit);
	printf("exit EXIT_SETUP %d\nexit EXIT_CANNOT_RUN %d\nexit EXIT_NOT_FOUND %d\n", EXIT_SETUP, EXIT_CANNOT_RUN,
	       EXIT_NOT_FOUND);
	printf("size STATUS_FILE_SIZE %d\n", STATUS_FILE_SIZE);
	printf("size DETACH_KEYS_MAX %d\n", DETACH_KEYS_MAX);
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
	FLAG(MS_UNBINDABLE);
	FLAG(MS_PRIVATE);
	FLAG(MS_SLAVE);
	FLAG(MS_SHARED);
	FLAG(MS_RELATIME);
	FLAG(MS_STRICTATIME);
#undef FLAG
	for (size_t i = 0; i < n_forwarded_signals; i++)
		printf("signal %zu %d\n", i, forwarded_signals[i]);
	for (const struct capability *c = capabilities; c->name; c++)
		printf("cap %s %d\n", c->name, c->number);
	seccomp_print_constants();
	return 0;
}

static pid_t parse_pid(const char *text)
{
	char *end;
	errno = 0;
	long pid = strtol(text, &end, 10);
	if (errno || *end || end == text || pid < 1 || pid > INT32_MAX)
		bailx("the caller's pid %s is not a pid", text);
	return (pid_t)pid;
}

/* argv: CALLER-PID COMMAND [ARG...]. The parent-death signal survives execve (no setuid here). */
static int cmd_tied(char **argv)
{
	pid_t caller = parse_pid(argv[0]);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		bail("prctl PR_SET_PDEATHSIG");
	if (getppid() != caller)
		bailx("the caller exited before %s started", argv[1]);
	execvp(argv[1], argv + 1);
	int missing = errno == ENOENT;
	fprintf(stderr, "skiff: cannot run %s: %s\n", argv[1], strerror(errno));
	_exit(missing ? 127 : EXIT_CANNOT_RUN);
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "constants"))
		return cmd_constants();
	if (argc == 4 && !strcmp(argv[1], "copy-tree"))
		return cmd_copy_tree(argv[2], argv[3]);
	if (argc == 3 && !strcmp(argv[1], "unpack"))
		return cmd_unpack(argv[2]);
	if (argc >= 4 && !strcmp(argv[1], "tied"))
		return cmd_tied(argv + 2);
	if (argc < 2 || argc > 3 || (strcmp(argv[1], "run") && strcmp(argv[1], "exec"))) {
		fprintf(stderr, "usage: skiff-helper run|exec [CALLER-PID]   (the plan is read from fd 3)\n       skiff-helper copy-tree SRC DST\n       skiff-helper unpack DIR   (operations on stdin)\n       skiff-helper tied CALLER-PID COMMAND [ARG...]\n");
		return EXIT_SETUP;
	}
	/* Before anything else: from here on every process of ours runs the sealed copy, never the host file. */
	reexec_from_sealed_copy(argv);
	/* Our fd 4, if the caller opened one; close-on-exec so the command never inherits it. */
	if (fcntl(4, F_SETFD, FD_CLOEXEC) == 0)
		pid_fd = 4;
	/* Our fd 5, if the caller opened one: "COLS ROWS\n" lines resize the container's pty (relay.c). */
	if (fcntl(5, F_SETFD, FD_CLOEXEC) == 0)
		resize_fd = 5;
	/* A caller that closed a pipe we write to (fd 4, stdout) must show up as EPIPE, not kill us (and orphan
	 * the container). Children get SIG_DFL back before they exec. */
	signal(SIGPIPE, SIG_IGN);
	/* If the CLI dies (even by SIGKILL), take the container down with us: we kill it by dying. A detached
	 * container's supervisor is forked from us, and fork clears this, so it stays. */
	/* The caller names itself: had it died before our first getppid() (it can, while we are still being
	 * exec'd), getppid() would already answer the reaper's pid, and we would run its container orphaned. */
	pid_t caller = argc == 3 ? parse_pid(argv[2]) : getppid();
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		bail("prctl PR_SET_PDEATHSIG");
	if (getppid() != caller)
		bailx("the caller exited before the container started");
	caps_last(); /* from the host's /proc, before any container's /proc replaces it */
	return !strcmp(argv[1], "run") ? cmd_run() : cmd_exec();
}
