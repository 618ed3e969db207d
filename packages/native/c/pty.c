/*
 * The container's terminal (-t). The child opens the pty inside its own devpts (so the container sees
 * /dev/pts/0) and hands the master to the helper over a socketpair; the helper relays bytes between its
 * own stdin/stdout and the master (relay.c). The caller's terminal never reaches the container: the child's
 * stdio is /dev/null until the pty slave replaces it.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "helper.h"

/* ---- child side ---- */

void pty_send_fd(int sock, int fd)
{
	char byte = 0;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} control;
	memset(&control, 0, sizeof control);
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
			      .msg_controllen = sizeof control.buf };
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	ssize_t n;
	do
		n = sendmsg(sock, &msg, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		bail("send the pty master");
}

/* Runs after pivot_root and setsid(): the new session has no controlling terminal yet. */
void pty_setup_child(int sock, const struct winsize *size)
{
	int master = open("/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		bail("open /dev/pts/ptmx");
	int unlock = 0, n;
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0 || ioctl(master, TIOCGPTN, &n) < 0)
		bail("unlock pty");
	char name[32];
	snprintf(name, sizeof name, "/dev/pts/%d", n);
	int slave = open(name, O_RDWR | O_NOCTTY);
	if (slave < 0)
		bail("open %s", name);
	/* Become the session's controlling terminal so job control, ^C and /dev/tty work inside. */
	if (ioctl(slave, TIOCSCTTY, 0) < 0)
		bail("make %s the controlling terminal", name);
	/* Initial size from the caller's terminal (the helper read it before fork: our stdio is /dev/null), set
	 * before the command starts so it never sees 0x0. */
	if (size && size->ws_col)
		ioctl(slave, TIOCSWINSZ, size);
	pty_send_fd(sock, master);
	close(master);
	for (int fd = 0; fd <= 2; fd++)
		if (dup2(slave, fd) < 0)
			bail("dup2 %s", name);
	if (slave > 2)
		close(slave);
}

/* ---- helper side ---- */

/* Returns the master fd, or -1 if the child ended (it then reports why on the status pipe). */
int pty_receive_master(int sock)
{
	char byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} control;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
			      .msg_controllen = sizeof control.buf };
	ssize_t n;
	do
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return -1;
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
	if (!cmsg || cmsg->cmsg_type != SCM_RIGHTS)
		return -1;
	int fd;
	memcpy(&fd, CMSG_DATA(cmsg), sizeof fd);
	return fd;
}

static struct termios saved_termios;
static int termios_saved;

/* Raw mode: keys (^C, ^Z, ^D too) go to the container as bytes; the container's own pty does the cooking. */
static void terminal_raw(void)
{
	if (tcgetattr(STDIN_FILENO, &saved_termios) < 0)
		return;
	struct termios raw = saved_termios;
	cfmakeraw(&raw);
	if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0)
		termios_saved = 1;
}

/* Safe to call on every exit path, any number of times. */
void terminal_restore(void)
{
	if (termios_saved) {
		tcsetattr(STDIN_FILENO, TCSANOW, &saved_termios);
		termios_saved = 0;
	}
}

/* The caller's terminal size onto the container's pty (at start and on SIGWINCH). */
void terminal_copy_size(int master)
{
	struct winsize ws;
	if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0 || ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0)
		ioctl(master, TIOCSWINSZ, &ws);
}

/* With -it on a terminal the keys go to the container raw; the size follows the caller's terminal. */
void pty_attach(int master, int forward_stdin)
{
	if (forward_stdin && isatty(STDIN_FILENO))
		terminal_raw();
	terminal_copy_size(master);
}
