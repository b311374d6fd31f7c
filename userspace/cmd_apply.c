// SPDX-License-Identifier: GPL-2.0
/* warden apply: validate every file, then install them all; an invalid file changes nothing. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "bindings.h"
#include "candidate.h"
#include "cgroup.h"
#include "commands.h"
#include "loader.h"
#include "log.h"
#include "maps.h"

/*
 * The bindings of set against those of the installed policies it does not replace: a cgroup
 * bound twice, patterns that match one cgroup equally well, too many patterns.
 */
static int check_installed_bindings(const struct warden_maps *m, const struct policy_set *set)
{
	struct policy_diags diags = { 0 };
	char buf[2048];
	int errors = bindings_check(m, set->v, set->n, &diags);

	for (size_t i = 0; i < diags.n; i++) {
		policy_diag_format(&diags.v[i], buf, sizeof(buf));
		log_error("%s", buf);
	}
	policy_diags_free(&diags);
	return errors ? -EEXIST : 0;
}

int cmd_install_policy(const struct warden_maps *m, const char *cgroup_mount,
		       const struct policy *p)
{
	struct policy_ruleset *rs = NULL;
	char msg[256];
	int err = policy_ruleset_compile(p, &rs, msg, sizeof(msg));

	if (err) {
		log_error("%s: %s", p->file ? p->file : p->name.s, msg);
		return err;
	}
	err = maps_policy_install(m, cgroup_mount, rs);
	policy_ruleset_free(rs);
	return err;
}

static const char apply_help[] =
	"usage: warden apply [--candidate] FILE...\n\n"
	"Validate every policy file, then install them all, replacing installed\n"
	"policies of the same names. If any file is invalid, nothing changes.\n"
	"Loads the BPF programs first when they are not loaded.\n\n"
	"  --candidate  install each file as a report-only candidate beside the enforced\n"
	"               policy of its name (same cgroups): decisions stay the enforced\n"
	"               policy's, and what the candidate would deny is reported as\n"
	"               \"would-deny\" events. Applying the same file without --candidate\n"
	"               promotes it (one atomic swap) and ends the candidate;\n"
	"               'warden remove --candidate NAME' drops it.\n";

int cmd_apply(int argc, char **argv)
{
	struct warden_maps m;
	struct policy_set set = { 0 };
	char mount[PATH_MAX];
	size_t i;
	int err, lock, candidate = 0, ret = 1;
	struct timespec lap;

	ret = cmd_flag_options("apply", apply_help, "policy file", "candidate", &candidate, argc,
			       argv);
	if (ret >= 0)
		return ret;
	ret = 1;

	if (cmd_cgroup_mount(mount, sizeof(mount)))
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &lap);
	if (cmd_read_policies(argv + optind, argc - optind, &set))
		return 1;
	log_debug("read and compiled in %.1f ms", log_lap_ms(&lap));
	/* one change at a time: concurrent applies and the daemon never interleave */
	lock = loader_lock();
	if (lock < 0)
		goto out_set;
	if (loader_load() || loader_open(&m))
		goto out_lock;
	if (candidate) {
		ret = candidate_apply(&m, mount, &set) ? 1 : 0;
		for (i = 0; !ret && i < set.n; i++)
			printf("warden: applied candidate '%s' from %s (report-only, beside the "
			       "enforced policy)\n",
			       set.v[i]->name.s, set.v[i]->file);
		goto out;
	}
	if (check_installed_bindings(&m, &set))
		goto out;
	for (i = 0; i < set.n; i++) {
		const struct policy *p = set.v[i];

		err = maps_policy_install(&m, mount, set.rulesets[i]);
		if (err) {
			log_error("%s: cannot install policy '%s': %s", p->file, p->name.s,
				  strerror(-err));
			goto out;
		}
		printf("warden: applied policy '%s' from %s (%s, %zu cgroup%s)\n", p->name.s,
		       p->file, p->audit ? "audit" : "enforce", p->cgroups.n,
		       p->cgroups.n == 1 ? "" : "s");
		err = candidate_promoted(&m, mount, p);
		if (err < 0)
			goto out;
		if (err)
			printf("warden: candidate '%s' promoted: it is the policy in force now\n",
			       p->name.s);
	}
	ret = 0;
out:
	loader_close(&m);
out_lock:
	loader_unlock(lock);
out_set:
	cmd_free_policies(&set);
	return ret;
}

int cmd_remove(int argc, char **argv)
{
	struct warden_maps m;
	char mount[PATH_MAX];
	uint32_t ids[256];
	int i, n, err, lock, ret = 1;

	int candidate = 0;

	ret = cmd_flag_options(
		"remove",
		"usage: warden remove [--candidate] NAME...\n\n"
		"Remove installed policies: their cgroups are no longer confined by them\n"
		"(a cgroup below another bound cgroup falls back to that one's policy),\n"
		"and their candidates. With --candidate, remove only the report-only\n"
		"candidates of those names; the enforced policies stay.\n",
		"policy name", "candidate", &candidate, argc, argv);
	if (ret >= 0)
		return ret;
	ret = 1;

	n = argc - optind;
	if (n > 256)
		return cmd_usage_error("remove", "at most 256 names at once");
	if (cmd_cgroup_mount(mount, sizeof(mount)))
		return 1;
	lock = loader_lock();
	if (lock < 0)
		return 1;
	if (loader_open(&m)) {
		loader_unlock(lock);
		return 1;
	}
	if (candidate) {
		for (i = 0; i < n; i++) {
			err = candidate_remove(&m, mount, argv[optind + i]);
			if (err == -ENOENT)
				log_error("no candidate named '%s' is installed", argv[optind + i]);
			else if (err)
				log_error("cannot remove candidate '%s': %s", argv[optind + i],
					  strerror(-err));
			if (err)
				goto out;
			printf("warden: removed candidate '%s'\n", argv[optind + i]);
		}
		ret = 0;
		goto out;
	}
	/* Every name must be installed before anything is removed. */
	for (i = 0; i < n; i++) {
		if (maps_policy_find(&m, argv[optind + i], &ids[i])) {
			log_error("no policy named '%s' is installed", argv[optind + i]);
			goto out;
		}
	}
	for (i = 0; i < n; i++) {
		err = maps_policy_remove(&m, mount, ids[i]);
		if (err) {
			log_error("cannot remove policy '%s': %s", argv[optind + i],
				  strerror(-err));
			goto out;
		}
		printf("warden: removed policy '%s'\n", argv[optind + i]);
	}
	ret = candidate_detach_unused(&m) ? 1 : 0;
out:
	loader_close(&m);
	loader_unlock(lock);
	return ret;
}
