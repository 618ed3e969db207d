/*
 * skiff-dns: the DNS responder of one user network, started by skiff when the network gets its first container
 * and gone once it has none (its hosts file removed: checked every second).
 *
 *   skiff-dns LISTEN_IP SUBNET/PREFIX HOSTS_FILE RESOLV_CONF
 *
 * Listens on LISTEN_IP:53 (UDP; the network's gateway address), answers only clients inside SUBNET. A query for
 * a name in HOSTS_FILE gets its A records (no AAAA: NODATA). Its lines, rewritten atomically by skiff, are
 * "IP NAME..." (for every client) or "@CLIENT IP NAME..." (for that client only: a container on another network
 * it shares with CLIENT);
 * a single-label name it does not know gets NXDOMAIN (a container name that is not there: no upstream knows it,
 * and it is not sent out); every other query is forwarded unchanged, under a new id, to the first nameserver of RESOLV_CONF, and the
 * answer relayed back. Malformed or oversized packets are dropped. Once bound it writes "ready\n" to stdout
 * and closes it. Single-threaded, no allocation per packet: a few pages of memory.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_PACKET 512   /* a query larger than plain DNS over UDP is dropped, and answers stay within it */
#define MAX_RELAYED 4096 /* an upstream answer (EDNS) relayed as it is */
#define MAX_NAMES 4096
#define MAX_PENDING 64
#define NAME_MAX_LEN 253

struct entry {
	char name[NAME_MAX_LEN + 1];
	uint32_t ip;     /* network order */
	uint32_t client; /* 0, or the only client this entry answers (a name on another network of that client's) */
};

struct pending {
	int used;
	uint16_t client_id, upstream_id;
	struct sockaddr_in client;
	time_t since;
};

static struct entry *table;
static size_t n_table;
static char links[4096]; /* "#links" names, space-separated */
static struct pending pending[MAX_PENDING];
static struct sockaddr_in upstream;
static int have_upstream;

static void lower(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s += 'a' - 'A';
}

static void load_hosts(const char *path)
{
	FILE *file = fopen(path, "re");
	n_table = 0;
	if (!file)
		return;
	char line[4096];
	links[0] = 0;
	while (fgets(line, sizeof line, file) && n_table < MAX_NAMES) {
		if (!strncmp(line, "#links ", 7)) {
			snprintf(links, sizeof links, "%s", line + 7);
			continue;
		}
		char *save = NULL, *word = strtok_r(line, " \t\n", &save);
		struct in_addr addr, client = { 0 };
		if (word && word[0] == '@') {
			if (inet_pton(AF_INET, word + 1, &client) != 1)
				continue;
			word = strtok_r(NULL, " \t\n", &save);
		}
		if (!word || inet_pton(AF_INET, word, &addr) != 1)
			continue;
		while ((word = strtok_r(NULL, " \t\n", &save)) && n_table < MAX_NAMES) {
			if (strlen(word) > NAME_MAX_LEN)
				continue;
			strcpy(table[n_table].name, word);
			lower(table[n_table].name);
			table[n_table].client = client.s_addr;
			table[n_table++].ip = addr.s_addr;
		}
	}
	fclose(file);
}

/* Whether any veth the table names still exists (an empty list: yes, nothing to go by). */
static int links_alive(void)
{
	char copy[sizeof links], path[64];
	snprintf(copy, sizeof copy, "%s", links);
	char *save = NULL, *name = strtok_r(copy, " \t\n", &save);
	if (!name)
		return 1;
	for (; name; name = strtok_r(NULL, " \t\n", &save)) {
		if (strlen(name) > 15 || strchr(name, '/'))
			continue;
		snprintf(path, sizeof path, "/sys/class/net/%s", name);
		if (access(path, F_OK) == 0)
			return 1;
	}
	return 0;
}

static void load_upstream(const char *path)
{
	FILE *file = fopen(path, "re");
	if (!file)
		return;
	char line[512], address[64];
	while (fgets(line, sizeof line, file)) {
		if (sscanf(line, " nameserver %63s", address) == 1 && inet_pton(AF_INET, address, &upstream.sin_addr) == 1) {
			upstream.sin_family = AF_INET;
			upstream.sin_port = htons(53);
			have_upstream = 1;
			break;
		}
	}
	fclose(file);
}

/* The question's name, lowercased and dotted, into out; returns the offset after QTYPE/QCLASS or -1. */
static int parse_question(const unsigned char *p, int len, char *out, uint16_t *qtype, uint16_t *qclass)
{
	int at = 12, used = 0;
	for (;;) {
		if (at >= len)
			return -1;
		int label = p[at++];
		if (label == 0)
			break;
		if (label > 63 || at + label > len || used + label + 1 > NAME_MAX_LEN)
			return -1; /* compression pointers have no place in a question */
		if (used)
			out[used++] = '.';
		for (int i = 0; i < label; i++) {
			unsigned char c = p[at + i];
			out[used++] = (c >= 'A' && c <= 'Z') ? c + 32 : (char)c;
		}
		at += label;
	}
	out[used] = 0;
	if (at + 4 > len)
		return -1;
	*qtype = (uint16_t)(p[at] << 8 | p[at + 1]);
	*qclass = (uint16_t)(p[at + 2] << 8 | p[at + 3]);
	return at + 4;
}

static void put16(unsigned char *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 255;
}

/* Answers from the table; returns the response length, or 0 when the name is not ours. */
static int answer(unsigned char *p, int question_end, const char *name, uint16_t qtype, uint16_t qclass, uint32_t from)
{
	int found = 0, len = question_end;
	for (size_t i = 0; i < n_table; i++) {
		if ((table[i].client && table[i].client != from) || strcmp(table[i].name, name))
			continue;
		found = 1;
		if (qtype != 1 || qclass != 1 || len + 16 > MAX_PACKET)
			continue;
		unsigned char *rr = p + len;
		put16(rr, 0xc00c);   /* the name: a pointer to the question's */
		put16(rr + 2, 1);    /* A */
		put16(rr + 4, 1);    /* IN */
		put16(rr + 6, 0);    /* TTL, high half */
		put16(rr + 8, 5);    /* TTL 5 s: containers come and go */
		put16(rr + 10, 4);
		memcpy(rr + 12, &table[i].ip, 4);
		len += 16;
		put16(p + 6, (uint16_t)(((p[6] << 8) | p[7]) + 1));
	}
	if (!found)
		return 0;
	p[2] = 0x84 | (p[2] & 0x01); /* QR, AA, keep RD */
	p[3] = 0x80;                 /* RA, NOERROR */
	put16(p + 8, 0);
	put16(p + 10, 0);
	return len;
}

/* The query turned into an answer with no records (the question kept, anything after it cut off). */
static void empty_reply(unsigned char *p, unsigned char flags, unsigned char rcode)
{
	p[2] = flags | (p[2] & 0x01); /* QR (AA), keep RD */
	p[3] = 0x80 | rcode;          /* RA */
	put16(p + 6, 0);
	put16(p + 8, 0);
	put16(p + 10, 0);
}

static uint16_t next_id(void)
{
	static uint16_t id;
	if (!id)
		id = (uint16_t)(getpid() ^ time(NULL));
	return id += 0x9e37 | 1;
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: skiff-dns LISTEN_IP SUBNET/PREFIX HOSTS_FILE RESOLV_CONF\n");
		return 2;
	}
	struct sockaddr_in listen_addr = { .sin_family = AF_INET, .sin_port = htons(53) };
	struct in_addr subnet;
	char subnet_text[32];
	int prefix = 0;
	if (inet_pton(AF_INET, argv[1], &listen_addr.sin_addr) != 1 || sscanf(argv[2], "%31[0-9.]/%d", subnet_text, &prefix) != 2 ||
	    inet_pton(AF_INET, subnet_text, &subnet) != 1 || prefix < 8 || prefix > 30) {
		fprintf(stderr, "skiff-dns: bad address or subnet\n");
		return 2;
	}
	uint32_t mask = htonl(~0u << (32 - prefix));
	signal(SIGPIPE, SIG_IGN);
	table = calloc(MAX_NAMES, sizeof *table);
	int server = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int client = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0); /* to the upstream, from an ephemeral port */
	if (!table || server < 0 || client < 0 || bind(server, (struct sockaddr *)&listen_addr, sizeof listen_addr) < 0) {
		fprintf(stderr, "skiff-dns: listen on %s:53: %s\n", argv[1], strerror(errno));
		return 1;
	}
	const char *hosts = argv[3];
	struct stat seen = { 0 };
	if (stat(hosts, &seen) < 0)
		return 0;
	load_hosts(hosts);
	load_upstream(argv[4]);
	if (write(1, "ready\n", 6) < 0) { /* nobody waits: fine */ }
	close(1);
	if (chdir("/") < 0) { /* only to let go of the cwd */ }

	unsigned char packet[MAX_RELAYED + 1];
	struct pollfd fds[2] = { { .fd = server, .events = POLLIN }, { .fd = client, .events = POLLIN } };
	time_t last_check = time(NULL);
	for (;;) {
		int ready = poll(fds, 2, 1000);
		time_t now = time(NULL);
		/* The table is looked at before every query (a container started a moment ago must be found) and at
		 * least once a second (to notice the network is empty). */
		if (ready <= 0 || now != last_check || (fds[0].revents & POLLIN)) {
			struct stat st;
			if (stat(hosts, &st) < 0)
				return 0; /* the network has no containers left */
			if (st.st_ino != seen.st_ino || st.st_mtim.tv_nsec != seen.st_mtim.tv_nsec || st.st_mtime != seen.st_mtime || st.st_size != seen.st_size) {
				seen = st;
				load_hosts(hosts);
			}
		}
		if (ready <= 0 || now != last_check) {
			last_check = now;
			if (!links_alive())
				return 0; /* every container is gone, and no skiff command has said so yet */
			for (int i = 0; i < MAX_PENDING; i++)
				if (pending[i].used && now - pending[i].since > 5)
					pending[i].used = 0;
		}
		if (ready <= 0)
			continue;
		if (fds[0].revents & POLLIN) {
			struct sockaddr_in from;
			socklen_t from_len = sizeof from;
			ssize_t n = recvfrom(server, packet, sizeof packet, MSG_TRUNC, (struct sockaddr *)&from, &from_len);
			char name[NAME_MAX_LEN + 1];
			uint16_t qtype, qclass;
			int end;
			/* Only queries (QR 0, opcode 0), one question, from this network's containers, that fit. */
			if (n >= 12 && n <= MAX_PACKET && (from.sin_addr.s_addr & mask) == subnet.s_addr && !(packet[2] & 0xf8) &&
			    packet[4] == 0 && packet[5] == 1 && (end = parse_question(packet, (int)n, name, &qtype, &qclass)) > 0) {
				int len = answer(packet, end, name, qtype, qclass, from.sin_addr.s_addr);
				if (len > 0) {
					sendto(server, packet, len, 0, (struct sockaddr *)&from, from_len);
				} else if (!strchr(name, '.')) {
					empty_reply(packet, 0x84, 3); /* authoritative NXDOMAIN */
					sendto(server, packet, end, 0, (struct sockaddr *)&from, from_len);
				} else if (have_upstream) {
					int slot = -1;
					for (int i = 0; i < MAX_PENDING && slot < 0; i++)
						if (!pending[i].used)
							slot = i;
					if (slot >= 0) {
						struct pending *q = &pending[slot];
						q->used = 1;
						q->client_id = (uint16_t)(packet[0] << 8 | packet[1]);
						q->upstream_id = next_id();
						q->client = from;
						q->since = now;
						put16(packet, q->upstream_id);
						sendto(client, packet, n, 0, (struct sockaddr *)&upstream, sizeof upstream);
					}
				} else {
					empty_reply(packet, 0x80, 2); /* SERVFAIL */
					sendto(server, packet, end, 0, (struct sockaddr *)&from, from_len);
				}
			}
		}
		if (fds[1].revents & POLLIN) {
			struct sockaddr_in from;
			socklen_t from_len = sizeof from;
			ssize_t n = recvfrom(client, packet, sizeof packet, MSG_TRUNC, (struct sockaddr *)&from, &from_len);
			if (n >= 12 && n <= MAX_RELAYED && from.sin_addr.s_addr == upstream.sin_addr.s_addr && from.sin_port == upstream.sin_port) {
				uint16_t id = (uint16_t)(packet[0] << 8 | packet[1]);
				for (int i = 0; i < MAX_PENDING; i++) {
					if (pending[i].used && pending[i].upstream_id == id) {
						put16(packet, pending[i].client_id);
						sendto(server, packet, n, 0, (struct sockaddr *)&pending[i].client, sizeof pending[i].client);
						pending[i].used = 0;
						break;
					}
				}
			}
		}
	}
}
