// SPDX-License-Identifier: GPL-2.0
/*
 * Socket hooks: every way an IPv4 or IPv6 socket gets a peer or a local address is judged
 * against the policy's address rules. A peer (connect, a send to an address, SCTP's connectx)
 * is judged as net.connect, a local address (bind, listen or a first send on an unbound socket,
 * SCTP's bindx) as net.bind. Reaching a unix socket is judged by its path (fs.write of the path
 * it was bound to) or its abstract name ("@name" connect rules), at the end of this file.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "path.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define AF_UNSPEC 0
#define AF_INET 2
#define AF_INET6 10

#define SOCK_STREAM 1
#define SOCK_DGRAM 2
#define SOCK_RAW 3
#define SOCK_SEQPACKET 5

#define IPPROTO_ICMP 1
#define IPPROTO_UDP 17
#define IPPROTO_ICMPV6 58
#define IPPROTO_SCTP 132
#define IPPROTO_UDPLITE 136
#define IPPROTO_RAW 255

/* the shortest sockaddr_in6 the kernel takes: without sin6_scope_id */
#define SIN6_LEN_RFC2133 24

/* the optnames security_sctp_bind_connect is called with (include/uapi/linux/sctp.h) */
#define SCTP_SET_PEER_PRIMARY_ADDR 5
#define SCTP_PRIMARY_ADDR 6
#define SCTP_SOCKOPT_BINDX_ADD 100
#define SCTP_SOCKOPT_CONNECTX 110
#define SCTP_SENDMSG_CONNECT 126
/* addresses of one SCTP list judged; a longer list is refused */
#define NET_SCTP_ADDRS 4
/* sendmsg control messages naming more peers of a new association (enum sctp_cmsg_type) */
#define SCTP_DSTADDRV4 7
#define SCTP_DSTADDRV6 8
/* control messages of one SCTP sendmsg walked; a longer control buffer is refused */
#define NET_CMSGS 8

/* how a sockaddr reaches the kernel, which decides how the kernel reads it */
#define NET_HOW_CONNECT 1
#define NET_HOW_BIND 2
#define NET_HOW_SEND 3
#define NET_HOW_LIST 4 /* one entry of an SCTP address list */

/* a sockaddr as the kernel reads it: not an address at all, IPv4 or IPv6 */
#define NET_NONE 0
#define NET_V4 4
#define NET_V6 6

/* The deciding task's policy and what the hooks need of its socket. */
struct net_ctx {
	struct warden_policy *policy;
	struct warden_scratch *s;
	__u32 policy_id;
	__u16 family; /* the socket's */
	__u16 type;
	__u16 proto;
	__u16 num; /* the local port; 0 while unbound (for raw sockets: the protocol) */
	__u8 v6only;
};

/*
 * Returns 1 when the hook goes on to decide, 0 to allow, -EPERM to deny (see warden_begin).
 * sk is the hook's own (a BTF pointer): its family is a plain load, not a helper call, which
 * every untagged send pays.
 */
static __always_inline int net_begin(struct net_ctx *c, struct sock *sk)
{
	int tagged;

	if (!sk)
		return 0;
	c->family = sk->__sk_common.skc_family;
	if (c->family != AF_INET && c->family != AF_INET6)
		return 0;
	tagged = warden_begin(&c->policy, &c->policy_id, &c->s);
	if (tagged <= 0)
		return tagged;
	c->type = BPF_CORE_READ(sk, sk_type);
	c->proto = BPF_CORE_READ(sk, sk_protocol);
	c->num = BPF_CORE_READ(sk, __sk_common.skc_num);
	c->v6only = BPF_CORE_READ_BITFIELD_PROBED(&sk->__sk_common, skc_ipv6only);
	return 1;
}

static __always_inline int net_verdict(struct net_ctx *c, __u8 op, __u8 reason)
{
	if (!reason) {
		warden_count_allowed(c->policy_id);
		return 0;
	}
	return warden_report(&c->s->ev, c->policy, c->policy_id,
			     op == WARDEN_NET_CONNECT ? WARDEN_OP_NET_CONNECT : WARDEN_OP_NET_BIND,
			     reason);
}

/*
 * The rules' answer for the scratch event's address, port and protocol: 0 (allow) or a reason.
 * A global function, so the verifier checks it once rather than at every call site (an SCTP
 * list judges up to NET_SCTP_ADDRS addresses, each twice for [::]); it takes only scalars, as
 * 5.10 requires of global functions, and finds the event in the per-CPU scratch itself.
 */
__noinline int net_rules(__u32 op, __u32 policy_flags)
{
	struct warden_scratch *s = warden_scratch_get();
	struct warden_net_key key = {};
	struct warden_net_rule *rule;
	struct warden_event *ev;
	__u32 allow = 0, deny = 0, i;

	if (!s)
		return WARDEN_REASON_UNREADABLE;
	ev = &s->ev;
	key.prefixlen = 64 + (ev->family == 4 ? 32 : 128);
	key.ruleset = s->ruleset;
	key.op = op;
	key.family = ev->family;
	__builtin_memcpy(key.addr, ev->addr, 16);
	rule = bpf_map_lookup_elem(&warden_net_rule, &key);
	if (rule) {
		/* the ranges of every rule covering this address: a constant bound, not the rule count */
		for (i = 0; i < WARDEN_NET_RANGES; i++) {
			struct warden_port_range *r = &rule->r[i];

			if (i >= rule->n)
				break;
			if (ev->port < r->lo || ev->port > r->hi ||
			    (r->proto && r->proto != ev->proto))
				continue;
			if (r->deny)
				deny = 1;
			else
				allow = 1;
		}
	}
	if (deny)
		return WARDEN_REASON_RULE;
	if (!allow &&
	    (policy_flags & (op == WARDEN_NET_CONNECT ? WARDEN_POLICY_CONNECT_DEFAULT_DENY :
							WARDEN_POLICY_BIND_DEFAULT_DENY)))
		return WARDEN_REASON_DEFAULT;
	return 0;
}

static __always_inline int net_addr_zero(const __u8 *a, int n)
{
	int i;

	for (i = 0; i < 16; i++)
		if (i < n && a[i])
			return 0;
	return 1;
}

/*
 * Judge the event's address (family 4 or 6, in ev->addr) the way the kernel uses it:
 * - an IPv4-mapped IPv6 address (::ffff:a.b.c.d) is the IPv4 address it carries;
 * - a peer that is the unspecified address (0.0.0.0, ::) is the local host: the kernel routes
 *   it to loopback (ip_route_connect, tcp_v6_connect, udpv6_sendmsg), so it is judged as
 *   127.0.0.1 or ::1;
 * - a local [::] on a socket without IPV6_V6ONLY also receives IPv4, so it is judged as [::]
 *   and as 0.0.0.0, and both must be allowed.
 * A global function like net_rules, for the same reason: the event is in the per-CPU scratch.
 */
__noinline int net_judge(__u32 op, __u32 policy_flags, __u32 v6only)
{
	struct warden_scratch *s = warden_scratch_get();
	struct warden_event *ev;
	__u8 *a;
	int reason;

	if (!s)
		return WARDEN_REASON_UNREADABLE;
	ev = &s->ev;
	a = ev->addr;
	if (ev->family == 6 && net_addr_zero(a, 10) && a[10] == 0xff && a[11] == 0xff) {
		ev->family = 4;
		__builtin_memmove(a, a + 12, 4);
		__builtin_memset(a + 4, 0, 12);
	}
	if (op == WARDEN_NET_CONNECT && net_addr_zero(a, 16)) {
		if (ev->family == 4) {
			a[0] = 127;
			a[3] = 1;
		} else {
			a[15] = 1;
		}
	}
	reason = net_rules(op, policy_flags);
	if (reason || op != WARDEN_NET_BIND || ev->family != 6 || v6only || !net_addr_zero(a, 16))
		return reason;
	ev->family = 4;
	return net_rules(op, policy_flags);
}

static __always_inline __u8 net_check_addr(struct net_ctx *c, __u8 op)
{
	return net_judge(op, c->policy->flags, c->v6only);
}

/*
 * How the kernel reads a sockaddr of family sa_family given to this socket (net/ipv4/af_inet.c,
 * net/ipv6/af_inet6.c, tcp_ipv6.c, udp.c, datagram.c, raw.c, ping.c, net/sctp/socket.c):
 * - connect with AF_UNSPEC disconnects (inet_stream_connect, inet_dgram_connect; SCTP refuses);
 * - a send with AF_UNSPEC to an IPv4 socket goes to the IPv4 address (udp_sendmsg, raw_sendmsg);
 *   to an IPv6 socket it is ignored (udpv6_sendmsg) except on raw sockets (rawv6_sendmsg);
 * - AF_INET is IPv4 on any socket (an IPv6 UDP socket connects and sends to IPv4);
 * - AF_INET6 is IPv6 on IPv6 sockets and on SCTP sockets, which take either;
 * - anything else is read as the socket's own family: IPv4 raw_bind reads sin_addr whatever
 *   the family says, and every other protocol refuses it, so judging it costs nothing.
 * SCTP address lists are read by each entry's family (AF_UNSPEC entries as IPv4, as SELinux).
 */
static __always_inline int net_layout(struct net_ctx *c, __u16 sa_family, int how)
{
	if (sa_family == AF_UNSPEC) {
		if (how == NET_HOW_CONNECT)
			return NET_NONE;
		if (how == NET_HOW_SEND && c->family == AF_INET6)
			return c->type == SOCK_RAW ? NET_V6 : NET_NONE;
		if (how == NET_HOW_LIST)
			return NET_V4;
	}
	if (sa_family == AF_INET)
		return NET_V4;
	if (sa_family == AF_INET6 && (c->family == AF_INET6 || c->proto == IPPROTO_SCTP))
		return NET_V6;
	return c->family == AF_INET6 ? NET_V6 : NET_V4;
}

/*
 * Fill the event from the sockaddr at address (kernel memory: every hook sees the kernel's copy).
 * Returns 0, or -1 when it is too short for the layout or cannot be read: the kernel refuses
 * sockaddrs shorter than sockaddr_in or SIN6_LEN_RFC2133, and warden refuses them too rather
 * than judge bytes the kernel does not have.
 */
static __always_inline int net_read(struct net_ctx *c, const void *address, int addrlen, int layout)
{
	struct warden_event *ev = &c->s->ev;

	if (layout == NET_V4) {
		struct sockaddr_in in = {};

		if (addrlen < (int)sizeof(in) || bpf_probe_read_kernel(&in, sizeof(in), address))
			return -1;
		ev->family = 4;
		__builtin_memset(ev->addr, 0, 16);
		__builtin_memcpy(ev->addr, &in.sin_addr, 4);
		ev->port = bpf_ntohs(in.sin_port);
	} else {
		struct sockaddr_in6 in6 = {};

		if (addrlen < SIN6_LEN_RFC2133 ||
		    bpf_probe_read_kernel(&in6, SIN6_LEN_RFC2133, address))
			return -1;
		ev->family = 6;
		__builtin_memcpy(ev->addr, &in6.sin6_addr, 16);
		ev->port = bpf_ntohs(in6.sin6_port);
	}
	ev->proto = c->proto;
	/*
	 * Raw and ICMP (ping) sockets have no ports: the kernel ignores the sockaddr's port (or
	 * takes it as a protocol), so they are judged as port 0 and, raw ones, as protocol 255,
	 * never as the TCP or UDP port a raw packet could pretend to be.
	 */
	if (c->type == SOCK_RAW) {
		ev->proto = IPPROTO_RAW;
		ev->port = 0;
	} else if (c->proto == IPPROTO_ICMP || c->proto == IPPROTO_ICMPV6) {
		ev->port = 0;
	}
	return 0;
}

/* Judge one sockaddr given to the socket as op; what cannot be read is refused. */
static __always_inline int net_sockaddr(struct net_ctx *c, const void *address, int addrlen,
					__u8 op, int how)
{
	__u16 sa_family = 0;
	int layout;

	if (addrlen < (int)sizeof(sa_family) ||
	    bpf_probe_read_kernel(&sa_family, sizeof(sa_family), address))
		return net_verdict(c, op, WARDEN_REASON_UNREADABLE);
	layout = net_layout(c, sa_family, how);
	if (layout == NET_NONE)
		return 0;
	if (net_read(c, address, addrlen, layout))
		return net_verdict(c, op, WARDEN_REASON_UNREADABLE);
	return net_verdict(c, op, net_check_addr(c, op));
}

/*
 * A local port the kernel chooses (listen or a first send on an unbound socket): not known
 * yet, so judged as a bind of port 0 at the wildcard address of the socket's family.
 */
static __always_inline int net_autobind(struct net_ctx *c)
{
	struct warden_event *ev = &c->s->ev;

	ev->family = c->family == AF_INET6 ? 6 : 4;
	__builtin_memset(ev->addr, 0, 16);
	ev->port = 0;
	ev->proto = c->proto;
	return net_verdict(c, WARDEN_NET_BIND, net_check_addr(c, WARDEN_NET_BIND));
}

SEC("lsm/socket_connect")
int BPF_PROG(warden_socket_connect, struct socket *sock, struct sockaddr *address, int addrlen,
	     int ret)
{
	struct net_ctx c = {};
	int go;

	if (ret)
		return ret;
	go = net_begin(&c, sock->sk);
	if (go <= 0)
		return go;
	/* TCP's and UDP's own bind of a local port here is not judged: a client's, for this peer */
	return net_sockaddr(&c, address, addrlen, WARDEN_NET_CONNECT, NET_HOW_CONNECT);
}

SEC("lsm/socket_bind")
int BPF_PROG(warden_socket_bind, struct socket *sock, struct sockaddr *address, int addrlen,
	     int ret)
{
	struct net_ctx c = {};
	int go;

	if (ret)
		return ret;
	go = net_begin(&c, sock->sk);
	if (go <= 0)
		return go;
	return net_sockaddr(&c, address, addrlen, WARDEN_NET_BIND, NET_HOW_BIND);
}

/* listen() on an unbound socket binds a port the kernel chooses (inet_autobind). */
SEC("lsm/socket_listen")
int BPF_PROG(warden_socket_listen, struct socket *sock, int backlog, int ret)
{
	struct net_ctx c = {};
	int go;

	if (ret)
		return ret;
	go = net_begin(&c, sock->sk);
	if (go <= 0)
		return go;
	if (c.num || (c.type != SOCK_STREAM && c.type != SOCK_SEQPACKET))
		return 0;
	return net_autobind(&c);
}

/* struct cmsghdr, whose data follows at CMSG_ALIGN(16) */
struct net_cmsg {
	__u64 len;
	__s32 level;
	__s32 type;
};

/*
 * The peers an SCTP sendmsg adds to the association it starts, besides its msg_name:
 * sctp_sendmsg_new_asoc passes each SCTP_DSTADDRV4 (an in_addr) and SCTP_DSTADDRV6 (an
 * in6_addr) control message to sctp_connect_add_peer, on msg_name's port, and no LSM hook sees
 * them. Each is judged as net.connect. The control buffer is the kernel's copy
 * (____sys_sendmsg); one that is not, that cannot be read or that is longer than NET_CMSGS
 * messages is refused.
 */
static __always_inline int net_sctp_dstaddrs(struct net_ctx *c, struct msghdr *msg)
{
	struct warden_event *ev = &c->s->ev;
	__u64 ctl = (__u64)BPF_CORE_READ(msg, msg_control);
	__u64 size = BPF_CORE_READ(msg, msg_controllen), off = 0;
	__u16 port = ev->port;
	struct net_cmsg h;
	__u8 reason;
	int i;

	if (size < sizeof(h))
		return 0; /* no control message (for_each_cmsghdr) */
	if (BPF_CORE_READ_BITFIELD_PROBED(msg, msg_control_is_user))
		return net_verdict(c, WARDEN_NET_CONNECT, WARDEN_REASON_UNREADABLE);
	for (i = 0; i < NET_CMSGS; i++) {
		if (off + sizeof(h) > size)
			return 0;
		/* a message the kernel would refuse (CMSG_OK) is refused here too */
		if (bpf_probe_read_kernel(&h, sizeof(h), (void *)(ctl + off)) ||
		    h.len < sizeof(h) || h.len > size - off)
			break;
		if (h.level == IPPROTO_SCTP &&
		    (h.type == SCTP_DSTADDRV4 || h.type == SCTP_DSTADDRV6)) {
			__builtin_memset(ev->addr, 0, sizeof(ev->addr));
			ev->port = port;
			ev->proto = IPPROTO_SCTP;
			if (h.type == SCTP_DSTADDRV4) {
				ev->family = 4;
				if (h.len < sizeof(h) + 4 ||
				    bpf_probe_read_kernel(ev->addr, 4, (void *)(ctl + off + 16)))
					break;
			} else {
				ev->family = 6;
				if (h.len < sizeof(h) + 16 ||
				    bpf_probe_read_kernel(ev->addr, 16, (void *)(ctl + off + 16)))
					break;
			}
			reason = net_check_addr(c, WARDEN_NET_CONNECT);
			if (reason)
				return net_verdict(c, WARDEN_NET_CONNECT, reason);
		}
		off += (h.len + 7) & ~7ULL;
	}
	return net_verdict(c, WARDEN_NET_CONNECT, WARDEN_REASON_UNREADABLE);
}

/*
 * sendmsg, sendto, sendmmsg and io_uring's send and sendmsg (with or without zero copy) all
 * come here with the kernel's copy of the address. A send to an address is a connect to it:
 * UDP, raw and ping sockets send there, TCP Fast Open (MSG_FASTOPEN) connects there without
 * connect(2) (tcp_sendmsg_fastopen calls __inet_stream_connect, which no LSM hook sees), and
 * SCTP starts an association. A first send on an unbound UDP or SCTP socket also binds a port
 * the kernel chooses (inet_send_prepare, sctp_autobind): judged as a bind of port 0.
 */
SEC("lsm/socket_sendmsg")
int BPF_PROG(warden_socket_sendmsg, struct socket *sock, struct msghdr *msg, int size, int ret)
{
	struct net_ctx c = {};
	void *name;
	int namelen, go;

	if (ret)
		return ret;
	go = net_begin(&c, sock->sk);
	if (go <= 0)
		return go;
	name = BPF_CORE_READ(msg, msg_name);
	namelen = BPF_CORE_READ(msg, msg_namelen);
	/* a name of length 0 is ignored (raw) or refused (udp, ping) by the kernel */
	if (name && namelen > 0) {
		go = net_sockaddr(&c, name, namelen, WARDEN_NET_CONNECT, NET_HOW_SEND);
		if (go)
			return go;
		/* more peers of the association this send may start (on msg_name's port) */
		if (c.proto == IPPROTO_SCTP) {
			go = net_sctp_dstaddrs(&c, msg);
			if (go)
				return go;
		}
	}
	if (c.num || c.type == SOCK_RAW ||
	    (c.proto != IPPROTO_UDP && c.proto != IPPROTO_UDPLITE && c.proto != IPPROTO_SCTP))
		return 0;
	return net_autobind(&c);
}

/*
 * SCTP's own address lists: sctp_bindx (SCTP_SOCKOPT_BINDX_ADD), sctp_connectx, a sendmsg that
 * starts an association, and the primary address options, a packed list of sockaddr_in (16
 * bytes) and sockaddr_in6 (28 bytes). Each is judged, bind or connect as SELinux classes them.
 * The ASCONF optnames (SCTP_PARAM_ADD_IP, SCTP_PARAM_SET_PRIMARY) come from a peer's packet in
 * softirq, where the current task is whoever was interrupted: not judged.
 */
SEC("lsm/sctp_bind_connect")
int BPF_PROG(warden_sctp_bind_connect, struct sock *sk, int optname, struct sockaddr *address,
	     int addrlen, int ret)
{
	struct net_ctx c = {};
	__u8 op, reason = 0;
	int go, off = 0, i;

	if (ret)
		return ret;
	if (optname == SCTP_SOCKOPT_BINDX_ADD || optname == SCTP_PRIMARY_ADDR ||
	    optname == SCTP_SET_PEER_PRIMARY_ADDR)
		op = WARDEN_NET_BIND;
	else if (optname == SCTP_SOCKOPT_CONNECTX || optname == SCTP_SENDMSG_CONNECT)
		op = WARDEN_NET_CONNECT;
	else
		return 0;
	go = net_begin(&c, sk);
	if (go <= 0)
		return go;
	for (i = 0; i < NET_SCTP_ADDRS && off < addrlen; i++) {
		const void *entry = (const char *)address + (off & 0xffff);
		__u16 sa_family = 0;
		int len;

		if (bpf_probe_read_kernel(&sa_family, sizeof(sa_family), entry))
			break;
		len = sa_family == AF_INET6 ? (int)sizeof(struct sockaddr_in6) :
		      sa_family == AF_INET || sa_family == AF_UNSPEC ?
					      (int)sizeof(struct sockaddr_in) :
					      0;
		if (!len || addrlen - off < len ||
		    net_read(&c, entry, len, net_layout(&c, sa_family, NET_HOW_LIST)))
			break;
		reason = net_check_addr(&c, op);
		if (reason)
			return net_verdict(&c, op, reason);
		off += len;
	}
	/* an entry that cannot be read, or more of them than judged */
	if (off < addrlen)
		return net_verdict(&c, op, WARDEN_REASON_UNREADABLE);
	return net_verdict(&c, op, 0);
}

#define UNIX_NAME_MAX 108 /* sun_path */

/*
 * The abstract name of a unix socket, "@" and the bytes after sun_path's leading NUL, into
 * s->ev.path. Returns its length with the NUL, or a negative errno. A name with a NUL of its
 * own is cut there and *ret_cut set: no allow rule can name it exactly, but deny rules of its
 * start still count.
 */
static __always_inline long abstract_name(struct warden_scratch *s, struct unix_address *addr,
					  int *ret_cut)
{
	int alen = BPF_CORE_READ(addr, len);
	const char *name = (const char *)addr + bpf_core_field_offset(struct unix_address, name);
	__u32 n, i;

	/* sa_family, then the leading NUL, then the name */
	if (alen < 3 || alen > 2 + UNIX_NAME_MAX)
		return -22;
	n = alen - 3;
	if (n > UNIX_NAME_MAX - 1)
		return -22;
	barrier_var(n); /* or clang drops the mask below and reloads alen - 3, unbounded */
	s->ev.path[0] = '@';
	if (n && bpf_probe_read_kernel(s->ev.path + 1, n & 127, name + 3))
		return -14;
	s->ev.path[(n + 1) & (WARDEN_PATH_MAX - 1)] = 0;
	*ret_cut = 0;
	for (i = 0; i < UNIX_NAME_MAX - 1; i++) {
		if (i >= n)
			break;
		if (!s->ev.path[(i + 1) & (WARDEN_PATH_MAX - 1)]) {
			*ret_cut = 1;
			return i + 2;
		}
	}
	return n + 2;
}

/*
 * A tagged task reaching the unix socket peer (connect, or a datagram sent to it). A socket
 * bound to a path is judged as fs.write of that path, as the kernel asks for write permission
 * on it: the path the listener bound, so another name for the same socket (a hard link, a bind
 * mount) decides the same. An abstract name is judged by the "@name" connect rules. Sockets
 * with no name (socketpair, unbound) are not judged.
 */
static __always_inline int unix_decide(struct sock *peer)
{
	struct unix_sock *u = (struct unix_sock *)peer;
	struct warden_policy *policy = NULL;
	struct unix_address *addr;
	struct warden_scratch *s;
	struct dentry *dentry;
	__u32 policy_id = 0;
	int tagged, cut = 0;
	long len;

	tagged = warden_begin(&policy, &policy_id, &s);
	if (tagged <= 0)
		return tagged;
	addr = BPF_CORE_READ(u, addr);
	if (!addr) {
		warden_count_allowed(policy_id);
		return 0;
	}
	dentry = BPF_CORE_READ(u, path.dentry);
	if (dentry) {
		len = walk_path(s, BPF_CORE_READ(u, path.mnt), dentry, NULL);
		return path_decide(s, policy, policy_id, len, WARDEN_OP_FS_WRITE, WARDEN_FS_WRITE,
				   policy->flags & WARDEN_POLICY_FS_DEFAULT_DENY, NULL);
	}
	len = abstract_name(s, addr, &cut);
	if (len <= 0) {
		s->ev.path[0] = 0;
		s->ev.path_len = 1;
		s->ev.error = len;
		return warden_report(&s->ev, policy, policy_id, WARDEN_OP_NET_CONNECT,
				     WARDEN_REASON_UNREADABLE);
	}
	s->ev.path_len = len;
	if (fs_match_path(s, policy, len))
		s->deny = WARDEN_FS_UNIX; /* the rules could not all be looked up */
	if (cut)
		s->allow = 0;
	if (s->deny & WARDEN_FS_UNIX)
		return warden_report(&s->ev, policy, policy_id, WARDEN_OP_NET_CONNECT,
				     WARDEN_REASON_RULE);
	if ((policy->flags & WARDEN_POLICY_CONNECT_DEFAULT_DENY) && !(s->allow & WARDEN_FS_UNIX))
		return warden_report(&s->ev, policy, policy_id, WARDEN_OP_NET_CONNECT,
				     WARDEN_REASON_DEFAULT);
	warden_count_allowed(policy_id);
	return 0;
}

/* connect(2) of stream and seqpacket sockets: other is the listening socket */
SEC("lsm/unix_stream_connect")
int BPF_PROG(warden_unix_stream_connect, struct sock *sock, struct sock *other, struct sock *newsk,
	     int ret)
{
	if (ret)
		return ret;
	return unix_decide(other);
}

/* datagrams: connect(2), and sendmsg to an address */
SEC("lsm/unix_may_send")
int BPF_PROG(warden_unix_may_send, struct socket *sock, struct socket *other, int ret)
{
	if (ret)
		return ret;
	return unix_decide(BPF_CORE_READ(other, sk));
}
