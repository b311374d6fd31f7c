// SPDX-License-Identifier: GPL-2.0
/* warden check: validate policy files without root and without touching the kernel. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cgroup.h"
#include "commands.h"
#include "log.h"

static void print_diags(const struct policy_diags *d)
{
	char buf[2048];
	size_t i;

	for (i = 0; i < d->n; i++) {
		policy_diag_format(&d->v[i], buf, sizeof(buf));
		fprintf(stderr, "warden: %s\n", buf);
	}
}

void cmd_free_policies(struct policy_set *set)
{
	size_t i;

	if (!set)
		return;
	for (i = 0; i < set->n; i++) {
		policy_ruleset_free(set->rulesets[i]);
		policy_free(set->v[i]);
	}
	free(set->v);
	free(set->rulesets);
	memset(set, 0, sizeof(*set));
}

/*
 * Compile p into the rule set apply installs: a policy whose rules cannot all be installed is
 * an error, whatever the reason (too many rules, no memory). Returns the errors found.
 */
static int compile(const struct policy *p, struct policy_ruleset **ret_rs,
		   struct policy_diags *diags)
{
	char msg[256];

	if (!policy_ruleset_compile(p, ret_rs, msg, sizeof(msg)))
		return 0;
	policy_diags_add(diags, p->file, p->name.line, p->name.column, "%s", msg);
	return 1;
}

int cmd_read_policies(char **files, int nfiles, struct policy_set *ret)
{
	struct policy_diags diags = { 0 };
	struct policy_set set = { 0 };
	int i, errors = 0, err = 0;

	set.v = calloc(nfiles, sizeof(*set.v));
	set.rulesets = calloc(nfiles, sizeof(*set.rulesets));
	if (!set.v || !set.rulesets) {
		free(set.v);
		free(set.rulesets);
		log_error("out of memory");
		return -ENOMEM;
	}
	/* errors are counted, not inferred from diagnostics: one may be lost for want of memory */
	for (i = 0; i < nfiles; i++) {
		struct policy *p;

		if (policy_parse_file(files[i], &p, &diags)) {
			errors++;
			continue;
		}
		set.v[set.n] = p;
		set.n++;
		errors += compile(p, &set.rulesets[set.n - 1], &diags);
	}
	if (!errors && policy_check_set(set.v, set.n, &diags))
		errors++;
	if (errors) {
		print_diags(&diags);
		if (!diags.n)
			log_error("cannot read the policies: out of memory");
		err = -EINVAL;
		cmd_free_policies(&set);
	} else {
		*ret = set;
	}
	policy_diags_free(&diags);
	return err;
}

int cmd_check(int argc, char **argv)
{
	struct policy_set set;
	int ret = cmd_simple_options(
		"check",
		"usage: warden check FILE...\n\n"
		"Validate policy files: syntax, schema, paths, names, cgroups bound twice and\n"
		"cgroup patterns of two policies that match one cgroup equally well. The\n"
		"cgroups need not exist (they are bound when they appear). Needs no root and\n"
		"changes nothing. Exits 1 on any error, each reported as FILE:LINE:COLUMN:\n"
		"message.\n",
		"policy file", argc, argv);

	if (ret >= 0)
		return ret;

	if (cmd_read_policies(argv + optind, argc - optind, &set))
		return 1;
	for (size_t i = 0; i < set.n; i++)
		printf("%s: policy '%s' is valid\n", set.v[i]->file, set.v[i]->name.s);
	cmd_free_policies(&set);
	return 0;
}
