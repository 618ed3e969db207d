/*
 * Signals in the helper (the parent: foreground run, exec, the detached supervisor). The signals a user or
 * the CLI sends to stop or poke a container are forwarded to the child (the container's init, or the exec'd
 * process); SIGCHLD and SIGWINCH only set a flag and wake the poll loop through a
 * self-pipe. All of them stay blocked from before fork until the handlers exist, so none is lost or runs
 * the default action (death) in between.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "helper.h"

/* Keep in sync with FORWARDED_SIGNALS in src/signals.ts (test/constants.test.ts checks). */
const int forwarded_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };
const size_t n_forwarded_signals = sizeof forwarded_signals / sizeof *forwarded_signals;

static volatile pid_t target;
static int wake_write = -1;
volatile sig_atomic_t got_sigchld, got_sigwinch;

static void wake(void)
{
	if (wake_write >= 0) {
		int saved = errno;
		(void)!write(wake_write, "", 1); /* non-blocking: a full pipe already means "wake up" */
		errno = saved;
	}
}

int terminal_signals_ignored;

static void on_forward(int sig, siginfo_t *info, void *context)
{
	(void)context;
	int saved = errno;
	/* In the caller's foreground process group (-i on a terminal) a ^C reaches the CLI too, which forwards it:
	 * the terminal's own copy (si_code SI_KERNEL) is dropped so the container gets it once. */
	if (target > 0 && !(terminal_signals_ignored && info && info->si_code == SI_KERNEL))
		kill(target, sig);
	errno = saved;
}

static void on_chld(int sig)
{
	(void)sig;
	got_sigchld = 1;
	wake();
}

static void on_winch(int sig)
{
	(void)sig;
	got_sigwinch = 1;
	wake();
}

static sigset_t handled(void)
{
	sigset_t set;
	sigemptyset(&set);
	for (size_t i = 0; i < n_forwarded_signals; i++)
		sigaddset(&set, forwarded_signals[i]);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGWINCH);
	return set;
}

void signals_block(void)
{
	sigset_t set = handled();
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		bail("block signals");
}

/* The container must start with default dispositions and an empty mask (both survive execve). */
void signals_reset_child(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			sigaction(sig, &sa, NULL); /* fails harmlessly for glibc's reserved signals */
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/* Installs the handlers and unblocks. Returns the read end of the self-pipe that wakes poll loops. */
int signals_forward(pid_t child)
{
	int pipefd[2];
	if (pipe2(pipefd, O_CLOEXEC | O_NONBLOCK) < 0)
		bail("pipe");
	wake_write = pipefd[1];
	target = child;

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_flags = SA_RESTART | SA_SIGINFO;
	sigfillset(&sa.sa_mask);
	sa.sa_sigaction = on_forward;
	for (size_t i = 0; i < n_forwarded_signals; i++)
		sigaction(forwarded_signals[i], &sa, NULL);
	sa.sa_handler = on_chld;
	sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
	sigaction(SIGCHLD, &sa, NULL);
	sa.sa_handler = on_winch;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGWINCH, &sa, NULL);
	/* A closed stdout must show up as EPIPE in the relay, not kill the helper (and orphan the container). */
	signal(SIGPIPE, SIG_IGN);

	sigset_t set = handled();
	if (sigprocmask(SIG_UNBLOCK, &set, NULL) < 0)
		bail("unblock signals");
	return pipefd[0];
}
