/* SPDX-License-Identifier: GPL-2.0 */
#ifndef WARDEN_RSKEYS_H
#define WARDEN_RSKEYS_H

#include <stddef.h>
#include <stdint.h>
#include "../bpf/abi.h"
#include "loader.h"

/*
 * The keys a rule set wrote into the rule maps, so that emptying it deletes just those instead
 * of reading every rule of every policy (a scan of the whole map per install made many policies
 * quadratic, and was most of a replace's time).
 *
 * Each rule set's own entry in warden_fs_rule, under a parent no node has (the marker), counts
 * the keys written for it (trie keys in either trie map, and network keys); the keys themselves
 * are listed in WARDEN_RSKEYS_DIR/RS. The count is
 * the kernel's, which no confined process can change; the list is a file, which one could, so
 * a list is trusted only as far as the count vouches for it: rule set RS is empty once as many
 * of its keys as the marker counts were deleted, none of them the marker itself (the one key of
 * RS the count leaves out). The directory and its files are opened without following symlinks
 * and only when root owns them (applied_dir_open). Anything short of that (no marker: a rule set
 * written by an older warden, whose scan also removes markers; no list; a write cut short; a
 * list changed) falls back to the scan.
 */
#define WARDEN_RSKEYS_DIR "/run/warden/rulesets"
#define WARDEN_RSKEYS_NAME "rulesets" /* below /run/warden (applied_dir_open) */
#define WARDEN_FS_MARKER_PARENT 0xffffffffu

/*
 * Before rule set rs (empty) gets its nfs trie keys and nnet network keys: list them and count
 * them in its marker. A list that cannot be written leaves no marker (the scan then empties it).
 */
int rskeys_begin(const struct warden_maps *m, uint32_t rs, const struct warden_fs_key *fs,
		 size_t nfs, const struct warden_net_key *net, size_t nnet);

/*
 * Delete rule set rs's keys as its marker and list account for them: 0 when it is empty, 1
 * when the caller must scan the rule maps for it, negative errno on a failure.
 */
int rskeys_clear(const struct warden_maps *m, uint32_t rs);

/* Rule set rs is empty: its marker says so, and its list is gone. */
int rskeys_empty(const struct warden_maps *m, uint32_t rs);

/* Forget every list (warden unload: the maps are gone). */
void rskeys_forget_all(void);

#endif
