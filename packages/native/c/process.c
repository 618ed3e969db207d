/*
 * Starting the helper's one child and living with it: the container's init (run, the detached supervisor) or
 * the exec'd process (exec). Both sides of the handshake are here:
 *
 *   parent                                   child
 *   fork ───────────────────────────────────▶ child_prepare: default signals, PR_SET_PDEATHSIG, writes 0 to
 *                                             each cgroup file (joins itself), runs on: namespaces, mounts, ...
 *   (tty) receive the pty master ◀────────── SCM_RIGHTS on the socketpair
 *   read the status pipe ◀────────────────── EOF at execve (close-on-exec), or one status_msg and exit
 *
 * Then "pid N" goes to fd 4 and the parent relays the pty or just waits.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helper.h"

int pid_fd = -1;

static pid_t child_pid;
static int reaped;

/* Once the command runs, the caller learns its host pid (stop, exec and inspect need it). Best effort: a
 * caller that stopped listening is no reason to fail the container. */
void report_pid(pid_t pid)
{
	if (pid_fd < 0)
		return;
	char text[32];
	int n = snprintf(text, sizeof text, "pid %d\n", (int)pid);
	(void)write_all(pid_fd, text, n);
	close(pid_fd);
	pid_fd = -1;
}

/* A failure, for a caller that reads fd 4 rather than our stderr (skiff-runc, whose stderr is the container's):
 * "error TEXT\n". Best effort, like report_pid. */
void report_error(const char *text)
{
	if (pid_fd < 0)
		return;
	char line[1100];
	int n = snprintf(line, sizeof line, "error %s\n", text);
	(void)write_all(pid_fd, line, n < (int)sizeof line ? (size_t)n : sizeof line - 1);
}

/* With -i on a terminal we read the terminal, so we stay in the caller's (foreground) process group (a
 * background group reading it would be stopped by SIGTTIN); with -t raw mode then turns ^C into a byte for
 * the container. Otherwise a group of our own: a ^C on the terminal reaches only the CLI, which forwards it
 * to us once, not twice. */
void own_process_group(int stdin_open, int tty)
{
	if (!(stdin_open && isatty(STDIN_FILENO)))
		(void)setpgid(0, 0);
	else if (!tty)
		terminal_signals_ignored = 1; /* not raw: ^C is a signal to the whole group, the CLI included */
}

void cgroups_open(struct cgroups *cgroups, char *const *paths, size_t n)
{
	cgroups->paths = paths;
	cgroups->n = n;
	cgroups->fds = xmalloc(n * sizeof *cgroups->fds);
	for (size_t i = 0; i < n; i++) {
		cgroups->fds[i] = open(paths[i], O_WRONLY | O_CLOEXEC);
		if (cgroups->fds[i] < 0)
			bail("open %s", paths[i]);
	}
}

static void cgroups_close(const struct cgroups *cgroups)
{
	for (size_t i = 0; i < cgroups->n; i++)
		close(cgroups->fds[i]);
}

/* The child joins by itself, "0" meaning the writer: a single thread moving itself (v1's `tasks` files, which
 * the plan names) skips the kernel's global threadgroup lock, whose write side waits an RCU grace period per
 * file when another process's pid is written. A failure goes to the caller on the status pipe (bail). */
static void cgroups_join_self(const struct cgroups *cgroups)
{
	for (size_t i = 0; i < cgroups->n; i++)
		if (write_all(cgroups->fds[i], "0", 1) < 0)
			bail("join cgroup %s", cgroups->paths[i]);
	cgroups_close(cgroups);
}

int exit_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return EXIT_SETUP;
}

/* Called from exit(), and by the supervisor's fail hook: a helper that fails after fork must not leave a
 * half-built container (or a stray exec'd process) behind. */
void child_kill(void)
{
	if (child_pid > 0 && !reaped) {
		kill(child_pid, SIGKILL);
		while (waitpid(child_pid, NULL, 0) < 0 && errno == EINTR)
			;
		reaped = 1;
	}
}

void child_reaped(void)
{
	reaped = 1;
}

int child_wait(void)
{
	int status;
	while (waitpid(child_pid, &status, 0) < 0)
		if (errno != EINTR)
			bail("wait for the container");
	reaped = 1;
	return status;
}

void child_start(struct child *c, const struct start_options *options, child_main fn, const void *arg)
{
	int status[2], sock[2] = { -1, -1 };
	if (pipe2(status, O_CLOEXEC) < 0)
		bail("pipe");
	if (options->tty && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sock) < 0)
		bail("socketpair");
	int self = (int)syscall(SYS_pidfd_open, getpid(), 0); /* -1 on old kernels: the check is then skipped */

	signals_block();
	pid_t pid = fork();
	if (pid < 0)
		bail("fork");
	if (pid == 0) {
		close(status[0]);
		if (sock[0] >= 0)
			close(sock[0]);
		struct child_fds fds = { .cgroups = options->cgroups, .status_write = status[1], .pty_sock = sock[1],
					 .parent_pidfd = self, .size = options->size };
		memcpy(fds.stdio, options->stdio, sizeof fds.stdio);
		fn(arg, &fds);
		_exit(EXIT_SETUP); /* not reached: fn execs or exits */
	}
	child_pid = pid;
	static int registered;
	if (!registered++)
		atexit(child_kill);
	if (self >= 0)
		close(self);
	cgroups_close(options->cgroups);
	close(status[1]);
	if (sock[1] >= 0)
		close(sock[1]);

	memset(c, 0, sizeof *c);
	c->pid = pid;
	c->wake = signals_forward(pid);

	c->master = -1;
	if (options->tty) {
		c->master = pty_receive_master(sock[0]);
		close(sock[0]);
	}

	/* EOF means the exec succeeded (the pipe is close-on-exec); a message means setup or exec failed, except
	 * code 0: the OCI mode's container waits for `start` (oci_wait_start), ready. */
	ssize_t n = read_retry(status[0], &c->failure, sizeof c->failure);
	close(status[0]);
	if (n == (ssize_t)sizeof c->failure && c->failure.code == 0)
		return;
	if (n > 0) {
		/* The command never ran: an init (which --restart would have start it again) goes too. */
		kill(pid, SIGKILL);
		child_wait();
		c->failed = 1;
		if (n == (ssize_t)sizeof c->failure) {
			c->failure.text[sizeof c->failure.text - 1] = '\0';
		} else {
			c->failure.code = EXIT_SETUP;
			snprintf(c->failure.text, sizeof c->failure.text, "container setup failed");
		}
		if (c->master >= 0)
			close(c->master);
		c->master = -1;
	}
}

static void pipe_or_bail(int fds[2])
{
	if (pipe2(fds, O_CLOEXEC) < 0)
		bail("pipe");
}

/* Docker's attach: the child's 0, 1, 2 are pipes of ours (or /dev/null until the pty slave replaces them), never
 * the caller's descriptors, so no container process can reopen, seek, truncate or keep the caller's files or
 * terminal. */
int child_attached(struct start_options *options, int stdin_open, struct log *log, int linger_ms, child_main fn,
		   const void *arg)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null < 0)
		bail("open /dev/null");
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 };
	struct winsize size = { 0 };
	if (options->tty) {
		for (int fd = 0; fd <= 2 && ioctl(fd, TIOCGWINSZ, &size) < 0; fd++)
			;
		options->size = &size;
	} else {
		if (stdin_open)
			pipe_or_bail(in);
		pipe_or_bail(out);
		pipe_or_bail(err);
	}
	options->stdio[0] = in[0] >= 0 ? in[0] : null;
	options->stdio[1] = out[1] >= 0 ? out[1] : null;
	options->stdio[2] = err[1] >= 0 ? err[1] : null;
	struct child c;
	child_start(&c, options, fn, arg);
	for (int fd = 0; fd <= 2; fd++)
		if (options->stdio[fd] != null)
			close(options->stdio[fd]);
	close(null);
	if (c.failed) {
		fprintf(stderr, "skiff: %s\n", c.failure.text);
		return c.failure.code;
	}
	report_pid(c.pid);
	if (c.master >= 0)
		pty_attach(c.master, stdin_open);
	struct relay r = {
		.in = stdin_open ? STDIN_FILENO : -1,
		.to_child = c.master >= 0 ? c.master : in[1],
		.out = c.master >= 0 ? c.master : out[0],
		.err = err[0],
		.out_dest = STDOUT_FILENO,
		.err_dest = STDERR_FILENO,
		.master = c.master,
		.log = log,
		.wake = c.wake,
		.pid = c.pid,
		.linger_ms = linger_ms,
	};
	int status = relay_run(&r);
	if (r.detached)
		supervise_finish(exit_code(status)); /* run -it, detached with its keys: we became its supervisor */
	terminal_restore();
	return exit_code(status);
}

/* ---- child side ---- */

void stdin_from_null(void)
{
	int null = open("/dev/null", O_RDONLY);
	if (null < 0 || dup2(null, STDIN_FILENO) < 0)
		bail("open /dev/null");
	if (null != STDIN_FILENO)
		close(null);
}

static int parent_pidfd = -1;

static void parent_gone_check(void)
{
	if (parent_pidfd >= 0) {
		struct pollfd p = { .fd = parent_pidfd, .events = POLLIN };
		if (poll(&p, 1, 0) > 0)
			_exit(EXIT_SETUP);
	}
}

/* The parent's pidfd, until child_rearm_parent_death closes it (-1 then). */
int child_parent_fd(void)
{
	return parent_pidfd;
}

/* The kernel clears the parent-death signal whenever the euid, egid, fsuid or fsgid change (commit_creds),
 * so after setgid/setuid a container whose helper is killed would live on, orphaned. Set it again, then
 * check the parent did not die in between. */
void child_rearm_parent_death(void)
{
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		bail("prctl PR_SET_PDEATHSIG");
	parent_gone_check();
	if (parent_pidfd >= 0)
		close(parent_pidfd);
	parent_pidfd = -1;
}

/* A session of our own: no controlling terminal of the host's, but with -t the pty whose slave the parent
 * asks for over pty_sock (opened in the container's devpts, so the command gets its /dev/pts/N). */
void child_session(const struct child_fds *fds, int tty)
{
	if (setsid() < 0)
		bail("setsid");
	if (tty)
		pty_setup_child(fds->pty_sock, fds->size);
	if (fds->pty_sock >= 0)
		close(fds->pty_sock);
}

/* Takes the stdio the parent chose and joins our cgroups. Exits quietly if the parent is gone. */
void child_prepare(const struct child_fds *fds)
{
	status_fd = fds->status_write;
	fail_hook = NULL; /* the supervisor's, inherited through fork: not ours */
	pid_fd = -1;
	signals_reset_child();
	for (int fd = 0; fd <= 2; fd++)
		if (fds->stdio[fd] >= 0 && dup2(fds->stdio[fd], fd) < 0)
			bail("dup2");

	/* If the parent dies, so do we (and if we are a PID 1, the whole pid namespace). */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		bail("prctl PR_SET_PDEATHSIG");
	/* It may have died before the line above took effect: its pidfd is readable once it has exited.
	 * (getppid() cannot tell: in a new pid namespace the parent is invisible and it returns 0.) The pidfd
	 * stays open (close-on-exec) for child_rearm_parent_death. */
	parent_pidfd = fds->parent_pidfd;
	parent_gone_check();
	/* Not a single instruction of the image may run before we are inside the cgroups. */
	cgroups_join_self(fds->cgroups);
}
