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
};

struct policy_fs {
	int default_deny;
	struct policy_strs read;
	struct policy_strs write;
	struct policy_strs deny;
};

struct policy {
	char *file;
	struct policy_str name;
	int audit;
	struct policy_strs cgroups;
	struct policy_fs fs;
};

/*
 * Parse one policy file. Returns 0 and a policy, or -EINVAL with at least one diagnostic
 * added to diags (or another negative errno, also with a diagnostic, when the file cannot be
 * read).
 */
int policy_parse_file(const char *file, struct policy **ret_policy, struct policy_diags *diags);
/* The same, from a string; file names it in diagnostics. */
int policy_parse_string(const char *file, const char *text, size_t len, struct policy **ret_policy,
			struct policy_diags *diags);
void policy_free(struct policy *p);

/* Checks across files: names must be unique, and so must cgroups. Adds diagnostics. */
int policy_check_set(struct policy **policies, size_t n, struct policy_diags *diags);

/* A compiled fs rule: the hash of the rule's path and the access bits it denies and allows. */
struct policy_fs_rule {
	uint64_t hash;
	uint32_t deny;
	uint32_t allow;
};

/*
 * Compile a policy's fs section into one rule per distinct path, sorted by hash. seed is the
 * loaded programs' hash seed (warden_config.hash_seed).
 */
int policy_compile_fs(const struct policy *p, uint64_t seed, struct policy_fs_rule **ret_rules,
		      size_t *ret_n);

/* The hash the BPF programs compute for path (see bpf/abi.h). */
uint64_t policy_path_hash(uint64_t seed, const char *path);

#endif
