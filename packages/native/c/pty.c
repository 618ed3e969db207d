/*
 * The container's terminal (-t). The child opens the pty inside its own devpts (so the container sees
 * /dev/pts/0) and hands the master to the helper over a socketpair; the helper relays bytes between its
 * own stdin/stdout and the master.
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

static void send_fd(int sock, int fd)
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
void pty_setup_child(int sock)
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
	/* Initial size from the helper's terminal, set before the command starts so it never sees 0x0. */
	struct winsize ws;
	for (int fd = 0; fd <= 2; fd++)
		if (ioctl(fd, TIOCGWINSZ, &ws) == 0) {
			ioctl(slave, TIOCSWINSZ, &ws);
			break;
		}
	send_fd(sock, master);
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

static void copy_winsize(int master)
{
	struct winsize ws;
	if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0 || ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0)
		ioctl(master, TIOCSWINSZ, &ws);
}

/*
 * Relays until the container has exited and its output is drained. Stdin is read only when the previous
 * chunk reached the master, and the master is non-blocking, so a container that does not read its input
 * can never stop us from draining its output. Returns with *status = the container's wait status.
 */
int pty_relay(int master, int wake, pid_t child, int forward_stdin, int *status)
{
	int interactive = forward_stdin && isatty(STDIN_FILENO);
	if (interactive)
		terminal_raw();
	copy_winsize(master);
	fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);

	char in[4096], out[4096];
	size_t in_len = 0, in_off = 0;
	int stdin_open = forward_stdin, master_open = 1, exited = 0, stdout_ok = 1;

	while (master_open) {
		struct pollfd p[3] = {
			{ .fd = wake, .events = POLLIN },
			{ .fd = master, .events = POLLIN | (in_len ? POLLOUT : 0) },
			{ .fd = stdin_open && !in_len ? STDIN_FILENO : -1, .events = POLLIN },
		};
		/* Once init is gone every slave holder is gone too (the kernel killed the pid namespace), so the
		 * master reports EIO after the last byte; the timeout only guards against a slave fd smuggled out. */
		int rc = poll(p, 3, exited ? 2000 : -1);
		if (rc < 0 && errno != EINTR)
			bail("poll");
		if (rc == 0)
			break;
		if (p[0].revents) {
			char drain[64];
			while (read(wake, drain, sizeof drain) > 0)
				;
		}
		if (got_sigwinch) {
			got_sigwinch = 0;
			copy_winsize(master);
		}
		if (got_sigchld && !exited) {
			got_sigchld = 0;
			if (waitpid(child, status, WNOHANG) == child)
				exited = 1;
		}
		if (p[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t n = read(master, out, sizeof out);
			if (n > 0) {
				if (stdout_ok && write_all(STDOUT_FILENO, out, n) < 0)
					stdout_ok = 0; /* keep draining so the container never blocks on a full pty */
			} else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
				master_open = 0; /* EIO: every slave fd is closed */
			}
		}
		if (in_len && (p[1].revents & POLLOUT)) {
			ssize_t n = write(master, in + in_off, in_len - in_off);
			if (n > 0) {
				in_off += n;
				if (in_off == in_len)
					in_len = in_off = 0;
			} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
				in_len = in_off = 0;
			}
		}
		if (p[2].revents) {
			ssize_t n = read(STDIN_FILENO, in, sizeof in);
			if (n > 0)
				in_len = n;
			else if (n == 0 || (errno != EAGAIN && errno != EINTR))
				stdin_open = 0; /* EOF: stop reading, but keep the master; the container runs on */
		}
	}
	terminal_restore();
	if (!exited) {
		while (waitpid(child, status, 0) < 0)
			if (errno != EINTR)
				bail("wait");
	}
	return 0;
}
