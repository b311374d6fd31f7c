// SPDX-License-Identifier: GPL-2.0
/* struct policy -> flat rule sets the maps take as they are. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>
#include <linux/types.h>
#include "../../bpf/abi.h"
#include "policy.h"

uint64_t policy_path_hash(uint64_t seed, const char *path)
{
	uint64_t h = seed;

	for (; *path; path++)
		h = warden_hash_byte(h, (__u8)*path);
	return h;
}

void policy_path_sections(const struct policy *p,
			  struct policy_path_section out[POLICY_PATH_SECTIONS])
{
	const struct policy_path_section v[POLICY_PATH_SECTIONS] = {
		{ &p->fs.read, 0, WARDEN_FS_READ, "fs.read" },
		{ &p->fs.write, 0, WARDEN_FS_WRITE, "fs.write" },
		{ &p->fs.deny, WARDEN_FS_READ | WARDEN_FS_WRITE, 0, "fs.deny" },
		{ &p->exec.allow, 0, WARDEN_FS_EXEC, "exec.allow" },
		{ &p->exec.deny, WARDEN_FS_EXEC, 0, "exec.deny" },
		{ &p->libraries.allow, 0, WARDEN_FS_LIB, "libraries.allow" },
		{ &p->libraries.deny, WARDEN_FS_LIB, 0, "libraries.deny" },
		{ &p->connect.allow.names, 0, WARDEN_FS_UNIX, "net.connect.allow" },
		{ &p->connect.deny.names, WARDEN_FS_UNIX, 0, "net.connect.deny" },
		{ &p->fs.deny_read, WARDEN_FS_READ, 0, "fs.deny_read" },
		{ &p->fs.deny_write, WARDEN_FS_WRITE, 0, "fs.deny_write" },
	};

	memcpy(out, v, sizeof(v));
}

int policy_compile_fs(const struct policy *p, struct policy_fs_trie *t)
{
	struct policy_path_section sec[POLICY_PATH_SECTIONS];
	size_t i, j;
	int ret = 0;

	policy_path_sections(p, sec);
	for (i = 0; i < POLICY_PATH_SECTIONS && !ret; i++) {
		for (j = 0; j < sec[i].paths->n && !ret; j++) {
			if (policy_is_glob(sec[i].paths->v[j].s))
				continue; /* in the automaton (dfa.c) */
			ret = policy_fs_trie_add(t, sec[i].paths->v[j].s, sec[i].deny,
						 sec[i].allow);
		}
	}
	if (ret)
		policy_fs_trie_free(t);
	return ret;
}

/* Rules with a family, port-only rules standing for both. */
static size_t expand(const struct policy_net *net, struct policy_net_rule *out, int *deny)
{
	const struct policy_net_rules *lists[2] = { &net->allow, &net->deny };
	size_t n = 0, l, i;
	int fam;

	for (l = 0; l < 2; l++) {
		for (i = 0; i < lists[l]->n; i++) {
			const struct policy_net_rule *r = &lists[l]->v[i];

			for (fam = 0; fam < 2; fam++) {
				if (r->family && fam)
					break;
				out[n] = *r;
				if (!r->family) {
					out[n].family = fam ? AF_INET6 : AF_INET;
					out[n].prefix = 0;
				}
				deny[n] = l == 1;
				n++;
			}
		}
	}
	return n;
}

/* Does network a (a->prefix bits of a->addr) contain network b? */
static int covers(const struct policy_net_rule *a, const struct policy_net_rule *b)
{
	int bit;

	if (a->family != b->family || a->prefix > b->prefix)
		return 0;
	for (bit = 0; bit < a->prefix; bit++) {
		uint8_t mask = 0x80 >> (bit % 8);

		if ((a->addr[bit / 8] & mask) != (b->addr[bit / 8] & mask))
			return 0;
	}
	return 1;
}

int policy_compile_net(const struct policy *p, int op, struct policy_net_entry **ret_entries,
		       size_t *ret_n, char *err, size_t err_size)
{
	const struct policy_net *net = op == WARDEN_NET_CONNECT ? &p->connect : &p->bind;
	size_t total = 2 * (net->allow.n + net->deny.n), n, out = 0, i, j, k;
	struct policy_net_rule *rules;
	struct policy_net_entry *v;
	int *deny, ret = 0;

	rules = calloc(total ? total : 1, sizeof(*rules));
	deny = calloc(total ? total : 1, sizeof(*deny));
	v = calloc(total ? total : 1, sizeof(*v));
	if (!rules || !deny || !v) {
		ret = -ENOMEM;
		goto fail;
	}
	n = expand(net, rules, deny);
	for (i = 0; i < n; i++) {
		struct policy_net_entry *e;

		/* one entry per distinct network */
		for (j = 0; j < i; j++)
			if (covers(&rules[j], &rules[i]) && covers(&rules[i], &rules[j]))
				break;
		if (j < i)
			continue;
		e = &v[out++];
		memset(e, 0, sizeof(*e));
		e->family = rules[i].family == AF_INET ? 4 : 6;
		e->prefix = rules[i].prefix;
		memcpy(e->addr, rules[i].addr, sizeof(e->addr));
		/* every rule covering this network lends it its port range */
		for (k = 0; k < n; k++) {
			struct warden_port_range *r;

			if (!covers(&rules[k], &rules[i]))
				continue;
			if (e->rule.n == WARDEN_NET_RANGES) {
				char addr[INET6_ADDRSTRLEN];

				inet_ntop(rules[i].family, rules[i].addr, addr, sizeof(addr));
				snprintf(
					err, err_size,
					"more than %d rules cover the network %s/%d (its own and wider ones)",
					WARDEN_NET_RANGES, addr, rules[i].prefix);
				ret = -E2BIG;
				goto fail;
			}
			r = &e->rule.r[e->rule.n++];
			r->lo = rules[k].port_lo;
			r->hi = rules[k].port_hi;
			r->proto = rules[k].proto;
			r->deny = deny[k];
		}
	}
	free(rules);
	free(deny);
	*ret_entries = v;
	*ret_n = out;
	return 0;
fail:
	free(rules);
	free(deny);
	free(v);
	return ret;
}

void policy_match_net(const struct policy_net_entry *entries, size_t n, int family,
		      const uint8_t addr[16], uint16_t port, int proto, int *ret_deny,
		      int *ret_allow)
{
	const struct policy_net_entry *best = NULL;
	size_t i;
	int deny = 0, allow = 0;

	/* the LPM trie's answer: the entry of the longest prefix covering addr */
	for (i = 0; i < n; i++) {
		const struct policy_net_entry *e = &entries[i];
		int bit;

		if (e->family != family || (best && best->prefix >= e->prefix))
			continue;
		for (bit = 0; bit < e->prefix; bit++) {
			uint8_t mask = 0x80 >> (bit % 8);

			if ((e->addr[bit / 8] & mask) != (addr[bit / 8] & mask))
				break;
		}
		if (bit == e->prefix)
			best = e;
	}
	for (i = 0; best && i < best->rule.n && i < WARDEN_NET_RANGES; i++) {
		const struct warden_port_range *r = &best->rule.r[i];

		if (port < r->lo || port > r->hi || (r->proto && r->proto != proto))
			continue;
		if (r->deny)
			deny = 1;
		else
			allow = 1;
	}
	*ret_deny = deny;
	*ret_allow = allow;
}
