/*
 * The seccomp program cache (the plan's `seccompcache DIR` record; skiff passes <run-root>/seccomp, a tmpfs a
 * reboot empties). Every container of one profile gets the same filter, and building it with libseccomp costs
 * about 2 ms per start; crun keeps such a cache too. The cache only saves time: whatever is wrong with it
 * (missing, unreadable, tampered, full disk) the helper builds the filter as without it, and says nothing.
 *
 * DIR/KEY, KEY the 16 hex digits of the 64-bit FNV-1a hash of INPUT (the canonical bytes of the filter's whole
 * input: seccomp.c's filter_input), native byte order:
 *
 *   offset 0    magic "skiffsc1"                 8 bytes
 *          8    input length in bytes            u32
 *          12   allow-list length (instructions) u32, 1..BPF_MAXINSNS
 *          16   deny-filter length               u32, 0..BPF_MAXINSNS
 *          20   zero                             u32
 *          24   INPUT
 *          ...  the allow list (struct sock_filter each, our front checks already in), then the deny filter
 *
 * A file is used only when it is a regular file of our euid that no group or other can write, in a directory of
 * ours that no group or other can write and that is no symlink; its size is exactly what its header says; and
 * its INPUT equals ours byte for byte (a hash collision never picks another profile's programs). The kernel
 * checks the programs themselves when they are installed. Files are written to a temporary name (O_EXCL,
 * 0600) and renamed into place, so a reader never sees half a file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helper.h"

#define MAGIC "skiffsc1"
#define MAX_INPUT (4u << 20) /* docker's default profile is ~15 KiB of input */

struct header {
	char magic[8];
	uint32_t input_len, allow_len, deny_len, zero;
};

static void key_of(const void *input, size_t len, char key[17])
{
	uint64_t hash = 0xcbf29ce484222325ULL; /* FNV-1a 64 */
	for (size_t i = 0; i < len; i++)
		hash = (hash ^ ((const unsigned char *)input)[i]) * 0x100000001b3ULL;
	snprintf(key, 17, "%016llx", (unsigned long long)hash);
}

/* Owned by us, nobody else may write it. */
static int ours(const struct stat *st)
{
	return st->st_uid == geteuid() && !(st->st_mode & (S_IWGRP | S_IWOTH));
}

/* DIR as an fd, if it is a directory of ours (not a symlink); -1 otherwise. */
static int open_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	if (fd >= 0 && (fstat(fd, &st) < 0 || !S_ISDIR(st.st_mode) || !ours(&st))) {
		close(fd);
		return -1;
	}
	return fd;
}

static struct sock_fprog program_copy(const unsigned char *from, uint32_t len)
{
	struct sock_fprog p = { .len = (unsigned short)len, .filter = NULL };
	if (len) {
		p.filter = xmalloc(len * sizeof *p.filter);
		memcpy(p.filter, from, len * sizeof *p.filter);
	}
	return p;
}

struct seccomp_program *seccomp_cache_load(const char *dir, const void *input, size_t len)
{
	char key[17];
	key_of(input, len, key);
	int dir_fd = open_dir(dir);
	if (dir_fd < 0)
		return NULL;
	/* O_NONBLOCK: a fifo put in its place must not hang the start (fstat refuses it next). */
	int fd = openat(dir_fd, key, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	close(dir_fd);
	if (fd < 0)
		return NULL;
	struct seccomp_program *program = NULL;
	unsigned char *file = NULL;
	struct stat st;
	struct header h;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || !ours(&st) || (size_t)st.st_size < sizeof h ||
	    (size_t)st.st_size > sizeof h + MAX_INPUT + 2 * BPF_MAXINSNS * sizeof(struct sock_filter))
		goto out;
	file = xmalloc((size_t)st.st_size);
	if (read_retry(fd, file, (size_t)st.st_size) != st.st_size)
		goto out;
	memcpy(&h, file, sizeof h);
	if (memcmp(h.magic, MAGIC, sizeof h.magic) || h.zero || h.input_len != len || len > MAX_INPUT ||
	    h.allow_len < 1 || h.allow_len > BPF_MAXINSNS || h.deny_len > BPF_MAXINSNS ||
	    (size_t)st.st_size != sizeof h + len + ((size_t)h.allow_len + h.deny_len) * sizeof(struct sock_filter) ||
	    memcmp(file + sizeof h, input, len))
		goto out;
	const unsigned char *programs = file + sizeof h + len;
	program = xmalloc(sizeof *program);
	program->allow_list = program_copy(programs, h.allow_len);
	program->deny = program_copy(programs + h.allow_len * sizeof(struct sock_filter), h.deny_len);
out:
	free(file);
	close(fd);
	return program;
}

void seccomp_cache_store(const char *dir, const void *input, size_t len, const struct seccomp_program *program)
{
	if (len > MAX_INPUT)
		return;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return;
	int dir_fd = open_dir(dir);
	if (dir_fd < 0)
		return;
	char key[17], temp[64];
	key_of(input, len, key);
	snprintf(temp, sizeof temp, ".%s.%d.tmp", key, (int)getpid());
	int fd = openat(dir_fd, temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		close(dir_fd);
		return;
	}
	struct header h = { .input_len = (uint32_t)len, .allow_len = program->allow_list.len, .deny_len = program->deny.len };
	memcpy(h.magic, MAGIC, sizeof h.magic);
	/* fdatasync: on a run root that is not a tmpfs, a crash must not leave a named file with lost contents. */
	int ok = write_all(fd, &h, sizeof h) == 0 && write_all(fd, input, len) == 0 &&
		 write_all(fd, program->allow_list.filter, program->allow_list.len * sizeof(struct sock_filter)) == 0 &&
		 (!program->deny.len || write_all(fd, program->deny.filter, program->deny.len * sizeof(struct sock_filter)) == 0) &&
		 fdatasync(fd) == 0;
	close(fd);
	if (!ok || renameat(dir_fd, temp, dir_fd, key) < 0)
		unlinkat(dir_fd, temp, 0);
	close(dir_fd);
}
