/*
 * Health checks (docker's --health-*), run by the detached supervisor, not a daemon. Every interval it runs the
 * check as `skiff-helper exec` of itself (the sealed copy): the exec plan the CLI wrote at start (PLAN, the
 * container's own user, capabilities and seccomp, without a target) goes to its fd 3 after a `target` record
 * naming the init. The probe is forked in the host's pid namespace, never inside the container's.
 *
 * Output: the first HEALTH_OUTPUT bytes are kept, the rest read and dropped (a flood costs nothing). A probe
 * that outlives the timeout is killed (its command dies with it: PR_SET_PDEATHSIG). Status as docker's: starting
 * until the first success (failures within the start period do not count), healthy after a success, unhealthy
 * once `retries` probes in a row failed. After each probe the state file is rewritten in place, through the fd
 * opened once at start (the CLI created the file): the supervisor never adds a name to the container's directory,
 * so a removal racing a probe cannot meet a new file. Keep in sync with src/health-file.ts:
 *
 *   skiff-health 1\n
 *   status starting|healthy|unhealthy\n
 *   streak N\n
 *   probe START_MS END_MS EXIT LENGTH\n<LENGTH bytes>\n      (the last HEALTH_KEEP, oldest first)
 *   end\n                                                     (what follows, until the truncate, is stale)
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "helper.h"

#define HEALTH_OUTPUT 4096
#define HEALTH_KEEP 5

struct probe {
	long long start_ms, end_ms;
	int code;
	size_t len;
	char out[HEALTH_OUTPUT];
};

static const struct health *cfg;
static pid_t target;
static long long started_ms, next_ms;
static pid_t probe_pid = -1;
static int probe_out = -1;
static long long deadline_ms;
static struct probe probes[HEALTH_KEEP], current;
static unsigned n_probes, streak;
static const char *status = "starting";
static int state_fd = -1;
static char state[HEALTH_KEEP * (HEALTH_OUTPUT + 80) + 128]; /* the file's next content */

static long long now_ms(void)
{
	return monotonic_ns() / 1000000;
}

static long long wall_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* docker's --health-start-interval: while the start period runs and no check has passed yet, checks come this
 * often; afterwards every interval. */
static long next_interval(void)
{
	if (cfg->start_interval_ms > 0 && !strcmp(status, "starting") && now_ms() < started_ms + cfg->start_period_ms)
		return cfg->start_interval_ms;
	return cfg->interval_ms;
}

void health_start(const struct health *health, pid_t init, int host_pidns)
{
	if (!health->plan)
		return;
	cfg = health;
	target = init;
	state_fd = open(health->state_file, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (state_fd < 0)
		bail("open %s", health->state_file);
	/* Our forks from here on are born in the host's pid namespace, not the container's. */
	if (setns(host_pidns, CLONE_NEWPID) < 0)
		bail("setns host pid namespace");
	started_ms = now_ms();
	next_ms = started_ms + next_interval();
	health_save();
}

/* The state file, rewritten in place in one write, then cut to length. Best effort: nobody to tell. */
void health_save(void)
{
	if (!cfg)
		return;
	size_t n = snprintf(state, sizeof state, "skiff-health 1\nstatus %s\nstreak %u\n", status, streak);
	unsigned count = n_probes < HEALTH_KEEP ? n_probes : HEALTH_KEEP;
	for (unsigned i = n_probes - count; i < n_probes; i++) {
		const struct probe *p = &probes[i % HEALTH_KEEP];
		n += snprintf(state + n, sizeof state - n, "probe %lld %lld %d %zu\n", p->start_ms, p->end_ms, p->code, p->len);
		memcpy(state + n, p->out, p->len);
		n += p->len;
		state[n++] = '\n';
	}
	n += snprintf(state + n, sizeof state - n, "end\n");
	if (pwrite(state_fd, state, n, 0) == (ssize_t)n)
		(void)!ftruncate(state_fd, n);
}

static void probe_start(void)
{
	int plan = open(cfg->plan, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;
	int in[2] = { -1, -1 }, out[2] = { -1, -1 };
	char record[48];
	int n = snprintf(record, sizeof record, "target%c%d%c", 0, (int)target, 0);
	/* The whole plan must fit in the pipe: it is written before the probe starts reading. */
	if (plan < 0 || fstat(plan, &st) < 0 || pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 ||
	    (st.st_size + n > 65536 && fcntl(in[1], F_SETPIPE_SZ, (int)(st.st_size + n)) < 0) ||
	    write_all(in[1], record, n) < 0 || sendfile(in[1], plan, NULL, st.st_size) != st.st_size)
		goto failed;
	close(in[1]);
	close(plan);
	current = (struct probe){ .start_ms = wall_ms() };
	pid_t pid = fork();
	if (pid < 0)
		goto failed_fork;
	if (pid == 0) {
		signals_reset_child();
		int null = open("/dev/null", O_RDWR);
		if (null < 0 || dup2(null, 0) < 0 || dup2(in[0], 3) < 0 || dup2(out[1], 1) < 0 || dup2(out[1], 2) < 0)
			_exit(EXIT_SETUP);
		static char *const argv[] = { "skiff-helper", "exec", NULL };
		static char *const envp[] = { NULL };
		execve("/proc/self/exe", argv, envp);
		_exit(EXIT_SETUP);
	}
	close(in[0]);
	close(out[1]);
	probe_pid = pid;
	probe_out = out[0];
	fcntl(probe_out, F_SETFL, O_NONBLOCK);
	deadline_ms = now_ms() + cfg->timeout_ms;
	return;
failed:
	current = (struct probe){ .start_ms = wall_ms() };
failed_fork:
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (out[i] >= 0)
			close(out[i]);
	}
	if (plan >= 0)
		close(plan);
	current.code = -1;
	current.len = snprintf(current.out, sizeof current.out, "skiff: cannot start the health check: %s", strerror(errno));
	current.end_ms = wall_ms();
	probe_pid = 0; /* finished, to be recorded */
}

static void drain(void)
{
	char drop[4096];
	for (;;) {
		size_t room = sizeof current.out - current.len;
		ssize_t n = room ? read(probe_out, current.out + current.len, room) : read(probe_out, drop, sizeof drop);
		if (n > 0) {
			if (room)
				current.len += n;
			continue;
		}
		if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
			close(probe_out);
			probe_out = -1;
		}
		return;
	}
}

static void probe_finish(void)
{
	int in_period = now_ms() < started_ms + cfg->start_period_ms;
	probes[n_probes++ % HEALTH_KEEP] = current;
	if (n_probes >= 2 * HEALTH_KEEP)
		n_probes -= HEALTH_KEEP; /* keeps the ring's order, never overflows */
	if (current.code == 0) {
		streak = 0;
		status = "healthy";
	} else if (!in_period) {
		streak++;
		if (streak >= cfg->retries)
			status = "unhealthy";
	}
	probe_pid = -1;
	next_ms = now_ms() + next_interval();
	health_save();
}

int health_pollfd(struct pollfd *p)
{
	*p = (struct pollfd){ .fd = probe_out, .events = POLLIN };
	return 1;
}

int health_timeout_ms(void)
{
	if (!cfg)
		return -1;
	long long due = probe_pid > 0 ? deadline_ms : next_ms, left = due - now_ms();
	return left < 0 ? 0 : left > 60000 ? 60000 : (int)left;
}

void health_events(const struct pollfd *p)
{
	if (!cfg)
		return;
	if (probe_out >= 0 && p->fd == probe_out && p->revents)
		drain();
	if (probe_pid > 0) {
		int wstatus;
		pid_t done = waitpid(probe_pid, &wstatus, WNOHANG);
		if (done == probe_pid) {
			if (probe_out >= 0)
				drain();
			if (probe_out >= 0)
				close(probe_out); /* a background process of the check may hold it: not our concern */
			probe_out = -1;
			current.code = exit_code(wstatus);
			current.end_ms = wall_ms();
			probe_finish();
		} else if (now_ms() >= deadline_ms) {
			kill(probe_pid, SIGKILL);
			while (waitpid(probe_pid, NULL, 0) < 0 && errno == EINTR)
				;
			if (probe_out >= 0)
				close(probe_out);
			probe_out = -1;
			current.code = -1;
			current.len = snprintf(current.out, sizeof current.out, "Health check exceeded timeout (%gs)",
					       cfg->timeout_ms / 1000.0);
			current.end_ms = wall_ms();
			probe_finish();
		}
	} else if (probe_pid == 0) {
		probe_finish();
	} else if (now_ms() >= next_ms) {
		probe_start();
	}
}

void health_stop(void)
{
	if (probe_pid > 0) {
		kill(probe_pid, SIGKILL);
		while (waitpid(probe_pid, NULL, 0) < 0 && errno == EINTR)
			;
		probe_pid = -1;
	}
}
