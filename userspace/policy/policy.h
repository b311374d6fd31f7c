/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Policy files: parse (YAML) -> model (struct policy) -> compile (flat rule sets). Nothing here
 * makes a system call beyond reading the file, touches libbpf or prints: errors come back as
 * diagnostics naming file, line and column.
 */
#ifndef WARDEN_POLICY_H
#define WARDEN_POLICY_H

#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>
#include "../../bpf/abi.h"

struct policy_diag {
	char *file;
	int line; /* 1-based; 0 when the error is about the whole file */
	int column;
	char *message;
};

struct policy_diags {
	struct policy_diag *v;
	size_t n;
};

/* Adds nothing when memory runs out: the parser then returns -ENOMEM. */
void policy_diags_add(struct policy_diags *d, const char *file, int line, int column,
		      const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* "file:line:column: message" (or "file: message" without a position). */
int policy_diag_format(const struct policy_diag *diag, char *buf, size_t size);
void policy_diags_free(struct policy_diags *d);

/* A string from the file and where it stood. */
struct policy_str {
	char *s;
	int line;
	int column;
};

struct policy_strs {
	struct policy_str *v;
	size_t n;
	size_t cap; /* entries v has room for (the parser's: 0 for lists built elsewhere) */
};

struct policy_fs {
	int default_deny;
	struct policy_strs read;
	struct policy_strs write;
	struct policy_strs deny;
	struct policy_strs deny_read; /* may not be opened for reading (warden run --deny-fs-read) */
	struct policy_strs deny_write; /* may not be opened for writing nor changed */
};

/* exec and libraries: lists of files (or directories, with a trailing '/'). */
struct policy_files {
	int default_deny;
	struct policy_strs allow;
	struct policy_strs deny;
};

/* One network rule: an address range, a port range and a protocol. */
struct policy_net_rule {
	char *text; /* as written */
	int line;
	int column;
	int family; /* AF_INET or AF_INET6; 0 for a port-only rule (any address) */
	uint8_t addr[16]; /* network byte order; IPv4 in the first 4 bytes */
	int prefix; /* bits of addr that count */
	uint16_t port_lo; /* 0-65535 is every port */
	uint16_t port_hi;
	int proto; /* 0 (any), IPPROTO_TCP or IPPROTO_UDP */
};

struct policy_net_rules {
	struct policy_net_rule *v;
	size_t n;
	struct policy_strs names; /* abstract unix socket names ("@name"), in connect rules */
};

struct policy_net {
	int default_deny;
	struct policy_net_rules allow;
	struct policy_net_rules deny;
};

struct policy {
	char *file;
	uint64_t source_hash; /* FNV-1a of the file's bytes */
	char *source; /* the file's bytes (NUL-terminated), as parsed: kept beside the installed policy */
	size_t source_len;
	struct policy_str name;
	int audit;
	struct policy_strs cgroups;
	struct policy_fs fs;
	struct policy_files exec;
	struct policy_files libraries;
	struct policy_net connect;
	struct policy_net bind;
	int fork_deny;
	int ptrace_deny;
	int namespaces_deny; /* new mount and user namespaces; 1 unless the policy allows them */
	int handles_deny; /* open_by_handle_at; 1 unless the policy allows it */
	int exec_memory_deny; /* executable anonymous or writable memory; 0 unless denied */
	int signal_deny; /* signals to processes outside the policy; 0 unless denied */
};

/*
 * Parse one network address rule ("127.0.0.1:5432/tcp", "10.0.0.0/8", "[::1]:6379",
 * "8080/tcp", "[2001:db8::/32]:8000-8100/udp"). IPv4-mapped IPv6 addresses become IPv4.
 * Returns 0, or -EINVAL with a message in err.
 */
int policy_parse_net_rule(const char *text, struct policy_net_rule *rule, char *err,
			  size_t err_size);

/*
 * Parse one policy file. Returns 0 and a policy, or -EINVAL with at least one diagnostic
 * added to diags (or another negative errno, also with a diagnostic, when the file cannot be
 * read). -ENOMEM when memory runs out anywhere (in libyaml too): never a policy with a rule
 * missing, and its "out of memory" diagnostic only if there was memory for it.
 */
int policy_parse_file(const char *file, struct policy **ret_policy, struct policy_diags *diags);
/* The same, from a string; file names it in diagnostics. */
int policy_parse_string(const char *file, const char *text, size_t len, struct policy **ret_policy,
			struct policy_diags *diags);
void policy_free(struct policy *p);

/*
 * The name a policy file gives itself, even when the file is otherwise invalid (the daemon keeps
 * that policy's last good version). -ENOENT when the file has no readable name.
 */
int policy_peek_name(const char *file, char *buf, size_t size);

/*
 * Checks across files: names must be unique, and so must cgroups; no two policies' cgroup
 * patterns may match one cgroup with equal specificity. Adds diagnostics.
 */
int policy_check_set(struct policy **policies, size_t n, struct policy_diags *diags);

/* A node of the trie of literal path rules, as warden_fs_rule holds it (see bpf/abi.h). */
struct policy_fs_node {
	uint32_t parent; /* 0 for the root */
	uint32_t id; /* from 1, unique in the trie */
	char name[WARDEN_COMPONENT_MAX]; /* the component, NUL-padded */
	uint32_t deny; /* rules naming exactly this path */
	uint32_t allow;
	uint32_t dir_deny; /* directory rules: this path and everything below */
	uint32_t dir_allow;
	uint32_t subtree_deny; /* deny bits of every rule at or below this path */
	uint32_t subtree_allow; /* allow bits of any rule at or below this path */
};

/*
 * The trie. Nodes are found through a hash index, every hit confirmed by comparing the
 * component; hash may be set (before the first node) to replace the index's hash.
 */
struct policy_fs_trie {
	struct policy_fs_node *v;
	size_t n;
	size_t cap;
	uint32_t *index; /* open addressing: a node's position + 1, 0 for an empty slot */
	size_t nindex; /* 0 or a power of two */
	uint64_t (*hash)(uint32_t parent, const char *name, size_t len);
};

/*
 * Add one literal rule: "/a/b" names that path, "/a/b/" that directory and everything below,
 * "@name" an abstract unix socket name (no directory meaning). -ENAMETOOLONG for a component
 * of 256 bytes or more.
 */
int policy_fs_trie_add(struct policy_fs_trie *t, const char *path, uint32_t deny, uint32_t allow);
const struct policy_fs_node *policy_fs_trie_find(const struct policy_fs_trie *t, uint32_t parent,
						 const char *name, size_t len);
void policy_fs_trie_free(struct policy_fs_trie *t);

/* One list of path rules and the masks it gives (fs.read, exec.deny, ...). */
struct policy_path_section {
	const struct policy_strs *paths;
	uint32_t deny;
	uint32_t allow;
	const char *name; /* as in the file: "fs.read", "exec.deny", ... */
};

#define POLICY_PATH_SECTIONS 11
/* Every list of path rules of a policy: the literal ones go to the trie, the rest to the DFA. */
void policy_path_sections(const struct policy *p,
			  struct policy_path_section out[POLICY_PATH_SECTIONS]);

/*
 * Compile a policy's literal fs, exec, libraries rules and abstract unix socket names into t
 * (zeroed, or with only hash set). On failure t is emptied.
 */
int policy_compile_fs(const struct policy *p, struct policy_fs_trie *t);

/* A compiled network rule: one LPM entry (see bpf/abi.h, warden_net_rule). */
struct policy_net_entry {
	uint8_t family; /* 4 or 6 */
	uint8_t prefix;
	uint8_t addr[16];
	struct warden_net_rule rule;
};

/*
 * Compile the connect (op WARDEN_NET_CONNECT) or bind rules of a policy into one entry per
 * distinct network, each carrying the port ranges of every rule that covers it. -E2BIG with a
 * message in err when a network is covered by more rules than an entry holds.
 */
int policy_compile_net(const struct policy *p, int op, struct policy_net_entry **ret_entries,
		       size_t *ret_n, char *err, size_t err_size);

/* Whether a rule path has wildcards ('*', '**'): such rules go to the automaton. */
int policy_is_glob(const char *path);

/*
 * An automaton over path bytes for a set of patterns ('*', '**', a trailing '/' for a directory
 * and everything below it): states 0 (dead) and 1 (start), each with its moves and its output,
 * the OR of the outs of the patterns that match a path ending there. -E2BIG past max states.
 * No patterns: n is 0.
 */
struct policy_glob {
	const char *s;
	uint64_t out;
};

struct policy_automaton {
	size_t n;
	uint16_t (*next)[256];
	uint64_t *out;
};

int policy_automaton_build(const struct policy_glob *g, size_t n, size_t max,
			   struct policy_automaton *ret);
void policy_automaton_free(struct policy_automaton *a);

/*
 * Cgroup patterns (cgpattern.c). Specificity orders patterns: more literal bytes, then fewer
 * '**', then fewer '*' (a larger value is more specific).
 */
uint32_t policy_cgroup_specificity(const char *pattern);

struct policy_cgroup_pattern {
	const char *s;
	uint32_t owner; /* the policy it belongs to (any number the caller chooses) */
};

/* Two patterns (indexes + 1) of different owners that can match one path equally well. */
struct policy_cgroup_conflict {
	size_t a, b;
};

#define POLICY_CGROUP_CONFLICTS 16

/*
 * The automaton of up to WARDEN_CGROUP_PATTERNS patterns: for each state, the index of the
 * pattern that wins a path ending there (-1: none), and the conflicts found (the first 16).
 */
struct policy_cgroup_automaton {
	struct policy_automaton a;
	long *winner;
	struct policy_cgroup_conflict conflicts[POLICY_CGROUP_CONFLICTS];
	size_t nconflicts;
};

/* -E2BIG past WARDEN_CGROUP_PATTERNS patterns or max_states states. */
int policy_cgroup_resolve(const struct policy_cgroup_pattern *v, size_t n, size_t max_states,
			  struct policy_cgroup_automaton *ret);
/* The index of the pattern that wins path, or -1. */
long policy_cgroup_match(const struct policy_cgroup_automaton *r, const char *path);
void policy_cgroup_automaton_free(struct policy_cgroup_automaton *r);

/*
 * Compile a policy's wildcard rules (fs, exec, libraries) into one DFA over path bytes:
 * *ret_n states numbered from 0 (dead) and 1 (start), or none when the policy has no wildcard
 * rules. -E2BIG with a message in err past WARDEN_DFA_POLICY_STATES.
 */
int policy_compile_dfa(const struct policy *p, struct warden_dfa_state **ret_states, size_t *ret_n,
		       char *err, size_t err_size);

/*
 * The deny and allow masks of every rule covering path: what the BPF programs compute
 * (bpf/path.bpf.h), from the same trie and automaton (numbered as policy_compile_dfa returns it).
 */
void policy_match_path(const struct policy_fs_trie *t, const struct warden_dfa_state *dfa,
		       size_t ndfa, const char *path, uint32_t *ret_deny, uint32_t *ret_allow);

/*
 * The deny and allow results of the net rules compiled for one op (policy_compile_net) for one
 * address, port and protocol: what net_rules in bpf/net.bpf.c computes from the same entries
 * (the longest prefix covering the address, then every port range of that entry). family is
 * 4 or 6, addr in network byte order.
 */
void policy_match_net(const struct policy_net_entry *entries, size_t n, int family,
		      const uint8_t addr[16], uint16_t port, int proto, int *ret_deny,
		      int *ret_allow);

/*
 * One policy compiled: everything the maps get, built once from a struct policy by
 * policy_ruleset_compile and written as it is by maps_policy_install. check, apply, the daemon
 * and query all use this value.
 */
struct policy_ruleset {
	const struct policy *policy; /* the source (not owned): name, cgroups, rule texts */
	struct warden_policy header; /* flags, name, source_hash; maps.c adds its place */
	struct policy_fs_trie trie; /* literal fs, exec, libraries rules and abstract names */
	struct warden_dfa_state *dfa; /* wildcard rules: 0 dead, 1 start; NULL when none */
	size_t ndfa;
	struct policy_net_entry *net[2]; /* WARDEN_NET_CONNECT - 1, WARDEN_NET_BIND - 1 */
	size_t nnet[2];
};

/*
 * Compile p. Returns 0 and a rule set (which points at p: free it first), or a negative errno
 * with a message in err (-E2BIG: too many rules for the maps; -ENOMEM).
 */
int policy_ruleset_compile(const struct policy *p, struct policy_ruleset **ret_rs, char *err,
			   size_t err_size);
void policy_ruleset_free(struct policy_ruleset *rs);

/*
 * warden query: what one operation of a tagged process would get from a compiled policy,
 * decided by the userspace twins of the programs' matches (policy_match_path,
 * policy_match_net) on the rule set maps.c installs, and the rule that decides it.
 */
struct policy_query {
	int op; /* WARDEN_OP_*; WARDEN_OP_TAMPER for namespaces and file handles */
	int what; /* with WARDEN_OP_TAMPER: WARDEN_TAMPER_NAMESPACE or WARDEN_TAMPER_HANDLE */
	char path[WARDEN_PATH_MAX]; /* fs, exec, library: absolute, resolved; "@NAME": abstract */
	int family; /* net: 4 or 6 */
	uint8_t addr[16]; /* network byte order */
	uint16_t port;
	int proto; /* IPPROTO_TCP or IPPROTO_UDP */
};

/*
 * Read OP and TARGET as `warden query` takes them ("fs.read" "/etc/shadow", "net.connect"
 * "10.1.2.3:443/tcp", "fork" NULL). Paths must be absolute (the caller resolves them first).
 * Returns 0, or -EINVAL with a message in err.
 */
int policy_query_parse(const char *op, const char *target, struct policy_query *q, char *err,
		       size_t err_size);

/* The op names policy_query_parse takes, for help and errors. */
extern const char policy_query_ops[];

struct policy_decision {
	int denied; /* by the rules; in audit mode the kernel allows and reports it */
	int by_default; /* the section's default decided (or a process key), not a listed rule */
	char key[32]; /* "fs.deny", "exec.allow", "fs.default", "process.fork", ... */
	char rule[WARDEN_PATH_MAX]; /* the rule as written, or the key's value ("deny") */
	int line; /* where the rule stands in the policy file; 0 for defaults and process keys */
	int column;
};

/* Decide q under rs. 0, or -ENOMEM. */
int policy_decide(const struct policy_ruleset *rs, const struct policy_query *q,
		  struct policy_decision *ret);

/* The index hash of a bound cgroup path (see bpf/abi.h, warden_bindpath). */
uint64_t policy_path_hash(uint64_t seed, const char *path);

#endif
