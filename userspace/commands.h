/* SPDX-License-Identifier: GPL-2.0 */
#ifndef WARDEN_COMMANDS_H
#define WARDEN_COMMANDS_H

#include <stddef.h>
#include <stdint.h>
#include "policy/policy.h"

/* Each returns the process exit status: 0 success, 1 failure, 2 usage error. */
int cmd_doctor(int argc, char **argv);
int cmd_load(int argc, char **argv);
int cmd_unload(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_apply(int argc, char **argv);
int cmd_remove(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_events(int argc, char **argv);
int cmd_daemon(int argc, char **argv);
int cmd_query(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_learn(int argc, char **argv);

/*
 * Parse, validate and compile policy files as `warden check` does, printing every diagnostic.
 * rulesets[i] is v[i] compiled, what maps_policy_install writes. Cgroups need not exist.
 * Returns 0 when every file is valid.
 */
struct policy_set {
	struct policy **v;
	size_t n;
	struct policy_ruleset **rulesets;
};
/*
 * Compile p and install it (maps_policy_install): for policies made by a command (warden run,
 * learn) rather than read from files. 0 or a negative errno, a compile error said.
 */
struct warden_maps;
int cmd_install_policy(const struct warden_maps *m, const char *cgroup_mount,
		       const struct policy *p);
int cmd_read_policies(char **files, int nfiles, struct policy_set *ret);
void cmd_free_policies(struct policy_set *set);

/*
 * Options of a command that takes only -v and -h: prints help on -h. need names the
 * positional arguments the command requires ("policy file"), or is NULL when it takes none.
 * Returns -1 to go on (with optind at the first positional argument), or an exit status.
 */
int cmd_simple_options(const char *name, const char *help, const char *need, int argc, char **argv);
/* The same with one more option, --FLAG, which sets *flag_set. */
int cmd_flag_options(const char *name, const char *help, const char *need, const char *flag,
		     int *flag_set, int argc, char **argv);

/* The cgroup2 mount point; logs the fix and returns a negative errno when there is none. */
int cmd_cgroup_mount(char *buf, size_t size);

/* Usage error for command: "warden CMD: msg" and a pointer to --help; returns 2. */
int cmd_usage_error(const char *command, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
