/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Running one command confined: a transient cgroup below /warden.run with its own policy,
 * removed when the last process in it exits (warden run; warden learn runs through it too).
 */
#ifndef WARDEN_RUN_H
#define WARDEN_RUN_H

#include <stdio.h>
#include "events.h"
#include "policy/policy.h"

/* The parent of every transient cgroup, below the cgroup2 mount. */
#define RUN_CGROUP_PARENT "/warden.run"
/* Transient policies and their cgroups are called "run.<pid>.<random>". */
#define RUN_NAME_PREFIX "run."

/* Called for every event of the run's policy (deny or audit), after the stderr line. */
typedef void (*run_event_fn)(const struct event_view *ev, void *ctx);

struct run_options {
	int audit; /* install the policy in audit mode: deny nothing, report */
	int quiet; /* no denial lines on stderr */
	FILE *events; /* JSON lines of the run's events (as `warden events --json`), or NULL */
	run_event_fn on_event; /* or NULL */
	void *ctx;
};

/*
 * Run argv[0] (found in PATH when it has no '/', as execvp does) with argv in a new transient
 * cgroup confined by p, and wait for it. p's name and cgroups are replaced by the transient
 * ones (any given are ignored); p->audit is set when o->audit is. Signals sent to warden
 * (SIGTERM, SIGHUP, SIGUSR1, SIGUSR2) are passed on; SIGINT and SIGQUIT from the terminal reach
 * the command directly. The cgroup and the policy are removed when the last process in the
 * cgroup has exited, by warden or, if warden is killed, by a detached reaper process.
 * Returns 0 and the command's exit status in *ret_status (128+N when killed by signal N), or
 * a negative errno (explained on stderr) when the command could not be started.
 */
int run_confined(struct policy *p, char *const *argv, const struct run_options *o, int *ret_status);

/*
 * Remove the transient cgroups left with no process in them and the transient policies whose
 * cgroup is gone (what a run killed before its reaper started left). Takes the lock.
 */
int run_sweep(void);

/*
 * The absolute path execvp would run for file (symlinks not resolved: rules need realpath());
 * -ENOENT when there is none.
 */
int run_find_program(const char *file, char *buf, size_t size);

#endif

/*
 * What warden run's flags ask for (see docs/run.md). A list holds the values as given; its
 * `any` is set by the flag given without a value (everything).
 */
struct run_list {
	char **v;
	size_t n;
	int any;
};

struct run_flags {
	struct run_list fs_read, fs_write, exec, libraries, net, bind;
	struct run_list deny_fs_read, deny_fs_write, deny_exec, deny_libraries, deny_net, deny_bind;
	int child_process, deny_child_process;
	int addons, deny_addons;
	int all;
};

/* Add a value (NULL: the flag without one) to a list; a comma list adds each element. */
int run_list_add(struct run_list *l, const char *value);
void run_flags_free(struct run_flags *f);

/*
 * The policy of a run: the embedded default for argv[0] (what a program needs to start, see
 * docs/run.md) or the policy file, plus what the flags allow or deny (deny wins). Name and
 * cgroups are left for run_confined. -EINVAL with diagnostics when a flag's value or the file
 * is invalid; -ENOENT (and a diagnostic) when a program named cannot be found.
 */
int run_policy_build(const struct run_flags *f, const char *policy_file, const char *argv0,
		     struct policy **ret_policy, struct policy_diags *diags);
