/*
 * --restart without a daemon: the container's init (init.c) starts the command again when it exits, as docker's
 * restart manager would, so the container keeps its pid namespace, cgroup, mounts and the init's pid (which the
 * CLI knows it by) across restarts. Before each new start every other process of the container is killed, so the
 * command starts afresh, as after docker's restart.
 *
 *   no            never (the init is then only --init)
 *   on-failure:N  after a non-zero exit, at most N times (0: no limit)
 *   always        after any exit (unless-stopped too: they differ only after a host reboot, see the README)
 *
 * Delay: 100 ms, doubled after each restart up to 1 minute, back to 100 ms once the command has run 10 s.
 * SIGTERM, SIGINT, SIGQUIT or the container's stop signal reaching the init (`skiff stop`) ends the restarts:
 * the command's next exit is the container's. The number of restarts shows in the init's name,
 * /proc/PID/comm "skiff-init:N" (read by inspect's RestartCount): no file of the host is touched.
 */
#include <signal.h>

#include "helper.h"

#define FIRST_DELAY_MS 100
#define MAX_DELAY_MS 60000
#define RESET_AFTER_MS 10000

int restart_due(const struct restart_policy *p, int code, unsigned restarts)
{
	switch (p->mode) {
	case RESTART_ALWAYS:
		return 1;
	case RESTART_ON_FAILURE:
		return code != 0 && (p->max == 0 || restarts < p->max);
	default:
		return 0;
	}
}

long restart_delay_ms(long previous_ms, long ran_ms)
{
	if (previous_ms == 0 || ran_ms >= RESET_AFTER_MS)
		return FIRST_DELAY_MS;
	return previous_ms * 2 > MAX_DELAY_MS ? MAX_DELAY_MS : previous_ms * 2;
}

int restart_stops(const struct restart_policy *p, int sig)
{
	return sig == SIGTERM || sig == SIGINT || sig == SIGQUIT || (p->stop_signal && sig == p->stop_signal);
}
