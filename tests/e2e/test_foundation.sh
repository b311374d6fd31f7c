# shellcheck shell=bash
# The foundation: doctor, a real file_open denial in a tagged cgroup and its descendants, the
# event that reports it, and nothing outside.

t_doctor_passes() {
	local out
	out=$("$W" doctor) || fail "warden doctor exited $?: $out"
	expect_contains "$out" "warden can enforce policies on this system." "doctor"
	expect_contains "$out" "ok    BPF LSM program runs" "doctor trial load"
}

deny_hostname_policy() {
	policy deny-hostname <<P
name: deny-hostname
cgroups: [$CG]
fs:
  deny: [/etc/hostname]
P
}

t_deny_in_tagged_cgroup() {
	local out pid
	apply "$(deny_hostname_policy)"
	out=$(try_in "$CG" open /etc/hostname)
	pid=${out%% *}
	expect_eq "${out#* }" "EPERM" "open /etc/hostname in $CG"
	expect_event action=deny op=fs.read policy=deny-hostname cgroup="$CG" pid="$pid" \
		path=/etc/hostname comm=wtry reason=rule
}

t_event_fields_complete() {
	local out pid
	apply "$(deny_hostname_policy)"
	out=$(try_in "$CG" open /etc/hostname rw)
	pid=${out%% *}
	expect_eq "${out#* }" "EPERM" "open /etc/hostname for writing in $CG"
	expect_event op=fs.write pid="$pid" tid="$pid" uid=0 path=/etc/hostname exe="$WTRY"
	python3 - "$T/events.json" <<'PY' || fail "event fields: $(cat "$T/events.json")"
import json, re, sys
ev = json.loads(open(sys.argv[1]).read().splitlines()[-1])
for k in ("ts", "action", "op", "policy", "cgroup", "pid", "ppid", "uid", "comm", "exe", "path"):
    assert k in ev, k
assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z", ev["ts"]), ev["ts"]
assert ev["ppid"] > 0
PY
}

t_other_paths_allowed() {
	apply "$(deny_hostname_policy)"
	expect_eq "$(in_cg "$CG" "$WTRY" read /etc/passwd)" "ok" "read /etc/passwd in $CG"
	expect_eq "$(in_cg "$CG" "$WTRY" open /etc/hostnamex)" "ENOENT" "a longer name is another file"
	expect_no_event path=/etc/passwd
}

t_untagged_unaffected() {
	apply "$(deny_hostname_policy)"
	cg_make "$SUITE_CG/sibling"
	expect_eq "$("$WTRY" open /etc/hostname)" "ok" "open in the root cgroup"
	expect_eq "$(in_cg "$SUITE_CG/sibling" "$WTRY" open /etc/hostname)" "ok" "open in a sibling cgroup"
	expect_eq "$(in_cg "$SUITE_CG" "$WTRY" open /etc/hostname)" "ok" "open in the parent cgroup"
	expect_no_event path=/etc/hostname
}

t_child_cgroup_inherits() {
	local out pid
	cg_make "$CG/before"
	apply "$(deny_hostname_policy)"
	cg_make "$CG/after" "$CG/after/grandchild"
	for c in "$CG/before" "$CG/after" "$CG/after/grandchild"; do
		out=$(try_in "$c" open /etc/hostname)
		pid=${out%% *}
		expect_eq "${out#* }" "EPERM" "open /etc/hostname in $c"
		expect_event action=deny cgroup="$c" pid="$pid" path=/etc/hostname
	done
}

t_write_and_directory_rules() {
	local out
	mkdir -p /tmp/e2e-secret/sub
	echo data >/tmp/e2e-secret/sub/file
	apply "$(policy dirs <<P
name: dirs
cgroups: [$CG]
fs:
  deny: [/tmp/e2e-secret/]
P
)"
	expect_eq "$(in_cg "$CG" "$WTRY" open /tmp/e2e-secret/sub/file w)" "EPERM" "write below a denied directory"
	expect_eq "$(in_cg "$CG" "$WTRY" open /tmp/e2e-secret/sub/file)" "EPERM" "read below a denied directory"
	expect_eq "$(in_cg "$CG" "$WTRY" open /tmp/e2e-secret)" "EPERM" "open the denied directory itself"
	expect_eq "$(in_cg "$CG" "$WTRY" open /tmp/e2e-secretx 2>&1)" "ENOENT" "a sibling with a longer name"
	expect_event op=fs.write path=/tmp/e2e-secret/sub/file
	expect_event op=fs.read path=/tmp/e2e-secret
}

t_resolved_path_decides() {
	local out
	ln -sf /etc/hostname "$T/link"
	apply "$(deny_hostname_policy)"
	expect_eq "$(in_cg "$CG" "$WTRY" open "$T/link")" "EPERM" "through a symlink"
	expect_eq "$(cd /etc && in_cg "$CG" "$WTRY" open ./hostname)" "EPERM" "a relative path"
	expect_eq "$(in_cg "$CG" "$WTRY" open /etc/../etc/./hostname)" "EPERM" "a path with .."
	out=$(exec 3</etc/hostname && in_cg "$CG" "$WTRY" open /proc/self/fd/3)
	expect_eq "$out" "EPERM" "/proc/self/fd of a descriptor opened outside"
	expect_event path=/etc/hostname
	[ "$(event_count path="$T/link")" -eq 0 ] || fail "an event named the symlink, not the file"
}

t_audit_mode_allows_and_reports() {
	local out pid
	apply "$(policy audit <<P
name: audit
mode: audit
cgroups: [$CG]
fs:
  deny: [/etc/hostname]
P
)"
	out=$(try_in "$CG" open /etc/hostname)
	pid=${out%% *}
	expect_eq "${out#* }" "ok" "open in audit mode"
	expect_event action=audit policy=audit pid="$pid" path=/etc/hostname
}

t_default_deny_with_allow_list() {
	local out pid
	apply "$(policy allowlist <<P
name: allowlist
cgroups: [$CG]
fs:
  default: deny
  read: [/usr/, /etc/ld.so.cache, $REPO/build/]
  write: [/dev/null]
P
)"
	expect_eq "$(in_cg "$CG" "$WTRY" read /usr/share/common-licenses/GPL-3)" "ok" "read an allowed file"
	expect_eq "$(in_cg "$CG" "$WTRY" open /dev/null w)" "ok" "write an allowed file"
	expect_eq "$(in_cg "$CG" "$WTRY" open /usr/share/common-licenses/GPL-3 w)" "EPERM" "write a read-only file"
	out=$(try_in "$CG" open /etc/passwd)
	pid=${out%% *}
	expect_eq "${out#* }" "EPERM" "read outside the allow list"
	expect_event pid="$pid" path=/etc/passwd reason=default
}

t_invalid_policy_keeps_running_one() {
	local bad out
	apply "$(deny_hostname_policy)"
	bad=$(policy bad <<P
name: deny-hostname
cgroups: [$CG]
fs:
  deny: [/etc/hostname]
  exec: [/bin/sh]
P
)
	out=$("$W" apply "$bad" 2>&1) && fail "apply of an invalid policy succeeded: $out"
	expect_contains "$out" "$bad:5:3: unknown key 'exec' in 'fs'" "the error names file, line and column"
	expect_eq "$(in_cg "$CG" "$WTRY" open /etc/hostname)" "EPERM" "the policy in force still denies"
	out=$("$W" apply "$(policy same-cgroup <<P
name: other
cgroups: [$CG]
P
)" 2>&1) && fail "apply of a cgroup bound to another policy succeeded"
	expect_contains "$out" "cgroup '$CG' is already bound to installed policy 'deny-hostname'" \
		"a cgroup bound twice"
	expect_eq "$(in_cg "$CG" "$WTRY" open /etc/hostname)" "EPERM" "still denied after a second bad apply"
}

# Also for a task that was judged before (it keeps its tag between decisions: tag_cached).
t_remove_and_unload_stop_enforcement() {
	apply "$(deny_hostname_policy)"
	opener_start "$CG"
	expect_eq "$(in_cg "$CG" "$WTRY" open /etc/hostname)" "EPERM" "denied while applied"
	expect_eq "$(opener /etc/hostname)$(opener /etc/hostname)" "EPERMEPERM" "a running task"
	"$W" remove deny-hostname >/dev/null || fail "warden remove failed"
	expect_eq "$(in_cg "$CG" "$WTRY" open /etc/hostname)" "ok" "allowed after remove"
	expect_eq "$(opener /etc/hostname)" "ok" "a running task, after remove"
	apply "$(deny_hostname_policy)"
	expect_eq "$(opener /etc/hostname)$(opener /etc/hostname)" "EPERMEPERM" "a running task"
	expect_event op=fs.read path=/etc/hostname pid="$OPENER_PID"
	"$W" unload >/dev/null || fail "warden unload failed"
	expect_eq "$(in_cg "$CG" "$WTRY" open /etc/hostname)" "ok" "allowed after unload"
	expect_eq "$(opener /etc/hostname)" "ok" "a running task, after unload"
	opener_stop
	[ ! -e /sys/fs/bpf/warden ] || fail "pins left after unload: $(ls /sys/fs/bpf/warden)"
}

t_status_counts_decisions() {
	apply "$(deny_hostname_policy)"
	in_cg "$CG" "$WTRY" open /etc/hostname >/dev/null
	in_cg "$CG" "$WTRY" open /etc/hostname >/dev/null
	"$W" status --json | python3 -c '
import json, sys
s = json.load(sys.stdin)
p = [p for p in s["policies"] if p["name"] == "deny-hostname"][0]
assert s["loaded"] and p["mode"] == "enforce", s
assert p["cgroups"] == [sys.argv[1]], p
assert p["denied"] == 2 and p["allowed"] > 0 and p["dropped"] == 0, p
' "$CG" || fail "status: $("$W" status --json)"
}

t_example_policy_demo() {
	local out pid
	cg_make /warden-demo
	apply "$REPO/policies/demo.yaml"
	out=$(try_in /warden-demo open /etc/shadow)
	pid=${out%% *}
	expect_eq "${out#* }" "EPERM" "policies/demo.yaml denies /etc/shadow"
	expect_eq "$(in_cg /warden-demo "$WTRY" open /root)" "EPERM" "policies/demo.yaml denies /root"
	expect_eq "$(in_cg /warden-demo "$WTRY" open /etc/hostname)" "ok" "and allows the rest"
	expect_event policy=demo cgroup=/warden-demo pid="$pid" path=/etc/shadow
}

t_event_flood_rate_limited() {
	local out events
	apply "$(deny_hostname_policy)"
	out=$(wtry_in "$CG" open-loop /etc/hostname 5000 | tr '\n' ' ')
	expect_eq "$out" "EPERM 5000 " "every open of the flood is denied"
	events
	events=$(event_count path=/etc/hostname)
	"$W" status --json | python3 -c '
import json, sys
p = json.load(sys.stdin)["policies"][0]
events = int(sys.argv[1])
assert p["denied"] == 5000, p
assert p["dropped"] > 0, p
assert events + p["dropped"] == 5000, (events, p)
' "$events" || fail "flood: $events events; status $("$W" status --json)"
}

t_long_deep_and_unresolvable_paths() {
	local deep long name out
	deep=/tmp/e2e-deep$(printf '/d%.0s' $(seq 1 80))
	name=$(printf 'n%.0s' $(seq 1 200))
	long=/tmp/e2e-long/$name/$name
	mkdir -p "$deep" "$long"
	echo x >"$deep/secret"
	echo x >"$deep/public"
	echo x >"$long/secret"
	apply "$(policy paths <<P
name: paths
cgroups: [$CG]
fs:
  deny: [$deep/secret, /tmp/e2e-long/$name/]
P
)"
	expect_eq "$(in_cg "$CG" "$WTRY" open "$deep/secret")" "EPERM" "a file 81 components deep"
	expect_eq "$(in_cg "$CG" "$WTRY" open "$deep/public")" "ok" "its sibling"
	expect_eq "$(in_cg "$CG" "$WTRY" open "$long/secret")" "EPERM" "a ${#long}-byte path below a long directory rule"
	expect_event path="$deep/secret"
	# A path over 4095 bytes cannot be resolved: a tagged process is denied (fail closed),
	# an untagged one is not.
	cat >"$T/deepest.py" <<'PY'
import errno, os, sys
os.chdir(sys.argv[1])
for i in range(20):
    d = "x" * 250
    if not os.path.isdir(d):
        os.mkdir(d)
    os.chdir(d)
if sys.argv[2] == "make":
    open("file", "w").write("x")
try:
    os.close(os.open("file", os.O_RDONLY))
    print("ok")
except OSError as e:
    print(errno.errorcode[e.errno])
PY
	mkdir -p /tmp/e2e-deepest
	expect_eq "$(python3 "$T/deepest.py" /tmp/e2e-deepest make)" "ok" "untagged, over 4095 bytes"
	expect_eq "$(in_cg "$CG" python3 "$T/deepest.py" /tmp/e2e-deepest open)" "EPERM" "tagged, over 4095 bytes"
	expect_event reason=unresolved error=36 comm=python3
}

t_nearest_bound_ancestor_decides() {
	cg_make "$CG/inner/leaf"
	apply "$(policy outer <<P
name: outer
cgroups: [$CG]
fs: { deny: [/etc/hostname] }
P
)" "$(policy inner <<P
name: inner
cgroups: [$CG/inner]
fs: { deny: [/etc/passwd] }
P
)"
	expect_eq "$(in_cg "$CG/inner/leaf" "$WTRY" open /etc/passwd)" "EPERM" "inner policy below the inner cgroup"
	expect_eq "$(in_cg "$CG/inner/leaf" "$WTRY" open /etc/hostname)" "ok" "outer policy does not reach inside inner"
	expect_eq "$(in_cg "$CG" "$WTRY" open /etc/hostname)" "EPERM" "outer policy in its own cgroup"
	cg_make "$CG/inner/new"
	expect_eq "$(in_cg "$CG/inner/new" "$WTRY" open /etc/passwd)" "EPERM" "a cgroup created below inner gets inner"
	expect_event policy=inner cgroup="$CG/inner/new" path=/etc/passwd
	"$W" remove inner >/dev/null || fail "remove inner"
	expect_eq "$(in_cg "$CG/inner/leaf" "$WTRY" open /etc/hostname)" "EPERM" "after remove, the outer policy takes over"
	expect_eq "$(in_cg "$CG/inner/leaf" "$WTRY" open /etc/passwd)" "ok" "and the inner rules are gone"
	out=$("$W" apply "$(policy clash <<P
name: clash
cgroups: [$CG]
P
)" 2>&1) && fail "binding a cgroup of another installed policy succeeded"
	expect_contains "$out" "cgroup '$CG' is already bound to installed policy 'outer'" "conflict error"
}

t_recreated_cgroup_is_bound_again() {
	local out pid
	cg_make "$CG/svc"
	apply "$(policy svc <<P
name: svc
cgroups: [$CG/svc]
fs: { deny: [/etc/hostname] }
P
)"
	expect_eq "$(in_cg "$CG/svc" "$WTRY" open /etc/hostname)" "EPERM" "denied in the bound cgroup"
	# a service restart: systemd removes the cgroup and creates it again, with a new id
	rmdir "$CGROOT$CG/svc" || fail "cannot remove $CG/svc"
	cg_make "$CG/svc"
	out=$(try_in "$CG/svc" open /etc/hostname)
	pid=${out%% *}
	expect_eq "${out#* }" "EPERM" "denied in the cgroup created again"
	expect_event policy=svc cgroup="$CG/svc" pid="$pid"
	"$W" status --json | grep -q "\"cgroups\":\[\"$CG/svc\"\]" || fail "status: $("$W" status --json)"
	"$W" remove svc >/dev/null
	rmdir "$CGROOT$CG/svc"
	cg_make "$CG/svc"
	expect_eq "$(in_cg "$CG/svc" "$WTRY" open /etc/hostname)" "ok" "after remove, a new cgroup is free"
}
