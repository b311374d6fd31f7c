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

static int cmp_rule(const void *a, const void *b)
{
	const struct policy_fs_rule *x = a, *y = b;

	return x->hash < y->hash ? -1 : x->hash > y->hash;
}

static void add(struct policy_fs_rule *v, size_t *n, uint64_t seed, const struct policy_strs *paths,
		uint32_t deny, uint32_t allow)
{
	size_t i;

	for (i = 0; i < paths->n; i++) {
		if (policy_is_glob(paths->v[i].s))
			continue; /* in the automaton (dfa.c) */
		v[*n].hash = policy_path_hash(seed, paths->v[i].s);
		v[*n].deny = deny;
		v[*n].allow = allow;
		(*n)++;
	}
}

int policy_compile_fs(const struct policy *p, uint64_t seed, struct policy_fs_rule **ret_rules,
		      size_t *ret_n)
{
	size_t total = p->fs.read.n + p->fs.write.n + p->fs.deny.n + p->exec.allow.n +
		       p->exec.deny.n + p->libraries.allow.n + p->libraries.deny.n;
	size_t n = 0, out = 0, i;
	struct policy_fs_rule *v;

	v = calloc(total ? total : 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	add(v, &n, seed, &p->fs.read, 0, WARDEN_FS_READ);
	add(v, &n, seed, &p->fs.write, 0, WARDEN_FS_WRITE);
	add(v, &n, seed, &p->fs.deny, WARDEN_FS_READ | WARDEN_FS_WRITE, 0);
	add(v, &n, seed, &p->exec.allow, 0, WARDEN_FS_EXEC);
	add(v, &n, seed, &p->exec.deny, WARDEN_FS_EXEC, 0);
	add(v, &n, seed, &p->libraries.allow, 0, WARDEN_FS_LIB);
	add(v, &n, seed, &p->libraries.deny, WARDEN_FS_LIB, 0);
	qsort(v, n, sizeof(*v), cmp_rule);
	/* One map entry per path: merge the masks of rules naming the same path. */
	for (i = 0; i < n; i++) {
		if (out && v[out - 1].hash == v[i].hash) {
			v[out - 1].deny |= v[i].deny;
			v[out - 1].allow |= v[i].allow;
			continue;
		}
		v[out++] = v[i];
	}
	*ret_rules = v;
	*ret_n = out;
	return 0;
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
