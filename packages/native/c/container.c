/*
 * The container side, run by the helper's child: PID 1 of a new pid namespace. It waits until the helper
 * has put it in its cgroups, builds the container's mount, UTS, IPC and network namespaces, and execs the
 * command. Every failure goes back to the helper on the close-on-exec status pipe (see util.c).
 */
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helper.h"

/* Blocks until the helper says the cgroups are joined; exits quietly if the helper is gone. */
static void wait_for_helper(const struct child_fds *fds)
{
	/* If the helper dies, so do we (and with PID 1 the whole pid namespace). */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		bail("prctl PR_SET_PDEATHSIG");
	/* It may have died before the line above took effect: its pidfd is readable once it has exited.
	 * (getppid() cannot tell: in the new pid namespace the parent is invisible and it returns 0.) */
	if (fds->parent_pidfd >= 0) {
		struct pollfd p = { .fd = fds->parent_pidfd, .events = POLLIN };
		if (poll(&p, 1, 0) > 0)
			_exit(EXIT_SETUP);
		close(fds->parent_pidfd);
	}
	/* The init must not run a single instruction of the image before it is inside its cgroups. */
	char byte;
	if (read_retry(fds->sync_read, &byte, 1) != 1)
		_exit(EXIT_SETUP);
	close(fds->sync_read);
}

void container_main(const struct plan *plan, const struct child_fds *fds)
{
	status_fd = fds->status_write;
	signals_reset_child();
	wait_for_helper(fds);
	umask(0); /* modes below are exact (0666 devices, 1777 shm); the command gets 022 */

	/* Without -i the command reads nothing (with -t the pty stands in for stdin). */
	if (!plan->stdin_open && !plan->tty) {
		int null = open("/dev/null", O_RDONLY);
		if (null < 0 || dup2(null, STDIN_FILENO) < 0)
			bail("open /dev/null");
		if (null != STDIN_FILENO)
			close(null);
	}

	/* The pid namespace was created by the helper (unshare(CLONE_NEWPID) applies to its children: us). */
	int flags = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | (plan->net_host ? 0 : CLONE_NEWNET);
	if (unshare(flags) < 0)
		bail("unshare namespaces");

	make_root_private();
	int rootfd = mount_root(plan);
	mount_proc(rootfd);
	mount_dev(rootfd);
	mount_sys(rootfd, plan->net_host);
	/* Volumes last, so a volume may cover a default like /dev/shm (as in docker). */
	mount_volumes(rootfd, plan);
	close(rootfd);
	enter_root(plan->rootfs);

	if (plan->hostname[0] && sethostname(plan->hostname, strlen(plan->hostname)) < 0)
		bail("sethostname %s", plan->hostname);
	if (!plan->net_host)
		loopback_up();

	/* A session of our own: the container never has the host's controlling terminal. */
	if (setsid() < 0)
		bail("setsid");
	if (plan->tty)
		pty_setup_child(fds->pty_sock);
	if (fds->pty_sock >= 0)
		close(fds->pty_sock);

	enter_cwd(plan->cwd);
	umask(022);
	/* Nothing the helper inherited (from Node or from us) leaks into the container, except 0, 1, 2. */
	if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
		bail("close_range");
	exec_command(plan);
}
