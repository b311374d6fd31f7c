// SPDX-License-Identifier: GPL-2.0
/* File hooks: opens are judged against the fs rules of the opener's policy. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "cache.bpf.h"
#include "kernel_files.bpf.h"
#include "interp.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* include/linux/fs.h: FMODE_EXEC in f_mode, and __FMODE_EXEC (the same bit) in f_flags */
#define FMODE_EXEC 0x20
/* include/uapi/linux/magic.h */
#define BPF_FS_MAGIC 0xcafe4a11
#define CGROUP_SUPER_MAGIC 0x27e0eb
#define CGROUP2_SUPER_MAGIC 0x63677270

/* d's superblock magic; d is a BTF pointer (a hook's argument, or read directly from one). */
static __always_inline unsigned long sb_magic(struct dentry *d)
{
	return d->d_sb->s_magic;
}

/* name (NUL-terminated, at most 15 bytes) equals want */
static __always_inline int same_name(const char name[16], const char *want)
{
	for (int i = 0; i < 16; i++) {
		if (name[i] != want[i])
			return 0;
		if (!want[i])
			return 1;
	}
	return 0;
}

/*
 * Whether d (on a filesystem of this magic) is cgroup.procs, cgroup.threads or (v1) tasks:
 * writing it moves processes.
 */
static __always_inline int is_cgroup_move_file(struct dentry *d, unsigned long magic)
{
	char name[16] = {};

	if (magic != CGROUP2_SUPER_MAGIC && magic != CGROUP_SUPER_MAGIC)
		return 0;
	bpf_probe_read_kernel_str(name, sizeof(name), BPF_CORE_READ(d, d_name.name));
	return same_name(name, "cgroup.procs") || same_name(name, "cgroup.threads") ||
	       same_name(name, "tasks");
}

/*
 * Whether d is a process's memory file (/proc/PID/mem, /proc/PID/task/TID/mem): writing it
 * writes the process's pages through their protection, executable code included (FOLL_FORCE),
 * and a process's own is open to it without a ptrace check.
 */
static __always_inline int is_proc_mem(struct dentry *d, unsigned long magic)
{
	char name[16] = {};

	if (magic != PROC_SUPER_MAGIC || BPF_CORE_READ(d, d_name.len) != 3)
		return 0;
	bpf_probe_read_kernel_str(name, sizeof(name), BPF_CORE_READ(d, d_name.name));
	return same_name(name, "mem");
}

/*
 * Whether the cgroup whose cgroupfs directory is dir carries policy_id's tag. A kernfs inode's
 * i_private is its kernfs node, and on the v2 hierarchy a cgroup's id is its node's id.
 */
static __always_inline int cgroup_is_own(struct dentry *dir, __u32 policy_id)
{
	struct kernfs_node *kn = BPF_CORE_READ(dir, d_inode, i_private);
	struct warden_cgroup *tag;
	__u64 id;

	if (!kn)
		return 0;
	id = BPF_CORE_READ(kn, id);
	tag = bpf_map_lookup_elem(&warden_cgroups, &id);
	return tag && tag->policy_id == policy_id;
}

/*
 * Whether a write-like access to cgroupfs file or directory entry d, in directory dir, is
 * outside the writer's own cgroups: the control files (cgroup.kill, cgroup.freeze, limits) and
 * the children of a cgroup another policy, or no policy, owns (the daemon's among them). v1
 * hierarchies number their cgroups apart from warden's tags: never writable.
 */
static __always_inline int cgroup_foreign(struct dentry *dir, unsigned long magic, __u32 policy_id)
{
	if (magic == CGROUP_SUPER_MAGIC)
		return 1;
	return magic == CGROUP2_SUPER_MAGIC && !cgroup_is_own(dir, policy_id);
}

/*
 * The WARDEN_GUARD_* kind of d's inode in warden_guarded, 0 when not there (or negative). d is
 * a BTF pointer, read directly. Only directories are guarded (the daemon's policy directory
 * and those above it): anything else is not looked up.
 */
static __always_inline __u32 guard_kind(struct dentry *d)
{
	struct inode *inode = d->d_inode;
	struct warden_guard_bits *bits;
	struct warden_inode key = {};
	__u32 zero = 0, *kind, bit;

	if (!inode || (inode->i_mode & S_IFMT) != S_IFDIR)
		return 0;
	key.dev = inode->i_sb->s_dev;
	key.ino = inode->i_ino;
	bits = bpf_map_lookup_elem(&warden_guardbits, &zero);
	bit = warden_guard_bit(key.dev, key.ino);
	if (bits && !(bits->w[(bit >> 6) & (WARDEN_GUARD_WORDS - 1)] & (1ULL << (bit & 63))))
		return 0; /* not in warden_guarded: no lookup */
	kind = bpf_map_lookup_elem(&warden_guarded, &key);
	return kind ? *kind : 0;
}

/*
 * How write_judge judges: the source of a rename (WRITE_MOVING), and an entry of the directory
 * the judgment before was of (WRITE_SAME_DIR: the other name of a rename in one directory).
 */
#define WRITE_MOVING 1
#define WRITE_SAME_DIR 2

/*
 * Whether a write-like operation (see write_judge) touches the daemon's policy directory:
 * nothing in it is created, removed, renamed, linked or changed, and neither it nor a
 * directory above it is renamed or removed.
 */
static __always_inline int write_guarded(struct dentry *d, struct dentry *parent,
					 struct dentry *child, struct dentry *old, int how)
{
	return (!(how & WRITE_SAME_DIR) && guard_kind(parent) == WARDEN_GUARD_DIR) ||
	       (child && guard_kind(child)) || (!child && guard_kind(d) == WARDEN_GUARD_DIR) ||
	       (old && guard_kind(old->d_parent) == WARDEN_GUARD_DIR);
}

/*
 * The rights a default deny withholds: read and write, exec, libraries. A rename or a link
 * needs write on its new name, and a rename on its old one too; a link's file, or what is
 * below a directory moved, may have lacked it.
 */
static __always_inline __u32 withheld(const struct warden_policy *policy)
{
	__u32 bits = 0;

	if (policy->flags & WARDEN_POLICY_FS_DEFAULT_DENY)
		bits |= WARDEN_FS_READ | WARDEN_FS_WRITE;
	if (policy->flags & WARDEN_POLICY_EXEC_DEFAULT_DENY)
		bits |= WARDEN_FS_EXEC;
	if (policy->flags & WARDEN_POLICY_LIB_DEFAULT_DENY)
		bits |= WARDEN_FS_LIB;
	return bits;
}

/*
 * The names a file has in the caller's mount namespace: its filesystem's mounts there that
 * contain it (bind mounts show one directory at several places), each judged on its own by
 * the hooks that get no mount (attributes) and by the gain checks of renames and links.
 */
#define ATTR_MOUNTS 4 /* mounts of one file judged; a file with more is refused */
#define ATTR_SCAN 1024 /* mounts of one filesystem looked through (all namespaces) */
#define ATTR_DEPTH 2048 /* components of a path: a 4095-byte path has at most that many */

/* Whether dentry is root or below it: 1, 0 when not, -1 past ATTR_DEPTH. A global function. */
__noinline int attr_below(__u64 dentry, __u64 root)
{
	struct dentry *d = (struct dentry *)dentry, *parent;

	for (int i = 0; i < ATTR_DEPTH; i++) {
		if ((__u64)d == root)
			return 1;
		parent = BPF_CORE_READ(d, d_parent);
		if (!parent || parent == d)
			return 0;
		d = parent;
	}
	return -1;
}

/*
 * A super_block's mounts are a list through mount.mnt_instance up to 6.17 (later kernels chain
 * them through mnt_next_for_sb, which vmlinux.h describes): the list's own types, for CO-RE.
 */
struct mount___list {
	struct list_head mnt_instance;
	struct mnt_namespace *mnt_ns;
	struct vfsmount mnt;
} __attribute__((preserve_access_index));

struct super_block___list {
	struct list_head s_mounts;
} __attribute__((preserve_access_index));

/* The first mount of sb (after: the one after it), NULL at the end of the list. */
static __always_inline struct mount *sb_mount_next(struct super_block *sb, struct mount *after)
{
	struct super_block___list *sbl = (void *)sb;
	struct list_head *head, *pos;

	head = (struct list_head *)((char *)sb +
				    bpf_core_field_offset(struct super_block___list, s_mounts));
	pos = after ? BPF_CORE_READ((struct mount___list *)after, mnt_instance.next) :
		      BPF_CORE_READ(sbl, s_mounts.next);
	if (!pos || pos == head)
		return NULL;
	return (struct mount *)((char *)pos -
				bpf_core_field_offset(struct mount___list, mnt_instance));
}

/*
 * Whether mount m, entry i of its super_block's list, is one attr_next_mount returns: at or past
 * skip, in the current task's mount namespace, and containing dentry. 1 or 0; -1 when the path
 * is too long to tell. A global function, so the list walk calling it has one way through per
 * entry (the comparisons here would otherwise multiply the verifier's states per iteration).
 */
__noinline int attr_mount_ok(__u64 m, __u64 dentry, int i, int skip)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct mount___list *mnt = (struct mount___list *)m;

	if (i < skip || BPF_CORE_READ(mnt, mnt_ns) != BPF_CORE_READ(task, nsproxy, mnt_ns))
		return 0;
	return attr_below(dentry, (__u64)BPF_CORE_READ(mnt, mnt.mnt_root));
}

/*
 * The next mount after the first skip ones of dentry's filesystem (its super_block's mounts, in
 * every namespace) that is in the current task's mount namespace and contains dentry, into
 * s->walk_mount. Returns how many entries to skip for the one after it, 0 when there is none,
 * -1 when the list or the path is too long to tell. A global function.
 */
__noinline int attr_next_mount(__u64 dentry, int skip)
{
	struct warden_scratch *s = warden_scratch_get();
	struct super_block *sb = BPF_CORE_READ((struct dentry *)dentry, d_sb);
	struct mount *m = NULL;
	int ok;

	if (!s || !sb)
		return -1;
	for (int i = 0; i < ATTR_SCAN; i++) {
		m = sb_mount_next(sb, m);
		if (!m)
			return 0;
		ok = attr_mount_ok((__u64)m, dentry, i, skip);
		if (ok) {
			if (ok > 0)
				s->walk_mount = (__u64)m;
			return ok > 0 ? i + 1 : -1;
		}
	}
	return -1;
}

/*
 * The withheld rights the last match (masks in s) grants. A rename or a link may not give a
 * file one its old name lacked (as Landlock's refer): a file the task may write but not read
 * is not moved or linked where it may be read. Without a default deny only deny rules take
 * rights away, and a name with one is never moved or linked (lifts_deny, write_judge).
 */
static __always_inline __u32 granted(const struct warden_scratch *s,
				     const struct warden_policy *policy)
{
	return s->allow & ~s->deny & withheld(policy);
}

/* The mount attr_next_mount found, as a vfsmount. */
static __always_inline struct vfsmount *attr_found(const struct warden_scratch *s)
{
	return (struct vfsmount *)(s->walk_mount + bpf_core_field_offset(struct mount, mnt));
}

/*
 * Whether d's filesystem is mounted more than once, in any namespace: only then can d have a
 * second name. Direct loads of BTF pointers (a helper read costs more than all of them).
 */
static __always_inline int sb_mounted_again(struct dentry *d)
{
	struct super_block___list *sb = (void *)d->d_sb;
	struct list_head *first = sb->s_mounts.next;

	return !first || first->next != &sb->s_mounts;
}

/*
 * Whether dentry has a name through a mount of the caller's namespace other than op, the check
 * before alias_names once sb_mounted_again: 1 when it has or when the mounts cannot be told
 * (alias_names then refuses), 0 when not. A global function.
 */
__noinline int alias_any(__u64 dentry, __u64 op)
{
	struct warden_scratch *s = warden_scratch_get();
	int skip = 0;

	if (!s)
		return 1;
	for (int k = 0; k < 2; k++) {
		skip = attr_next_mount(dentry, skip);
		if (skip <= 0)
			return skip < 0;
		if ((__u64)attr_found(s) != op)
			return 1;
	}
	return 0;
}

/*
 * Whether the last walk reached the task's root. A mount the walk left through the namespace's
 * root, never meeting the task's, is one no path of the task reaches (overlayfs's upper layer,
 * mounted in the namespace outside the root switch_root or pivot_root moved away from).
 */
static __always_inline int walk_rooted(const struct warden_scratch *s)
{
	return s->walk_dentry == s->root_dentry &&
	       s->walk_mount + bpf_core_field_offset(struct mount, mnt) == s->root_mnt;
}

#define ALIAS_NAMES 16 /* names of one directory a rename or link judges; more are refused */

/*
 * One other name of a rename's or link's file (alias_names): the entry child of dentry (dentry
 * itself when child is 0) through the mount attr_next_mount found, matched. Without judge, its
 * withheld rights, and with moved what its rules give everything below it added to
 * s->below[0].every. With judge, what it gives the file that rights lacks or, with moved (a
 * directory moving there, its old names' rules_below in s->below[0]), what is below it that
 * its old names' rules did not cover: withheld bits, the name in s->ev. 0 for a name the task
 * cannot reach (outside its root); a negative errno when the name cannot be read or matched.
 * A global function, so a rename checks 16 names without the verifier's work growing.
 */
__noinline int alias_one(__u64 dentry, __u64 child, __u32 rights, __u32 moved, __u32 judge)
{
	struct warden_scratch *s = warden_scratch_get();
	struct warden_policy *policy;
	__u32 gain;
	long len;

	if (!s)
		return -12;
	policy = bpf_map_lookup_elem(&warden_policy, &s->ruleset);
	if (!policy)
		return -12;
	warden_event_reset(&s->ev);
	len = walk_path(s, attr_found(s), (struct dentry *)dentry, (struct dentry *)child);
	if (len > 0 && !walk_rooted(s))
		return 0;
	if (len <= 0)
		return len ? len : -22;
	s->ev.path_len = len;
	if (fs_match_path(s, policy, len))
		return -11;
	if (!judge) {
		if (moved && !fs_rules_below(1))
			s->below[0].every |= s->below[1].every;
		return granted(s, policy);
	}
	gain = granted(s, policy) & ~rights;
	if (moved)
		gain |= fs_move_gains(1);
	return gain & withheld(policy);
}

/*
 * The names the entry child of d (d itself when child is NULL) has through the caller's mounts
 * of d other than op (bind mounts): the other names a rename or link gives a file or takes
 * from it, which the checks in the operation's own mount do not see (alias_one). Without
 * judge, what they give is added to *rights (a name that cannot be read adds nothing); 0.
 * With judge: 0, or warden_report's verdict naming the name that gives the file more than
 * *rights; a name that cannot be read, or more names than ALIAS_NAMES, are refused.
 */
static __always_inline int alias_names(struct warden_scratch *s, struct warden_policy *policy,
				       __u32 policy_id, struct dentry *d, struct dentry *child,
				       struct vfsmount *op, __u32 *rights, __u32 moved, int judge)
{
	__u64 dk = kaddr(d), ck = child ? kaddr(child) : 0; /* helper reads: once, not per name */
	int skip = 0, k, got;

	for (k = 0; k <= ALIAS_NAMES; k++) {
		skip = attr_next_mount(dk, skip);
		if (skip <= 0 || k == ALIAS_NAMES)
			break;
		if (attr_found(s) == op)
			continue;
		got = alias_one(dk, ck, *rights, moved, judge);
		if (!judge) {
			*rights |= got > 0 ? got : 0;
			continue;
		}
		if (got < 0)
			return path_decide(s, policy, policy_id, got, WARDEN_OP_FS_WRITE,
					   WARDEN_FS_WRITE, 0, NULL);
		if (got)
			return warden_report(&s->ev, policy, policy_id, WARDEN_OP_FS_WRITE,
					     WARDEN_REASON_RULE);
	}
	if (judge && skip) /* E2BIG: too many names, or too long a path, to tell */
		return path_decide(s, policy, policy_id, -7, WARDEN_OP_FS_WRITE, WARDEN_FS_WRITE, 0,
				   NULL);
	return 0;
}

/*
 * Whether dentry d has a directory's inode (BTF loads). A negative dentry's NULL inode is tested,
 * not loaded: 5.10's JIT guards such a load only by the page fault's exception fixup, which
 * costs 600 ns under TCG (every rename onto a new name paid it in warden_d_move).
 */
static __always_inline int is_dir(struct dentry *d)
{
	struct inode *inode = d->d_inode;

	return inode && (inode->i_mode & S_IFMT) == S_IFDIR;
}

/*
 * A write-like operation (create, remove, rename, link, truncate, chmod, chown) on the entry
 * child of directory dir, or on dir itself when child is NULL, by a tagged task: judged as
 * fs.write of its path. With old set (link), the file being linked must carry no deny rule
 * either, so a hard link cannot give a denied file a name that is allowed. With WRITE_MOVING
 * (the source of a rename), no deny rule may cover the entry or lie below it: renaming a
 * directory above a denied file would otherwise give that file a name no rule denies.
 * *from_state is set when the entry was allowed from its directory's kept state (which s then
 * holds: a WRITE_SAME_DIR judgment after starts from it), cleared otherwise.
 */
static __always_inline int write_judge(struct warden_scratch *s, struct warden_policy *policy,
				       __u32 policy_id, const struct path *dir,
				       struct dentry *child, struct dentry *old, int how,
				       int *from_state, __u32 *had_out)
{
	struct warden_event *ev = &s->ev;
	struct dentry *d = dir->dentry, *parent;
	unsigned long magic = sb_magic(d);
	int klass, verdict, match;
	__u32 seq, had = 0;
	long len;

	if (magic == BPF_FS_MAGIC)
		return warden_tamper(s, policy, policy_id, WARDEN_TAMPER_BPFFS);
	/* without child, d is the entry itself (truncate, chmod, chown): its directory counts */
	parent = child ? d : d->d_parent;
	if (cgroup_foreign(parent, magic, policy_id) || write_guarded(d, parent, child, old, how))
		return warden_tamper(s, policy, policy_id, WARDEN_TAMPER_DAEMON);
	klass = kfile_class_quick(child ? child : d);
	if (klass < 0)
		klass = kfile_class(child ? kaddr(child) : kaddr(d), WARDEN_FS_WRITE, policy_id);
	s->dst.depth = 0;
	if (child && !old && klass == KFILE_PLAIN) {
		/* an entry of a directory whose state is kept: its name alone is matched */
		seq = dentry_seq_btf(child);
		match = (how & WRITE_SAME_DIR) && *from_state ?
				dirstate_rematch(s, policy, child, seq) :
				dirstate_match(s, policy, dir->mnt, d, child, seq, 0, NULL,
					       seq_now(&mount_lock), cache_where(1));
		if (match &&
		    fs_allows(s, WARDEN_FS_WRITE, policy->flags & WARDEN_POLICY_FS_DEFAULT_DENY) &&
		    !((how & WRITE_MOVING) && lifts_deny(s))) {
			*from_state = 1;
			warden_count_cached(policy_id);
			return 0;
		}
		dirstate_begin(s, policy, BPF_CORE_READ(dir, mnt), d, NULL, 0);
	}
	*from_state = 0;
	if (old) {
		len = walk_path(s, BPF_CORE_READ(dir, mnt), old, NULL);
		if (len <= 0) /* a name that cannot be read cannot be cleared of deny rules */
			return path_decide(s, policy, policy_id, len, WARDEN_OP_FS_WRITE,
					   WARDEN_FS_WRITE, 0, NULL);
		ev->path_len = len;
		if (fs_match_path(s, policy, len) || lifts_deny(s))
			return warden_report(ev, policy, policy_id, WARDEN_OP_FS_WRITE,
					     WARDEN_REASON_RULE);
		had = granted(s, policy);
		if (had_out)
			*had_out = had;
	}
	len = walk_path(s, BPF_CORE_READ(dir, mnt), BPF_CORE_READ(dir, dentry), child);
	if (klass >= KFILE_ESCAPE) {
		ev->path_len = len > 0 ? len : 0;
		return kfile_refuse(s, policy, policy_id, klass);
	}
	verdict = path_decide(s, policy, policy_id, len, WARDEN_OP_FS_WRITE, WARDEN_FS_WRITE,
			      policy->flags & WARDEN_POLICY_FS_DEFAULT_DENY, NULL);
	dirstate_keep(s, d, cache_where(1));
	if (!verdict &&
	    (((how & WRITE_MOVING) && lifts_deny(s)) || (old && (granted(s, policy) & ~had))))
		return warden_report(ev, policy, policy_id, WARDEN_OP_FS_WRITE, WARDEN_REASON_RULE);
	if (verdict || klass == KFILE_PLAIN)
		return verdict;
	return kfile_exact(s, policy, policy_id, klass, WARDEN_FS_WRITE);
}

/* A write-like operation by the current task (write_judge). */
static __always_inline int write_decide(const struct path *dir, struct dentry *child,
					struct dentry *old, int how)
{
	struct warden_policy *policy = NULL;
	struct warden_scratch *s;
	__u32 policy_id = 0, had = 0;
	int tagged, err, from_state = 0;

	tagged = warden_begin(&policy, &policy_id, &s);
	if (tagged <= 0)
		return tagged;
	err = write_judge(s, policy, policy_id, dir, child, old, how, &from_state, &had);
	/* a link: its new name's other names may not give the file what its old ones lacked */
	if (err || !old || !withheld(policy) || !sb_mounted_again(dir->dentry) ||
	    !alias_any(kaddr(dir->dentry), kaddr(dir->mnt)))
		return err;
	alias_names(s, policy, policy_id, old, NULL, dir->mnt, &had, 0, 0);
	return alias_names(s, policy, policy_id, dir->dentry, child, dir->mnt, &had, 0, 1);
}

SEC("lsm/path_mknod") /* also every open(O_CREAT) that creates a file */
int BPF_PROG(warden_path_mknod, const struct path *dir, struct dentry *dentry, umode_t mode,
	     unsigned int dev, int ret)
{
	if (ret)
		return ret;
	return write_decide(dir, dentry, NULL, 0);
}

SEC("lsm/path_mkdir")
int BPF_PROG(warden_path_mkdir, const struct path *dir, struct dentry *dentry, umode_t mode,
	     int ret)
{
	if (ret)
		return ret;
	return write_decide(dir, dentry, NULL, 0);
}

SEC("lsm/path_unlink")
int BPF_PROG(warden_path_unlink, const struct path *dir, struct dentry *dentry, int ret)
{
	if (ret)
		return ret;
	return write_decide(dir, dentry, NULL, 0);
}

SEC("lsm/path_rmdir")
int BPF_PROG(warden_path_rmdir, const struct path *dir, struct dentry *dentry, int ret)
{
	if (ret)
		return ret;
	return write_decide(dir, dentry, NULL, 0);
}

SEC("lsm/path_symlink")
int BPF_PROG(warden_path_symlink, const struct path *dir, struct dentry *dentry,
	     const char *old_name, int ret)
{
	if (ret)
		return ret;
	return write_decide(dir, dentry, NULL, 0);
}

SEC("lsm/path_link")
int BPF_PROG(warden_path_link, struct dentry *old_dentry, const struct path *new_dir,
	     struct dentry *new_dentry, int ret)
{
	if (ret)
		return ret;
	return write_decide(new_dir, new_dentry, old_dentry, 0);
}

SEC("lsm/path_truncate")
int BPF_PROG(warden_path_truncate, const struct path *path, int ret)
{
	if (ret)
		return ret;
	return write_decide(path, NULL, NULL, 0);
}

SEC("lsm/path_chmod")
int BPF_PROG(warden_path_chmod, const struct path *path, umode_t mode, int ret)
{
	if (ret)
		return ret;
	return write_decide(path, NULL, NULL, 0);
}

SEC("lsm/path_chown")
int BPF_PROG(warden_path_chown, const struct path *path, unsigned int uid, unsigned int gid,
	     int ret)
{
	if (ret)
		return ret;
	return write_decide(path, NULL, NULL, 0);
}

/*
 * Both names of a rename are written, and the file may gain no withheld right by its new name
 * (granted). A directory moved may not give what is below it one either: whatever a rule at
 * or below the new name allows must be allowed to everything below the old one (fs_move_gains).
 * path_rename gained a flags argument in 5.19: the loader keeps the variant whose argument
 * count matches the running kernel.
 */
#define RENAME_EXCHANGE 2

/*
 * A rename's names through the caller's other mounts (alias_names): the file moved to its new
 * names, which may give it nothing its old ones (had, in the operation's mount) lacked, and
 * with an exchange (how & 4) the other file moved to the old names, against the new ones'
 * (gets). how & 1 and how & 2 are fs_move_gains': a directory moved, whose old name's
 * rules_below the checks in the operation's mount left in s->below[0] for the first and
 * s->below[1] for the second.
 */
static __always_inline int rename_aliases(struct warden_scratch *s, struct warden_policy *policy,
					  __u32 policy_id, const struct path *old_dir,
					  struct dentry *old_dentry, const struct path *new_dir,
					  struct dentry *new_dentry, __u32 had, __u32 gets, int how)
{
	struct dentry *od = old_dir->dentry, *nd = new_dir->dentry;
	struct vfsmount *om = old_dir->mnt, *nm = new_dir->mnt;
	struct rules_below new_below = s->below[1];
	int err = 0;

	if (!sb_mounted_again(nd))
		return 0; /* both directories are on one filesystem: no other names */
	if (alias_any(kaddr(nd), kaddr(nm))) {
		alias_names(s, policy, policy_id, od, old_dentry, om, &had, how & 1, 0);
		err = alias_names(s, policy, policy_id, nd, new_dentry, nm, &had, how & 1, 1);
	}
	if (err || !(how & 4) || !alias_any(kaddr(od), kaddr(om)))
		return err;
	s->below[0] = new_below;
	alias_names(s, policy, policy_id, nd, new_dentry, nm, &gets, how & 2, 0);
	return alias_names(s, policy, policy_id, od, old_dentry, om, &gets, how & 2, 1);
}

/*
 * Whether the new name of a rename in one directory gets the rights the old name got from the
 * directory's kept state, which matches every name in it alike (no rule and no wildcard below
 * the directory, dirstate_name), and passes what write_judge checks of an entry itself (not
 * guarded, not a device, on the old name's filesystem: the same for a negative dentry) and a
 * path's length. Then it needs no judgment of its own.
 */
static __always_inline int rename_same_rights(const struct warden_scratch *s,
					      struct dentry *new_dentry)
{
	if (s->dir_live || s->dir_dfa || s->dir_len + new_dentry->d_name.len + 1 > WARDEN_PATH_MAX)
		return 0;
	return !new_dentry->d_inode ||
	       (!guard_kind(new_dentry) && kfile_class_quick(new_dentry) == KFILE_PLAIN);
}

static __always_inline int rename_decide(const struct path *old_dir, struct dentry *old_dentry,
					 const struct path *new_dir, struct dentry *new_dentry,
					 unsigned int flags)
{
	int tagged, err, how, dir, from_state = 0, exchange = flags & RENAME_EXCHANGE;
	struct warden_policy *policy = NULL;
	__u32 policy_id = 0, had, gets, gain;
	struct warden_scratch *s;
	long len;

	tagged = warden_begin(&policy, &policy_id, &s);
	if (tagged <= 0)
		return tagged;
	err = write_judge(s, policy, policy_id, old_dir, old_dentry, NULL, WRITE_MOVING,
			  &from_state, NULL);
	if (err)
		return err;
	had = granted(s, policy);
	dir = is_dir(old_dentry);
	/* a directory moved (or an exchange's other one moved back): what is below each name */
	if (dir || (exchange && is_dir(new_dentry)))
		fs_rules_below(0);
	/* an exchange moves both (before 5.19 the kernel calls the hook twice, swapped) */
	how = exchange ? WRITE_MOVING : 0;
	if (old_dir->dentry == new_dir->dentry && old_dir->mnt == new_dir->mnt)
		how |= WRITE_SAME_DIR;
	if (how == WRITE_SAME_DIR && from_state && !dir && rename_same_rights(s, new_dentry)) {
		/* a file moved in one directory, gaining nothing: only its other names are left */
		warden_count_cached(policy_id);
		if (!withheld(policy))
			return 0;
		return rename_aliases(s, policy, policy_id, old_dir, old_dentry, new_dir,
				      new_dentry, had, had, 0);
	}
	warden_event_reset(&s->ev);
	err = write_judge(s, policy, policy_id, new_dir, new_dentry, NULL, how, &from_state, NULL);
	if (err)
		return err;
	gets = granted(s, policy);
	gain = gets & ~had;
	if (exchange)
		gain |= had & ~gets;
	how = dir | (exchange && is_dir(new_dentry)) << 1;
	if (how)
		gain |= fs_move_gains(how);
	if (gain & withheld(policy)) {
		/* a name matched from its directory's state has only its last component */
		len = walk_path(s, BPF_CORE_READ(new_dir, mnt), BPF_CORE_READ(new_dir, dentry),
				new_dentry);
		s->ev.path_len = len > 0 ? len : 0;
		return warden_report(&s->ev, policy, policy_id, WARDEN_OP_FS_WRITE,
				     WARDEN_REASON_RULE);
	}
	if (!withheld(policy))
		return 0;
	how |= exchange ? 4 : 0;
	return rename_aliases(s, policy, policy_id, old_dir, old_dentry, new_dir, new_dentry, had,
			      gets, how);
}

SEC("lsm/path_rename")
int BPF_PROG(warden_path_rename, const struct path *old_dir, struct dentry *old_dentry,
	     const struct path *new_dir, struct dentry *new_dentry, unsigned int flags, int ret)
{
	if (ret)
		return ret;
	return rename_decide(old_dir, old_dentry, new_dir, new_dentry, flags);
}

SEC("lsm/path_rename")
int BPF_PROG(warden_path_rename4, const struct path *old_dir, struct dentry *old_dentry,
	     const struct path *new_dir, struct dentry *new_dentry, int ret)
{
	if (ret)
		return ret;
	return rename_decide(old_dir, old_dentry, new_dir, new_dentry, 0);
}

/*
 * Extended attributes, times and (where path_chown cannot attach) owners: the kernel's hooks
 * for these get a dentry but no mount (inode_setxattr, inode_removexattr, inode_setattr,
 * inode_set_acl), and the system calls (setxattr, lsetxattr, fsetxattr, io_uring's setxattr and
 * fsetxattr, utimensat, futimens, utimes, chown) reach them by path or by descriptor. The path
 * is built from the mounts of the dentry's filesystem that the caller's mount namespace holds,
 * that contain the dentry and that lead up to the caller's root: each is judged, so a file also
 * reachable through a bind mount is changed only when every name it has there allows it. A
 * dentry no such mount reaches is the kernel's own work on a mount no path of the caller's
 * reaches (overlayfs copying a file up, with the lower file's xattrs and times, on its layer
 * mounts, which are private or outside the root; a memfd), or a file passed in from another
 * namespace: it is not judged (and the kernel honours no file capability or set-id bit of a
 * mount outside the caller's namespace for an exec there: mnt_may_suid).
 */

/* Whether the xattr name is in a namespace no tagged task may change (the first 9 bytes). */
static __always_inline int xattr_guarded(const char *name)
{
	char n[16] = {};

	bpf_probe_read_kernel_str(n, sizeof(n), name);
	return (n[0] == 's' && n[1] == 'e' && n[2] == 'c' && n[3] == 'u' && n[4] == 'r' &&
		n[5] == 'i' && n[6] == 't' && n[7] == 'y' && n[8] == '.') ||
	       (n[0] == 't' && n[1] == 'r' && n[2] == 'u' && n[3] == 's' && n[4] == 't' &&
		n[5] == 'e' && n[6] == 'd' && n[7] == '.');
}

/*
 * A change of dentry's attributes by the current task: with guarded set (a security.* or
 * trusted.* xattr: file capabilities, LSM labels, IMA/EVM, overlayfs's own) refused outright,
 * otherwise fs.write of every name the file has in the caller's mount namespace, as chmod.
 */
static __always_inline int attr_decide(struct dentry *dentry, int guarded)
{
	struct warden_policy *policy = NULL;
	struct warden_scratch *s = NULL;
	__u32 policy_id = 0;
	struct path path;
	long len;
	int tagged, skip = 0, err, k;

	tagged = warden_begin(&policy, &policy_id, &s);
	if (tagged <= 0)
		return tagged;
	path.dentry = dentry;
	for (k = 0; k <= ATTR_MOUNTS; k++) {
		skip = attr_next_mount(kaddr(dentry), skip);
		if (skip <= 0)
			break;
		if (k == ATTR_MOUNTS) {
			skip = -1; /* more names than are judged */
			break;
		}
		path.mnt = attr_found(s);
		len = walk_path(s, path.mnt, dentry, NULL);
		if (len <= 0)
			return path_decide(s, policy, policy_id, len, WARDEN_OP_FS_WRITE,
					   WARDEN_FS_WRITE, 0, NULL);
		if (!walk_rooted(s))
			continue;
		if (guarded) {
			s->ev.path_len = len;
			return warden_tamper(s, policy, policy_id, WARDEN_TAMPER_XATTR);
		}
		err = write_decide(&path, NULL, NULL, 0);
		if (err)
			return err;
	}
	if (skip < 0) {
		warden_begin(&policy, &policy_id, &s); /* write_decide reset s->ev */
		return path_decide(s, policy, policy_id, -7, WARDEN_OP_FS_WRITE, WARDEN_FS_WRITE, 0,
				   NULL); /* E2BIG: too many mounts or components to tell */
	}
	return 0;
}

/* inode_setxattr gained the mount's user namespace in 5.12 (an idmap in 6.3) before dentry. */
SEC("lsm/inode_setxattr")
int BPF_PROG(warden_inode_setxattr, void *idmap, struct dentry *dentry, const char *name,
	     const void *value, size_t size, int flags, int ret)
{
	if (ret)
		return ret;
	return attr_decide(dentry, xattr_guarded(name));
}

SEC("lsm/inode_setxattr")
int BPF_PROG(warden_inode_setxattr5, struct dentry *dentry, const char *name, const void *value,
	     size_t size, int flags, int ret)
{
	if (ret)
		return ret;
	return attr_decide(dentry, xattr_guarded(name));
}

SEC("lsm/inode_removexattr")
int BPF_PROG(warden_inode_removexattr, void *idmap, struct dentry *dentry, const char *name,
	     int ret)
{
	if (ret)
		return ret;
	return attr_decide(dentry, xattr_guarded(name));
}

SEC("lsm/inode_removexattr")
int BPF_PROG(warden_inode_removexattr2, struct dentry *dentry, const char *name, int ret)
{
	if (ret)
		return ret;
	return attr_decide(dentry, xattr_guarded(name));
}

/*
 * POSIX ACLs change who may access the file, as chmod does: fs.write. Up to 6.1 they are set
 * and removed as system.posix_acl_* xattrs (the hooks above); from 6.2 through their own hooks.
 */
SEC("lsm/inode_set_acl")
int BPF_PROG(warden_inode_set_acl, void *idmap, struct dentry *dentry, const char *acl_name,
	     void *kacl, int ret)
{
	if (ret)
		return ret;
	return attr_decide(dentry, 0);
}

SEC("lsm/inode_remove_acl")
int BPF_PROG(warden_inode_remove_acl, void *idmap, struct dentry *dentry, const char *acl_name,
	     int ret)
{
	if (ret)
		return ret;
	return attr_decide(dentry, 0);
}

/* include/linux/fs.h */
#define ATTR_UID 2
#define ATTR_GID 4
#define ATTR_SIZE 8
#define ATTR_ATIME 16
#define ATTR_MTIME 32
#define ATTR_ATIME_SET 128
#define ATTR_MTIME_SET 256

/*
 * Explicit times (utimensat, futimens, utimes, with times or UTIME_NOW) and owners (chown,
 * also judged by path_chown where it attaches: not on 5.10, whose trampolines cannot take
 * path_chown's kuid_t by value). Truncation sets times with the size: path_truncate judges it.
 */
static __always_inline int setattr_decide(struct dentry *dentry, struct iattr *attr)
{
	unsigned int valid = BPF_CORE_READ(attr, ia_valid);

	if (!(valid & (ATTR_UID | ATTR_GID | ATTR_ATIME_SET | ATTR_MTIME_SET)) &&
	    (!(valid & (ATTR_ATIME | ATTR_MTIME)) || (valid & ATTR_SIZE)))
		return 0;
	return attr_decide(dentry, 0);
}

/* inode_setattr gained the mount's idmap in 6.3, before dentry. */
SEC("lsm/inode_setattr")
int BPF_PROG(warden_inode_setattr, void *idmap, struct dentry *dentry, struct iattr *attr, int ret)
{
	if (ret)
		return ret;
	return setattr_decide(dentry, attr);
}

SEC("lsm/inode_setattr")
int BPF_PROG(warden_inode_setattr2, struct dentry *dentry, struct iattr *attr, int ret)
{
	if (ret)
		return ret;
	return setattr_decide(dentry, attr);
}

/* ELF: e_ident, e_type, e_phoff and program header types (include/uapi/linux/elf.h) */
#define ET_EXEC 2
#define ET_DYN 3
#define SIGKILL 9
#define PT_LOAD 1
#define PT_INTERP 3
#define BINPRM_BUF 256

/* A little-endian 32-bit field of bprm->buf, copied to scratch (which has room past it). */
static __always_inline __u32 buf_u32(const __u8 *b, __u32 off)
{
	__u32 v;

	asm volatile("" : "+r"(off)); /* keep the mask where the verifier sees it */
	off &= BINPRM_BUF - 1;
	__builtin_memcpy(&v, b + off, sizeof(v));
	return v;
}

/*
 * Read the first 256 bytes of the file being executed (bprm->buf) into the scratch: 1 for an
 * ELF file (*ret_b points at them), 0 for anything else (a script, a binfmt_misc format), -1
 * when they cannot be read.
 */
static __always_inline int elf_header(struct linux_binprm *bprm, struct warden_scratch *s,
				      __u8 **ret_b)
{
	__u8 *b = (__u8 *)s->rev;

	if (bpf_probe_read_kernel(b, BINPRM_BUF, bprm->buf))
		return -1;
	*ret_b = b;
	return b[0] == 0x7f && b[1] == 'E' && b[2] == 'L' && b[3] == 'F';
}

/*
 * Whether an ELF header (b, 256 bytes) names an interpreter: 1 when a PT_INTERP comes first,
 * 0 when a PT_LOAD does (the ELF specification puts PT_INTERP before any loadable segment),
 * -1 when the program headers are not within the 256 bytes.
 */
static __always_inline int elf_has_interp(const __u8 *b)
{
	__u32 phoff, phentsize, i;

	if (b[4] == 2) { /* ELFCLASS64 */
		if (buf_u32(b, 36))
			return -1; /* e_phoff past 4 GiB */
		phoff = buf_u32(b, 32);
		phentsize = 56;
	} else {
		phoff = buf_u32(b, 28);
		phentsize = 32;
	}
	for (i = 0; i < 4; i++) {
		__u32 off = phoff + i * phentsize, type;

		if (phoff >= BINPRM_BUF || off + 4 > BINPRM_BUF)
			return -1;
		type = buf_u32(b, off);
		if (type == PT_INTERP)
			return 1;
		if (type == PT_LOAD)
			return 0;
	}
	return -1;
}

/*
 * Whether the program being executed is a dynamic loader run directly ("ld.so PROGRAM"): a
 * position-independent ELF with no interpreter of its own. When its program headers are not
 * there to read, the answer is yes, so the first executable mapping is judged by the exec
 * rules rather than let through.
 */
static __always_inline int elf_is_loader(struct linux_binprm *bprm, struct warden_scratch *s)
{
	__u8 *b = NULL;
	int elf = elf_header(bprm, s, &b);

	if (elf <= 0 || !b)
		return elf < 0;
	if ((b[16] | b[17] << 8) != ET_DYN)
		return 0; /* ET_EXEC: a fixed-address program, never a loader */
	return elf_has_interp(b) != 1;
}

/*
 * Whether the file being executed is an ELF program whose PT_INTERP the kernel opens next
 * (binfmt_elf: ET_EXEC or ET_DYN). Scripts and binfmt_misc formats are not: their interpreter
 * is a program of its own.
 */
static __always_inline int elf_names_interp(struct linux_binprm *bprm, struct warden_scratch *s)
{
	__u8 *b = NULL;
	__u32 type;

	if (elf_header(bprm, s, &b) <= 0 || !b)
		return 0;
	type = b[16] | b[17] << 8;
	return (type == ET_EXEC || type == ET_DYN) && elf_has_interp(b) == 1;
}

/*
 * Whether the exec rules let the current task run file, whose path (len as walk_path returned
 * it) is in s->ev: path_decide's decision, without its event. In audit mode every exec goes on.
 */
static __always_inline int exec_allowed(struct warden_scratch *s, struct warden_policy *policy,
					long len, struct file *file)
{
	__u32 default_deny = policy->flags & WARDEN_POLICY_EXEC_DEFAULT_DENY;

	if (policy->flags & WARDEN_POLICY_AUDIT)
		return 1;
	if (len <= 0 || fs_match_path(s, policy, len))
		return 0;
	if (default_deny && !BPF_CORE_READ(file, f_inode, __i_nlink))
		return 0; /* no name a rule could allow */
	return !(s->deny & WARDEN_FS_EXEC) && (!default_deny || (s->allow & WARDEN_FS_EXEC));
}

/*
 * Before the binary format handlers try the file an exec runs now (its program, then each
 * interpreter a handler put in its place): record it for the exec open that may follow, the
 * ELF interpreter granted when the exec rules allow the file (bpf/interp.bpf.h). The dentry
 * walk, as bpf_d_path is not allowed here on 5.10.
 */
SEC("lsm/bprm_check_security")
int BPF_PROG(warden_bprm_check_security, struct linux_binprm *bprm, int ret)
{
	struct warden_policy *policy = NULL;
	struct warden_scratch *s;
	struct warden_interp *rec;
	struct file *file = BPF_CORE_READ(bprm, file);
	__u32 policy_id = 0;
	long len;
	int tagged;

	if (ret)
		return ret;
	interp_forget(); /* it was about the file this exec is leaving, or another exec */
	tagged = warden_begin(&policy, &policy_id, &s);
	if (tagged <= 0)
		return tagged;
	rec = interp_create(s);
	if (!rec)
		return 0;
	len = walk_path(s, BPF_CORE_READ(file, f_path.mnt), BPF_CORE_READ(file, f_path.dentry),
			NULL);
	/* the path and its NUL fit in the first WARDEN_EXE_MAX bytes, or it is not named */
	if (len > 0 && len <= WARDEN_EXE_MAX)
		__builtin_memcpy(rec->program, s->ev.path, sizeof(rec->program));
	else
		rec->program[0] = 0;
	rec->file = (__u64)file;
	rec->argc = BPF_CORE_READ(bprm, argc);
	rec->policy_id = policy_id;
	rec->grant = elf_names_interp(bprm, s) && exec_allowed(s, policy, len, file);
	rec->taken = 0;
	rec->bprm = (__u64)bprm; /* last: the record is live from here */
	return 0;
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
	__u32 policy_id = 0, tgid = bpf_get_current_pid_tgid() >> 32, mark = WARDEN_LOADER_ENFORCED;
	struct file *file = BPF_CORE_READ(bprm, file);
	__u32 *candidate;
	long len;

	interp_forget(); /* the exec is done: nothing it recorded may serve another open */
	if (warden_begin(&policy, &policy_id, &s) <= 0)
		return 0;
	candidate = bpf_map_lookup_elem(&warden_candidate, &policy_id);
	if (candidate && *candidate)
		mark |= WARDEN_LOADER_CANDIDATE;
	if (elf_is_loader(bprm, s)) {
		/*
		 * Unrecorded (warden_loader is full), the loader's program would escape the exec
		 * rules. This hook cannot fail the exec, which is past its point of no return:
		 * the process is killed before it runs a single instruction of its own.
		 */
		if (bpf_map_update_elem(&warden_loader, &tgid, &mark, BPF_ANY)) {
			bpf_send_signal(SIGKILL);
			s->ev.what = WARDEN_TAMPER_STATE;
			warden_report(&s->ev, policy, policy_id, WARDEN_OP_TAMPER,
				      WARDEN_REASON_RULE);
			return 0;
		}
	} else
		bpf_map_delete_elem(&warden_loader, &tgid);
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

/*
 * What a non-exec open with want must pass before its rules: the writes no rule can allow
 * (moving processes between cgroups, bpffs, the daemon's cgroups and files) and the kernel's
 * own files (kernel_files.bpf.h). Returns the file's kfile class, or -1 with the verdict in
 * *verdict when decided here.
 */
static __always_inline int open_prelude(struct warden_scratch *s, struct warden_policy *policy,
					__u32 policy_id, struct file *file, __u32 want,
					int *verdict)
{
	struct dentry *d = file->f_path.dentry;
	unsigned long magic;
	long len;
	int klass;

	if (want & WARDEN_FS_WRITE) {
		magic = sb_magic(d);
		*verdict = 0;
		if (is_cgroup_move_file(d, magic))
			*verdict = warden_tamper(s, policy, policy_id, WARDEN_TAMPER_CGROUP);
		else if (magic == BPF_FS_MAGIC)
			*verdict = warden_tamper(s, policy, policy_id, WARDEN_TAMPER_BPFFS);
		else if (cgroup_foreign(d->d_parent, magic, policy_id) ||
			 guard_kind(d->d_parent) == WARDEN_GUARD_DIR)
			*verdict = warden_tamper(s, policy, policy_id, WARDEN_TAMPER_DAEMON);
		else if (is_proc_mem(d, magic) &&
			 (policy->flags & WARDEN_POLICY_EXEC_MEMORY_DENY)) {
			len = bpf_d_path((struct path *)&file->f_path, s->ev.path,
					 sizeof(s->ev.path));
			s->ev.path_len = len > 0 ? len : 0;
			*verdict = warden_report(&s->ev, policy, policy_id, WARDEN_OP_MEMORY_EXEC,
						 WARDEN_REASON_RULE);
		}
		if (*verdict)
			return -1;
	}
	klass = kfile_class_quick(d);
	if (klass < 0)
		klass = kfile_class(kaddr(d), want, policy_id);
	if (klass >= KFILE_ESCAPE) {
		len = bpf_d_path((struct path *)&file->f_path, s->ev.path, sizeof(s->ev.path));
		s->ev.path_len = len > 0 ? len : 0;
		*verdict = kfile_refuse(s, policy, policy_id, klass);
		return -1;
	}
	return klass;
}

/*
 * An open allowed by the rules (masks in s): kept in the verdict cache with the stamp, mount_lock
 * sequence and file's d_seq read before its path was (fresh), unless a move or mount change
 * was under way, the file is a mount's root (a bind-mounted file is named by its mountpoint,
 * whose own move no count sees) or the opener's root is not a mount's root.
 */
static __always_inline void verdict_keep(struct warden_scratch *s, struct warden_policy *policy,
					 struct warden_iverdict *fresh, struct file *file,
					 __u32 default_deny, int where)
{
	struct warden_verdict *v = &fresh->v;
	struct dentry *d = file->f_path.dentry;
	__u32 ok;

	if (WARDEN_IS_CANDIDATE || (v->stamp.rename_seq & 1) || (v->mount_seq & 1) ||
	    (v->dentry_seq & 1) || d == file->f_path.mnt->mnt_root ||
	    !opener_root(&v->root_mnt, &v->root_dentry))
		return;
	ok = ~s->deny & (default_deny ? s->allow : ~0U);
	v->allowed = ok & (WARDEN_FS_READ | WARDEN_FS_WRITE);
	v->mnt = (__u64)file->f_path.mnt;
	v->ruleset = s->ruleset;
	v->generation = policy->generation;
	verdict_store(fresh, d, file->f_inode, where);
}

/*
 * A file (dentry d) reached through mnt, opened or mapped with want, whose full decision is not
 * cached: 1 when its directory's kept state and its name alone allow it (counted; 2 when hint
 * says it is worth a verdict: dirstate_seen), 0 when its path must be resolved, with the
 * directory's chain recorded (dirstate_begin) for its state to be kept after. v (unless NULL)
 * holds mount_lock's sequence, read before, and gets d's d_seq and the stamp a verdict kept
 * from the match holds under.
 */
static __always_inline int file_in_dir(struct warden_scratch *s, struct warden_policy *policy,
				       __u32 policy_id, struct vfsmount *mnt, struct dentry *d,
				       __u32 want, __u32 default_deny, __u32 hint,
				       struct warden_verdict *v, int where)
{
	int match;

	/* before d_parent: a file moved to another directory after this has another d_seq */
	__u32 seq = dentry_seq_btf(d), mount_seq = v ? v->mount_seq : seq_now(&mount_lock);
	struct dentry *dir;

	barrier(); /* d_seq first, then d_parent */
	dir = d->d_parent;
	/*
	 * A mount's root (a bind-mounted file) is named by its mountpoint, not its parent; an
	 * unhashed file (deleted, or a memfd) by bpf_d_path with " (deleted)" after its name.
	 */
	if ((seq & 1) || dir == d || d == mnt->mnt_root || !d->d_hash.pprev)
		return 0;
	if (v)
		v->dentry_seq = seq;
	match = dirstate_match(s, policy, mnt, dir, d, seq, hint, v ? &v->stamp : NULL, mount_seq,
			       where);
	if (match && fs_allows(s, want, default_deny)) {
		warden_count_cached(policy_id);
		return match;
	}
	dirstate_begin(s, policy, mnt, dir, d, seq);
	return 0;
}

/*
 * include/linux/fs.h: a file the kernel opened for itself (not counted in nr_files), the same
 * bit from 4.19 to 6.14 at least
 */
#define FMODE_NOACCOUNT 0x20000000

/*
 * Whether file is a stacking filesystem's own open of the real file below a file the task is
 * opening: overlayfs's ovl_open_realfile, inside the task's open of the overlay file and with
 * the mounter's credentials in place of the task's (ovl_override_creds). The task's own open
 * was judged already, by the path it asked for (security_file_open runs before f_op->open, and
 * a refusal ends it before the real file is opened), so this one is not judged again: the task
 * cannot reach it any other way. Such a file is made by open_with_fake_path before 6.6 (the
 * overlay's path, the real inode) and backing_file_open after (the real path); both mark it
 * FMODE_NOACCOUNT (FMODE_BACKING too after 6.6, but its bit moved in 6.12's stable series), as
 * nothing a task opens itself is. FUSE passthrough's backing files borrow no credentials: they
 * stay judged, by their real path.
 */
static __always_inline int stacked_inner_open(struct file *file)
{
	return (file->f_mode & FMODE_NOACCOUNT) && creds_borrowed();
}

/* The decision for one open by a tagged or untagged task, in an LSM program or not (lsm). */
static __always_inline int file_open_decide(struct file *file, int lsm)
{
	struct warden_policy *policy = NULL;
	struct warden_verdict *cached;
	struct warden_iverdict fresh = {};
	struct warden_scratch *s;
	__u32 policy_id = 0, want, default_deny;
	int where = cache_where(lsm);
	__u16 op;
	long len;
	int tagged, exec, verdict = 0, klass = KFILE_PLAIN;

	tagged = warden_begin(&policy, &policy_id, &s);
	if (tagged <= 0 || stacked_inner_open(file))
		return tagged < 0 ? tagged : 0;
	s->dst.depth = 0;
	exec = (file->f_flags & FMODE_EXEC) || (file->f_mode & FMODE_EXEC);
	if (exec) {
		/* execve and the interpreters it loads open their file with __FMODE_EXEC */
		want = WARDEN_FS_EXEC;
		op = WARDEN_OP_EXEC;
		default_deny = policy->flags & WARDEN_POLICY_EXEC_DEFAULT_DENY;
		/* the ELF interpreter of a program the exec rules allowed: deny rules alone judge it */
		if (interp_claim(s, file, policy_id))
			default_deny = 0;
	} else {
		want = file->f_mode & (WARDEN_FS_READ | WARDEN_FS_WRITE);
		if (!want)
			want = WARDEN_FS_READ; /* an open for neither (mode 3) still reaches the file */
		op = (want & WARDEN_FS_WRITE) ? WARDEN_OP_FS_WRITE : WARDEN_OP_FS_READ;
		default_deny = policy->flags & WARDEN_POLICY_FS_DEFAULT_DENY;
		/* before the caches: a switch or a device is never cached, and some are refused */
		klass = open_prelude(s, policy, policy_id, file, want, &verdict);
		if (klass < 0)
			return verdict;
		/* a candidate's verdicts are not cached: the cache is the enforced policy's */
		cached = klass || WARDEN_IS_CANDIDATE ?
				 NULL :
				 verdict_find(file->f_path.dentry, file->f_inode, where);
		if (cached && !(want & ~cached->allowed) &&
		    verdict_holds(cached, file->f_path.mnt, file->f_path.dentry, s->ruleset,
				  policy)) {
			warden_count_cached(policy_id);
			return 0;
		}
		/* read before the path: a move or mount change from here on voids the verdict */
		fresh.v.mount_seq = seq_now(&mount_lock);
		if (!klass) {
			/* a verdict only for a file opened again (a first open would pay for it) */
			int match = file_in_dir(s, policy, policy_id, file->f_path.mnt,
						file->f_path.dentry, want, default_deny,
						(__u32)file->f_inode->i_ino, &fresh.v, where);

			if (match == 2)
				verdict_keep(s, policy, &fresh, file, default_deny, where);
			if (match)
				return 0;
		}
		/* the directory's chain was recorded before the path, with a stamp: the same holds */
		if (!klass && s->dst.depth) {
			fresh.v.stamp = s->dst.stamp;
			fresh.v.dentry_seq = s->dst_entry_seq;
		} else if (!klass) {
			fresh.v.dentry_seq = dentry_seq_btf(file->f_path.dentry);
			stamp_take(&fresh.v.stamp);
		}
	}
	/*
	 * The path the kernel actually opened, after symlinks, "..", relative lookups and
	 * /proc/self/fd are resolved.
	 */
	len = bpf_d_path((struct path *)&file->f_path, s->ev.path, sizeof(s->ev.path));
	verdict =
		path_decide(s, policy, policy_id, len, op, want, default_deny, exec ? file : NULL);
	dirstate_keep(s, file->f_path.dentry->d_parent, where);
	if (verdict)
		return verdict;
	if (klass)
		return kfile_exact(s, policy, policy_id, klass, want);
	if (!exec)
		verdict_keep(s, policy, &fresh, file, default_deny, where);
	return 0;
}

/*
 * File opens, in one of two programs the loader chooses between. Both are non-sleepable, so an
 * RCU grace period covers them (rule set replacement relies on that), and both resolve the path
 * with bpf_d_path.
 *
 * An LSM program where the kernel allows bpf_d_path in a non-sleepable one (6.x: file_open is
 * among its sleepable hooks): the trampoline runs LSM programs without the per-CPU recursion
 * check it gives tracing programs, which skips a program (and lets its open through) when a
 * task preempted inside it (preempt=full) leaves it marked as running on that CPU.
 */
SEC("lsm/file_open")
int BPF_PROG(warden_file_open, struct file *file, int ret)
{
	if (ret)
		return ret;
	return file_open_decide(file, 1);
}

/*
 * Elsewhere (5.10, which cannot make file_open sleepable and allows bpf_d_path only in tracing
 * programs on a few functions) fmod_ret on security_file_open: returning an error denies the
 * open before any LSM runs; returning 0 lets security_file_open, and every LSM, run as usual.
 * 5.10's trampoline has no recursion check and runs programs with preemption disabled.
 */
SEC("fmod_ret/security_file_open")
int BPF_PROG(warden_file_open_fmod, struct file *file, int ret)
{
	if (ret)
		return ret;
	return file_open_decide(file, 0);
}

/* 5.10: a task's ELF interpreter record goes with it (task storage does that by itself). */
SEC("lsm/task_free")
int BPF_PROG(warden_interp_task_free, struct task_struct *task)
{
	__u32 tid = BPF_CORE_READ(task, pid);

	if (!interp_in_task_storage())
		bpf_map_delete_elem(&warden_interp, &tid);
	return 0;
}

/*
 * A dentry that gets an inode may be the memory of a freed one, and the inode may have had
 * another dentry: forget what was kept for either (cache_forget).
 */
SEC("lsm/d_instantiate")
int BPF_PROG(warden_d_instantiate, struct dentry *dentry, struct inode *inode)
{
	cache_forget(dentry, inode);
	return 0;
}

/*
 * Every move of a dentry (bpf/cache.bpf.h: warden_moves): __d_move(dentry, target, exchange)
 * runs inside rename_lock's write section, so each count is made while the sequence is odd, one
 * write at a time. A move of a directory changes the path of everything below it; a move of
 * anything else changes only its own (and its d_seq, which a verdict compares). A negative
 * dentry that turns into a directory later has nothing below it that was judged before. Counted
 * for the target too, whether it moves (an exchange) or is dropped. Arguments from ctx (the
 * candidate build redefines BPF_PROG); never attached for candidates.
 */
SEC("fentry/__d_move")
int warden_d_move(unsigned long long *ctx)
{
	struct dentry *dentry = (struct dentry *)ctx[0], *target = (struct dentry *)ctx[1];
	struct warden_moves *m = moves_get();

	if (!m)
		return 0;
	if (is_dir(dentry) || is_dir(target))
		__sync_fetch_and_add(&m->dirs, 1);
	__sync_fetch_and_add(&m->all, 1);
	return 0;
}

#define PROT_WRITE 0x2
#define PROT_EXEC 0x4
#define VM_EXEC 0x4
#define READ_IMPLIES_EXEC 0x0400000 /* include/uapi/linux/personality.h */

/*
 * process.exec_memory: deny. Machine code that no exec or libraries rule sees is written to
 * memory and then run: an anonymous mapping made executable, a mapping both writable and
 * executable, or a private file mapping written to (its pages are then anonymous copies,
 * vma->anon_vma is set) and then made executable. As SELinux's execmem and execmod, and
 * systemd's MemoryDenyWriteExecute. Memory of a file without a name counts as anonymous
 * (file_nameless). 0 when the mapping is allowed or the policy does not ask.
 */
static __always_inline int memory_exec_decide(int anon, unsigned long prot)
{
	struct warden_policy *policy = NULL;
	struct warden_scratch *s = NULL;
	__u32 policy_id = 0;
	int tagged;

	if (!anon && !(prot & PROT_WRITE))
		return 0;
	tagged = warden_begin(&policy, &policy_id, &s);
	if (tagged <= 0 || !(policy->flags & WARDEN_POLICY_EXEC_MEMORY_DENY))
		return tagged < 0 ? tagged : 0;
	return warden_report(&s->ev, policy, policy_id, WARDEN_OP_MEMORY_EXEC, WARDEN_REASON_RULE);
}

/*
 * A file mapped executable by a tagged process: a shared library, a native addon, a plugin.
 * Judged by the libraries rules, except in two cases. The kernel mapping the program and the
 * interpreter of an exec maps files it opened for exec, already judged by the exec rules. And
 * a dynamic loader run directly ("ld.so PROGRAM", see elf_is_loader) maps PROGRAM first: that
 * mapping is an exec and is judged by the exec rules, so the loader cannot run what exec denies.
 */
static __always_inline int map_exec_decide(struct file *file, int backing,
					   struct vfsmount *user_mnt, struct dentry *user_dentry)
{
	struct warden_policy *policy = NULL;
	struct warden_scratch *s;
	__u32 policy_id = 0, tgid = bpf_get_current_pid_tgid() >> 32;
	__u32 want = WARDEN_FS_LIB, default_deny, *mark;
	__u32 own = WARDEN_IS_CANDIDATE ? WARDEN_LOADER_CANDIDATE : WARDEN_LOADER_ENFORCED;
	__u16 op = WARDEN_OP_LIBRARY;
	long len;
	int tagged, ret;

	tagged = warden_begin(&policy, &policy_id, &s);
	if (tagged <= 0)
		return tagged;
	s->dst.depth = 0;
	if ((BPF_CORE_READ(file, f_flags) & FMODE_EXEC) ||
	    (BPF_CORE_READ(file, f_mode) & FMODE_EXEC))
		return 0;
	default_deny = policy->flags & WARDEN_POLICY_LIB_DEFAULT_DENY;
	mark = bpf_map_lookup_elem(&warden_loader, &tgid);
	if (mark && (*mark & own)) {
		/* each build judges the first mapping once; the last to do so drops the mark */
		*mark &= ~own;
		if (!*mark)
			bpf_map_delete_elem(&warden_loader, &tgid);
		want = WARDEN_FS_EXEC;
		op = WARDEN_OP_EXEC;
		default_deny = policy->flags & WARDEN_POLICY_EXEC_DEFAULT_DENY;
	} else if (backing) {
		/* a backing file: judged by its user's path, the whole way (unread: refused) */
		len = user_mnt && user_dentry ? walk_path(s, user_mnt, user_dentry, NULL) : -22;
		return path_decide(s, policy, policy_id, len, op, want, default_deny, file);
	} else if (file_in_dir(s, policy, policy_id, file->f_path.mnt, file->f_path.dentry, want,
			       default_deny, 0, NULL, cache_where(1))) {
		return 0;
	}
	len = walk_path(s, BPF_CORE_READ(file, f_path.mnt), BPF_CORE_READ(file, f_path.dentry),
			NULL);
	ret = path_decide(s, policy, policy_id, len, op, want, default_deny, file);
	dirstate_keep(s, file->f_path.dentry->d_parent, cache_where(1));
	return ret;
}

/*
 * From 6.8 a stacking filesystem's file below the one a task opened (overlayfs's real file,
 * FUSE passthrough's backing file) has the real path as its own and the path the task opened
 * beside it; an overlay mapping's vma holds that file (ovl_mmap), and so mprotect sees it. Its
 * f_mode carries FMODE_NOACCOUNT, as no file a task opens itself does. Before 6.8 its own path
 * is the task's (open_with_fake_path, or 6.6's backing_file with real_path beside it).
 */
struct backing_file___user {
	struct file file;
	struct path user_path;
} __attribute__((preserve_access_index));

/*
 * Whether a mapping of file is memory no name holds, which exec_memory judges as anonymous: a
 * file without a link (a memfd, SysV shared memory, shared anonymous memory and /dev/zero's
 * shared mappings, which are shmem files; a deleted file) or one that is its own root outside
 * its mount's tree (an anonymous inode: io_uring's rings). Mapped twice, writable and
 * executable, any of them is writable and executable memory.
 */
static __always_inline int file_nameless(struct file *file)
{
	/* file is a BTF pointer (the hook's, or a vma's): plain loads, which every task pays */
	struct dentry *d = file->f_path.dentry;

	return !file->f_inode->__i_nlink || (d == d->d_parent && d != file->f_path.mnt->mnt_root);
}

SEC("lsm/mmap_file")
int BPF_PROG(warden_mmap_file, struct file *file, unsigned long reqprot, unsigned long prot,
	     unsigned long flags, int ret)
{
	if (ret)
		return ret;
	if (!(prot & PROT_EXEC))
		return 0;
	/* a private file mapping written later is judged at its mprotect */
	ret = memory_exec_decide(!file || file_nameless(file), prot);
	if (ret || !file)
		return ret;
	return map_exec_decide(file, 0, NULL, NULL);
}

/* Making a file mapping executable later (mmap without PROT_EXEC, then mprotect). */
SEC("lsm/file_mprotect")
int BPF_PROG(warden_file_mprotect, struct vm_area_struct *vma, unsigned long reqprot,
	     unsigned long prot, int ret)
{
	struct file *file;

	if (ret)
		return ret;
	if (!(prot & PROT_EXEC))
		return 0;
	file = vma->vm_file;
	if (BPF_CORE_READ(vma, vm_flags) & VM_EXEC)
		/* already executable: only making it writable too is new */
		return (prot & PROT_WRITE) ? memory_exec_decide(0, prot) : 0;
	ret = memory_exec_decide(!file || BPF_CORE_READ(vma, anon_vma) || file_nameless(file),
				 prot);
	if (ret || !file)
		return ret;
	if (bpf_core_field_exists(struct backing_file___user, user_path) &&
	    (BPF_CORE_READ(file, f_mode) & FMODE_NOACCOUNT)) {
		struct path user = BPF_CORE_READ((struct backing_file___user *)file, user_path);

		return map_exec_decide(file, 1, user.mnt, user.dentry);
	}
	return map_exec_decide(file, 0, NULL, NULL);
}

/*
 * With READ_IMPLIES_EXEC in its personality (personality(2), which no hook sees, and kept
 * across exec), all memory a task maps readable is executable: mmap adds PROT_EXEC, which
 * mmap_file then sees, but brk grows the heap executable (VM_DATA_DEFAULT_FLAGS) and calls no
 * hook but this one (get_unmapped_area, on every mmap and brk). Under exec_memory: deny such a
 * task gets no new memory at all.
 */
SEC("lsm/mmap_addr")
int BPF_PROG(warden_mmap_addr, unsigned long addr, int ret)
{
	__u32 personality;

	if (ret)
		return ret;
	if (bpf_core_enum_value_exists(enum bpf_map_type, BPF_MAP_TYPE_TASK_STORAGE))
		personality = bpf_get_current_task_btf()->personality;
	else
		personality =
			BPF_CORE_READ((struct task_struct *)bpf_get_current_task(), personality);
	if (!(personality & READ_IMPLIES_EXEC))
		return 0;
	return memory_exec_decide(1, PROT_EXEC);
}

/*
 * An executable stack: exec gives one to a program whose PT_GNU_STACK asks for it (gcc -z
 * execstack; nested functions' trampolines), in setup_arg_pages, which calls no hook. This
 * tracepoint runs once the program is loaded, before it runs an instruction. The exec is past
 * its point of no return, where the kernel's own failures kill the process too: under
 * exec_memory: deny (or when the task cannot be judged) it is killed.
 */
SEC("tp_btf/sched_process_exec")
int warden_exec_stack(unsigned long long *ctx)
{
	/* (task, old pid, bprm), not by BPF_PROG: the candidate build's replaces the last one */
	struct linux_binprm *bprm = (struct linux_binprm *)ctx[2];
	struct warden_policy *policy = NULL;
	struct warden_scratch *s = NULL;
	__u32 policy_id = 0, tgid = bpf_get_current_pid_tgid() >> 32;
	struct warden_exe *exe;
	long len;
	int tagged;

	if (!bprm->vma || !(bprm->vma->vm_flags & VM_EXEC)) /* BTF pointers: plain loads */
		return 0;
	tagged = warden_begin(&policy, &policy_id, &s);
	if (tagged > 0 && !(policy->flags & WARDEN_POLICY_EXEC_MEMORY_DENY))
		return 0;
	if (tagged > 0) {
		exe = bpf_map_lookup_elem(&warden_exe, &tgid);
		len = exe ? bpf_probe_read_kernel_str(s->ev.path, WARDEN_EXE_MAX, exe->path) : 0;
		s->ev.path_len = len > 0 ? len : 0;
		tagged = warden_report(&s->ev, policy, policy_id, WARDEN_OP_MEMORY_EXEC,
				       WARDEN_REASON_RULE);
	}
	if (tagged < 0 && !WARDEN_IS_CANDIDATE)
		bpf_send_signal(SIGKILL);
	return 0;
}
