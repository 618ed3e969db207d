/*
 * The pid namespace our children are born in, before the helper forks the container's init (unshare and
 * setns of a pid namespace apply to children only). Without `namespace` records: a new one, the init is its
 * PID 1. With them (`skiff run --pid`, skiff-runc): a new one, the one at the record's path (another
 * container's), or, with no pid record, ours (the host's). Outside a new one the init is not PID 1: nothing is
 * torn down by its exit, the CLI's teardown kills what is left in the cgroup.
 */
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include "helper.h"

void pid_namespace_enter(const struct plan *plan)
{
	if (!plan->ns_given) {
		if (unshare(CLONE_NEWPID) < 0)
			bail("unshare pid namespace");
		return;
	}
	for (size_t i = 0; i < plan->n_ns; i++) {
		if (plan->ns[i].type != CLONE_NEWPID)
			continue;
		if (!plan->ns[i].path) {
			if (unshare(CLONE_NEWPID) < 0)
				bail("unshare pid namespace");
			continue;
		}
		int fd = open(plan->ns[i].path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			bail("open namespace %s", plan->ns[i].path);
		if (setns(fd, CLONE_NEWPID) < 0)
			bail("join namespace %s", plan->ns[i].path);
		close(fd);
	}
}
