# shellcheck shell=bash
# Every permission category: allowed succeeds, denied fails with EPERM and an event, audit
# mode allows and reports.

# Executables every exec allow list needs for a dynamically linked program: the loader is
# opened for exec by the kernel (as the ELF interpreter), under its resolved path.
LDSO=$(readlink -f /lib64/ld-linux-x86-64.so.2)

t_exec_deny_list() {
	local out pid
	apply "$(policy exec-deny <<P
name: exec-deny
cgroups: [$CG]
exec: { deny: [/usr/bin/od] }
P
)"
	out=$(try_in "$CG" exec /usr/bin/od -c /dev/null)
	pid=${out%% *}
	expect_eq "${out#* }" "EPERM" "exec of a denied binary"
	expect_eq "$(in_cg "$CG" "$WTRY" exec /usr/bin/echo ok)" "ok" "exec of another binary"
	expect_event action=deny op=exec pid="$pid" path=/usr/bin/od reason=rule
	expect_eq "$("$WTRY" exec /usr/bin/od /dev/null)" "0000000" "od outside the cgroup"
}

t_exec_default_deny_allow_list() {
	local out pid
	apply "$(policy exec-allow <<P
name: exec-allow
cgroups: [$CG]
exec:
  default: deny
  allow: [/usr/bin/echo, $LDSO, $REPO/build/tests/]
P
)"
	expect_eq "$(in_cg "$CG" "$WTRY" exec /usr/bin/echo ok)" "ok" "exec of an allowed binary"
	out=$(try_in "$CG" exec /usr/bin/cat /dev/null)
	pid=${out%% *}
	expect_eq "${out#* }" "EPERM" "exec outside the allow list"
	expect_event op=exec pid="$pid" path=/usr/bin/cat reason=default
	expect_eq "$(in_cg "$CG" "$WTRY" exec /bin/sh -c 'echo no')" "EPERM" "a shell is not allowed either"
}

t_exec_fileless_denied() {
	local out
	apply "$(policy fileless <<P
name: fileless
cgroups: [$CG]
exec:
  default: deny
  allow: [/usr/bin/, $LDSO, $REPO/build/tests/]
P
)"
	out=$(in_cg "$CG" python3 -c '
import os, errno
fd = os.memfd_create("payload")
os.write(fd, open("/usr/bin/true", "rb").read())
try:
    os.execv("/proc/self/fd/%d" % fd, ["payload"])
except OSError as e:
    print(errno.errorcode[e.errno])
')
	expect_eq "$out" "EPERM" "exec of a memfd"
	expect_event op=exec reason=fileless comm=python3
	cp /usr/bin/true "$T/gone"
	out=$(in_cg "$CG" python3 -c '
import os, errno, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
os.unlink(sys.argv[1])
try:
    os.execv("/proc/self/fd/%d" % fd, ["gone"])
except OSError as e:
    print(errno.errorcode[e.errno])
' "$T/gone")
	expect_eq "$out" "EPERM" "exec of a deleted file"
}

t_net_connect_rules() {
	local out pid
	apply "$(policy connect <<P
name: connect
cgroups: [$CG]
net:
  connect:
    default: deny
    allow: ["127.0.0.1:5432/tcp", "127.0.0.0/8:7000-7010", "[::1]:6379"]
    deny: [127.0.0.2]
P
)"
	# ECONNREFUSED: the kernel let the connect through and nothing listens
	expect_eq "$(in_cg "$CG" "$WTRY" connect 127.0.0.1 5432)" "ECONNREFUSED" "allowed address and port"
	expect_eq "$(in_cg "$CG" "$WTRY" connect 127.0.0.5 7005)" "ECONNREFUSED" "allowed CIDR and port range"
	expect_eq "$(in_cg "$CG" "$WTRY" connect ::1 6379)" "ECONNREFUSED" "allowed IPv6"
	out=$(try_in "$CG" connect 127.0.0.1 5433)
	pid=${out%% *}
	expect_eq "${out#* }" "EPERM" "port not allowed"
	expect_event op=net.connect pid="$pid" addr=127.0.0.1 port=5433 proto=tcp reason=default
	expect_eq "$(in_cg "$CG" "$WTRY" connect 127.0.0.1 5432 udp)" "EPERM" "tcp-only rule, udp connect"
	expect_eq "$(in_cg "$CG" "$WTRY" connect 127.0.0.2 7005)" "EPERM" "deny wins over a wider allow"
	expect_event op=net.connect addr=127.0.0.2 port=7005 reason=rule
	expect_eq "$(in_cg "$CG" "$WTRY" connect ::1 6380)" "EPERM" "IPv6 port not allowed"
	expect_eq "$("$WTRY" connect 127.0.0.1 5433)" "ECONNREFUSED" "outside the cgroup"
}

t_net_ipv4_mapped_is_ipv4() {
	local out pid
	apply "$(policy mapped <<P
name: mapped
cgroups: [$CG]
net:
  connect: { default: deny, allow: ["127.0.0.1:5432"] }
P
)"
	expect_eq "$(in_cg "$CG" "$WTRY" connect ::ffff:127.0.0.1 5432)" "ECONNREFUSED" "mapped address of an allowed IPv4"
	out=$(try_in "$CG" connect ::ffff:127.0.0.1 5433)
	pid=${out%% *}
	expect_eq "${out#* }" "EPERM" "mapped address, port not allowed"
	expect_event pid="$pid" addr=127.0.0.1 port=5433
}

t_net_bind_rules() {
	local out pid
	apply "$(policy bind <<P
name: bind
cgroups: [$CG]
net:
  bind: { default: deny, allow: ["8080/tcp"] }
P
)"
	expect_eq "$(in_cg "$CG" "$WTRY" bind 127.0.0.1 8080)" "ok" "allowed port"
	expect_eq "$(in_cg "$CG" "$WTRY" bind ::1 8080)" "ok" "allowed port, IPv6"
	out=$(try_in "$CG" bind 127.0.0.1 8081)
	pid=${out%% *}
	expect_eq "${out#* }" "EPERM" "port not allowed"
	expect_event op=net.bind pid="$pid" addr=127.0.0.1 port=8081
	expect_eq "$(in_cg "$CG" "$WTRY" bind 127.0.0.1 8080 udp)" "EPERM" "tcp-only rule, udp bind"
}

t_fork_denied_threads_allowed() {
	local out pid
	apply "$(policy nofork <<P
name: nofork
cgroups: [$CG]
process: { fork: deny }
P
)"
	out=$(try_in "$CG" fork)
	pid=${out%% *}
	expect_eq "${out#* }" "EPERM" "fork"
	expect_event op=fork pid="$pid"
	expect_eq "$(in_cg "$CG" "$WTRY" thread)" "ok" "a thread is not a fork"
	expect_eq "$("$WTRY" fork)" "ok" "fork outside the cgroup"
}

t_ptrace_denied() {
	local out pid target
	apply "$(policy noptrace <<P
name: noptrace
cgroups: [$CG]
process: { ptrace: deny }
P
)"
	sleep 30 &
	target=$!
	out=$(try_in "$CG" ptrace "$target")
	pid=${out%% *}
	expect_eq "${out#* }" "EPERM" "ptrace attach"
	expect_event op=ptrace pid="$pid" target="$target"
	expect_eq "$("$WTRY" ptrace "$target")" "ok" "ptrace outside the cgroup"
	kill "$target"
}

t_audit_mode_every_category() {
	apply "$(policy audit-all <<P
name: audit-all
mode: audit
cgroups: [$CG]
fs: { deny: [/etc/hostname] }
exec: { deny: [/usr/bin/od] }
net:
  connect: { default: deny }
  bind: { default: deny }
process: { fork: deny }
P
)"
	expect_eq "$(in_cg "$CG" "$WTRY" open /etc/hostname)" "ok" "fs in audit mode"
	expect_eq "$(in_cg "$CG" "$WTRY" exec /usr/bin/od /dev/null)" "0000000" "exec in audit mode"
	expect_eq "$(in_cg "$CG" "$WTRY" connect 127.0.0.1 9)" "ECONNREFUSED" "connect in audit mode"
	expect_eq "$(in_cg "$CG" "$WTRY" bind 127.0.0.1 9999)" "ok" "bind in audit mode"
	expect_eq "$(in_cg "$CG" "$WTRY" fork)" "ok" "fork in audit mode"
	for op in fs.read exec net.connect net.bind fork; do
		expect_event action=audit op=$op policy=audit-all
	done
}

t_child_cgroup_inherits_every_category() {
	apply "$(policy inherit <<P
name: inherit
cgroups: [$CG]
exec: { deny: [/usr/bin/od] }
net:
  connect: { default: deny }
process: { fork: deny }
P
)"
	cg_make "$CG/child"
	expect_eq "$(in_cg "$CG/child" "$WTRY" exec /usr/bin/od /dev/null)" "EPERM" "exec in a child cgroup"
	expect_eq "$(in_cg "$CG/child" "$WTRY" connect 127.0.0.1 9)" "EPERM" "connect in a child cgroup"
	expect_eq "$(in_cg "$CG/child" "$WTRY" fork)" "EPERM" "fork in a child cgroup"
	expect_event op=fork cgroup="$CG/child"
}
