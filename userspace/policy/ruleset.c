// SPDX-License-Identifier: GPL-2.0
/*
 * A policy compiled once into the value the maps take: its header, the trie of literal path
 * rules, the automaton of wildcard rules and the network entries of each op. maps.c writes it
 * as it is; check compiles it too, so whatever the compiler refuses, check reports.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "policy.h"

static __u32 header_flags(const struct policy *p)
{
	return (p->audit ? WARDEN_POLICY_AUDIT : 0) |
	       (p->fs.default_deny ? WARDEN_POLICY_FS_DEFAULT_DENY : 0) |
	       (p->exec.default_deny ? WARDEN_POLICY_EXEC_DEFAULT_DENY : 0) |
	       (p->libraries.default_deny ? WARDEN_POLICY_LIB_DEFAULT_DENY : 0) |
	       (p->connect.default_deny ? WARDEN_POLICY_CONNECT_DEFAULT_DENY : 0) |
	       (p->bind.default_deny ? WARDEN_POLICY_BIND_DEFAULT_DENY : 0) |
	       (p->fork_deny ? WARDEN_POLICY_FORK_DENY : 0) |
	       (p->ptrace_deny ? WARDEN_POLICY_PTRACE_DENY : 0) |
	       (p->namespaces_deny ? 0 : WARDEN_POLICY_NAMESPACES_ALLOW) |
	       (p->handles_deny ? 0 : WARDEN_POLICY_HANDLES_ALLOW) |
	       (p->exec_memory_deny ? WARDEN_POLICY_EXEC_MEMORY_DENY : 0) |
	       (p->signal_deny ? WARDEN_POLICY_SIGNAL_DENY : 0);
}

int policy_ruleset_compile(const struct policy *p, struct policy_ruleset **ret_rs, char *err,
			   size_t err_size)
{
	struct policy_ruleset *rs = calloc(1, sizeof(*rs));
	int ret, op;

	if (err_size)
		err[0] = 0;
	if (!rs)
		return -ENOMEM;
	rs->policy = p;
	rs->header.flags = header_flags(p);
	snprintf(rs->header.name, sizeof(rs->header.name), "%s", p->name.s);
	rs->header.source_hash = p->source_hash;
	ret = policy_compile_fs(p, &rs->trie);
	if (ret) {
		snprintf(err, err_size, "cannot compile the path rules: %s", strerror(-ret));
		goto fail;
	}
	ret = policy_compile_dfa(p, &rs->dfa, &rs->ndfa, err, err_size);
	if (ret)
		goto fail;
	for (op = WARDEN_NET_CONNECT; op <= WARDEN_NET_BIND; op++) {
		ret = policy_compile_net(p, op, &rs->net[op - 1], &rs->nnet[op - 1], err, err_size);
		if (ret)
			goto fail;
	}
	*ret_rs = rs;
	return 0;
fail:
	if (err_size && !err[0])
		snprintf(err, err_size, "%s", strerror(-ret));
	policy_ruleset_free(rs);
	return ret;
}

void policy_ruleset_free(struct policy_ruleset *rs)
{
	if (!rs)
		return;
	policy_fs_trie_free(&rs->trie);
	free(rs->dfa);
	free(rs->net[0]);
	free(rs->net[1]);
	free(rs);
}
