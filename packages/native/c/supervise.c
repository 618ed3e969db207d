/*
 * The detached container's supervisor (what conmon is to podman). Started by detach.c, it starts the
 * container exactly as the foreground helper does (process.c), with stdin /dev/null and stdout/stderr on two
 * pipes (or the pty), then:
 *   - reports "running, pid N" (or the failure) to the helper that is waiting for it, which tells the CLI;
 *   - relays the output into the log (log.c) and forwards signals to the init (signals.c);
 *   - when the init exits, drains the output, writes the status file atomically, and execs the exit command
 *     (the CLI's teardown: cgroup removal, --rm), which sees the status file already there.
 * Whatever fails, even before the container starts, ends in the same status file + exit command, so the
 * CLI side can always clean up.
 *
 * It lives as long as the container, so it is kept small: a static binary (see scripts/build-helper.mjs), no
 * stdio buffers, relay.c's buffers in .bss, no fd it does not need.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <sys/prctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "helper.h"

static const struct plan *plan;
static int host_pidns = -1;

/* {"exitCode":N,"finishedAtMs":MS}, padded with spaces to STATUS_FILE_SIZE (keep in sync with
 * src/status-file.ts). The CLI created the file blank at that size before the container started, so the
 * status is written over it in place, in one write that needs no new block: it survives a full state disk.
 * Without a reserved file (an older CLI), PATH.tmp + fsync + rename. Best effort: nobody to tell. */
static void write_status(int code)
{
	if (!plan->status_file)
		return;
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	char text[STATUS_FILE_SIZE + 1];
	int n = snprintf(text, sizeof text, "{\"exitCode\":%d,\"finishedAtMs\":%lld}", code,
			 (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000);
	if (n < 0 || n > STATUS_FILE_SIZE - 1)
		return;
	memset(text + n, ' ', STATUS_FILE_SIZE - 1 - n);
	text[STATUS_FILE_SIZE - 1] = '\n';
	n = STATUS_FILE_SIZE;
	int fd = open(plan->status_file, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd >= 0) {
		(void)!(pwrite(fd, text, n, 0) == n && fsync(fd) == 0);
		close(fd);
		return;
	}
	char *tmp = xasprintf("%s.tmp", plan->status_file);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd >= 0) {
		int ok = write_all(fd, text, n) == 0 && fsync(fd) == 0;
		close(fd);
		if (!ok || rename(tmp, plan->status_file) < 0)
			unlink(tmp);
	}
	free(tmp);
}

__attribute__((noreturn)) static void run_exit_command(void)
{
	if (!plan->exit_argc)
		_exit(0);
	/* unshare(CLONE_NEWPID) made the container's pid namespace the one our children are born in, and it
	 * died with the init: a fork there fails (ENOMEM), and so does a new thread (EINVAL). Back to the host's,
	 * so the exit command can run programs and Node can start its threads. */
	if (setns(host_pidns, CLONE_NEWPID) < 0)
		_exit(EXIT_SETUP);
	signals_reset_child(); /* the signal mask and ignored signals survive execve */
	static char *const envp[] = { "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", NULL };
	/* stdio is /dev/null and every other fd is close-on-exec. */
	execve(plan->exit_argv[0], plan->exit_argv, envp);
	_exit(EXIT_CANNOT_RUN);
}

/* The end of every path, the fail hook included. */
__attribute__((noreturn)) static void container_finished(int code)
{
	fail_hook = NULL; /* a failure in here must not come back here */
	child_kill();     /* on a failure path the container may still be half-built; then it is gone first */
	health_stop();
	if (plan)
		cgroups_teardown(plan->cgroups, plan->n_cgroups); /* before the exit command, which tears down the rest */
	attach_exit(code);
	write_status(code);
	run_exit_command();
}

/* The caller waits for EOF on the stdio, fd 3 and fd 4 pipes it gave the helper: keep none of them. Our
 * stdio becomes /dev/null; the report pipe and the network namespace to join (keep, or -1) are all that is left. */
static void detach_fds(int report, int keep)
{
	int null = open("/dev/null", O_RDWR);
	if (null < 0)
		bail("open /dev/null");
	for (int fd = 0; fd <= 2; fd++)
		if (fd != null && dup2(null, fd) < 0)
			bail("dup2 /dev/null");
	if (null > 2)
		close(null);
	int low = report < keep ? report : keep, high = report < keep ? keep : report;
	if (low < 0)
		low = high = report;
	if (low > 3)
		close_range(3, low - 1, 0);
	if (high > low + 1)
		close_range(low + 1, high - 1, 0);
	close_range(high + 1, ~0U, 0);
	pid_fd = -1;
	resize_fd = -1;
}

static int adopt_fd = -1; /* a copy of fd 4, for the "detached" line */

void supervise_prepare(const struct plan *the_plan)
{
	plan = the_plan;
	host_pidns = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
	if (host_pidns < 0)
		bail("open /proc/self/ns/pid");
	if (pid_fd >= 0)
		adopt_fd = fcntl(pid_fd, F_DUPFD_CLOEXEC, 0);
}

void supervise_adopt(struct relay *r)
{
	terminal_restore();
	r->in = -1;
	r->out_dest = r->err_dest = -1;
	prctl(PR_SET_PDEATHSIG, 0); /* the CLI exits now; we stay */
	(void)setsid();             /* fails if we lead our process group: then no terminal sends us signals anyway */
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	for (int fd = 0; fd <= 2 && null >= 0; fd++)
		dup2(null, fd);
	if (null > 2)
		close(null);
	if (resize_fd >= 0)
		close(resize_fd);
	resize_fd = -1;
	fail_hook = container_finished;
	attach_listen(plan->attach, r->master);
	if (adopt_fd >= 0) {
		(void)write_all(adopt_fd, "detached\n", 9);
		close(adopt_fd);
		adopt_fd = -1;
	}
}

void supervise_finish(int code)
{
	container_finished(code);
}

void supervise(const struct plan *the_plan, int report)
{
	plan = the_plan;
	status_fd = report; /* until the container runs, failures reach the waiting helper ... */
	fail_hook = container_finished; /* ... and always end in the status file and the exit command */
	detach_fds(report, plan->netns_fd);
	/* Pin no directory of the caller's (a mount someone wants to unmount). The plan's paths are absolute. */
	if (chdir("/") < 0)
		bail("chdir /");
	host_pidns = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
	if (host_pidns < 0)
		bail("open /proc/self/ns/pid");

	struct log log;
	log_open(&log, plan->log, plan->log_max, plan->log_keep);
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 };
	if (!plan->tty && (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0))
		bail("pipe");
	/* -i: the container's stdin is a pipe we hold open (`run -di busybox cat` stays up); attach.c feeds it */
	if (!plan->tty && plan->stdin_open && pipe2(in, O_CLOEXEC) < 0)
		bail("pipe");
	struct cgroups cgroups;
	cgroups_open(&cgroups, plan->cgroups, plan->n_cgroups);
	/* As in the foreground: our next child is PID 1 of a new pid namespace. */
	pid_namespace_enter(plan);
	/* Without -i stdin stays ours, /dev/null (with a tty the pty slave replaces all three in the child). */
	struct start_options options = { .tty = plan->tty, .cgroups = &cgroups, .stdio = { in[0], out[1], err[1] } };
	struct child c;
	child_start(&c, &options, container_main, plan);
	if (!plan->tty) {
		close(out[1]);
		close(err[1]);
	}
	if (in[0] >= 0)
		close(in[0]);
	if (c.failed) {
		(void)write_all(report, &c.failure, sizeof c.failure);
		close(report);
		status_fd = -1;
		container_finished(c.failure.code);
	}
	struct status_msg running = { .code = 0, .pid = c.pid };
	(void)write_all(report, &running, sizeof running);
	close(report);
	status_fd = -1;

	attach_listen(plan->attach, c.master);
	health_start(&plan->health, c.pid, host_pidns);
	int to_child = !plan->stdin_open ? -1 : plan->tty ? c.master : in[1];
	struct relay r = { .in = -1, .to_child = to_child, .out = plan->tty ? c.master : out[0], .err = err[0],
			   .out_dest = -1, .err_dest = -1, .master = c.master, .log = &log, .wake = c.wake,
			   .pid = c.pid, .linger_ms = 2000 };
	container_finished(exit_code(relay_run(&r)));
}
