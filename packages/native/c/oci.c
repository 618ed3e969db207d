/*
 * The OCI runtime mode (`skiff-runc create` and `exec`, as runc's): the caller (containerd's shim, conmon)
 * hands in the container's stdio and is the subreaper that reaps it; no skiff process stays behind.
 *
 *   skiff-runc create                      helper                          container init
 *   spawns the helper ─────────────────▶ mkfifo WAITFIFO, open O_RDWR
 *                                         fork ──────────────────────────▶ namespaces, mounts, pivot_root, ...
 *                                                                          setuid; clears PR_SET_PDEATHSIG
 *                        "pid N" ◀─────── reads "ready" ◀────────────────── status_msg code 0
 *   writes the pid file, exits            exits (the init is reparented     read(fifo) blocks ...
 *                                         to the caller's subreaper)
 *   skiff-runc start: opens WAITFIFO O_WRONLY|O_NONBLOCK (ENXIO: nobody waits), writes a byte ──▶ execve
 *
 * The init opened the fifo read-write before pivot_root, so it needs no path to it afterwards, and its open
 * does not block (a fifo opened O_RDWR never does on Linux); the read blocks until a byte comes.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helper.h"

/* Connects to the manager's console socket. The path must name the socket itself: a symlink there is refused
 * (runc's callers create the socket; a link could point the pty master at any socket on the host). The socket is
 * opened O_PATH without following and connected through /proc/self/fd, so what was checked is what is used (and
 * a path longer than sun_path works too). */
int oci_console_connect(const char *path)
{
	int fd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		bail("console socket %s", path);
	struct stat st;
	if (fstat(fd, &st) < 0)
		bail("stat console socket %s", path);
	if (S_ISLNK(st.st_mode))
		bailx("console socket %s is a symlink: pass the socket's own path", path);
	if (!S_ISSOCK(st.st_mode))
		bailx("console socket %s is not a unix socket", path);
	int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sock < 0)
		bail("socket");
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	snprintf(addr.sun_path, sizeof addr.sun_path, "/proc/self/fd/%d", fd);
	if (connect(sock, (struct sockaddr *)&addr, sizeof addr) < 0)
		bail("connect to console socket %s", path);
	close(fd);
	return sock;
}

int oci_new_namespace(const struct plan *plan, int type)
{
	for (size_t i = 0; i < plan->n_ns; i++)
		if (plan->ns[i].type == type)
			return plan->ns[i].path == NULL;
	return 0;
}

/* Whether fd is the mount namespace of the file at path (a process's ns/mnt link). */
static int same_namespace(int fd, const char *path)
{
	struct stat a, b;
	return fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* setns checks that the file is a namespace of that type (EINVAL otherwise). A mount namespace joined by path
 * is where the container's rootfs is built and pivot_root'ed: it must not be the runtime's own or the host's
 * init's, whose root that would replace. */
static void join(const struct ns_spec *ns)
{
	int fd = open(ns->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		bail("open namespace %s", ns->path);
	if (ns->type == CLONE_NEWNS && (same_namespace(fd, "/proc/self/ns/mnt") || same_namespace(fd, "/proc/1/ns/mnt")))
		bailx("namespace %s is the host's mount namespace: the container needs one of its own", ns->path);
	if (setns(fd, ns->type) < 0)
		bail("join namespace %s (a namespace file of that type?)", ns->path);
	close(fd);
}

/* Container side: joins the namespaces given by path, then creates the new ones (user and pid are the helper's:
 * we were forked inside them). A mount namespace of the container's own is required, new or joined (not the
 * host's: join refuses it): pivot_root must not touch the host's. */
void oci_enter_namespaces(const struct plan *plan)
{
	int flags = 0, user = 0, joined_mount = 0;
	for (size_t i = 0; i < plan->n_ns; i++)
		user |= plan->ns[i].type == CLONE_NEWUSER;
	/* In a user namespace, root of the container: files we create must have an owner there (EOVERFLOW otherwise). */
	if (user && (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0))
		bail("become root of the user namespace (is 0 mapped?)");
	for (size_t i = 0; i < plan->n_ns; i++) {
		if (plan->ns[i].type == CLONE_NEWPID || plan->ns[i].type == CLONE_NEWUSER)
			continue;
		if (plan->ns[i].path)
			join(&plan->ns[i]);
		else
			flags |= plan->ns[i].type;
		joined_mount |= plan->ns[i].type == CLONE_NEWNS && plan->ns[i].path;
	}
	if (!(flags & CLONE_NEWNS) && !joined_mount)
		bailx("a mount namespace of the container's own is required");
	if (flags && unshare(flags) < 0)
		bail("unshare namespaces");
}

/* Container side, first thing: what belongs to the process before anything changes. */
void oci_process_setup(void)
{
	/* The caller's pipes may have been left non-blocking (Node does that to its own stdio): the command expects
	 * blocking ones, as runc hands them. O_NONBLOCK belongs to the open file, which nobody else reads now. */
	for (int fd = 0; fd <= 2; fd++) {
		int fl = fcntl(fd, F_GETFL);
		if (fl >= 0 && (fl & O_NONBLOCK))
			(void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	}
}

/* Both modes (skiff run --oom-score-adj, OCI process.oomScoreAdj): the host's /proc, before any namespace or
 * mount changes; every process the command starts inherits it. */
void oom_score_setup(const struct plan *plan)
{
	if (!plan->oom_score_set)
		return;
	char text[16];
	int n = snprintf(text, sizeof text, "%d", plan->oom_score);
	int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write_all(fd, text, n) < 0)
		bail("write oom_score_adj %d (a value below the caller's own needs CAP_SYS_RESOURCE)", plan->oom_score);
	close(fd);
}

/* Container side, before the user, capabilities and seccomp change: hold nothing of the helper's while we wait
 * (its plan and pid pipes: its caller waits for their EOF) but the status pipe, the fifo and the parent's
 * pidfd. close_range goes before the config's seccomp profile is loaded, which need not allow it (runc closes
 * its fds before that too). */
void oci_release_fds(const struct plan *plan)
{
	int keep[] = { plan->fifo_fd, status_fd, child_parent_fd() };
	if (close_fds_except(keep, sizeof keep / sizeof *keep) < 0)
		bail("close_range");
}

/* Container side, the last step before the command's capabilities and seccomp: tell the helper we are ready,
 * let it go, and wait for `start`. From here on a failure prints on the container's stderr. */
void oci_wait_start(const struct plan *plan)
{
	/* The helper exits after our message: we must outlive it. It waits for this message, so it is alive now. */
	if (prctl(PR_SET_PDEATHSIG, 0) < 0)
		bail("prctl PR_SET_PDEATHSIG");
	struct status_msg msg = { .code = 0, .pid = getpid() };
	if (write_all(status_fd, &msg, sizeof msg) < 0)
		_exit(EXIT_SETUP);
	close(status_fd);
	status_fd = -1;
	char byte;
	if (read_retry(plan->fifo_fd, &byte, 1) != 1)
		_exit(EXIT_SETUP);
	close(plan->fifo_fd);
}

static void write_map(pid_t pid, const char *file, const struct idmap *maps, size_t n)
{
	char path[64], *text = xmalloc(n * 40 + 1);
	size_t len = 0;
	for (size_t i = 0; i < n; i++)
		len += (size_t)sprintf(text + len, "%lu %lu %lu\n", maps[i].inside, maps[i].outside, maps[i].count);
	snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, file);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	/* One write: the kernel takes a map whole, once. */
	if (fd < 0 || write(fd, text, len) != (ssize_t)len)
		bail("write %s", path);
	close(fd);
	free(text);
}

/*
 * A new user namespace for us (and so for the container): once we are in it, we cannot write our own maps with
 * any mapping but our own uid, so a child that stays outside (still root of the host) writes them, then exits.
 */
static void enter_new_user_namespace(const struct plan *plan)
{
	int go[2];
	if (pipe2(go, O_CLOEXEC) < 0)
		bail("pipe");
	pid_t self = getpid();
	pid_t mapper = fork();
	if (mapper < 0)
		bail("fork");
	if (mapper == 0) {
		close(go[1]);
		char byte;
		if (read_retry(go[0], &byte, 1) != 1)
			_exit(EXIT_SETUP);
		write_map(self, "uid_map", plan->uidmap, plan->n_uidmap);
		write_map(self, "gid_map", plan->gidmap, plan->n_gidmap);
		_exit(0);
	}
	close(go[0]);
	if (unshare(CLONE_NEWUSER) < 0)
		bail("unshare user namespace");
	if (write_all(go[1], "", 1) < 0)
		bail("release the map writer");
	close(go[1]);
	int status;
	while (waitpid(mapper, &status, 0) < 0)
		if (errno != EINTR)
			bail("wait for the map writer");
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		bailx("writing the user namespace's uid/gid maps failed");
}

/* Starts the helper's one child with the caller's stdio handed in; a tty's master goes to CONSOLE. Returns 0 once
 * it runs (exec) or waits (create), else the exit code of its failure, which is reported. */
int oci_child_start(struct child *c, struct cgroups *cgroups, int tty, unsigned short cols, unsigned short rows, int console,
		    child_main fn, const void *arg)
{
	struct winsize size = { .ws_row = rows, .ws_col = cols };
	struct start_options options = { .tty = tty, .cgroups = cgroups, .stdio = { -1, -1, -1 }, .size = &size };
	child_start(c, &options, fn, arg);
	if (c->failed) {
		report_error(c->failure.text);
		fprintf(stderr, "skiff: %s\n", c->failure.text);
		return c->failure.code;
	}
	if (c->master >= 0) {
		pty_send_fd(console, c->master);
		close(c->master);
	}
	return 0;
}

/* Helper side of `create`: the fifo, the console socket, the pid namespace, then the init. */
int run_oci(struct plan *plan)
{
	if (mkfifo(plan->wait_fifo, 0600) < 0)
		bail("mkfifo %s", plan->wait_fifo);
	plan->fifo_fd = open(plan->wait_fifo, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	if (plan->fifo_fd < 0)
		bail("open %s", plan->wait_fifo);
	int console = plan->console_socket ? oci_console_connect(plan->console_socket) : -1;
	struct cgroups cgroups;
	cgroups_open(&cgroups, plan->cgroups, plan->n_cgroups);
	/* The user namespace first, so that every namespace made after it (pid here, the rest in the init) is its. */
	for (size_t i = 0; i < plan->n_ns; i++) {
		if (plan->ns[i].type != CLONE_NEWUSER)
			continue;
		if (plan->ns[i].path)
			join(&plan->ns[i]);
		else
			enter_new_user_namespace(plan);
	}
	/* The pid namespace applies to our children: the next fork is the container's init (namespaces.c). */
	pid_namespace_enter(plan);
	struct child c;
	int code = oci_child_start(&c, &cgroups, plan->tty, plan->console_cols, plan->console_rows, console, container_main, plan);
	close(plan->fifo_fd);
	if (code) {
		unlink(plan->wait_fifo);
		return code;
	}
	/* It lives on: our caller's subreaper reaps it. */
	child_reaped();
	report_pid(c.pid);
	return 0;
}
