/*
 * --init: PID 1 of the container is this tiny init rather than the user's command (docker's tini). The
 * kernel delivers to PID 1 of a pid namespace only the signals it has a handler for (plus SIGKILL and SIGSTOP
 * from an ancestor namespace), so `sh -c 'sleep 100'` as PID 1 ignores `skiff stop`'s SIGTERM until the
 * SIGKILL; and orphans are re-parented to PID 1, which must reap them or they stay zombies. Here PID 1
 * forks the command, passes signals on to it (it is not PID 1, so default actions apply), reaps every
 * child, and exits with the command's status once the command has exited (or, with --restart, starts it
 * again: restart.c). Its exit takes the whole pid namespace down.
 */
#include <errno.h>
#include <stdio.h>
#include <time.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "helper.h"

/* Every signal is blocked in the init and collected with sigwaitinfo(): no handlers, no races with fork. A
 * blocked signal is queued even for PID 1 (the kernel drops only unblocked ones whose action is the default),
 * so each one a user can send reaches the command, as tini does (SIGALRM, SIGPIPE, SIGURG, real-time ones...).
 * A fault of the init's own (SIGSEGV, SIGBUS...) is forced through the mask by the kernel and still kills it.
 * SIGKILL and SIGSTOP cannot be blocked (sigprocmask leaves them out). */
static sigset_t init_signals(void)
{
	sigset_t set;
	sigfillset(&set);
	return set;
}

/* Not passed on: SIGCHLD is the init's own business; SIGTTIN and SIGTTOU are about the init's access to the
 * terminal (blocking SIGTTOU keeps the command's tcsetpgrp() below from stopping it). */
static int forwarded(int sig)
{
	return sig != SIGCHLD && sig != SIGTTIN && sig != SIGTTOU;
}

static const struct restart_policy *policy;
static int stopping; /* a stop signal arrived: no more restarts */

/* Waits for the command to exit, passing signals on; returns its exit code. */
static int init_wait(pid_t command, sigset_t set)
{
	for (;;) {
		siginfo_t info;
		int sig = sigwaitinfo(&set, &info);
		if (sig < 0)
			continue; /* EINTR */
		if (sig != SIGCHLD) {
			if (restart_stops(policy, sig))
				stopping = 1;
			if (forwarded(sig))
				kill(command, sig);
			continue;
		}
		/* SIGCHLDs merge: reap everything that has exited, our command and the orphans the kernel gave us. */
		int status;
		pid_t pid;
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
			if (pid == command)
				return exit_code(status);
		if (pid < 0 && errno == ECHILD)
			_exit(EXIT_SETUP); /* cannot happen: the command is our child until we reap it */
	}
}

/* Between two starts: every process left is killed and reaped; a stop signal meanwhile ends it all. */
static void init_pause(sigset_t set, long ms)
{
	/* From PID 1: every other process of the namespace. Not PID 1 (--pid host, or another container's): -1
	 * would be every process we may signal, far beyond the container; then only our own children (none by now) are reaped. */
	if (getpid() == 1)
		kill(-1, SIGKILL);
	while (waitpid(-1, NULL, 0) > 0)
		;
	struct timespec end, now;
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += ms / 1000;
	end.tv_nsec += (ms % 1000) * 1000000;
	if (end.tv_nsec >= 1000000000)
		end.tv_sec++, end.tv_nsec -= 1000000000;
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		long left_ns = (end.tv_sec - now.tv_sec) * 1000000000L + (end.tv_nsec - now.tv_nsec);
		if (left_ns <= 0 || stopping)
			return;
		struct timespec timeout = { left_ns / 1000000000L, left_ns % 1000000000L };
		int sig = sigtimedwait(&set, NULL, &timeout);
		if (sig > 0 && restart_stops(policy, sig))
			stopping = 1;
	}
}

static long now_ms(void)
{
	return monotonic_ns() / 1000000;
}

void init_start(int tty, const struct restart_policy *restart)
{
	policy = restart;
	sigset_t set = init_signals(), old;
	sigprocmask(SIG_BLOCK, &set, &old);
	long delay_ms = 0;
	for (unsigned restarts = 0;; restarts++) {
		long started_ms = now_ms();
		pid_t pid = fork();
		if (pid < 0)
			bail("fork the command");
		if (pid == 0) {
			/* A process group of its own, in the foreground of the terminal: a ^C on the pty reaches the
			 * command once, from the kernel, instead of also through the init. */
			setpgid(0, 0);
			if (tty)
				tcsetpgrp(STDIN_FILENO, getpid());
			sigprocmask(SIG_SETMASK, &old, NULL);
			return; /* on to exec_command, which reports a failure on the status pipe itself */
		}
		if (restarts == 0) {
			/* The init keeps nothing open: not the status pipe (the helper must see EOF when the command
			 * execs), not the pty slave or output pipes (readers must see EOF when the command and its
			 * children close them). With --restart it keeps 0, 1, 2 for the next start. */
			close_range(restart->mode == RESTART_NO ? 0 : 3, ~0U, 0);
			status_fd = -1;
			prctl(PR_SET_NAME, "skiff-init");
		}
		int code = init_wait(pid, set);
		if (stopping || !restart_due(restart, code, restarts))
			_exit(code);
		delay_ms = restart_delay_ms(delay_ms, now_ms() - started_ms);
		init_pause(set, delay_ms);
		if (stopping)
			_exit(code);
		char name[16];
		snprintf(name, sizeof name, "skiff-init:%u", restarts + 1);
		prctl(PR_SET_NAME, name);
	}
}
