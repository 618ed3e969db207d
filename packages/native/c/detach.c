/*
 * --detach: the container must outlive the CLI that started it, without a daemon. The helper forks; that
 * child calls setsid() and forks the supervisor (supervise.c), then exits at once. So the supervisor
 *   - is re-parented to PID 1 (or the nearest subreaper), away from the CLI, which may exit;
 *   - lives in a session and process group of its own, and is not a session leader: a terminal hang-up or ^C
 *     aimed at the CLI never reaches it, and it can never acquire a controlling terminal;
 *   - has no parent-death signal: fork clears PR_SET_PDEATHSIG (the helper's own dies with the helper).
 * The helper waits until the supervisor reports the container running or failed, then reports like the
 * foreground mode ("pid N" on fd 4, or one "skiff: ..." line and 125/126/127) and exits.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helper.h"

/* exec -d: the caller goes on at once (exit 0) while the rest of `skiff-helper exec` runs in a grandchild of its
 * own session, re-parented away from the CLI, with stdin and stdout on /dev/null (docker exec -d keeps no output).
 * fd 4 and stderr stay the caller's: "pid N" or one "skiff: ..." line reach it from there. */
void exec_detach(void)
{
	pid_t middle = fork();
	if (middle < 0)
		bail("fork");
	if (middle > 0) {
		while (waitpid(middle, NULL, 0) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	if (setsid() < 0)
		bail("setsid");
	pid_t pid = fork();
	if (pid < 0)
		bail("fork");
	if (pid > 0)
		_exit(0);
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0)
		bail("open /dev/null");
	close(null);
}

int run_detached(const struct plan *plan)
{
	int report[2];
	if (pipe2(report, O_CLOEXEC) < 0)
		bail("pipe");
	pid_t middle = fork();
	if (middle < 0)
		bail("fork");
	if (middle == 0) {
		close(report[0]);
		status_fd = report[1]; /* from here on a failure reaches the helper as a status_msg */
		if (setsid() < 0)
			bail("setsid");
		pid_t pid = fork();
		if (pid < 0)
			bail("fork the supervisor");
		if (pid > 0)
			_exit(0);
		supervise(plan, report[1]);
	}
	close(report[1]);
	while (waitpid(middle, NULL, 0) < 0 && errno == EINTR)
		;

	struct status_msg msg;
	ssize_t n = read_retry(report[0], &msg, sizeof msg);
	close(report[0]);
	if (n != (ssize_t)sizeof msg) {
		fprintf(stderr, "skiff: the container's supervisor exited before the container started\n");
		return EXIT_SETUP;
	}
	msg.text[sizeof msg.text - 1] = '\0';
	if (msg.code) {
		/* The supervisor goes on to write the status file and run the exit command. */
		fprintf(stderr, "skiff: %s\n", msg.text);
		return msg.code;
	}
	report_pid(msg.pid);
	return 0;
}
