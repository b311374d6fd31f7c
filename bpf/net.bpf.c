// SPDX-License-Identifier: GPL-2.0
/*
 * Socket hooks: connect and bind are judged against the policy's address rules; reaching a
 * unix socket, by its path as fs.write of that path, by an abstract name against the
 * "@name" connect rules.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "path.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define AF_INET 2
#define AF_INET6 10

/*
 * Fill the key's family and address and ev's address fields from a sockaddr. Returns 0 for
 * families the rules do not speak of (unix, netlink, AF_UNSPEC), which are not judged.
 * An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is judged as the IPv4 address it is.
 */
static __always_inline int read_addr(struct sockaddr *address, int addrlen,
				     struct warden_net_key *key, struct warden_event *ev)
{
	__u16 family = BPF_CORE_READ(address, sa_family);

	if (family == AF_INET) {
		struct sockaddr_in in = {};

		if (addrlen < (int)sizeof(in))
			return 0;
		bpf_probe_read_kernel(&in, sizeof(in), address);
		key->family = 4;
		__builtin_memcpy(key->addr, &in.sin_addr, 4);
		ev->port = bpf_ntohs(in.sin_port);
	} else if (family == AF_INET6) {
		struct sockaddr_in6 in6 = {};
		__u8 *a = (__u8 *)&in6.sin6_addr;

		if (addrlen < (int)sizeof(in6))
			return 0;
		bpf_probe_read_kernel(&in6, sizeof(in6), address);
		ev->port = bpf_ntohs(in6.sin6_port);
		if (!a[0] && !a[1] && !a[2] && !a[3] && !a[4] && !a[5] && !a[6] && !a[7] && !a[8] &&
		    !a[9] && a[10] == 0xff && a[11] == 0xff) {
			key->family = 4;
			__builtin_memcpy(key->addr, a + 12, 4);
		} else {
			key->family = 6;
			__builtin_memcpy(key->addr, a, 16);
		}
	} else {
		return 0;
	}
	ev->family = key->family;
	__builtin_memcpy(ev->addr, key->addr, 16);
	return 1;
}

static __always_inline int net_decide(struct socket *sock, struct sockaddr *address, int addrlen,
				      __u8 op)
{
	struct warden_net_key key = {};
	struct warden_policy *policy = NULL;
	struct warden_net_rule *rule;
	struct warden_scratch *s;
	struct warden_event *ev;
	__u32 policy_id = 0, allow = 0, deny = 0, i, default_deny;
	__u16 op_event;
	int tagged;

	tagged = warden_begin(&policy, &policy_id, &s);
	if (tagged <= 0)
		return tagged;
	ev = &s->ev;
	if (!read_addr(address, addrlen, &key, ev))
		return 0;
	ev->proto = BPF_CORE_READ(sock, sk, sk_protocol);

	key.prefixlen = 64 + (key.family == 4 ? 32 : 128);
	key.ruleset = s->ruleset;
	key.op = op;
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
	op_event = op == WARDEN_NET_CONNECT ? WARDEN_OP_NET_CONNECT : WARDEN_OP_NET_BIND;
	default_deny = policy->flags &
		       (op == WARDEN_NET_CONNECT ? WARDEN_POLICY_CONNECT_DEFAULT_DENY :
						   WARDEN_POLICY_BIND_DEFAULT_DENY);
	if (deny)
		return warden_report(ev, policy, policy_id, op_event, WARDEN_REASON_RULE);
	if (!allow && default_deny)
		return warden_report(ev, policy, policy_id, op_event, WARDEN_REASON_DEFAULT);
	warden_count_allowed(policy_id);
	return 0;
}

SEC("lsm/socket_connect")
int BPF_PROG(warden_socket_connect, struct socket *sock, struct sockaddr *address, int addrlen,
	     int ret)
{
	if (ret)
		return ret;
	return net_decide(sock, address, addrlen, WARDEN_NET_CONNECT);
}

SEC("lsm/socket_bind")
int BPF_PROG(warden_socket_bind, struct socket *sock, struct sockaddr *address, int addrlen,
	     int ret)
{
	if (ret)
		return ret;
	return net_decide(sock, address, addrlen, WARDEN_NET_BIND);
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
