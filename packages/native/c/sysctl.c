/*
 * Which sysctls a plan may write (the `sysctl` filesystem operation, carried out in rootfs.c through the
 * container's own /proc). Only keys of namespaces the container has to itself, as runc and docker allow them:
 * the IPC ones (kernel.msg*, kernel.sem, kernel.shm*, fs.mqueue.*) with a new IPC namespace and net.* with a
 * new network namespace. Anything else would change the host. `skiff run` and skiff-runc check the same
 * before they send a plan; this is the last line.
 */
#include <sched.h>
#include <string.h>

#include "helper.h"

static const char *const ipc_keys[] = { "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
					"kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced",
					NULL };

static int sysctl_namespaced(const char *key, int own_net, int own_ipc)
{
	if (!key[0] || strspn(key, "abcdefghijklmnopqrstuvwxyz0123456789_.-") != strlen(key) || strstr(key, ".."))
		return 0;
	for (size_t i = 0; ipc_keys[i]; i++)
		if (!strcmp(key, ipc_keys[i]))
			return own_ipc;
	if (!strncmp(key, "fs.mqueue.", 10))
		return own_ipc;
	return own_net && !strncmp(key, "net.", 4);
}

void sysctl_check(const struct plan *plan)
{
	/* Without `namespace` records the container's IPC namespace is always new, its network one unless host; a
	 * `netns` record's namespace was made by skiff for the container (bridge, user networks). */
	int own_net = plan->netns_fd >= 0 || (plan->ns_given ? oci_new_namespace(plan, CLONE_NEWNET) : !plan->net_host);
	int own_ipc = plan->ns_given ? oci_new_namespace(plan, CLONE_NEWIPC) : 1;
	for (size_t i = 0; i < plan->n_ops; i++)
		if (plan->ops[i].kind == FS_SYSCTL && !sysctl_namespaced(plan->ops[i].sysctl.key, own_net, own_ipc))
			bailx("sysctl %s is not namespaced: refused", plan->ops[i].sysctl.key);
}
