// SPDX-License-Identifier: GPL-2.0
/* Socket hooks: connect and bind are judged against the policy's address rules. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "decide.bpf.h"

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
