/*
 * The container side, run by the helper's child: PID 1 of a new pid namespace. Once the helper has put it in
 * its cgroups (process.c), it builds the container's mount, UTS, IPC and network namespaces and execs the
 * command (or, with init, forks it and stays behind as init.c). Every failure goes back to the helper on the
 * close-on-exec status pipe (see error.c).
 */
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helper.h"

void container_main(const void *arg, const struct child_fds *fds)
{
	const struct plan *plan = arg;
	child_prepare(fds);
	if (plan->wait_fifo)
		oci_process_setup();
	oom_score_setup(plan);
	umask(0); /* modes below are exact (0666 devices, 1777 shm); the command gets 022 */

	/* Without -i the command reads nothing (with -t the pty stands in for stdin). */
	if (!plan->stdin_open && !plan->tty)
		stdin_from_null();

	/* The pid namespace was created by the helper (unshare(CLONE_NEWPID) applies to its children: us). */
	/* A bridged container joins the namespace skiff prepared (its eth0, address and routes are already there). */
	int fresh_net = !plan->net_host && plan->netns_fd < 0;
	if (plan->netns_fd >= 0 && setns(plan->netns_fd, CLONE_NEWNET) < 0)
		bail("join the network namespace");
	if (plan->ns_given) {
		oci_enter_namespaces(plan);
	} else if (unshare(CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | (fresh_net ? CLONE_NEWNET : 0)) < 0) {
		bail("unshare namespaces");
	}

	make_root_private(plan);
	build_rootfs(plan); /* /proc, /dev, /sys, volumes, devices, read-only paths, masks: as the plan lists them */
	enter_root(plan->rootfs);
	set_root_propagation(plan);

	if (plan->hostname[0] && sethostname(plan->hostname, strlen(plan->hostname)) < 0)
		bail("sethostname %s", plan->hostname);
	if (plan->domainname && setdomainname(plan->domainname, strlen(plan->domainname)) < 0)
		bail("setdomainname %s", plan->domainname);
	if (plan->ns_given ? oci_new_namespace(plan, CLONE_NEWNET) : fresh_net)
		loopback_up();

	/* The container never has the host's controlling terminal. */
	child_session(fds, plan->tty);

	/* As root (it may create the directory), before the root turns read-only; runc does the same. */
	enter_cwd(plan->cwd);
	if (plan->readonly_root)
		readonly_root();
	umask(plan->security.umask_value);
	/* Nothing the helper inherited (from Node or from us) leaks into the container, except 0, 1, 2. */
	if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
		bail("close_range");
	if (plan->wait_fifo)
		oci_release_fds(plan);
	/* User, capabilities, no_new_privs, seccomp. Before the init forks: it is in the container too and holds
	 * no more than the command. */
	security_enter_user(&plan->security);
	if (plan->wait_fifo)
		oci_wait_start(plan); /* OCI create: here until `start` */
	security_finish(&plan->security);
	if (plan->init)
		init_start(plan->tty, &plan->restart); /* returns in the child that runs the command; PID 1 never returns */
	exec_command(plan->argv, plan->envp);
}
