/*
 * The detached supervisor's attach socket (`skiff attach`, what docker's daemon serves for attach). A unix
 * stream socket, mode 0600, in the container's own directory (0700, root's); up to ATTACH_MAX clients at once.
 * Both directions carry frames (keep in sync with src/attach-frames.ts):
 *
 *   [type] [0] [0] [0] [length, 4 bytes big-endian] [length bytes]
 *
 *   supervisor → client   1 stdout (with a tty: everything), 2 stderr, 3 exit: the exit code in decimal (last)
 *   client → supervisor   0 stdin data (dropped unless the container was started with -i), 3 resize "COLS ROWS"
 *
 * Every client gets all output from the moment it connects; input from any client goes to the container's
 * stdin. A client that stops reading for ATTACH_SEND_TIMEOUT seconds, or sends a bad frame, is dropped: it can
 * slow the container by that much at most, never stop it.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "helper.h"

#define ATTACH_SEND_TIMEOUT 5
#define FRAME_STDIN 0
#define FRAME_RESIZE 3

struct client {
	int fd;
	unsigned char head[8];
	size_t head_len;
	size_t left;      /* payload bytes of the current frame still to read */
	char resize[32];  /* a resize frame's payload */
	size_t resize_len;
};

static int listen_fd = -1;
static char *socket_path;
static int master_fd = -1;
static struct client clients[ATTACH_MAX];

/* The socket is bound through /proc/self/fd/N/NAME (N: the directory, opened O_PATH), so a state root of any
 * length fits sockaddr_un's 108 bytes. */
void attach_listen(const char *path, int master)
{
	master_fd = master;
	for (int i = 0; i < ATTACH_MAX; i++)
		clients[i].fd = -1;
	if (!path)
		return;
	const char *slash = strrchr(path, '/');
	char *dir = slash == path ? xstrdup("/") : xasprintf("%.*s", (int)(slash - path), path);
	int dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		bail("open %s", dir);
	free(dir);
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int n = snprintf(addr.sun_path, sizeof addr.sun_path, "/proc/self/fd/%d/%s", dirfd, slash + 1);
	if (n < 0 || (size_t)n >= sizeof addr.sun_path)
		bailx("attach socket name %s is too long", slash + 1);
	listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (listen_fd < 0)
		bail("socket");
	(void)unlinkat(dirfd, slash + 1, 0); /* left by an earlier start of this container */
	mode_t old = umask(0177);
	int rc = bind(listen_fd, (struct sockaddr *)&addr, sizeof addr);
	umask(old);
	if (rc < 0 || listen(listen_fd, ATTACH_MAX) < 0)
		bail("attach socket %s", path);
	close(dirfd);
	socket_path = xstrdup(path);
}

int attach_pollfds(struct pollfd *p, int want_input)
{
	p[0] = (struct pollfd){ .fd = listen_fd, .events = POLLIN };
	for (int i = 0; i < ATTACH_MAX; i++)
		p[1 + i] = (struct pollfd){ .fd = want_input && listen_fd >= 0 ? clients[i].fd : -1, .events = POLLIN };
	return 1 + ATTACH_MAX;
}

static void drop(struct client *c)
{
	close(c->fd);
	c->fd = -1;
}

static void accept_client(void)
{
	int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	for (int i = 0; i < ATTACH_MAX; i++) {
		if (clients[i].fd < 0) {
			struct timeval timeout = { .tv_sec = ATTACH_SEND_TIMEOUT };
			setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
			memset(&clients[i], 0, sizeof clients[i]);
			clients[i].fd = fd;
			return;
		}
	}
	close(fd); /* full: the client sees EOF at once */
}

static void resize(struct client *c)
{
	c->resize[c->resize_len] = '\0';
	unsigned cols, rows;
	if (master_fd >= 0 && sscanf(c->resize, "%u %u", &cols, &rows) == 2 && cols && rows && cols <= 65535 &&
	    rows <= 65535) {
		struct winsize ws = { .ws_row = rows, .ws_col = cols };
		ioctl(master_fd, TIOCSWINSZ, &ws);
	}
}

/* Reads what one client sent. Returns the stdin bytes put in BUF (0: none this time). */
static size_t client_read(struct client *c, char *buf, size_t cap)
{
	if (c->head_len < sizeof c->head) {
		ssize_t n = read(c->fd, c->head + c->head_len, sizeof c->head - c->head_len);
		if (n <= 0) {
			if (n == 0 || (errno != EAGAIN && errno != EINTR))
				drop(c);
			return 0;
		}
		c->head_len += n;
		if (c->head_len < sizeof c->head)
			return 0;
		c->left = (size_t)c->head[4] << 24 | c->head[5] << 16 | c->head[6] << 8 | c->head[7];
		c->resize_len = 0;
		int type = c->head[0];
		if ((type != FRAME_STDIN && type != FRAME_RESIZE) || c->head[1] || c->head[2] || c->head[3] ||
		    (type == FRAME_RESIZE && c->left >= sizeof c->resize)) {
			drop(c); /* not our protocol */
			return 0;
		}
		if (c->left == 0)
			c->head_len = 0;
		return 0;
	}
	int stdin_frame = c->head[0] == FRAME_STDIN;
	char *into = stdin_frame ? buf : c->resize + c->resize_len;
	size_t want = c->left < cap ? c->left : cap;
	ssize_t n = read(c->fd, into, want);
	if (n <= 0) {
		if (n == 0 || (errno != EAGAIN && errno != EINTR))
			drop(c);
		return 0;
	}
	c->left -= n;
	if (!stdin_frame)
		c->resize_len += n;
	if (c->left == 0) {
		c->head_len = 0;
		if (!stdin_frame)
			resize(c);
	}
	return stdin_frame ? (size_t)n : 0;
}

size_t attach_events(const struct pollfd *p, char *buf, size_t cap)
{
	if (listen_fd < 0)
		return 0;
	if (p[0].revents & POLLIN)
		accept_client();
	for (int i = 0; i < ATTACH_MAX; i++) {
		struct client *c = &clients[i];
		if (c->fd >= 0 && p[1 + i].fd == c->fd && p[1 + i].revents) {
			size_t n = client_read(c, buf, cap);
			if (n)
				return n; /* the relay takes it before any other client is read */
		}
	}
	return 0;
}

static void send_frame(char type, const void *buf, size_t len)
{
	unsigned char head[8] = { (unsigned char)type, 0, 0, 0, len >> 24, len >> 16, len >> 8, len };
	for (int i = 0; i < ATTACH_MAX; i++) {
		struct client *c = &clients[i];
		if (c->fd < 0)
			continue;
		struct iovec iov[2] = { { head, sizeof head }, { (void *)buf, len } };
		struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 2 };
		size_t total = sizeof head + len, done = 0;
		while (done < total) {
			ssize_t n = sendmsg(c->fd, &msg, MSG_NOSIGNAL);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				drop(c); /* gone, or stuck for ATTACH_SEND_TIMEOUT */
				break;
			}
			done += n;
			while (msg.msg_iovlen && (size_t)n >= msg.msg_iov[0].iov_len) {
				n -= msg.msg_iov[0].iov_len;
				msg.msg_iov++;
				msg.msg_iovlen--;
			}
			if (msg.msg_iovlen) {
				msg.msg_iov[0].iov_base = (char *)msg.msg_iov[0].iov_base + n;
				msg.msg_iov[0].iov_len -= n;
			}
		}
	}
}

void attach_output(char stream, const void *buf, size_t len)
{
	if (listen_fd >= 0)
		send_frame(stream == 'e' ? 2 : 1, buf, len);
}

void attach_exit(int code)
{
	if (listen_fd < 0)
		return;
	char text[16];
	int n = snprintf(text, sizeof text, "%d", code);
	send_frame(3, text, n);
	for (int i = 0; i < ATTACH_MAX; i++)
		if (clients[i].fd >= 0)
			drop(&clients[i]);
	close(listen_fd);
	listen_fd = -1;
	(void)unlink(socket_path);
}
