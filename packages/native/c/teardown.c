/*
 * The container's cgroups, removed by the helper that saw its init exit (`run`'s attached helper, a detached
 * container's supervisor), so the CLI's teardown (finishContainer) finds them gone: a few syscalls here instead
 * of a walk of every hierarchy in TypeScript. Each plan `cgroup` record is a file the init joined, one per
 * hierarchy: <mount>/<parent...>/<id>/tasks (v1) or <dir>/cgroup.procs (v2); its directory is the container's.
 *
 * Best effort, and never the only way: whatever is left here (a process that would not die, a directory the
 * kernel still calls busy, one with children) stays for the CLI's teardown, which is idempotent and reports what
 * it cannot do; so does everything when the helper is killed. The memory cgroup of a container the OOM killer
 * hit stays too: the CLI reads its counter (`oom_kill` in memory.oom_control, v1, or memory.events, v2) to
 * report the OOM kill, then removes it. Under SKIFF_TRACE=1 a step left undone prints
 * `skiff-trace-note helper-cgroup-left <dir> <why>`.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "helper.h"

/* How long strays (with a pid namespace not the container's own) get to die after SIGKILL. */
#define STRAYS_WAIT_MS 200

static void left(const char *dir, const char *why)
{
	if (tracing())
		fprintf(stderr, "skiff-trace-note helper-cgroup-left %s %s\n", dir, why);
}

/* The file `name` in `dir`, read whole (small cgroup files); NULL if it cannot be read. Caller frees. */
static char *read_in(const char *dir, const char *name)
{
	char path[4096];
	if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path)
		return NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	size_t size = 0, cap = 4096;
	char *text = xmalloc(cap);
	for (;;) {
		ssize_t n = read(fd, text + size, cap - size - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			free(text);
			close(fd);
			return NULL;
		}
		if (n == 0)
			break;
		size += (size_t)n;
		if (size + 1 == cap)
			text = xrealloc(text, cap *= 2);
	}
	close(fd);
	text[size] = '\0';
	return text;
}

/* Whether the OOM killer may have killed a task here: a memory cgroup whose `oom_kill` counter is not a plain
 * 0 (or cannot be read). Not a memory cgroup: no. */
static int maybe_oom(const char *dir)
{
	char *text = read_in(dir, "memory.oom_control");
	if (!text)
		text = read_in(dir, "memory.events");
	if (!text) {
		char probe[4096];
		snprintf(probe, sizeof probe, "%s/memory.max", dir);
		int memory = access(probe, F_OK) == 0;
		snprintf(probe, sizeof probe, "%s/memory.limit_in_bytes", dir);
		return memory || access(probe, F_OK) == 0;
	}
	const char *key = strstr(text, "oom_kill ");
	int oom = !key || (key != text && key[-1] != '\n') || strtol(key + strlen("oom_kill "), NULL, 10) != 0;
	free(text);
	return oom;
}

/* SIGKILL every pid listed in dir/cgroup.procs; how many were listed (-1: unreadable). */
static int kill_listed(const char *dir)
{
	char *text = read_in(dir, "cgroup.procs");
	if (!text)
		return -1;
	int n = 0;
	for (char *line = text, *end; *line; line = end) {
		long pid = strtol(line, &end, 10);
		if (end == line)
			break;
		if (pid > 0 && pid != getpid())
			(void)kill((pid_t)pid, SIGKILL), n++;
		while (*end == '\n')
			end++;
	}
	free(text);
	return n;
}

static void remove_one(const char *dir)
{
	long long deadline = monotonic_ns() + STRAYS_WAIT_MS * 1000000LL;
	int listed;
	while ((listed = kill_listed(dir)) > 0 && monotonic_ns() < deadline)
		nanosleep(&(struct timespec){ .tv_nsec = 1000000 }, NULL);
	if (listed < 0) {
		if (errno != ENOENT)
			left(dir, "cgroup.procs unreadable");
		return;
	}
	if (listed > 0) {
		left(dir, "processes left");
		return;
	}
	if (maybe_oom(dir)) {
		left(dir, "memory cgroup kept for the OOM check");
		return;
	}
	/* The kernel may call a cgroup busy for a moment after its last task is reaped: a few tries. */
	for (int attempt = 0; rmdir(dir) < 0; attempt++) {
		if (errno == ENOENT)
			return;
		if (errno != EBUSY || attempt == 5) {
			left(dir, strerror(errno));
			return;
		}
		nanosleep(&(struct timespec){ .tv_nsec = 1000000 }, NULL);
	}
}

void cgroups_teardown(char *const *files, size_t n)
{
	long long start = monotonic_ns();
	for (size_t i = 0; i < n; i++) {
		char *dir = xstrdup(files[i]);
		char *slash = strrchr(dir, '/');
		if (slash && slash != dir) {
			*slash = '\0';
			remove_one(dir);
		}
		free(dir);
	}
	if (n)
		trace_span("helper-cgroup-teardown", start);
}
