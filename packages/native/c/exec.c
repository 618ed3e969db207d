/*
 * `skiff-helper exec`: runs a command inside a running container (docker exec). The helper joins the
 * container's namespaces with setns(), forks the command's process (process.c does the same handshake as
 * for run: cgroups joined before a single instruction of the image runs, errors on the status pipe), relays
 * its stdio (pipes or the pty, never our own descriptors), forwards signals, and exits with its exit code.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helper.h"

/* mnt last: once we are in the container's mount namespace, the host's /proc/PID/ns is out of reach. */
static const struct {
	const char *name;
	int type;
} namespaces[] = {
	{ "ipc", CLONE_NEWIPC }, { "uts", CLONE_NEWUTS }, { "net", CLONE_NEWNET },
	{ "pid", CLONE_NEWPID }, { "cgroup", CLONE_NEWCGROUP }, { "mnt", CLONE_NEWNS },
};
#define N_NAMESPACES (sizeof namespaces / sizeof *namespaces)

/* Opens them all first: a handle keeps a namespace alive even if the container exits meanwhile. */
static void open_namespaces(pid_t target, int fds[N_NAMESPACES])
{
	for (size_t i = 0; i < N_NAMESPACES; i++) {
		char path[64];
		snprintf(path, sizeof path, "/proc/%d/ns/%s", (int)target, namespaces[i].name);
		fds[i] = open(path, O_RDONLY | O_CLOEXEC);
		if (fds[i] < 0 && (errno == ENOENT || errno == ESRCH))
			bailx("container process %d is not running", (int)target);
		if (fds[i] < 0)
			bail("open %s", path);
		/* The one we are in already (the host's cgroup namespace, say): not joined. setns would still check
		 * CAP_SYS_ADMIN over its owner, which we no longer hold once inside a container's user namespace. */
		char own[64];
		struct stat theirs, ours;
		snprintf(own, sizeof own, "/proc/self/ns/%s", namespaces[i].name);
		if (fstat(fds[i], &theirs) == 0 && stat(own, &ours) == 0 && theirs.st_ino == ours.st_ino && theirs.st_dev == ours.st_dev) {
			close(fds[i]);
			fds[i] = -1;
		}
	}
}

/* A container with a user namespace of its own: joined first, so that we hold the capabilities its other
 * namespaces ask for. Not joined when it is ours (setns into one's own user namespace fails). */
static void enter_user_namespace(pid_t target)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/ns/user", (int)target);
	struct stat theirs, ours;
	if (stat(path, &theirs) < 0 || stat("/proc/self/ns/user", &ours) < 0)
		bail("stat %s", path);
	if (theirs.st_ino == ours.st_ino && theirs.st_dev == ours.st_dev)
		return;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWUSER) < 0)
		bail("enter the user namespace of process %d", (int)target);
	close(fd);
}

static void enter_namespaces(pid_t target, const int fds[N_NAMESPACES])
{
	enter_user_namespace(target);
	for (size_t i = 0; i < N_NAMESPACES; i++) {
		/* pid: applies to our children only (we stay where we are; the fork below lands inside).
		 * mnt: also sets our root and working directory to the namespace's root, which after the container's
		 * pivot_root is the container's "/" — no chroot needed, and no host path is reachable from here on. */
		if (fds[i] < 0)
			continue;
		if (setns(fds[i], namespaces[i].type) < 0)
			bail("enter the %s namespace of process %d", namespaces[i].name, (int)target);
		close(fds[i]);
	}
}

static void exec_main(const void *arg, const struct child_fds *fds)
{
	const struct exec_plan *plan = arg;
	child_prepare(fds);
	if (!plan->stdin_open && !plan->tty)
		stdin_from_null();
	/* Like the container's init: no controlling terminal but (with -t) a pty of the container's devpts. */
	child_session(fds, plan->tty);

	if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
		bail("close_range");
	/* The container's restrictions (the caller sends the container's own set): user, then ... */
	security_enter_user(&plan->security);
	/* Detached (OCI exec --detach): the process outlives us, reaped by our caller's subreaper. The helper waits
	 * for the exec before it exits, so it cannot die before this line. */
	if (plan->detach && plan->passthrough && prctl(PR_SET_PDEATHSIG, 0) < 0)
		bail("prctl PR_SET_PDEATHSIG");
	/* After setuid, as runc does: the directory must be reachable by the user the command runs as. */
	if (chdir(plan->cwd) < 0)
		fail_with(EXIT_CANNOT_RUN, "exec: chdir to %s: %s", plan->cwd, strerror(errno));
	umask(plan->security.umask_value);
	/* ... capabilities, no_new_privs, seccomp. */
	security_finish(&plan->security);
	exec_command(plan->argv, plan->envp);
}

int cmd_exec(void)
{
	struct exec_plan plan;
	exec_plan_read(3, &plan);
	close(3);
	/* exec -d (skiff's own, without passthrough): the rest runs in a grandchild, the caller goes on */
	if (plan.detach && !plan.passthrough)
		exec_detach();
	if (!plan.passthrough)
		own_process_group(plan.stdin_open, plan.tty);
	int console = plan.console_socket ? oci_console_connect(plan.console_socket) : -1;
	int ns[N_NAMESPACES];
	open_namespaces(plan.target, ns);
	/* Host paths, so before the mount namespace changes under us. */
	struct cgroups cgroups;
	cgroups_open(&cgroups, plan.cgroups, plan.n_cgroups);
	enter_namespaces(plan.target, ns);
	if (plan.passthrough) {
		/* OCI exec: the caller's stdio is the process's own; a tty's master goes to the console socket. */
		struct child c;
		int code = oci_child_start(&c, &cgroups, plan.tty, plan.console_cols, plan.console_rows, console, exec_main, &plan);
		if (code)
			return code;
		report_pid(c.pid);
		if (plan.detach) {
			child_reaped();
			return 0;
		}
		return exit_code(child_wait());
	}
	struct start_options options = { .tty = plan.tty, .cgroups = &cgroups };
	/* No log (docker keeps none for exec). Background processes the command leaves may hold its pipes: once it
	 * exited, what they write is relayed until they go quiet for a moment, then they are cut off. */
	struct log log;
	log_open(&log, NULL, 0, 0);
	int code = child_attached(&options, plan.stdin_open, &log, 100, exec_main, &plan);
	/* exec -d that failed to start (fd 4 is closed once the command runs): the caller exited long ago */
	if (plan.detach && pid_fd >= 0)
		dprintf(pid_fd, "exit %d\n", code);
	return code;
}
