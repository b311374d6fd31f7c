/* SPDX-License-Identifier: GPL-2.0 */
#ifndef WARDEN_APPLIED_H
#define WARDEN_APPLIED_H

#include <stddef.h>
#include "policy/policy.h"

/*
 * The source of every installed policy, kept under WARDEN_APPLIED_DIR (NAME.yaml, the bytes
 * installed, and NAME.file, the file they came from): the maps hold compiled rules without
 * their texts, and `warden query` names the rule that decides. The installed header's
 * source_hash tells whether a kept source is the one in force.
 */
#define WARDEN_APPLIED_DIR "/run/warden/policies"
#define WARDEN_APPLIED_NAME "policies" /* below /run/warden */

/* Keep p's source (nothing for a policy without one). */
int applied_save(const struct policy *p);

/* Forget the source kept for policy name. */
void applied_forget(const char *name);

/* Forget every kept source (warden unload: no policy is installed any more). */
void applied_forget_all(void);

/*
 * The directory /run/warden/NAME, opened (created first when create is set) without following
 * symlinks and only when root owns it and no one else may write it: a descriptor, or -errno.
 */
int applied_dir_open(const char *name, int create);

/* Remove the files in /run/warden/NAME (not below it, not what is not a regular file). */
void applied_forget_dir(const char *name);

/*
 * Write len bytes to file name in directory dir atomically: a temporary file made anew
 * (O_EXCL, mode 0600), renamed over it.
 */
int applied_write_file(int dir, const char *name, const char *data, size_t len);

/* The whole of file name in dir (not a symlink), malloc'd into *ret_data, or -errno. */
int applied_read_file(int dir, const char *name, char **ret_data, size_t *ret_len);

/*
 * Parse the source kept for policy name (diagnostics name the file it came from). -ENOENT
 * when none is kept.
 */
int applied_load(const char *name, struct policy **ret_policy, struct policy_diags *diags);

#endif
