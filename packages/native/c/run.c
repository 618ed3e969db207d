/*
 * `skiff-helper run`: the helper side of one container. It reads the plan, forks the container's init into
 * a new pid namespace (process.c does the handshake), then relays its stdio (pipes or the pty: relay.c) to
 * ours and into the log, forwards signals and exits with the container's exit code (128+N if a signal N killed it). With detach, detach.c takes over
 * and the same steps run in a supervisor that outlives us.
 */
#include <sched.h>
#include <unistd.h>

#include "helper.h"

int cmd_run(void)
{
	struct plan plan;
	plan_read(3, &plan);
	close(3);
	if (plan.wait_fifo)
		return run_oci(&plan);
	if (plan.detach)
		return run_detached(&plan);

	own_process_group(plan.stdin_open, plan.tty);
	/* Attached runs keep a log too (`skiff logs`), in the detached supervisor's format. */
	struct log log;
	log_open(&log, plan.log, plan.log_max, plan.log_keep);
	struct cgroups cgroups;
	cgroups_open(&cgroups, plan.cgroups, plan.n_cgroups);
	/* run -it with detach keys: ready to become the container's supervisor (supervise.c) */
	if (plan.n_detach_keys) {
		detach_keys_set(plan.detach_keys, plan.n_detach_keys);
		supervise_prepare(&plan);
	}
	/* The pid namespace our children are born in: a new one (the init is its PID 1), the host's, another's. */
	pid_namespace_enter(&plan);
	struct start_options options = { .tty = plan.tty, .cgroups = &cgroups };
	/* Once the init is gone, so is every process of the container: its pipes report EOF at once. */
	int code = child_attached(&options, plan.stdin_open, &log, 2000, container_main, &plan);
	/* The container is gone: its cgroups go before we exit, the CLI's teardown then has little left to do. */
	cgroups_teardown(plan.cgroups, plan.n_cgroups);
	return code;
}
