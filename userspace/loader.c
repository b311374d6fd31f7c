// SPDX-License-Identifier: GPL-2.0
/* Open, load, attach and pin the BPF objects; adopt what is already pinned. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/types.h>
#include "../bpf/abi.h"
#include "loader.h"
#include "log.h"
#include "file.skel.h"
#include "cgroup.skel.h"
#include "net.skel.h"
#include "proc.skel.h"
#include "guard.skel.h"
#include "probe.skel.h"
#include "programs_id.h"
#include "cand_file.skel.h"
#include "cand_net.skel.h"
#include "cand_proc.skel.h"
#include "cand_guard.skel.h"

#define PIN(name) WARDEN_PIN_ROOT "/" name

static const struct {
	const char *name;
	size_t offset;
} map_pins[] = {
	{ "warden_config", offsetof(struct warden_maps, config) },
	{ "warden_cgroups", offsetof(struct warden_maps, cgroups) },
	{ "warden_bindgen", offsetof(struct warden_maps, bindgen) },
	{ "warden_binding", offsetof(struct warden_maps, binding) },
	{ "warden_bindpath", offsetof(struct warden_maps, bindpath) },
	{ "warden_cgdfa", offsetof(struct warden_maps, cgdfa) },
	{ "warden_bank", offsetof(struct warden_maps, bank) },
	{ "warden_policy", offsetof(struct warden_maps, policy) },
	{ "warden_dfa", offsetof(struct warden_maps, dfa) },
	{ "warden_fs_rule", offsetof(struct warden_maps, fs_rule) },
	{ "warden_fs_short", offsetof(struct warden_maps, fs_short) },
	{ "warden_net_rule", offsetof(struct warden_maps, net_rule) },
	{ "warden_counter", offsetof(struct warden_maps, counter) },
	{ "warden_op_counter", offsetof(struct warden_maps, op_counter) },
	{ "warden_rate", offsetof(struct warden_maps, rate) },
	{ "warden_exe", offsetof(struct warden_maps, exe) },
	{ "warden_daemon", offsetof(struct warden_maps, daemon) },
	{ "warden_loader", offsetof(struct warden_maps, loader) },
	{ "warden_events", offsetof(struct warden_maps, events) },
	{ "warden_guarded", offsetof(struct warden_maps, guarded) },
	{ "warden_guardbits", offsetof(struct warden_maps, guardbits) },
	{ "warden_overflow", offsetof(struct warden_maps, overflow) },
	{ "warden_candidate", offsetof(struct warden_maps, candidate) },
};

#define MAP_COUNT (sizeof(map_pins) / sizeof(map_pins[0]))

static int *map_fd(struct warden_maps *m, size_t i)
{
	return (int *)((char *)m + map_pins[i].offset);
}

int loader_lsm_list(char *buf, size_t size)
{
	ssize_t n;
	int fd;

	fd = open("/sys/kernel/security/lsm", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -ENOENT;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	if (n && buf[n - 1] == '\n')
		buf[n - 1] = 0;
	return 0;
}

static int lsm_has_bpf(const char *list)
{
	const char *p = list;
	size_t len;

	while (*p) {
		len = strcspn(p, ",");
		if (len == 3 && !strncmp(p, "bpf", 3))
			return 1;
		p += len;
		if (*p == ',')
			p++;
	}
	return 0;
}

void loader_explain(int err, char *buf, size_t size)
{
	char lsm[512];

	if (geteuid() != 0) {
		snprintf(
			buf, size,
			"loading BPF LSM programs needs root (CAP_BPF and CAP_SYS_ADMIN); run warden as root");
		return;
	}
	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		snprintf(
			buf, size,
			"the kernel has no BTF (/sys/kernel/btf/vmlinux is missing); warden needs a kernel built with CONFIG_DEBUG_INFO_BTF=y");
		return;
	}
	if (loader_lsm_list(lsm, sizeof(lsm)) == 0 && !lsm_has_bpf(lsm)) {
		snprintf(
			buf, size,
			"BPF LSM is not active: 'bpf' is missing from the kernel's LSM list (%s); boot with lsm=%s%sbpf (and a kernel built with CONFIG_BPF_LSM=y)",
			lsm, lsm, *lsm ? "," : "");
		return;
	}
	if (err == -EACCES) {
		snprintf(
			buf, size,
			"the kernel's verifier rejected warden's BPF programs (%s); run with -v for its log",
			strerror(-err));
		return;
	}
	if (err == -EPERM) {
		snprintf(
			buf, size,
			"this kernel refuses BPF LSM programs: loading one fails with %s and an empty verifier log although 'bpf' is in its LSM list%s%s%s; enforcement is impossible on this kernel (on a development machine, run warden inside the VM: tests/vm/run -- build/warden ...)",
			strerror(-err), *lsm ? " (" : "", lsm, *lsm ? ")" : "");
		return;
	}
	snprintf(buf, size, "cannot load the BPF programs: %s (run with -v for libbpf's log)",
		 strerror(-err));
}

int loader_probe(enum loader_probe_kind kind, int run, const char **ret_stage)
{
	struct warden_probe_bpf *skel;
	struct bpf_program *progs[4];
	struct bpf_link *link;
	int err = 0, fd, i;

	*ret_stage = "open";
	skel = warden_probe_bpf__open();
	if (!skel)
		return -errno;
	progs[LOADER_PROBE_LSM] = skel->progs.warden_probe_lsm;
	progs[LOADER_PROBE_PATH] = skel->progs.warden_probe_path;
	progs[LOADER_PROBE_CHOWN] = skel->progs.warden_probe_chown;
	progs[LOADER_PROBE_LSM_PATH] = skel->progs.warden_probe_lsm_path;
	for (i = 0; i < 4; i++)
		bpf_program__set_autoload(progs[i], i == (int)kind);
	skel->rodata->probe_tgid = getpid();
	*ret_stage = "load";
	err = warden_probe_bpf__load(skel);
	if (err || !run)
		goto out;
	*ret_stage = "attach";
	link = bpf_program__attach(progs[kind]);
	if (!link) {
		err = -errno;
		goto out;
	}
	*ret_stage = "run";
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (fd >= 0)
		close(fd);
	if (!skel->bss->probe_hits ||
	    ((kind == LOADER_PROBE_PATH || kind == LOADER_PROBE_LSM_PATH) &&
	     strcmp(skel->bss->probe_path, "/dev/null")))
		err = -ENOSYS;
	bpf_link__destroy(link);
out:
	warden_probe_bpf__destroy(skel);
	return err;
}

static int check_bpffs(void)
{
	struct statfs st;

	if (statfs("/sys/fs/bpf", &st) || st.f_type != BPF_FS_MAGIC) {
		log_error(
			"bpffs is not mounted at /sys/fs/bpf, where warden pins its programs: mount -t bpf bpffs /sys/fs/bpf");
		return -ENOENT;
	}
	return 0;
}

/* Refuse pinned state of a layout this build does not understand, before reusing any map. */
static int check_layout(void)
{
	struct warden_config config;
	__u32 zero = 0;
	int fd, err = 0;

	fd = bpf_obj_get(PIN("warden_config"));
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		err = -errno;
		log_error("cannot open warden's pinned state under %s: %s", WARDEN_PIN_ROOT,
			  strerror(errno));
		return err;
	}
	if (bpf_map_lookup_elem(fd, &zero, &config)) {
		err = -errno;
	} else if (config.layout_version && config.layout_version != WARDEN_LAYOUT_VERSION) {
		log_error(
			"the warden state pinned under %s has layout version %u; this build understands version %u. "
			"Unload it with the warden that loaded it ('warden unload'), or reboot",
			WARDEN_PIN_ROOT, config.layout_version, WARDEN_LAYOUT_VERSION);
		err = -EPROTO;
	}
	close(fd);
	return err;
}

/* This build's BPF programs: a hash of the objects warden carries, made by the build. */
static __u64 programs_id(void)
{
	return WARDEN_PROGRAMS_ID;
}

/* The programs_id of the pinned programs; 0 when nothing is pinned. */
static __u64 pinned_programs_id(void)
{
	struct warden_config config = { 0 };
	__u32 zero = 0;
	int fd = bpf_obj_get(PIN("warden_config"));

	if (fd < 0)
		return 0;
	if (bpf_map_lookup_elem(fd, &zero, &config))
		config.programs_id = 0;
	close(fd);
	return config.programs_id;
}

/*
 * A fresh config gets this build's layout version and a random hash seed; every load records
 * which programs are attached.
 */
static int init_config(void)
{
	struct warden_config config;
	__u32 zero = 0;
	int fd, err = 0;

	fd = bpf_obj_get(PIN("warden_config"));
	if (fd < 0)
		return -errno;
	if (bpf_map_lookup_elem(fd, &zero, &config)) {
		err = -errno;
		goto out;
	}
	config.programs_id = programs_id();
	if (!config.layout_version) {
		config.layout_version = WARDEN_LAYOUT_VERSION;
		if (getrandom(&config.hash_seed, sizeof(config.hash_seed), 0) !=
		    sizeof(config.hash_seed)) {
			err = -errno;
			goto out;
		}
	}
	if (bpf_map_update_elem(fd, &zero, &config, BPF_ANY))
		err = -errno;
out:
	close(fd);
	return err;
}

/*
 * The name of a program's pins: its own, except that both ways of judging file opens
 * (choose_file_open) pin as warden_file_open, whose link says that the programs are attached.
 */
static const char *pin_name(const struct bpf_program *prog)
{
	const char *name = bpf_program__name(prog);

	return strcmp(name, "warden_file_open_fmod") ? name : "warden_file_open";
}

/*
 * Pins of links and programs: link_NAME and prog_NAME; an upgrade's new ones new_link_NAME and
 * new_prog_NAME (bpffs refuses names with a '.'); the candidate build's link_cand_NAME and
 * prog_cand_NAME.
 */
enum pin_kind { PIN_USUAL, PIN_UPGRADE, PIN_CANDIDATE };

static void pin_path(const struct bpf_program *prog, const char *what, enum pin_kind kind,
		     char *buf, size_t size)
{
	snprintf(buf, size, "%s/%s%s_%s%s", WARDEN_PIN_ROOT, kind == PIN_UPGRADE ? "new_" : "",
		 what, kind == PIN_CANDIDATE ? "cand_" : "", pin_name(prog));
}

/* Attach prog and pin its link and itself; the pin keeps it attached after this process exits. */
static int attach_and_pin(struct bpf_program *prog, enum pin_kind kind)
{
	struct bpf_link *link;
	char pin[256];
	int err;

	pin_path(prog, "link", kind, pin, sizeof(pin));
	link = bpf_program__attach(prog);
	if (!link)
		return -errno;
	err = bpf_link__pin(link, pin);
	if (err) {
		bpf_link__destroy(link);
		return err;
	}
	bpf_link__disconnect(link);
	bpf_link__destroy(link);
	/* and the program itself is pinned too, for inspection (bpftool prog show pinned) */
	pin_path(prog, "prog", kind, pin, sizeof(pin));
	unlink(pin);
	err = bpf_program__pin(prog, pin);
	if (!err)
		log_debug("attached %s", bpf_program__name(prog));
	return err;
}

/*
 * Programs attached only once a policy needs them (loader_attach_lazy): their hook runs for
 * every task, tagged or not, and costs the untagged more than the issue allows for what few
 * policies ask. warden_mmap_addr: every mmap and brk (exec_memory: deny, READ_IMPLIES_EXEC).
 */
static const char *const lazy_progs[] = { "warden_mmap_addr" };

static int is_lazy(const struct bpf_program *prog)
{
	for (size_t i = 0; i < sizeof(lazy_progs) / sizeof(lazy_progs[0]); i++)
		if (!strcmp(bpf_program__name(prog), lazy_progs[i]))
			return 1;
	return 0;
}

/*
 * A lazy program at load: attached (an upgrade's, where the build it replaces had it attached)
 * or only pinned, for loader_attach_lazy.
 */
static int pin_lazy(struct bpf_program *prog, enum pin_kind kind)
{
	char pin[256];

	pin_path(prog, "link", PIN_USUAL, pin, sizeof(pin));
	if (kind == PIN_UPGRADE && !access(pin, F_OK))
		return attach_and_pin(prog, kind);
	pin_path(prog, "prog", kind, pin, sizeof(pin));
	unlink(pin);
	return bpf_program__pin(prog, pin);
}

int loader_attach_lazy(void)
{
	char link[256], prog[256];
	int fd, lfd, err = 0;

	for (size_t i = 0; !err && i < sizeof(lazy_progs) / sizeof(lazy_progs[0]); i++) {
		snprintf(link, sizeof(link), "%s/link_%s", WARDEN_PIN_ROOT, lazy_progs[i]);
		snprintf(prog, sizeof(prog), "%s/prog_%s", WARDEN_PIN_ROOT, lazy_progs[i]);
		if (!access(link, F_OK))
			continue;
		fd = bpf_obj_get(prog);
		if (fd < 0)
			return -errno;
		lfd = bpf_raw_tracepoint_open(NULL, fd); /* an LSM program: its own hook */
		err = lfd < 0 || bpf_obj_pin(lfd, link) ? -errno : 0;
		if (err == -EEXIST)
			err = 0; /* another warden pinned its own first: ours detaches at close */
		if (lfd >= 0)
			close(lfd);
		close(fd);
		if (err)
			log_error("cannot attach %s: %s", lazy_progs[i], strerror(-err));
		else
			log_debug("attached %s", lazy_progs[i]);
	}
	return err;
}

/*
 * Load obj (maps reuse or create their pins) and attach each program not attached yet. With
 * upgrade set, attach every program, pinning its link as new_link_NAME: the programs it
 * replaces stay attached until upgrade_pins finishes the upgrade. Lazy programs: pin_lazy.
 */
static int load_object(struct bpf_object *obj, struct bpf_object_skeleton *skel, int upgrade)
{
	enum pin_kind kind = upgrade ? PIN_UPGRADE : PIN_USUAL;
	struct bpf_program *prog;
	char pin[256];
	int err, missing = 0;

	bpf_object__for_each_program(prog, obj) {
		pin_path(prog, "link", PIN_USUAL, pin, sizeof(pin));
		if (bpf_program__autoload(prog) && !is_lazy(prog) && (upgrade || access(pin, F_OK)))
			missing++;
	}
	if (!missing)
		return 0;
	err = bpf_object__load_skeleton(skel);
	if (err)
		return err;
	bpf_object__for_each_program(prog, obj) {
		pin_path(prog, "link", PIN_USUAL, pin, sizeof(pin));
		if (!bpf_program__autoload(prog) || (!upgrade && !access(pin, F_OK)))
			continue;
		err = is_lazy(prog) ? pin_lazy(prog, kind) : attach_and_pin(prog, kind);
		if (err)
			return err;
	}
	return 0;
}

/*
 * BPF LSM programs load and attach on a kernel whose LSM list lacks "bpf", and then never
 * run: refuse that instead of pretending to enforce.
 */
static int check_bpf_lsm(void)
{
	char lsm[512], why[1024];

	if (loader_lsm_list(lsm, sizeof(lsm)) == -ENOENT) {
		/* securityfs is where the kernel says which LSMs are active; mount it if needed */
		if (mount("securityfs", "/sys/kernel/security", "securityfs", 0, NULL) == 0)
			log_debug("mounted securityfs on /sys/kernel/security");
		if (loader_lsm_list(lsm, sizeof(lsm)))
			return 0; /* cannot tell; the trial load decides */
	}
	if (lsm_has_bpf(lsm))
		return 0;
	loader_explain(-EOPNOTSUPP, why, sizeof(why));
	log_error("%s", why);
	return -EOPNOTSUPP;
}

/* How many arguments the kernel function fn takes, from vmlinux BTF; -ENOENT without it. */
static int func_args(const struct btf *vmlinux, const char *fn)
{
	int id = vmlinux ? btf__find_by_name_kind(vmlinux, fn, BTF_KIND_FUNC) : -ENOENT;

	if (id <= 0)
		return -ENOENT;
	return btf_vlen(btf__type_by_id(vmlinux, btf__type_by_id(vmlinux, id)->type));
}

/*
 * Hooks whose arguments changed between kernels: keep the program written for this kernel's.
 * path_rename gained flags in 5.19, bpf gained kernel in 6.9; userns_create came in 6.1.
 * Without vmlinux BTF (-ENOENT) the newest form is kept.
 */
static void choose_variants(struct warden_file_bpf *file, struct warden_guard_bpf *guard)
{
	struct btf *vmlinux = btf__load_vmlinux_btf();
	int rename = func_args(vmlinux, "bpf_lsm_path_rename");
	int bpf = func_args(vmlinux, "bpf_lsm_bpf");
	int setxattr, removexattr, setattr;

	log_debug("path_rename takes %d arguments, bpf %d", rename, bpf);
	bpf_program__set_autoload(file->progs.warden_path_rename, rename != 4);
	bpf_program__set_autoload(file->progs.warden_path_rename4, rename == 4);
	bpf_program__set_autoload(guard->progs.warden_bpf, bpf != 4);
	bpf_program__set_autoload(guard->progs.warden_bpf4, bpf == 4);
	/* xattr and setattr hooks gained a namespace or idmap first (5.12, 6.3); ACLs in 6.2 */
	setxattr = func_args(vmlinux, "bpf_lsm_inode_setxattr");
	removexattr = func_args(vmlinux, "bpf_lsm_inode_removexattr");
	setattr = func_args(vmlinux, "bpf_lsm_inode_setattr");
	log_debug("inode_setxattr takes %d arguments, removexattr %d, setattr %d", setxattr,
		  removexattr, setattr);
	bpf_program__set_autoload(file->progs.warden_inode_setxattr, setxattr != 5);
	bpf_program__set_autoload(file->progs.warden_inode_setxattr5, setxattr == 5);
	bpf_program__set_autoload(file->progs.warden_inode_removexattr, removexattr != 2);
	bpf_program__set_autoload(file->progs.warden_inode_removexattr2, removexattr == 2);
	bpf_program__set_autoload(file->progs.warden_inode_setattr, setattr != 2);
	bpf_program__set_autoload(file->progs.warden_inode_setattr2, setattr == 2);
	bpf_program__set_autoload(file->progs.warden_inode_set_acl,
				  func_args(vmlinux, "bpf_lsm_inode_set_acl") > 0);
	bpf_program__set_autoload(file->progs.warden_inode_remove_acl,
				  func_args(vmlinux, "bpf_lsm_inode_remove_acl") > 0);
	/* 32-bit tasks' ioctls: their own hook from 6.8 and the stable series' backports */
	bpf_program__set_autoload(guard->progs.warden_file_ioctl_compat,
				  func_args(vmlinux, "bpf_lsm_file_ioctl_compat") > 0);
	/* user namespaces: their own hook where there is one, else unshare's credentials */
	if (func_args(vmlinux, "bpf_lsm_userns_create") > 0)
		bpf_program__set_autoload(guard->progs.warden_cred_prepare, false);
	else
		bpf_program__set_autoload(guard->progs.warden_userns_create, false);
	btf__free(vmlinux);
}

/* Whether enum type in btf has an enumerator called name, as bpf_core_enum_value_exists asks. */
static int btf_has_enumerator(const struct btf *btf, const char *type, const char *name)
{
	int id = btf ? btf__find_by_name_kind(btf, type, BTF_KIND_ENUM) : -ENOENT;
	const struct btf_type *t;
	const struct btf_enum *e;

	if (id <= 0)
		return 0;
	t = btf__type_by_id(btf, id);
	e = btf_enum(t);
	for (int i = 0; i < btf_vlen(t); i++, e++) {
		if (!strcmp(btf__name_by_offset(btf, e->name_off), name))
			return 1;
	}
	return 0;
}

/* Whether the running kernel's BTF has a function named name (one that fentry can reach). */
static int kernel_has_func(const char *name)
{
	struct btf *vmlinux = btf__load_vmlinux_btf();
	int found = vmlinux && btf__find_by_name_kind(vmlinux, name, BTF_KIND_FUNC) > 0;

	btf__free(vmlinux);
	return found;
}

/*
 * Where the programs keep their scratch (warden_scratch_get in bpf/decide.bpf.h): in task
 * storage where the kernel has it, the same test the programs make; otherwise the task storage
 * map must not be created at all. A new build's programs (fresh set true) get a new task
 * storage, as its layout may differ from the pinned one's: the old programs keep theirs until
 * they detach (nothing in a scratch outlives a program run).
 */
static int choose_scratch(struct bpf_object **objs, size_t n, int fresh)
{
	static const char *const task_only[] = { "warden_tinterp", "warden_iverdict",
						 "warden_idirstate" };
	static const char *const hash_only[] = { "warden_verdict", "warden_dirstate" };
	struct btf *vmlinux = btf__load_vmlinux_btf();
	int task = btf_has_enumerator(vmlinux, "bpf_map_type", "BPF_MAP_TYPE_TASK_STORAGE");

	btf__free(vmlinux);
	log_debug("scratch: %s", task ? "task storage" : "per CPU");
	for (size_t i = 0; i < n; i++) {
		struct bpf_map *map = bpf_object__find_map_by_name(objs[i], "warden_tscratch");

		if (map)
			bpf_map__set_autocreate(map, task);
		/*
		 * and so are the ELF interpreter records (bpf/interp.bpf.h) and the caches in
		 * inode storage (bpf/cache.bpf.h: cache_where), which are not pinned
		 */
		for (size_t j = 0; j < sizeof(task_only) / sizeof(task_only[0]); j++) {
			map = bpf_object__find_map_by_name(objs[i], task_only[j]);
			if (map)
				bpf_map__set_autocreate(map, task);
		}
		/* 5.10's caches, by dentry (cache_where: CACHE_HASH) */
		for (size_t j = 0; j < sizeof(hash_only) / sizeof(hash_only[0]); j++) {
			map = bpf_object__find_map_by_name(objs[i], hash_only[j]);
			if (map)
				bpf_map__set_autocreate(map, !task);
		}
	}
	if (fresh && unlink(PIN("warden_tscratch")) && errno != ENOENT)
		return -errno;
	return 0;
}

/*
 * Without task storage (5.10) the programs' per-CPU scratch is safe only because the kernel
 * runs BPF programs with preemption disabled (its migrate_disable() is preempt_disable()),
 * which a PREEMPT_RT kernel does not do: refuse that one.
 */
static int check_preemption(void)
{
	struct btf *vmlinux = btf__load_vmlinux_btf();
	int task = btf_has_enumerator(vmlinux, "bpf_map_type", "BPF_MAP_TYPE_TASK_STORAGE");
	struct utsname u;

	btf__free(vmlinux);
	if (task || uname(&u) || !strstr(u.version, "PREEMPT_RT"))
		return 0;
	log_error(
		"this kernel (%s %s) can preempt BPF programs and has no task storage to keep their state in: warden cannot enforce soundly on it; use a kernel without PREEMPT_RT, or 5.11 or later",
		u.release, u.version);
	return -EOPNOTSUPP;
}

/*
 * Which program judges file opens (bpf/file.bpf.c): the LSM one where the kernel lets it
 * resolve paths (6.x), since the trampoline's recursion check can skip the fmod_ret one on a
 * preemptible kernel; fmod_ret on security_file_open elsewhere (5.10).
 */
static void choose_file_open(struct bpf_object *file)
{
	const char *stage;
	int lsm = !loader_probe(LOADER_PROBE_LSM_PATH, 0, &stage);

	log_debug("file opens: %s", lsm ? "lsm/file_open" : "fmod_ret/security_file_open");
	bpf_program__set_autoload(bpf_object__find_program_by_name(file, "warden_file_open"), lsm);
	bpf_program__set_autoload(bpf_object__find_program_by_name(file, "warden_file_open_fmod"),
				  !lsm);
}

/*
 * An upgrade's new links are attached and pinned as new_link_NAME (their programs as
 * new_prog_NAME). finish removes the old pins (the old programs detach; the new ones already
 * run), then gives the new their names; abort removes the new ones instead, leaving the old
 * build attached.
 */
static int upgrade_pins(int finish)
{
	char path[512], to[512];
	struct dirent *de;
	int err = 0;
	DIR *dir;

	dir = opendir(WARDEN_PIN_ROOT);
	if (!dir)
		return -errno;
	for (int pass = 0; pass < 2; pass++) {
		rewinddir(dir);
		while ((de = readdir(dir))) {
			const char *n = de->d_name;
			int is_new = !strncmp(n, "new_link_", 9) || !strncmp(n, "new_prog_", 9);

			if (!is_new && strncmp(n, "link_", 5) && strncmp(n, "prog_", 5))
				continue;
			snprintf(path, sizeof(path), "%s/%s", WARDEN_PIN_ROOT, de->d_name);
			if (!finish) {
				if (is_new && pass == 0 && unlink(path))
					err = -errno;
			} else if (pass == 0 && !is_new) {
				if (unlink(path))
					err = -errno;
			} else if (pass == 1 && is_new) {
				snprintf(to, sizeof(to), "%s/%s", WARDEN_PIN_ROOT, de->d_name + 4);
				if (rename(path, to))
					err = -errno;
			}
		}
	}
	closedir(dir);
	return err;
}

int loader_load(void)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = WARDEN_PIN_ROOT);
	struct warden_file_bpf *file = NULL;
	struct warden_cgroup_bpf *cgroup = NULL;
	struct warden_net_bpf *net = NULL;
	struct warden_proc_bpf *proc = NULL;
	struct warden_guard_bpf *guard = NULL;
	char why[1024];
	int err, fresh = 0, upgrade = 0,
		 candidates = !access(PIN("link_cand_warden_file_open"), F_OK);

	if (geteuid() != 0) {
		loader_explain(-EPERM, why, sizeof(why));
		log_error("%s", why);
		return -EPERM;
	}
	err = check_bpffs();
	if (err)
		return err;
	err = check_layout();
	if (err)
		return err;
	/* this build's programs are attached already: adopt them as they are */
	if (!access(PIN("link_warden_file_open"), F_OK) && pinned_programs_id() == programs_id())
		return 0;
	err = check_bpf_lsm();
	if (!err)
		err = check_preemption();
	if (err)
		return err;
	fresh = access(PIN("warden_config"), F_OK) != 0;
	if (mkdir(WARDEN_PIN_ROOT, 0700) && errno != EEXIST) {
		err = -errno;
		log_error("cannot create '%s': %s", WARDEN_PIN_ROOT, strerror(errno));
		return err;
	}

	file = warden_file_bpf__open_opts(&opts);
	cgroup = warden_cgroup_bpf__open_opts(&opts);
	net = warden_net_bpf__open_opts(&opts);
	proc = warden_proc_bpf__open_opts(&opts);
	guard = warden_guard_bpf__open_opts(&opts);
	if (!file || !cgroup || !net || !proc || !guard) {
		err = -errno;
		goto fail;
	}
	/*
	 * Pinned programs of another build (an upgrade, or a downgrade) are replaced without a
	 * moment unguarded: the new programs attach next to the old, then the old detach. The
	 * maps, and with them every policy, stay as they are.
	 */
	upgrade = !fresh && !access(PIN("link_warden_file_open"), F_OK) &&
		  pinned_programs_id() != programs_id();
	if (upgrade)
		log_info("the attached programs are from another build of warden: replacing them");
	/* Probing first: on a kernel that refuses BPF LSM, nothing gets pinned. */
	if (upgrade || access(PIN("link_warden_file_open"), F_OK)) {
		const char *stage;

		err = loader_probe(LOADER_PROBE_PATH, 0, &stage);
		if (err)
			goto fail;
	}
	choose_variants(file, guard);
	choose_file_open(file->obj);
	{
		struct bpf_object *objs[] = { cgroup->obj, file->obj, net->obj, proc->obj,
					      guard->obj };

		err = choose_scratch(objs, sizeof(objs) / sizeof(objs[0]), fresh || upgrade);
		if (err)
			goto fail;
	}
	/*
	 * Kernels that cannot attach to hooks taking a struct by value (5.10: path_chown's kuid_t)
	 * judge chown in inode_setattr only.
	 */
	if (upgrade || access(PIN("link_warden_path_chown"), F_OK)) {
		const char *stage;

		if (loader_probe(LOADER_PROBE_CHOWN, 0, &stage)) {
			log_debug(
				"this kernel cannot attach to path_chown: chown is judged in inode_setattr");
			bpf_program__set_autoload(file->progs.warden_path_chown, false);
		}
	}
	/* Moves are counted where __d_move can be traced; elsewhere no cached decision outlives a
	 * rename (bpf/cache.bpf.h: warden_moves). */
	if (!kernel_has_func("__d_move")) {
		log_debug(
			"this kernel has no __d_move to trace: cached decisions end at any rename");
		bpf_program__set_autoload(file->progs.warden_d_move, false);
	}
	/* The cgroup object first: a tag copied at mkdir must never be missed once opens are judged. */
	err = load_object(cgroup->obj, cgroup->skeleton, upgrade);
	if (!err)
		err = load_object(file->obj, file->skeleton, upgrade);
	if (!err)
		err = load_object(net->obj, net->skeleton, upgrade);
	if (!err)
		err = load_object(proc->obj, proc->skeleton, upgrade);
	if (!err)
		err = load_object(guard->obj, guard->skeleton, upgrade);
	if (!err && upgrade)
		err = upgrade_pins(1);
	if (err)
		goto fail;
	/* the upgrade detached the old build's candidate programs: this build's replace them */
	if (upgrade && candidates && loader_candidates_attach())
		log_error("report-only candidates are not judged until 'warden apply --candidate'");
	err = init_config();
	if (err)
		goto fail;
	err = 0;
	goto out;
fail:
	loader_explain(err, why, sizeof(why));
	log_error("%s", why);
	if (fresh)
		loader_unload(); /* leave nothing half-loaded behind */
	else if (upgrade)
		upgrade_pins(0); /* the old build stays attached */
out:
	warden_file_bpf__destroy(file);
	warden_cgroup_bpf__destroy(cgroup);
	warden_net_bpf__destroy(net);
	warden_proc_bpf__destroy(proc);
	warden_guard_bpf__destroy(guard);
	return err;
}

/*
 * The candidate build's programs (bpf/decide.bpf.h: WARDEN_CANDIDATE): only those deciding
 * something with a verdict to pass on, on the hooks the usual build is attached to (its variant
 * choices made already), and never those that keep state for the usual build.
 */
static const char *const candidate_skip[] = { "warden_bprm_committed_creds",
					      "warden_bprm_check_security", "warden_d_instantiate",
					      "warden_interp_task_free", "warden_d_move" };

static void choose_candidates(struct bpf_object *obj)
{
	struct bpf_program *prog;
	char pin[256];

	bpf_object__for_each_program(prog, obj) {
		int load;

		pin_path(prog, "link", PIN_USUAL, pin, sizeof(pin));
		load = !access(pin, F_OK);
		for (size_t i = 0; i < sizeof(candidate_skip) / sizeof(candidate_skip[0]); i++)
			if (!strcmp(bpf_program__name(prog), candidate_skip[i]))
				load = 0;
		bpf_program__set_autoload(prog, load);
	}
	if (bpf_object__find_program_by_name(obj, "warden_file_open"))
		choose_file_open(obj);
}

/*
 * The candidate build reads state the usual build keeps in maps that are not pinned (the
 * interpreter records, bpf/interp.bpf.h): give obj's maps of those names the attached file
 * program's own.
 */
static int reuse_unpinned_maps(struct bpf_object *obj)
{
	struct bpf_prog_info info = { 0 };
	__u32 ids[64], len = sizeof(info), n;
	int prog = bpf_obj_get(PIN("prog_warden_file_open")), err = 0;

	if (prog < 0)
		return -errno;
	info.nr_map_ids = sizeof(ids) / sizeof(ids[0]);
	info.map_ids = (__u64)(unsigned long)ids;
	if (bpf_obj_get_info_by_fd(prog, &info, &len)) {
		err = -errno;
		goto out;
	}
	n = info.nr_map_ids < 64 ? info.nr_map_ids : 64;
	for (__u32 i = 0; !err && i < n; i++) {
		struct bpf_map_info mi = { 0 };
		__u32 mlen = sizeof(mi);
		struct bpf_map *map;
		int fd = bpf_map_get_fd_by_id(ids[i]);

		if (fd < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(fd, &mi, &mlen)) {
			map = bpf_object__find_map_by_name(obj, mi.name);
			if (map && !bpf_map__pin_path(map) && bpf_map__autocreate(map))
				err = bpf_map__reuse_fd(map, fd);
		}
		close(fd);
	}
out:
	close(prog);
	return err;
}

int loader_candidates_attach(void)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = WARDEN_PIN_ROOT);
	struct warden_cand_file_bpf *file = warden_cand_file_bpf__open_opts(&opts);
	struct warden_cand_net_bpf *net = warden_cand_net_bpf__open_opts(&opts);
	struct warden_cand_proc_bpf *proc = warden_cand_proc_bpf__open_opts(&opts);
	struct warden_cand_guard_bpf *guard = warden_cand_guard_bpf__open_opts(&opts);
	struct bpf_object_skeleton *skels[4];
	struct bpf_program *prog;
	char why[1024];
	int err = 0;

	if (!access(PIN("link_cand_warden_file_open"), F_OK))
		goto out; /* attached already (an upgrade removes the old build's) */
	if (!file || !net || !proc || !guard) {
		err = -errno;
		goto out;
	}
	skels[0] = file->skeleton;
	skels[1] = net->skeleton;
	skels[2] = proc->skeleton;
	skels[3] = guard->skeleton;
	{
		struct bpf_object *objs[] = { file->obj, net->obj, proc->obj, guard->obj };

		for (size_t i = 0; i < 4; i++)
			choose_candidates(objs[i]);
		err = choose_scratch(objs, 4, 0);
		if (!err)
			err = reuse_unpinned_maps(file->obj);
	}
	for (size_t i = 0; !err && i < 4; i++) {
		err = bpf_object__load_skeleton(skels[i]);
		bpf_object__for_each_program(prog, *skels[i]->obj) {
			if (!err && bpf_program__autoload(prog))
				err = attach_and_pin(prog, PIN_CANDIDATE);
		}
	}
	if (err) {
		loader_explain(err, why, sizeof(why));
		log_error("cannot attach the candidate programs: %s", why);
		loader_candidates_detach();
	}
out:
	warden_cand_file_bpf__destroy(file);
	warden_cand_net_bpf__destroy(net);
	warden_cand_proc_bpf__destroy(proc);
	warden_cand_guard_bpf__destroy(guard);
	return err;
}

int loader_candidates_detach(void)
{
	char path[512];
	struct dirent *de;
	int err = 0;
	DIR *dir = opendir(WARDEN_PIN_ROOT);

	if (!dir)
		return errno == ENOENT ? 0 : -errno;
	/* links first: a program detaches when its link pin goes */
	for (int pass = 0; pass < 2; pass++) {
		rewinddir(dir);
		while ((de = readdir(dir))) {
			if (strncmp(de->d_name, pass ? "prog_cand_" : "link_cand_", 10))
				continue;
			snprintf(path, sizeof(path), "%s/%s", WARDEN_PIN_ROOT, de->d_name);
			if (unlink(path) && errno != ENOENT)
				err = -errno;
		}
	}
	closedir(dir);
	return err;
}

uint64_t loader_kernel_dev(dev_t dev)
{
	return (uint64_t)major(dev) << 20 | minor(dev);
}

/*
 * Whether the executable of this process is the file its code runs from: not so when warden is
 * run through the dynamic loader ("ld.so warden ..."), whose executable is ld.so.
 */
static int self_exe_is_warden(const struct stat *exe)
{
	unsigned long lo, hi, ino, here = (unsigned long)&self_exe_is_warden;
	unsigned int maj, mnr;
	char line[512];
	int found = 0;
	FILE *f = fopen("/proc/self/maps", "re");

	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f))
		found = sscanf(line, "%lx-%lx %*s %*s %x:%x %lu", &lo, &hi, &maj, &mnr, &ino) ==
				5 &&
			lo <= here && here < hi;
	fclose(f);
	return found && ino == exe->st_ino && makedev(maj, mnr) == exe->st_dev;
}

/*
 * Record the executable this process runs as warden's own (warden_selfexe), once warden is
 * loaded: once per process, when it releases the lock (a first `warden load` made the map
 * meanwhile). The map holds a few (builds replaced by upgrades): when full, the others go.
 */
static void self_exe_record(void)
{
	struct warden_inode self = {}, keys[16], *prev = NULL;
	static int recorded;
	struct stat st;
	__u32 one = 1, n = 0;
	int fd;

	if (recorded || stat("/proc/self/exe", &st) || !self_exe_is_warden(&st))
		return;
	self.dev = loader_kernel_dev(st.st_dev);
	self.ino = st.st_ino;
	fd = bpf_obj_get(PIN("warden_selfexe"));
	if (fd < 0)
		return;
	if (bpf_map_update_elem(fd, &self, &one, BPF_ANY) && errno == E2BIG) {
		while (n < 16 && !bpf_map_get_next_key(fd, prev, &keys[n]))
			prev = &keys[n++];
		for (__u32 i = 0; i < n; i++)
			bpf_map_delete_elem(fd, &keys[i]);
		bpf_map_update_elem(fd, &self, &one, BPF_ANY);
	}
	recorded = 1;
	close(fd);
}

/* Record tgid (0: none) as the holder of warden's lock, once warden is loaded (warden_daemon). */
static void lock_holder(__u32 tgid)
{
	int fd = bpf_obj_get(PIN("warden_daemon"));
	__u32 one = 1;

	if (fd < 0)
		return;
	bpf_map_update_elem(fd, &one, &tgid, BPF_ANY);
	close(fd);
}

/* The signal mask before loader_lock blocked the stop signals (one lock at a time). */
static sigset_t lock_saved_mask;

/*
 * The stop signals a terminal sends by itself, past task_kill: SIGTSTP (^Z, TIOCSIG on its
 * master), SIGTTIN and SIGTTOU (a read or a TOSTOP write once another group is made the
 * foreground one, as a tagged program sharing the terminal can). Blocked while the lock is
 * held, so no terminal stops its holder: a blocked SIGTTOU lets the write through, a blocked
 * SIGTTIN fails the read (EIO), and a ^Z takes effect once the lock is released.
 */
static void lock_stops(int block)
{
	sigset_t stops;

	sigemptyset(&stops);
	sigaddset(&stops, SIGTSTP);
	sigaddset(&stops, SIGTTIN);
	sigaddset(&stops, SIGTTOU);
	if (block)
		sigprocmask(SIG_BLOCK, &stops, &lock_saved_mask);
	else
		sigprocmask(SIG_SETMASK, &lock_saved_mask, NULL);
}

void loader_unlock(int lock)
{
	if (lock < 0)
		return;
	lock_holder(0);
	self_exe_record();
	close(lock);
	lock_stops(0);
}

int loader_lock(void)
{
	int fd, err;

	err = check_bpffs();
	if (err)
		return err;
	lock_stops(1);
	/* the BPF filesystem's root: it exists before warden's directory, and outlives it */
	fd = open("/sys/fs/bpf", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || flock(fd, LOCK_EX)) {
		err = -errno;
		log_error("cannot lock /sys/fs/bpf: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		lock_stops(0);
		return err;
	}
	lock_holder((__u32)getpid());
	return fd;
}

int loader_is_loaded(void)
{
	return access(PIN("warden_config"), F_OK) == 0;
}

int loader_open(struct warden_maps *m)
{
	size_t i;
	int err;

	for (i = 0; i < MAP_COUNT; i++)
		*map_fd(m, i) = -1;
	if (geteuid() != 0) {
		log_error(
			"reading warden's maps needs root (CAP_BPF and CAP_SYS_ADMIN); run warden as root");
		return -EPERM;
	}
	err = check_layout();
	if (err)
		return err;
	for (i = 0; i < MAP_COUNT; i++) {
		char path[256];
		int fd;

		snprintf(path, sizeof(path), "%s/%s", WARDEN_PIN_ROOT, map_pins[i].name);
		fd = bpf_obj_get(path);
		if (fd < 0) {
			err = -errno;
			if (err == -ENOENT)
				log_error(
					"warden is not loaded (nothing pinned at %s): run 'warden load' or 'warden apply'",
					path);
			else
				log_error("cannot open '%s': %s", path, strerror(errno));
			loader_close(m);
			return err;
		}
		*map_fd(m, i) = fd;
	}
	return 0;
}

void loader_close(struct warden_maps *m)
{
	size_t i;

	if (!m)
		return;
	for (i = 0; i < MAP_COUNT; i++) {
		if (*map_fd(m, i) >= 0)
			close(*map_fd(m, i));
		*map_fd(m, i) = -1;
	}
}

int loader_tags_changing(int bindgen, int done)
{
	long page = sysconf(_SC_PAGESIZE);
	__u64 *gen = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, bindgen, 0), v;

	if (gen == MAP_FAILED)
		return -errno;
	/* odd before (unless a writer that died left it so), even after: the tracepoint adds 2 */
	v = __atomic_load_n(gen, __ATOMIC_SEQ_CST);
	while ((v & 1) == (__u64) !!done &&
	       !__atomic_compare_exchange_n(gen, &v, v + 1, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
		;
	munmap(gen, page);
	return 0;
}

static void untag_all(void)
{
	int fd = bpf_obj_get(PIN("warden_cgroups")), gen = bpf_obj_get(PIN("warden_bindgen"));
	__u64 key, next;

	/* no task goes on by the tag its last decision found */
	if (gen >= 0)
		loader_tags_changing(gen, 0);
	/* deleting the first key each time walks the whole map, whatever the hash order */
	while (fd >= 0 && bpf_map_get_next_key(fd, NULL, &next) == 0) {
		key = next;
		if (bpf_map_delete_elem(fd, &key))
			break;
	}
	if (fd >= 0)
		close(fd);
	if (gen >= 0)
		close(gen);
}

int loader_unload(void)
{
	char path[512];
	struct dirent *de;
	DIR *dir;
	int found = 0, err = 0;

	dir = opendir(WARDEN_PIN_ROOT);
	if (!dir)
		return errno == ENOENT ? 0 : -errno;
	/*
	 * Untag every cgroup first: the programs then allow everything at once, while the
	 * kernel releases an unpinned link later, from a workqueue (6.x), so removing the
	 * pins alone would leave enforcement on for a moment after unload returns.
	 */
	untag_all();
	/* Links next: enforcement stops when the last link goes, before any map disappears. */
	for (int pass = 0; pass < 2; pass++) {
		rewinddir(dir);
		while ((de = readdir(dir))) {
			int is_link = !strncmp(de->d_name, "link_", 5) ||
				      !strncmp(de->d_name, "new_link_", 9);

			if (de->d_name[0] == '.' || is_link != (pass == 0))
				continue;
			snprintf(path, sizeof(path), "%s/%s", WARDEN_PIN_ROOT, de->d_name);
			if (unlink(path) && errno != ENOENT) {
				err = -errno;
				log_error("cannot remove '%s': %s", path, strerror(errno));
			}
			found = 1;
		}
	}
	closedir(dir);
	if (!err && rmdir(WARDEN_PIN_ROOT) && errno != ENOENT)
		err = -errno;
	return err ? err : found;
}
