/* SPDX-License-Identifier: GPL-2.0 */
/*
 * warden learn's generator: events in (from the ring buffer or `warden events --json` lines),
 * a minimal policy out, as YAML in the schema of docs/policy.md, each rule with a comment
 * saying how often it was used. No system calls, no libbpf, no printing: the command reads
 * the events and writes the result (docs/learn.md describes the rules it follows).
 */
#ifndef WARDEN_LEARN_H
#define WARDEN_LEARN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "policy/policy.h"

struct learn_options {
	const char *name; /* the policy's name (a valid one); merging keeps the old file's */
	const char *cgroup; /* the cgroup the policy binds, or NULL for none */
	const char *source; /* for the header comment: the command or file learnt from */
	/*
	 * A directory that has group or more used entries directly in it (files, or
	 * subdirectories with used files) becomes one directory rule "DIR/"; 0 never groups.
	 */
	unsigned int group;
	/* No directory rule shallower than this many components ("/usr/lib/" is 2). */
	unsigned int min_depth;
	/* Comma-separated directories: a path written below one becomes a rule for all of it. */
	const char *temp_dirs;
	/* Take only the events of this policy, or of this cgroup and those below it. */
	const char *only_policy;
	const char *only_cgroup;
	/*
	 * Set when the old policy given to learn_write is a start of the learnt one rather than a
	 * file being widened (warden run's default for the command): says what it is. Its rules
	 * are written without comments; name, mode and cgroups are the options'.
	 */
	const char *base;
};

/* The defaults: group 3, min_depth 2, temp_dirs "/tmp,/var/tmp,/dev/shm". */
void learn_options_default(struct learn_options *o);

/* What learn needs of one event: the fields of its JSON form; NULL (or port -1) when absent. */
struct learn_event {
	const char *op;
	const char *policy;
	const char *cgroup;
	const char *path;
	const char *addr;
	long port;
	const char *proto;
	const char *what;
	const char *reason;
};

struct learn;

/* Options are copied. */
int learn_new(const struct learn_options *o, struct learn **ret_learn);
void learn_free(struct learn *l);

/* Take one event. 0, or -ENOMEM. Events of other policies or cgroups are counted and skipped. */
int learn_add(struct learn *l, const struct learn_event *ev);

/*
 * Take one line of `warden events --json`. Blank lines are skipped. -EINVAL with a message in
 * err for a line that is not a flat JSON object, -ENOMEM.
 */
int learn_add_json(struct learn *l, const char *line, char *err, size_t err_size);

/* Events the kernel counted as dropped while learning: said in the output and warned about. */
void learn_set_dropped(struct learn *l, uint64_t dropped);

/* Events taken (matching the filters), and events skipped by them. */
size_t learn_events(const struct learn *l);
size_t learn_skipped(const struct learn *l);

/*
 * Write the policy. With old (a parsed policy) and old_text (its file's bytes), widen it: its
 * rules, denies, defaults, name, mode and cgroups stay, with the comments that stood on or
 * above its rules' lines and at the top of the file; what was used and it does not allow is
 * added. 0, -ENOMEM, or -EIO when out failed. Warnings (what the old policy denies, dropped
 * events) are kept for learn_warning.
 */
int learn_write(struct learn *l, const struct policy *old, const char *old_text, size_t old_len,
		FILE *out);

/* The i-th warning of the last learn_write, or NULL past the last. */
const char *learn_warning(const struct learn *l, size_t i);

#endif
