// SPDX-License-Identifier: GPL-2.0
/*
 * wnet: give a socket an address one way the kernel accepts, and print "ok" or the errno's
 * name, like wtry. For the network tests of every way a socket gets a peer or a local address.
 *
 *   wnet OP SOCKET [ADDR PORT]... [len=N] [family=N] [v6only=0|1] [dst=ADDR]...
 *
 * SOCKET is tcp4, tcp6, udp4, udp6, raw4, raw6, ping4, ping6, sctp4 or sctp6 (the protocol and
 * the socket's family). Each ADDR PORT is an IPv4 or IPv6 address, made into a sockaddr_in or
 * sockaddr_in6 by the address's own family; len= passes another length (24: a sockaddr_in6
 * without sin6_scope_id), family= another sa_family (0: AF_UNSPEC); each dst= adds an SCTP
 * control message SCTP_DSTADDRV4 or SCTP_DSTADDRV6 (another peer of the association a send
 * starts) to sendmsg and uring-sendmsg. OP is one of
 *   connect, bind         connect(2), bind(2)
 *   sendto, sendmsg       sendto(2) or sendmsg(2) of one byte to the address
 *   fastopen              sendto(2) with MSG_FASTOPEN (TCP Fast Open)
 *   uring-sendmsg         io_uring's IORING_OP_SENDMSG to the address
 *   listen                listen(2) on the socket without binding it (no address)
 *   bindx, connectx       SCTP: setsockopt SCTP_SOCKOPT_BINDX_ADD / SCTP_SOCKOPT_CONNECTX with
 *                         every ADDR PORT given, packed
 *   family                socket(2) of the address family SOCKET (a number), datagram type
 * Exits 0 on success, 1 when the operation failed, 2 on usage errors.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <arpa/inet.h>
#include <linux/io_uring.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#define SOL_SCTP 132
#define SCTP_SOCKOPT_BINDX_ADD 100
#define SCTP_SOCKOPT_CONNECTX 110
#define MAX_ADDRS 4
#define SCTP_DSTADDRV4 7
#define SCTP_DSTADDRV6 8

static int report(int err)
{
	if (!err) {
		puts("ok");
		return 0;
	}
	puts(strerrorname_np(err) ? strerrorname_np(err) : "EUNKNOWN");
	return 1;
}

static int usage(void)
{
	fprintf(stderr, "usage: wnet OP SOCKET [ADDR PORT]... [len=N] [family=N] [v6only=0|1] "
			"[dst=ADDR]...\n");
	return 2;
}

static int open_socket(const char *what, int v6only)
{
	int family = strchr(what, '6') ? AF_INET6 : AF_INET, type, proto, fd;

	if (!strncmp(what, "tcp", 3)) {
		type = SOCK_STREAM;
		proto = IPPROTO_TCP;
	} else if (!strncmp(what, "udp", 3)) {
		type = SOCK_DGRAM;
		proto = IPPROTO_UDP;
	} else if (!strncmp(what, "raw", 3)) {
		type = SOCK_RAW;
		proto = family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6;
	} else if (!strncmp(what, "ping", 4)) {
		type = SOCK_DGRAM;
		proto = family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6;
	} else if (!strncmp(what, "sctp", 4)) {
		type = SOCK_SEQPACKET;
		proto = IPPROTO_SCTP;
	} else {
		errno = EINVAL;
		return -1;
	}
	fd = socket(family, type, proto);
	if (fd >= 0 && family == AF_INET6 && v6only >= 0 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Append ADDR PORT to buf as a sockaddr of the address's family; returns its length. */
static int put_addr(char *buf, const char *addr, const char *port)
{
	struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons(atoi(port)) };
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6, .sin6_port = htons(atoi(port)) };

	if (inet_pton(AF_INET, addr, &in.sin_addr) == 1) {
		memcpy(buf, &in, sizeof(in));
		return sizeof(in);
	}
	if (inet_pton(AF_INET6, addr, &in6.sin6_addr) == 1) {
		memcpy(buf, &in6, sizeof(in6));
		return sizeof(in6);
	}
	return -1;
}

/* Append an SCTP_DSTADDRV4 or SCTP_DSTADDRV6 control message for addr to msg's buffer ctl. */
static int put_dst(struct msghdr *msg, char *ctl, size_t size, const char *addr)
{
	struct in6_addr a6;
	struct in_addr a4;
	struct cmsghdr *c = (struct cmsghdr *)(ctl + msg->msg_controllen);
	int v4 = inet_pton(AF_INET, addr, &a4) == 1;

	if (!v4 && inet_pton(AF_INET6, addr, &a6) != 1)
		return -1;
	if (msg->msg_controllen + CMSG_SPACE(sizeof(a6)) > size)
		return -1;
	c->cmsg_level = SOL_SCTP;
	c->cmsg_type = v4 ? SCTP_DSTADDRV4 : SCTP_DSTADDRV6;
	c->cmsg_len = CMSG_LEN(v4 ? sizeof(a4) : sizeof(a6));
	memcpy(CMSG_DATA(c), v4 ? (void *)&a4 : (void *)&a6, v4 ? sizeof(a4) : sizeof(a6));
	msg->msg_control = ctl;
	msg->msg_controllen += CMSG_SPACE(v4 ? sizeof(a4) : sizeof(a6));
	return 0;
}

/* One IORING_OP_SENDMSG through a ring of one entry; returns 0 or an errno. */
static int uring_sendmsg(int fd, struct msghdr *msg)
{
	struct io_uring_params p = { 0 };
	struct io_uring_sqe *sqes;
	struct io_uring_cqe *cqe;
	unsigned int *sq_tail, *sq_array, *cq_head, *cq_tail;
	char *sq, *cq;
	int ring, res;

	ring = syscall(__NR_io_uring_setup, 1, &p);
	if (ring < 0)
		return errno;
	sq = mmap(NULL, p.sq_off.array + p.sq_entries * sizeof(unsigned int),
		  PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring, IORING_OFF_SQ_RING);
	cq = mmap(NULL, p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe),
		  PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring, IORING_OFF_CQ_RING);
	sqes = mmap(NULL, p.sq_entries * sizeof(struct io_uring_sqe), PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_POPULATE, ring, IORING_OFF_SQES);
	if (sq == MAP_FAILED || cq == MAP_FAILED || sqes == MAP_FAILED)
		return errno;
	sq_tail = (unsigned int *)(sq + p.sq_off.tail);
	sq_array = (unsigned int *)(sq + p.sq_off.array);
	cq_head = (unsigned int *)(cq + p.cq_off.head);
	cq_tail = (unsigned int *)(cq + p.cq_off.tail);
	memset(&sqes[0], 0, sizeof(sqes[0]));
	sqes[0].opcode = IORING_OP_SENDMSG;
	sqes[0].fd = fd;
	sqes[0].addr = (uintptr_t)msg;
	sqes[0].len = 1;
	sq_array[0] = 0;
	__atomic_store_n(sq_tail, *sq_tail + 1, __ATOMIC_RELEASE);
	if (syscall(__NR_io_uring_enter, ring, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0) < 0)
		return errno;
	if (__atomic_load_n(cq_tail, __ATOMIC_ACQUIRE) == *cq_head)
		return ENODATA;
	cqe = (struct io_uring_cqe *)(cq + p.cq_off.cqes);
	res = cqe[*cq_head & (p.cq_entries - 1)].res;
	close(ring);
	return res < 0 ? -res : 0;
}

int main(int argc, char **argv)
{
	char buf[MAX_ADDRS * sizeof(struct sockaddr_in6)] = { 0 }, byte = 'x';
	char ctl[MAX_ADDRS * CMSG_SPACE(sizeof(struct in6_addr))]
		__attribute__((aligned(8))) = { 0 };
	const char *op, *what;
	int len = 0, addrs = 0, force_len = -1, family = -1, v6only = -1, fd, i, n;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (argc < 3)
		return usage();
	op = argv[1];
	what = argv[2];
	for (i = 3; i < argc; i++) {
		if (!strncmp(argv[i], "len=", 4)) {
			force_len = atoi(argv[i] + 4);
		} else if (!strncmp(argv[i], "family=", 7)) {
			family = atoi(argv[i] + 7);
		} else if (!strncmp(argv[i], "v6only=", 7)) {
			v6only = atoi(argv[i] + 7);
		} else if (!strncmp(argv[i], "dst=", 4)) {
			if (put_dst(&msg, ctl, sizeof(ctl), argv[i] + 4))
				return usage();
		} else if (i + 1 < argc && addrs < MAX_ADDRS) {
			n = put_addr(buf + len, argv[i], argv[i + 1]);
			if (n < 0)
				return usage();
			if (family >= 0 && !addrs)
				((struct sockaddr *)buf)->sa_family = family;
			len += n;
			addrs++;
			i++;
		} else {
			return usage();
		}
	}
	/* family= given before the address, or after it */
	if (family >= 0 && addrs)
		((struct sockaddr *)buf)->sa_family = family;
	if (force_len >= 0)
		len = force_len;
	/* wnet family N: socket(2) of address family N (a family whose module is not loaded) */
	if (!strcmp(op, "family"))
		return report(socket(atoi(what), SOCK_DGRAM, 0) < 0 ? errno : 0);
	fd = open_socket(what, v6only);
	if (fd < 0)
		return report(errno);
	msg.msg_name = buf;
	msg.msg_namelen = len;

	if (!strcmp(op, "connect"))
		return report(connect(fd, (struct sockaddr *)buf, len) ? errno : 0);
	if (!strcmp(op, "bind"))
		return report(bind(fd, (struct sockaddr *)buf, len) ? errno : 0);
	if (!strcmp(op, "sendto"))
		return report(sendto(fd, &byte, 1, 0, (struct sockaddr *)buf, len) < 0 ? errno : 0);
	if (!strcmp(op, "sendmsg"))
		return report(sendmsg(fd, &msg, 0) < 0 ? errno : 0);
	if (!strcmp(op, "fastopen"))
		return report(sendto(fd, &byte, 1, MSG_FASTOPEN, (struct sockaddr *)buf, len) < 0 ?
				      errno :
				      0);
	if (!strcmp(op, "uring-sendmsg"))
		return report(uring_sendmsg(fd, &msg));
	if (!strcmp(op, "listen"))
		return report(listen(fd, 1) ? errno : 0);
	if (!strcmp(op, "bindx"))
		return report(setsockopt(fd, SOL_SCTP, SCTP_SOCKOPT_BINDX_ADD, buf, len) ? errno :
											   0);
	if (!strcmp(op, "connectx"))
		return report(
			setsockopt(fd, SOL_SCTP, SCTP_SOCKOPT_CONNECTX, buf, len) < 0 ? errno : 0);
	return usage();
}
