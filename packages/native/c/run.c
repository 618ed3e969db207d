/*
 * `skiff-helper run`: the helper side of one container. It reads the plan, forks the container's init into
 * a new pid namespace, puts it in its cgroups, releases it, then relays the pty (if any), forwards signals
 * and exits with the container's exit code (128+N if a signal N killed it).
 *
 * Later modes fit around the same pieces: --detach would fork a small supervisor before the
 * unshare(CLONE_NEWPID) below and let it do the waiting and write the exit status to a file; exec would
 * setns() into a running container's namespaces in place of the unshares and reuse exec_command().
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helper.h"

static pid_t child_pid;
static int child_reaped;

/* atexit: a helper that fails after fork must not leave a half-built container behind. */
static void kill_child(void)
{
	if (child_pid > 0 && !child_reaped) {
		kill(child_pid, SIGKILL);
		while (waitpid(child_pid, NULL, 0) < 0 && errno == EINTR)
			;
		child_reaped = 1;
	}
}

static int wait_child(void)
{
	int status;
	while (waitpid(child_pid, &status, 0) < 0)
		if (errno != EINTR)
			bail("wait for the container");
	child_reaped = 1;
	return status;
}

static int exit_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return EXIT_SETUP;
}

/* Writing the pid to cgroup.procs moves the process; the init is still blocked, so it runs nothing first. */
static void join_cgroups(const struct plan *plan, pid_t pid)
{
	for (size_t i = 0; i < plan->n_cgroups; i++) {
		int fd = open(plan->cgroups[i], O_WRONLY | O_CLOEXEC);
		if (fd < 0)
			bail("open %s", plan->cgroups[i]);
		char text[24];
		int n = snprintf(text, sizeof text, "%d\n", (int)pid);
		if (write_all(fd, text, n) < 0)
			bail("join cgroup %s", plan->cgroups[i]);
		close(fd);
	}
}

int cmd_run(void)
{
	struct plan plan;
	plan_read(3, &plan);
	close(3);

	/* With -it on a terminal we read the terminal, so we stay in the caller's (foreground) process group;
	 * raw mode then turns ^C into a byte for the container. Otherwise a group of our own: a ^C on the
	 * terminal reaches only the CLI, which forwards it to us once, not twice. */
	if (!(plan.tty && plan.stdin_open && isatty(STDIN_FILENO)))
		(void)setpgid(0, 0);

	int sync[2], status[2], sock[2] = { -1, -1 };
	if (pipe2(sync, O_CLOEXEC) < 0 || pipe2(status, O_CLOEXEC) < 0)
		bail("pipe");
	if (plan.tty && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sock) < 0)
		bail("socketpair");
	int self = (int)syscall(SYS_pidfd_open, getpid(), 0); /* -1 on old kernels: the check is then skipped */

	/* New pid namespace for our children: the next fork becomes the container's PID 1. */
	if (unshare(CLONE_NEWPID) < 0)
		bail("unshare pid namespace");
	signals_block();
	pid_t pid = fork();
	if (pid < 0)
		bail("fork");
	if (pid == 0) {
		close(sync[1]);
		close(status[0]);
		if (sock[0] >= 0)
			close(sock[0]);
		struct child_fds fds = { .sync_read = sync[0], .status_write = status[1], .pty_sock = sock[1],
					 .parent_pidfd = self };
		container_main(&plan, &fds);
	}
	child_pid = pid;
	atexit(kill_child);
	if (self >= 0)
		close(self);
	close(sync[0]);
	close(status[1]);
	if (sock[1] >= 0)
		close(sock[1]);
	int wake = signals_forward(pid);

	join_cgroups(&plan, pid);
	if (write_all(sync[1], "", 1) < 0)
		bail("release the container");
	close(sync[1]);

	int master = -1;
	if (plan.tty) {
		master = pty_receive_master(sock[0]);
		close(sock[0]);
	}

	/* EOF means the exec succeeded (the pipe is close-on-exec); a message means setup or exec failed. */
	struct status_msg msg;
	ssize_t n = read_retry(status[0], &msg, sizeof msg);
	close(status[0]);
	if (n > 0) {
		wait_child();
		if (n == (ssize_t)sizeof msg) {
			msg.text[sizeof msg.text - 1] = '\0';
			fprintf(stderr, "skiff: %s\n", msg.text);
			return msg.code;
		}
		fprintf(stderr, "skiff: container setup failed\n");
		return EXIT_SETUP;
	}

	int wstatus;
	if (master >= 0) {
		pty_relay(master, wake, pid, plan.stdin_open, &wstatus);
		child_reaped = 1;
	} else {
		wstatus = wait_child();
	}
	return exit_code(wstatus);
}
