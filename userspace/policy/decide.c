// SPDX-License-Identifier: GPL-2.0
/*
 * warden query's decision: one operation judged against a compiled rule set by the userspace
 * twins of the programs' matches (policy_match_path for bpf/path.bpf.h, policy_match_net for
 * net_rules in bpf/net.bpf.c), followed through each program's own steps (path_decide,
 * net_judge, the process keys). The rule named is found by matching each rule of the deciding
 * kind alone, compiled by the same compiler: the masks of a trie and of an automaton are the
 * union of those of their rules, so a rule matches alone exactly when it lends its bit.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "policy.h"

const char policy_query_ops[] = "fs.read, fs.write, exec, library, net.connect, net.bind, fork, "
				"ptrace, memory.exec, signal, namespace, handle";

static const struct query_op {
	const char *name;
	int op;
	int what;
} query_ops[] = {
	{ "fs.read", WARDEN_OP_FS_READ, 0 },
	{ "fs.write", WARDEN_OP_FS_WRITE, 0 },
	{ "exec", WARDEN_OP_EXEC, 0 },
	{ "library", WARDEN_OP_LIBRARY, 0 },
	{ "libraries", WARDEN_OP_LIBRARY, 0 },
	{ "net.connect", WARDEN_OP_NET_CONNECT, 0 },
	{ "net.bind", WARDEN_OP_NET_BIND, 0 },
	{ "fork", WARDEN_OP_FORK, 0 },
	{ "ptrace", WARDEN_OP_PTRACE, 0 },
	{ "memory.exec", WARDEN_OP_MEMORY_EXEC, 0 },
	{ "exec_memory", WARDEN_OP_MEMORY_EXEC, 0 },
	{ "signal", WARDEN_OP_SIGNAL, 0 },
	{ "namespace", WARDEN_OP_TAMPER, WARDEN_TAMPER_NAMESPACE },
	{ "namespaces", WARDEN_OP_TAMPER, WARDEN_TAMPER_NAMESPACE },
	{ "handle", WARDEN_OP_TAMPER, WARDEN_TAMPER_HANDLE },
	{ "file_handles", WARDEN_OP_TAMPER, WARDEN_TAMPER_HANDLE },
};

static int is_path_op(int op)
{
	return op == WARDEN_OP_FS_READ || op == WARDEN_OP_FS_WRITE || op == WARDEN_OP_EXEC ||
	       op == WARDEN_OP_LIBRARY;
}

static int parse_net(const char *op, const char *target, struct policy_query *q, char *err,
		     size_t err_size)
{
	struct policy_net_rule r;
	char msg[200];
	int full;

	if (policy_parse_net_rule(target, &r, msg, sizeof(msg))) {
		snprintf(err, err_size, "%s target '%s': %s", op, target, msg);
		return -EINVAL;
	}
	free(r.text);
	full = r.family == AF_INET ? 32 : 128;
	if (!r.family && q->op == WARDEN_OP_NET_CONNECT) {
		snprintf(err, err_size, "%s target '%s' has no address (e.g. 10.1.2.3:443/tcp)", op,
			 target);
		return -EINVAL;
	}
	if (r.family && r.prefix != full) {
		snprintf(err, err_size, "%s target '%s' is a network; give one address", op,
			 target);
		return -EINVAL;
	}
	if (r.port_lo != r.port_hi) {
		snprintf(err, err_size, "%s target '%s' needs one port (e.g. %s)", op, target,
			 q->op == WARDEN_OP_NET_CONNECT ? "10.1.2.3:443/tcp" : "8080/tcp");
		return -EINVAL;
	}
	/* a port alone binds the IPv4 wildcard address, as bind(0.0.0.0:PORT) */
	q->family = r.family == AF_INET6 ? 6 : 4;
	memcpy(q->addr, r.addr, sizeof(q->addr));
	if (!r.family)
		memset(q->addr, 0, sizeof(q->addr));
	q->port = r.port_lo;
	q->proto = r.proto ? r.proto : IPPROTO_TCP;
	return 0;
}

int policy_query_parse(const char *op, const char *target, struct policy_query *q, char *err,
		       size_t err_size)
{
	size_t i;

	memset(q, 0, sizeof(*q));
	for (i = 0; i < sizeof(query_ops) / sizeof(query_ops[0]); i++)
		if (!strcmp(op, query_ops[i].name))
			break;
	if (i == sizeof(query_ops) / sizeof(query_ops[0])) {
		if (!strcmp(op, "tamper"))
			snprintf(
				err, err_size,
				"op 'tamper' is no rule's to decide: a confined process is always refused it (see docs/security.md)");
		else
			snprintf(err, err_size, "unknown op '%s' (ops: %s)", op, policy_query_ops);
		return -EINVAL;
	}
	q->op = query_ops[i].op;
	q->what = query_ops[i].what;
	if (is_path_op(q->op) || q->op == WARDEN_OP_NET_CONNECT || q->op == WARDEN_OP_NET_BIND) {
		if (!target || !*target) {
			snprintf(err, err_size, "op '%s' needs a target", op);
			return -EINVAL;
		}
	} else if (target) {
		snprintf(err, err_size, "op '%s' takes no target (got '%s')", op, target);
		return -EINVAL;
	}
	if (q->op == WARDEN_OP_NET_CONNECT && target[0] == '@') {
		if (strlen(target) < 2 || strlen(target) > 108) {
			snprintf(
				err, err_size,
				"net.connect target '%s': an abstract socket name has 1 to 107 bytes after '@'",
				target);
			return -EINVAL;
		}
		snprintf(q->path, sizeof(q->path), "%s", target);
		return 0;
	}
	if (q->op == WARDEN_OP_NET_CONNECT || q->op == WARDEN_OP_NET_BIND)
		return parse_net(op, target, q, err, err_size);
	if (!is_path_op(q->op))
		return 0;
	if (target[0] != '/') {
		snprintf(err, err_size, "%s target '%s' is not an absolute path", op, target);
		return -EINVAL;
	}
	if (strlen(target) >= sizeof(q->path)) {
		snprintf(err, err_size, "%s target is longer than %d bytes", op,
			 WARDEN_PATH_MAX - 1);
		return -EINVAL;
	}
	snprintf(q->path, sizeof(q->path), "%s", target);
	return 0;
}

/* Does rule (of section sec of p) alone give path one of bits, as deny (or allow) rule? */
static int path_rule_matches(const struct policy *p, size_t sec, const struct policy_str *rule,
			     const char *path, uint32_t bits, int deny, int *ret)
{
	struct policy_path_section v[POLICY_PATH_SECTIONS];
	struct policy tmp = { .name = p->name };
	struct policy_fs_trie t = { 0 };
	struct warden_dfa_state *dfa = NULL;
	uint32_t d = 0, a = 0;
	size_t ndfa = 0;
	char err[256];
	int r;

	policy_path_sections(&tmp, v);
	/* the section's list, in tmp, holds this rule alone */
	*(struct policy_strs *)v[sec].paths =
		(struct policy_strs){ (struct policy_str *)rule, 1, 1 };
	r = policy_compile_fs(&tmp, &t);
	if (!r)
		r = policy_compile_dfa(&tmp, &dfa, &ndfa, err, sizeof(err));
	if (!r) {
		policy_match_path(&t, dfa, ndfa, path, &d, &a);
		*ret = !!((deny ? d : a) & bits);
	}
	free(dfa);
	policy_fs_trie_free(&t);
	return r;
}

/* The first rule (in the file's order of sections) lending path a deny (or allow) bit of want. */
static int find_path_rule(const struct policy *p, const char *path, uint32_t want, int deny,
			  struct policy_decision *out)
{
	struct policy_path_section v[POLICY_PATH_SECTIONS];
	size_t i, j;
	int ret, hit = 0;

	policy_path_sections(p, v);
	for (i = 0; i < POLICY_PATH_SECTIONS; i++) {
		if (!((deny ? v[i].deny : v[i].allow) & want))
			continue;
		for (j = 0; j < v[i].paths->n; j++) {
			const struct policy_str *s = &v[i].paths->v[j];

			ret = path_rule_matches(p, i, s, path, want, deny, &hit);
			if (ret)
				return ret;
			if (!hit)
				continue;
			snprintf(out->key, sizeof(out->key), "%s", v[i].name);
			snprintf(out->rule, sizeof(out->rule), "%s", s->s);
			out->line = s->line;
			out->column = s->column;
			return 0;
		}
	}
	return -ENOENT; /* cannot happen: the union of the rules gave the bit */
}

static void decide_key(struct policy_decision *out, int denied, const char *key)
{
	out->denied = denied;
	out->by_default = 1;
	snprintf(out->key, sizeof(out->key), "%s", key);
	snprintf(out->rule, sizeof(out->rule), "%s", denied ? "deny" : "allow");
}

/* path_decide in bpf/path.bpf.h, after the path is known. */
static int decide_path(const struct policy_ruleset *rs, const char *path, uint32_t want,
		       int default_deny, const char *default_key, struct policy_decision *out)
{
	uint32_t deny = 0, allow = 0;

	policy_match_path(&rs->trie, rs->dfa, rs->ndfa, path, &deny, &allow);
	if (deny & want) {
		out->denied = 1;
		return find_path_rule(rs->policy, path, want, 1, out);
	}
	if (allow & want) {
		/* allowed by a rule; named even when the default would allow it too */
		return find_path_rule(rs->policy, path, want, 0, out);
	}
	decide_key(out, default_deny, default_key);
	return 0;
}

static int net_rule_covers(const struct policy_net_rule *r, int family, const uint8_t *addr,
			   uint16_t port, int proto)
{
	int bit;

	if (r->family && r->family != (family == 4 ? AF_INET : AF_INET6))
		return 0;
	for (bit = 0; r->family && bit < r->prefix; bit++) {
		uint8_t mask = 0x80 >> (bit % 8);

		if ((r->addr[bit / 8] & mask) != (addr[bit / 8] & mask))
			return 0;
	}
	return port >= r->port_lo && port <= r->port_hi && (!r->proto || r->proto == proto);
}

/* net_rules in bpf/net.bpf.c: 0 allowed, 1 denied; out names what decided. */
static int net_rules(const struct policy_ruleset *rs, int op, int family, const uint8_t *addr,
		     uint16_t port, int proto, struct policy_decision *out)
{
	const struct policy_net *net = op == WARDEN_NET_CONNECT ? &rs->policy->connect :
								  &rs->policy->bind;
	const char *name = op == WARDEN_NET_CONNECT ? "net.connect" : "net.bind";
	const struct policy_net_rules *list;
	int deny, allow;
	size_t i;

	policy_match_net(rs->net[op - 1], rs->nnet[op - 1], family, addr, port, proto, &deny,
			 &allow);
	memset(out, 0, sizeof(*out));
	if (!deny && !allow) {
		char key[32];

		snprintf(key, sizeof(key), "%s.default", name);
		decide_key(out, net->default_deny, key);
		return out->denied;
	}
	out->denied = deny;
	list = deny ? &net->deny : &net->allow;
	snprintf(out->key, sizeof(out->key), "%s.%s", name, deny ? "deny" : "allow");
	for (i = 0; i < list->n; i++) {
		if (!net_rule_covers(&list->v[i], family, addr, port, proto))
			continue;
		snprintf(out->rule, sizeof(out->rule), "%s", list->v[i].text);
		out->line = list->v[i].line;
		out->column = list->v[i].column;
		break;
	}
	return out->denied;
}

static int addr_zero(const uint8_t *a)
{
	for (int i = 0; i < 16; i++)
		if (a[i])
			return 0;
	return 1;
}

/* net_judge in bpf/net.bpf.c, for a socket without IPV6_V6ONLY. */
static void decide_net(const struct policy_ruleset *rs, const struct policy_query *q,
		       struct policy_decision *out)
{
	int op = q->op == WARDEN_OP_NET_CONNECT ? WARDEN_NET_CONNECT : WARDEN_NET_BIND;
	uint8_t addr[16];

	memcpy(addr, q->addr, sizeof(addr));
	/* a peer 0.0.0.0 or :: is the local host to the kernel */
	if (op == WARDEN_NET_CONNECT && addr_zero(addr)) {
		if (q->family == 4) {
			addr[0] = 127;
			addr[3] = 1;
		} else {
			addr[15] = 1;
		}
	}
	if (net_rules(rs, op, q->family, addr, q->port, q->proto, out) || op != WARDEN_NET_BIND ||
	    q->family != 6 || !addr_zero(addr))
		return;
	/* a local [::] also receives IPv4: 0.0.0.0 must be allowed too */
	net_rules(rs, op, 4, addr, q->port, q->proto, out);
}

int policy_decide(const struct policy_ruleset *rs, const struct policy_query *q,
		  struct policy_decision *ret)
{
	__u32 flags = rs->header.flags;
	int fs_deny = !!(flags & WARDEN_POLICY_FS_DEFAULT_DENY);

	memset(ret, 0, sizeof(*ret));
	switch (q->op) {
	case WARDEN_OP_FS_READ:
		return decide_path(rs, q->path, WARDEN_FS_READ, fs_deny, "fs.default", ret);
	case WARDEN_OP_FS_WRITE:
		return decide_path(rs, q->path, WARDEN_FS_WRITE, fs_deny, "fs.default", ret);
	case WARDEN_OP_EXEC:
		return decide_path(rs, q->path, WARDEN_FS_EXEC,
				   !!(flags & WARDEN_POLICY_EXEC_DEFAULT_DENY), "exec.default",
				   ret);
	case WARDEN_OP_LIBRARY:
		return decide_path(rs, q->path, WARDEN_FS_LIB,
				   !!(flags & WARDEN_POLICY_LIB_DEFAULT_DENY), "libraries.default",
				   ret);
	case WARDEN_OP_NET_CONNECT:
		if (q->path[0] == '@')
			return decide_path(rs, q->path, WARDEN_FS_UNIX,
					   !!(flags & WARDEN_POLICY_CONNECT_DEFAULT_DENY),
					   "net.connect.default", ret);
		decide_net(rs, q, ret);
		return 0;
	case WARDEN_OP_NET_BIND:
		decide_net(rs, q, ret);
		return 0;
	case WARDEN_OP_FORK:
		decide_key(ret, !!(flags & WARDEN_POLICY_FORK_DENY), "process.fork");
		return 0;
	case WARDEN_OP_PTRACE:
		decide_key(ret, !!(flags & WARDEN_POLICY_PTRACE_DENY), "process.ptrace");
		return 0;
	case WARDEN_OP_MEMORY_EXEC:
		decide_key(ret, !!(flags & WARDEN_POLICY_EXEC_MEMORY_DENY), "process.exec_memory");
		return 0;
	case WARDEN_OP_SIGNAL:
		decide_key(ret, !!(flags & WARDEN_POLICY_SIGNAL_DENY), "process.signal");
		return 0;
	case WARDEN_OP_TAMPER:
		if (q->what == WARDEN_TAMPER_HANDLE)
			decide_key(ret, !(flags & WARDEN_POLICY_HANDLES_ALLOW),
				   "process.file_handles");
		else
			decide_key(ret, !(flags & WARDEN_POLICY_NAMESPACES_ALLOW),
				   "process.namespaces");
		return 0;
	default:
		return -EINVAL;
	}
}
