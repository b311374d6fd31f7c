# shellcheck shell=bash
# Kernel switches, raw devices, file handles, the new mount API and executable memory: a root
# process in a tagged cgroup whose policy allows everything else cannot use any of them to
# switch enforcement off or to reach what its rules judge by path. Each attempt fails with
# EPERM and reports op=tamper (or op=memory.exec) with what it was.

# kernel_policy [YAML...]: a policy that allows everything but what the lines given add
kernel_policy() {
	apply "$(policy kernel <<P
name: kernel
cgroups: [$CG]
$(printf '%s\n' "$@")
P
)"
}

# wo PATH: open PATH for writing from $CG
wo() {
	wtry_in "$CG" open "$1" w
}

t_sound_kernel_switches() {
	local sleeper
	mkdir -p "$T/k"
	mount --bind /proc/sys/kernel "$T/k" || fail "bind mount outside the cgroup"
	sleep 1000 &
	sleeper=$!
	kernel_policy "fs:" "  write: [/proc/sys/kernel/domainname, /proc/sys/kernel/modprobe," \
		"          /proc/sys/vm/, $T/k/core_pattern, /sys/kernel/uevent_helper]"
	expect_eq "$(wo /proc/sys/kernel/hostname)" "EPERM" "a sysctl the policy does not name"
	expect_event op=tamper what=kernel path=/proc/sys/kernel/hostname
	expect_eq "$(wtry_in "$CG" read /proc/sys/kernel/hostname)" "ok" "reading a sysctl"
	expect_eq "$(wo /proc/sys/kernel/domainname)" "ok" "a sysctl fs.write names exactly"
	expect_eq "$(wo /proc/sys/vm/drop_caches)" "EPERM" "a sysctl under a directory rule"
	# escape switches, named or not, and however reached
	expect_eq "$(wo /proc/sys/kernel/modprobe)" "EPERM" "kernel.modprobe, named"
	expect_event op=tamper what=kernel path=/proc/sys/kernel/modprobe
	expect_eq "$(wo "$T/k/core_pattern")" "EPERM" "kernel.core_pattern through a bind mount, named"
	expect_eq "$(wo "$T/k/domainname")" "EPERM" "a sysctl through a bind mount is another path"
	umount "$T/k"
	# kernels built without CONFIG_UEVENT_HELPER (Debian's) have no such file
	[ -e /sys/kernel/uevent_helper ] &&
		expect_eq "$(wo /sys/kernel/uevent_helper)" "EPERM" "uevent_helper, named"
	expect_eq "$(wo /proc/sys/kernel/ftrace_enabled)" "EPERM" "kernel.ftrace_enabled"
	expect_eq "$(wo /proc/sys/kernel/unprivileged_bpf_disabled)" "EPERM" "unprivileged_bpf_disabled"
	expect_eq "$(wo /proc/sys/net/core/bpf_jit_harden)" "EPERM" "net.core.bpf_jit_harden"
	expect_eq "$(wo /proc/sysrq-trigger)" "EPERM" "sysrq-trigger"
	expect_eq "$(wo /sys/kernel/mm/transparent_hugepage/enabled)" "EPERM" "a sysfs switch"
	expect_eq "$(wo /sys/kernel/tracing/tracing_on)" "EPERM" "tracefs"
	expect_eq "$(wo /sys/kernel/debug/tracing/tracing_on)" "EPERM" "tracefs under debugfs"
	in_cg "$CG" mkdir /sys/kernel/tracing/instances/warden-test 2>/dev/null &&
		fail "mkdir of a trace instance worked"
	[ -d /sys/kernel/tracing/instances/warden-test ] && rmdir /sys/kernel/tracing/instances/warden-test
	expect_eq "$(wo /sys/kernel/security/lsm)" "EPERM" "securityfs"
	if mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc 2>/dev/null; then
		expect_eq "$(wo /proc/sys/fs/binfmt_misc/register)" "EPERM" "binfmt_misc register"
		umount /proc/sys/fs/binfmt_misc
	fi
	# /proc/PID of a process outside the policy, and the opener's own
	expect_eq "$(wo "/proc/$sleeper/oom_score_adj")" "EPERM" "another process's oom_score_adj"
	expect_event op=tamper what=process
	expect_eq "$(wo /proc/self/oom_score_adj)" "ok" "its own oom_score_adj"
	kill "$sleeper"
}

t_sound_kernel_devices() {
	mknod "$T/loop" b 7 0 && mknod "$T/mem" c 1 1 && mknod "$T/kmem" c 1 2 &&
		mknod "$T/port" c 1 4 && mknod "$T/null" c 1 3 || fail "mknod outside the cgroup"
	kernel_policy "fs:" "  read: [$T/, $T/mem]"
	expect_eq "$(wtry_in "$CG" open "$T/loop")" "EPERM" "a block device made with mknod"
	expect_event op=tamper what=device path="$T/loop"
	expect_eq "$(wtry_in "$CG" open "$T/kmem")" "EPERM" "/dev/kmem"
	expect_eq "$(wtry_in "$CG" open "$T/port" w)" "EPERM" "/dev/port"
	expect_eq "$(wtry_in "$CG" open /proc/kcore)" "EPERM" "/proc/kcore"
	expect_event op=tamper what=device path=/proc/kcore
	expect_eq "$(wtry_in "$CG" open "$T/mem")" "ok" "/dev/mem, named exactly for reading"
	expect_eq "$(wtry_in "$CG" open "$T/mem" w)" "EPERM" "/dev/mem for writing"
	expect_eq "$(wtry_in "$CG" open "$T/null" w)" "ok" "/dev/null"
	# input devices read keystrokes and, written to, type them (uinput and uhid make keyboards)
	mknod "$T/event" c 13 64 && mknod "$T/uinput" c 10 223 && mknod "$T/uhid" c 10 239 ||
		fail "mknod of input devices"
	expect_eq "$(wtry_in "$CG" open "$T/uinput" w)" "EPERM" "uinput"
	expect_event op=tamper what=device path="$T/uinput"
	expect_eq "$(wtry_in "$CG" open "$T/uhid" w)" "EPERM" "uhid"
	expect_eq "$(wtry_in "$CG" open "$T/event")" "EPERM" "an event device"
	# outside the cgroup the driver answers (or its absence: ENXIO, ENODEV)
	[ "$("$WTRY" open "$T/event")" != EPERM ] || fail "an event device outside the cgroup"
}

t_sound_kernel_mount_api_and_handles() {
	local out
	echo x >"$T/f"
	kernel_policy
	# The file descriptors are made outside the cgroup, then the process joins it.
	out=$(python3 - "$CGROOT$CG" "$T" <<'PY'
import ctypes, errno, os, sys
libc = ctypes.CDLL(None, use_errno=True)
def sc(nr, *args):
    r = libc.syscall(nr, *args)
    return 'ok' if r >= 0 else errno.errorcode[ctypes.get_errno()]
fs_fd = libc.syscall(430, b"tmpfs", 0)  # fsopen
handle = ctypes.create_string_buffer(8 + 128)
ctypes.memmove(handle, (128).to_bytes(4, "little"), 4)
mount_id = ctypes.c_int()
assert libc.syscall(303, -100, (sys.argv[2] + "/f").encode(), handle, ctypes.byref(mount_id), 0) == 0
mount_fd = os.open(sys.argv[2], os.O_RDONLY)
open(sys.argv[1] + "/cgroup.procs", "w").write(str(os.getpid()))
attr = bytes(32)  # struct mount_attr
print(" ".join([
    "open_tree_clone=" + sc(428, -100, b"/tmp", 1),  # OPEN_TREE_CLONE
    "open_tree=" + sc(428, -100, b"/tmp", 0),
    "fsopen=" + sc(430, b"tmpfs", 0),
    "fsconfig=" + sc(431, fs_fd, 6, None, None, 0),  # FSCONFIG_CMD_CREATE
    "fsmount=" + sc(432, fs_fd, 0, 0),
    "fspick=" + sc(433, -100, b"/tmp", 0),
    "mount_setattr=" + sc(442, -100, b"/tmp", 0, attr, 32),
    "open_by_handle_at=" + sc(304, mount_fd, handle, os.O_RDONLY),
]))
PY
)
	local setattr=EPERM
	case "$(uname -r)" in 5.10.*) setattr=ENOSYS ;; esac # mount_setattr came in 5.12
	expect_eq "$out" "open_tree_clone=EPERM open_tree=ok fsopen=EPERM fsconfig=EPERM fsmount=EPERM fspick=EPERM mount_setattr=$setattr open_by_handle_at=EPERM" \
		"the new mount API and file handles"
	expect_event op=tamper what=mount comm=python3
	expect_event op=tamper what=handle comm=python3
	kernel_policy "process: { file_handles: allow }"
	out=$(python3 - "$CGROOT$CG" "$T" <<'PY'
import ctypes, errno, os, sys
libc = ctypes.CDLL(None, use_errno=True)
handle = ctypes.create_string_buffer(8 + 128)
ctypes.memmove(handle, (128).to_bytes(4, "little"), 4)
mount_id = ctypes.c_int()
assert libc.syscall(303, -100, (sys.argv[2] + "/f").encode(), handle, ctypes.byref(mount_id), 0) == 0
mount_fd = os.open(sys.argv[2], os.O_RDONLY)
open(sys.argv[1] + "/cgroup.procs", "w").write(str(os.getpid()))
fd = libc.syscall(304, mount_fd, handle, os.O_RDONLY)
print(os.read(fd, 1).decode() if fd >= 0 else errno.errorcode[ctypes.get_errno()])
PY
)
	expect_eq "$out" "x" "open_by_handle_at with process.file_handles: allow"
}

t_sound_kernel_exec_memory() {
	local XSTACK="$REPO/build/tests/wtry-execstack"
	head -c 4096 /dev/zero >"$T/f"
	kernel_policy
	expect_eq "$(wtry_in "$CG" exec-memory "$T/f")" \
		"anon-rwx=ok anon-rx=ok mprotect-anon=ok mprotect-written=ok shared-wx=ok file-rx=ok $(
		)mprotect-shared-anon=ok memfd-rx=ok brk-read-implies-exec=ok proc-mem-write=ok $(
		)ptrace-traceme=ok " \
		"executable memory without the key"
	expect_eq "$(in_cg "$CG" "$XSTACK" stack)" rwxp "an executable stack without the key"
	kernel_policy "process: { exec_memory: deny }"
	# every task's mmap and brk pays mmap_addr's hook: attached once a policy asks
	[ -e /sys/fs/bpf/warden/link_warden_mmap_addr ] || fail "mmap_addr is not attached"
	# memory no name holds (shared anonymous, a memfd mapped twice) counts as anonymous; the
	# heap under READ_IMPLIES_EXEC is executable, so it cannot grow; /proc/self/mem and a
	# tracer write code through its protection (found by an attack on exec_memory)
	expect_eq "$(wtry_in "$CG" exec-memory "$T/f")" \
		"anon-rwx=EPERM anon-rx=EPERM mprotect-anon=EPERM mprotect-written=EPERM shared-wx=EPERM $(
		)file-rx=ok mprotect-shared-anon=EPERM memfd-rx=EPERM brk-read-implies-exec=ENOMEM $(
		)proc-mem-write=EPERM ptrace-traceme=EPERM " \
		"executable memory with process.exec_memory: deny"
	expect_event op=memory.exec comm=wtry
	grep -q '"op":"memory.exec".*"path":"/proc/[0-9]*/mem"' "$T/events.json" ||
		fail "no memory.exec event naming /proc/PID/mem: $(cat "$T/events.json")"
	[ "$(event_count op=memory.exec)" -ge 10 ] ||
		fail "fewer than 10 memory.exec events: $(cat "$T/events.json")"
	# exec itself makes the stack executable for a program whose PT_GNU_STACK asks, and no hook
	# sees it: such a program is killed before it runs; a plain one runs
	expect_eq "$(in_cg "$CG" "$REPO/build/tests/wtry" stack)" rw-p "a plain program's stack"
	in_cg "$CG" "$XSTACK" stack >"$T/xstack.out" 2>/dev/null
	expect_eq "$?:$(cat "$T/xstack.out")" "137:" "a program asking exec for an executable stack"
	expect_event op=memory.exec path="$XSTACK" exe="$XSTACK"
	# a JIT needs it: node cannot start under the key, but can without its JIT
	in_cg "$CG" node -e 0 2>/dev/null && fail "node started under exec_memory: deny"
	expect_eq "$(in_cg "$CG" node --jitless -e 'console.log("ok")' 2>/dev/null)" "ok" "node --jitless"
	# a report-only candidate with the key reports it and kills nothing
	kernel_policy
	"$W" apply --candidate "$(policy kcand <<P
name: kernel
cgroups: [$CG]
process: { exec_memory: deny }
P
)" >"$T/out" 2>&1 || fail "apply --candidate: $(cat "$T/out")"
	expect_eq "$(in_cg "$CG" "$XSTACK" stack 2>/dev/null)" rwxp "under a candidate with the key"
	expect_event op=memory.exec action=would-deny path="$XSTACK"
}
