// SPDX-License-Identifier: GPL-2.0
/* File hooks: opens are judged against the fs rules of the opener's policy. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "decide.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* include/linux/fs.h: FMODE_EXEC in f_mode, and __FMODE_EXEC (the same bit) in f_flags */
#define FMODE_EXEC 0x20

#define FS_CHUNK 1024

static __always_inline void fs_lookup(struct warden_scratch *s, __u64 hash)
{
	struct warden_fs_key key = { .policy_id = s->policy_id, .hash = hash };
	struct warden_fs_rule *rule;

	rule = bpf_map_lookup_elem(&warden_fs_rule, &key);
	if (rule) {
		s->deny |= rule->deny;
		s->allow |= rule->allow;
	}
}

/*
 * Hash path bytes [start, start + FS_CHUNK) into s->hash, collecting the masks of the
 * directory rules at each '/' (the hash of "/a/b/" is taken on the way through "/a/b/c").
 * A global function, so the verifier checks it once rather than once per call, and walks at
 * most FS_CHUNK iterations of pending branches: one loop over the whole 4096-byte path
 * exceeds its limit of 8192 pending jumps.
 */
__noinline int fs_walk_chunk(__u32 start)
{
	struct warden_scratch *s = warden_scratch_get();
	__u64 h;
	__u32 i;

	if (!s)
		return 0;
	h = s->hash;
	for (i = 0; i < FS_CHUNK; i++) {
		__u32 idx = start + i;
		char c;

		/* s->len counts the terminating NUL, as bpf_d_path returns it */
		if (idx + 1 >= s->len)
			break;
		c = s->ev.path[idx & (WARDEN_PATH_MAX - 1)];
		h = warden_hash_byte(h, c);
		if (c == '/')
			fs_lookup(s, h);
	}
	s->hash = h;
	return 0;
}

/*
 * Collect the masks of every rule covering the path in s->ev: directory rules along the way,
 * the exact file rule at the end, and the directory rule for the path itself ("/a/b/" covers
 * opening the directory "/a/b").
 */
static __always_inline void fs_match_path(struct warden_scratch *s, __u32 policy_id, __u64 seed,
					  __u32 len)
{
	s->hash = seed;
	s->deny = 0;
	s->allow = 0;
	s->policy_id = policy_id;
	s->len = len;
	fs_walk_chunk(0);
	if (len > FS_CHUNK)
		fs_walk_chunk(FS_CHUNK);
	if (len > 2 * FS_CHUNK)
		fs_walk_chunk(2 * FS_CHUNK);
	if (len > 3 * FS_CHUNK)
		fs_walk_chunk(3 * FS_CHUNK);
	fs_lookup(s, s->hash);
	fs_lookup(s, warden_hash_byte(s->hash, '/'));
}

/* The decision for one open by a tagged or untagged task; shared by both attachments below. */
static __always_inline int file_open_decide(struct file *file)
{
	struct warden_policy *policy = NULL;
	struct warden_config *config;
	struct warden_scratch *s;
	struct warden_event *ev;
	__u32 policy_id = 0, zero = 0, want;
	__u32 default_deny;
	__u16 op;
	long len;
	int tagged;

	tagged = warden_current_policy(&policy, &policy_id);
	if (!tagged)
		return 0;
	if (tagged < 0 || !policy)
		return -EPERM;

	if ((BPF_CORE_READ(file, f_flags) & FMODE_EXEC) ||
	    (BPF_CORE_READ(file, f_mode) & FMODE_EXEC)) {
		/* execve and the interpreters it loads open their file with __FMODE_EXEC */
		want = WARDEN_FS_EXEC;
		op = WARDEN_OP_EXEC;
		default_deny = policy->flags & WARDEN_POLICY_EXEC_DEFAULT_DENY;
	} else {
		want = BPF_CORE_READ(file, f_mode) & (WARDEN_FS_READ | WARDEN_FS_WRITE);
		if (!want)
			want = WARDEN_FS_READ; /* an open for neither (mode 3) still reaches the file */
		op = (want & WARDEN_FS_WRITE) ? WARDEN_OP_FS_WRITE : WARDEN_OP_FS_READ;
		default_deny = policy->flags & WARDEN_POLICY_FS_DEFAULT_DENY;
	}

	s = warden_scratch_get();
	config = bpf_map_lookup_elem(&warden_config, &zero);
	if (!s || !config)
		return -EPERM; /* cannot happen for an array map; fail closed if it ever does */
	ev = &s->ev;
	warden_event_reset(ev);

	/*
	 * The path the kernel actually opened, after symlinks, "..", relative lookups and
	 * /proc/self/fd are resolved.
	 */
	len = bpf_d_path((struct path *)&file->f_path, ev->path, sizeof(ev->path));
	if (len <= 0) {
		/* Too long or unresolvable: deny rather than guess, and say why. */
		ev->path[0] = 0;
		ev->path_len = 1;
		ev->error = len ? (__s32)len : -22;
		return warden_report(ev, policy, policy_id, op, WARDEN_REASON_UNRESOLVED);
	}
	ev->path_len = len;

	/*
	 * A memfd or deleted file has no path a rule could name: with exec denied by default,
	 * running one is denied (memfd_create + execveat is the classic way around exec rules).
	 */
	if (op == WARDEN_OP_EXEC && default_deny && !BPF_CORE_READ(file, f_inode, __i_nlink))
		return warden_report(ev, policy, policy_id, op, WARDEN_REASON_FILELESS);

	fs_match_path(s, policy_id, config->hash_seed, len);
	if (s->deny & want)
		return warden_report(ev, policy, policy_id, op, WARDEN_REASON_RULE);
	if (default_deny && (s->allow & want) != want)
		return warden_report(ev, policy, policy_id, op, WARDEN_REASON_DEFAULT);
	warden_count_allowed(policy_id);
	return 0;
}

/*
 * bpf_d_path is only allowed in sleepable LSM programs. The loader uses this one where the
 * kernel lets file_open be sleepable (5.11 and later)...
 */
SEC("lsm.s/file_open")
int BPF_PROG(warden_file_open, struct file *file, int ret)
{
	if (ret)
		return ret;
	return file_open_decide(file);
}

/*
 * ...and this one on 5.10, whose file_open hook cannot be sleepable. There bpf_d_path is allowed
 * to tracing programs attached to security_file_open, and fmod_ret may replace that function's
 * return value: returning an error denies the open before any LSM runs, returning 0 lets
 * security_file_open (and every LSM) run as usual.
 */
SEC("fmod_ret/security_file_open")
int BPF_PROG(warden_file_open_compat, struct file *file, int ret)
{
	if (ret)
		return ret;
	return file_open_decide(file);
}
