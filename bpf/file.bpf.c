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

#define WALK_CHUNK 64 /* components per call of walk_chunk */
#define WALK_CALLS 32 /* 2048 components: a 4095-byte path has at most that many */

/*
 * Walk up to WALK_CHUNK components from s->walk_dentry towards the task's root, writing
 * "/name" pieces backwards into s->rev. Crossing a mount goes on from its mountpoint in the
 * parent mount, as d_path does. A global function, verified once (see fs_walk_chunk).
 */
__noinline int walk_chunk(void)
{
	struct warden_scratch *s = warden_scratch_get();
	struct dentry *d, *parent;
	struct mount *mnt;
	struct vfsmount *vfs;
	__u32 i, off, len;

	if (!s)
		return 0;
	for (i = 0; i < WALK_CHUNK; i++) {
		/*
		 * Every iteration starts from what the map holds, so all the ways through the
		 * body end in the same verifier state and the iterations do not multiply.
		 */
		if (s->walk_done)
			break;
		d = (struct dentry *)s->walk_dentry;
		mnt = (struct mount *)s->walk_mount;
		off = s->walk_off;
		vfs = (struct vfsmount *)((char *)mnt + bpf_core_field_offset(struct mount, mnt));
		if ((__u64)d == s->root_dentry && (__u64)vfs == s->root_mnt) {
			s->walk_done = 1;
			continue;
		}
		if (d == BPF_CORE_READ(vfs, mnt_root)) {
			struct mount *up = BPF_CORE_READ(mnt, mnt_parent);

			if (up == mnt)
				s->walk_done = 1; /* the namespace's root */
			s->walk_dentry = (__u64)BPF_CORE_READ(mnt, mnt_mountpoint);
			s->walk_mount = (__u64)up;
			continue;
		}
		parent = BPF_CORE_READ(d, d_parent);
		len = BPF_CORE_READ(d, d_name.len);
		if (parent == d) {
			s->walk_done = 1;
			continue;
		}
		if (len > 255 || off < len + 1) {
			s->walk_done = 2;
			continue;
		}
		off -= len;
		bpf_probe_read_kernel(s->rev + (off & (WARDEN_PATH_MAX - 1)), len & 255,
				      BPF_CORE_READ(d, d_name.name));
		off -= 1;
		s->rev[off & (WARDEN_PATH_MAX - 1)] = '/';
		s->walk_off = off;
		s->walk_dentry = (__u64)parent;
	}
	return 0;
}

/*
 * The path of dentry in vfsmount, followed by "/name" when name is set, into s->ev.path as
 * bpf_d_path would give it: for the write-like hooks, which cannot call bpf_d_path on 5.10
 * (not sleepable) and get a bare dentry for the file they create or remove. Returns the length
 * with its NUL, or a negative errno (-ENAMETOOLONG past 4095 bytes).
 */
static __always_inline long walk_path(struct warden_scratch *s, struct vfsmount *vfs,
				      struct dentry *dentry, struct dentry *child)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u32 off = WARDEN_PATH_MAX - 1, len, i;

	s->rev[WARDEN_PATH_MAX - 1] = 0;
	if (child) {
		len = BPF_CORE_READ(child, d_name.len);
		if (len > 255)
			return -36;
		off -= len;
		bpf_probe_read_kernel(s->rev + (off & (WARDEN_PATH_MAX - 1)), len & 255,
				      BPF_CORE_READ(child, d_name.name));
		off -= 1;
		s->rev[off & (WARDEN_PATH_MAX - 1)] = '/';
	}
	s->walk_dentry = (__u64)dentry;
	s->walk_mount = (__u64)((char *)vfs - bpf_core_field_offset(struct mount, mnt));
	s->root_dentry = (__u64)BPF_CORE_READ(task, fs, root.dentry);
	s->root_mnt = (__u64)BPF_CORE_READ(task, fs, root.mnt);
	s->walk_off = off;
	s->walk_done = 0;
	for (i = 0; i < WALK_CALLS; i++) {
		walk_chunk();
		if (s->walk_done)
			break;
	}
	if (s->walk_done != 1)
		return -36; /* ENAMETOOLONG */
	off = s->walk_off;
	if (off == WARDEN_PATH_MAX - 1) {
		/* the root itself */
		off -= 1;
		s->rev[off] = '/';
	}
	len = WARDEN_PATH_MAX - off; /* with the NUL */
	if (off >= WARDEN_PATH_MAX || len > WARDEN_PATH_MAX)
		return -36;
	bpf_probe_read_kernel(s->ev.path, len & (WARDEN_PATH_MAX - 1), s->rev + off);
	s->ev.path[(len - 1) & (WARDEN_PATH_MAX - 1)] = 0;
	return len;
}

/*
 * A write-like operation (create, remove, rename, link, truncate, chmod, chown) on the entry
 * child of directory dir, or on dir itself when child is NULL: judged as fs.write of its path.
 * With old set (link), the file being linked must carry no deny rule either, so a hard link
 * cannot give a denied file a name that is allowed.
 */
static __always_inline int write_decide(const struct path *dir, struct dentry *child,
					struct dentry *old)
{
	struct warden_policy *policy = NULL;
	struct warden_config *config;
	struct warden_scratch *s;
	struct warden_event *ev;
	__u32 policy_id = 0, zero = 0;
	long len;
	int tagged;

	tagged = warden_begin(&policy, &policy_id, &s);
	if (tagged <= 0)
		return tagged;
	config = bpf_map_lookup_elem(&warden_config, &zero);
	if (!config)
		return -EPERM;
	ev = &s->ev;
	if (old) {
		len = walk_path(s, BPF_CORE_READ(dir, mnt), old, NULL);
		if (len > 0) {
			ev->path_len = len;
			fs_match_path(s, policy_id, config->hash_seed, len);
			if (s->deny & (WARDEN_FS_READ | WARDEN_FS_WRITE))
				return warden_report(ev, policy, policy_id, WARDEN_OP_FS_WRITE,
						     WARDEN_REASON_RULE);
		}
	}
	len = walk_path(s, BPF_CORE_READ(dir, mnt), BPF_CORE_READ(dir, dentry), child);
	if (len <= 0) {
		ev->path[0] = 0;
		ev->path_len = 1;
		ev->error = len ? (__s32)len : -22;
		return warden_report(ev, policy, policy_id, WARDEN_OP_FS_WRITE,
				     WARDEN_REASON_UNRESOLVED);
	}
	ev->path_len = len;
	fs_match_path(s, policy_id, config->hash_seed, len);
	if (s->deny & WARDEN_FS_WRITE)
		return warden_report(ev, policy, policy_id, WARDEN_OP_FS_WRITE, WARDEN_REASON_RULE);
	if ((policy->flags & WARDEN_POLICY_FS_DEFAULT_DENY) && !(s->allow & WARDEN_FS_WRITE))
		return warden_report(ev, policy, policy_id, WARDEN_OP_FS_WRITE,
				     WARDEN_REASON_DEFAULT);
	warden_count_allowed(policy_id);
	return 0;
}

SEC("lsm/path_mknod") /* also every open(O_CREAT) that creates a file */
int BPF_PROG(warden_path_mknod, const struct path *dir, struct dentry *dentry, umode_t mode,
	     unsigned int dev, int ret)
{
	if (ret)
		return ret;
	return write_decide(dir, dentry, NULL);
}

SEC("lsm/path_mkdir")
int BPF_PROG(warden_path_mkdir, const struct path *dir, struct dentry *dentry, umode_t mode,
	     int ret)
{
	if (ret)
		return ret;
	return write_decide(dir, dentry, NULL);
}

SEC("lsm/path_unlink")
int BPF_PROG(warden_path_unlink, const struct path *dir, struct dentry *dentry, int ret)
{
	if (ret)
		return ret;
	return write_decide(dir, dentry, NULL);
}

SEC("lsm/path_rmdir")
int BPF_PROG(warden_path_rmdir, const struct path *dir, struct dentry *dentry, int ret)
{
	if (ret)
		return ret;
	return write_decide(dir, dentry, NULL);
}

SEC("lsm/path_symlink")
int BPF_PROG(warden_path_symlink, const struct path *dir, struct dentry *dentry,
	     const char *old_name, int ret)
{
	if (ret)
		return ret;
	return write_decide(dir, dentry, NULL);
}

SEC("lsm/path_link")
int BPF_PROG(warden_path_link, struct dentry *old_dentry, const struct path *new_dir,
	     struct dentry *new_dentry, int ret)
{
	if (ret)
		return ret;
	return write_decide(new_dir, new_dentry, old_dentry);
}

SEC("lsm/path_truncate")
int BPF_PROG(warden_path_truncate, const struct path *path, int ret)
{
	if (ret)
		return ret;
	return write_decide(path, NULL, NULL);
}

SEC("lsm/path_chmod")
int BPF_PROG(warden_path_chmod, const struct path *path, umode_t mode, int ret)
{
	if (ret)
		return ret;
	return write_decide(path, NULL, NULL);
}

SEC("lsm/path_chown")
int BPF_PROG(warden_path_chown, const struct path *path, unsigned int uid, unsigned int gid,
	     int ret)
{
	if (ret)
		return ret;
	return write_decide(path, NULL, NULL);
}

/* Both names of a rename are written. path_rename gained a flags argument in 5.19: the
 * loader keeps the variant whose argument count matches the running kernel. */
static __always_inline int rename_decide(const struct path *old_dir, struct dentry *old_dentry,
					 const struct path *new_dir, struct dentry *new_dentry)
{
	int err = write_decide(old_dir, old_dentry, NULL);

	return err ? err : write_decide(new_dir, new_dentry, NULL);
}

SEC("lsm/path_rename")
int BPF_PROG(warden_path_rename, const struct path *old_dir, struct dentry *old_dentry,
	     const struct path *new_dir, struct dentry *new_dentry, unsigned int flags, int ret)
{
	if (ret)
		return ret;
	return rename_decide(old_dir, old_dentry, new_dir, new_dentry);
}

SEC("lsm/path_rename")
int BPF_PROG(warden_path_rename4, const struct path *old_dir, struct dentry *old_dentry,
	     const struct path *new_dir, struct dentry *new_dentry, int ret)
{
	if (ret)
		return ret;
	return rename_decide(old_dir, old_dentry, new_dir, new_dentry);
}

/*
 * Record the executable of a tagged process once its exec has succeeded, for its events: by
 * the time userspace reads an event the process may be gone, and /proc with it. The dentry
 * walk rather than bpf_d_path, which 5.10 does not allow in this hook.
 */
SEC("lsm/bprm_committed_creds")
int BPF_PROG(warden_bprm_committed_creds, struct linux_binprm *bprm)
{
	struct warden_policy *policy = NULL;
	struct warden_scratch *s;
	__u32 policy_id = 0, tgid = bpf_get_current_pid_tgid() >> 32;
	struct file *file = BPF_CORE_READ(bprm, file);
	long len;

	if (warden_begin(&policy, &policy_id, &s) <= 0)
		return 0;
	len = walk_path(s, BPF_CORE_READ(file, f_path.mnt), BPF_CORE_READ(file, f_path.dentry),
			NULL);
	if (len <= 0 || len > WARDEN_EXE_MAX) {
		bpf_map_delete_elem(&warden_exe, &tgid); /* unknown: events fall back to /proc */
		return 0;
	}
	/* the path and its NUL fit in the first WARDEN_EXE_MAX bytes: the value to store */
	bpf_map_update_elem(&warden_exe, &tgid, s->ev.path, BPF_ANY);
	return 0;
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

	tagged = warden_begin(&policy, &policy_id, &s);
	if (tagged <= 0)
		return tagged;

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

	config = bpf_map_lookup_elem(&warden_config, &zero);
	if (!config)
		return -EPERM; /* cannot happen for an array map; fail closed if it ever does */
	ev = &s->ev;

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
