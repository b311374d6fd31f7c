# shellcheck shell=bash
# warden learn: learn a workload's policy (it reads files of a tree, runs programs, connects to
# a local TCP server), check it, run the workload under it with no denial, and see actions it
# did not take while learning denied with EPERM and an event. Runs read their own events (the
# --events file is $T/events.json, where expect_event looks).

# learn_setup: a data tree, the workload and a TCP server outside any policy ($PORT)
learn_setup() {
	chmod 755 "$T"
	D=$T/data
	mkdir -p "$D/a" "$D/b"
	for f in a/1 a/2 a/3 a/4 a/5 b/x b/y; do echo "$f" >"$D/$f"; done
	# the workload: reads four files of a/ and one of b/, runs cat, head and wtry (connect)
	cat >"$T/work.sh" <<'SH'
d=$1 port=$2 wtry=$3
cat "$d/a/1" "$d/a/2" "$d/a/3" "$d/b/x" >/dev/null || exit 3
head -c1 "$d/a/4" >/dev/null || exit 4
[ "$port" = 0 ] || "$wtry" connect 127.0.0.1 "$port" tcp
SH
	PORT=47311
	python3 - "$PORT" >"$T/server.out" 2>&1 <<'PY' &
import socket, sys
t = socket.socket(); t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
t.bind(("127.0.0.1", int(sys.argv[1]))); t.listen(16)
print("ready", flush=True)
while True:
    c, _ = t.accept(); c.sendall(b"hello"); c.close()
PY
	SERVER=$!
	trap 'kill $SERVER 2>/dev/null' EXIT
	for _ in $(seq 100); do grep -q ready "$T/server.out" 2>/dev/null && return; sleep 0.1; done
	fail "the server did not start: $(cat "$T/server.out")"
}

# run_under POLICY WHAT CMD...: warden run --policy, its events appended to $T/events.json
run_under() {
	local pol=$1 what=$2
	shift 2
	"$W" run --policy "$pol" --events "$T/run.json" -- "$@" 2>"$T/run.err"
	RC=$?
	cat "$T/run.json" >>"$T/events.json" 2>/dev/null
	rm -f "$T/run.json"
	[ "$RC" -ne 125 ] || fail "$what: warden run failed: $(cat "$T/run.err")"
}

# the learnt workload runs with no denial under POLICY
expect_clean_rerun() {
	local out
	out=$("$W" run --policy "$1" --events "$T/rerun.json" -- sh "$T/work.sh" "$D" "$PORT" "$WTRY" 2>"$T/rerun.err")
	expect_eq "$?" 0 "$2: the workload under the learnt policy: $(cat "$T/rerun.err")"
	expect_eq "$out" ok "$2: the workload's connect"
	expect_eq "$(cat "$T/rerun.err")" "" "$2: denials"
	[ ! -s "$T/rerun.json" ] || fail "$2: events of the rerun: $(cat "$T/rerun.json")"
}

t_learn_run_rerun_merge() {
	local out
	learn_setup
	# learn -- CMD: the policy is written, CMD's output and status are CMD's
	out=$("$W" learn -o "$T/learned.yaml" --name work -- sh "$T/work.sh" "$D" "$PORT" "$WTRY" 2>"$T/learn.err")
	expect_eq "$?" 0 "warden learn: $(cat "$T/learn.err")"
	expect_eq "$out" ok "the workload while learning"
	expect_contains "$(cat "$T/learn.err")" "learnt policy 'work' from" "learn's summary"
	"$W" check "$T/learned.yaml" >"$T/check.out" 2>&1 ||
		fail "warden check: $(cat "$T/check.out") $(cat "$T/learned.yaml")"
	# what it says: four files of a/ are one directory rule, b/x a file, the programs by name
	grep -qx "    - $D/a/  # 4 paths, 4 hits" "$T/learned.yaml" || fail "a/: $(cat "$T/learned.yaml")"
	grep -qx "    - $D/b/x  # 1 hit" "$T/learned.yaml" || fail "b/x: $(cat "$T/learned.yaml")"
	grep -q '^    - /usr/bin/head  # [0-9]* hits*$' "$T/learned.yaml" || fail "head: $(cat "$T/learned.yaml")"
	grep -q "^      - \"127.0.0.1:$PORT/tcp\"  # 1 hit$" "$T/learned.yaml" || fail "connect: $(cat "$T/learned.yaml")"
	grep -q '^  fork: allow' "$T/learned.yaml" || fail "fork: $(cat "$T/learned.yaml")"
	expect_clean_rerun "$T/learned.yaml" "learn -- CMD"
	# what it did not do while learning is denied, with an event (one run: each costs seconds)
	run_under "$T/learned.yaml" "extra actions" sh -c "$WTRY read $D/b/y; $WTRY read $D/a/5;
		$WTRY exec /usr/bin/id; $WTRY connect 127.0.0.1 $((PORT + 1)) tcp" >"$T/out"
	expect_eq "$(tr '\n' ' ' <"$T/out")" "EPERM ok EPERM EPERM " \
		"another file of b/, a file of a/ (a directory rule), another program, another port"
	expect_event op=fs.read path="$D/b/y" action=deny
	expect_event op=exec path=/usr/bin/id action=deny
	expect_event op=net.connect port=$((PORT + 1)) action=deny

	# --merge: a policy learnt without the connect, a comment added, widened by the full run
	"$W" learn -o "$T/part.yaml" --name work -- sh "$T/work.sh" "$D" 0 "$WTRY" 2>"$T/learn.err" ||
		fail "learn without the connect: $(cat "$T/learn.err")"
	grep -q "127.0.0.1:$PORT" "$T/part.yaml" && fail "connect learnt without connecting"
	sed -i 's|^\(    - /usr/bin/head\)  # .*|\1  # keep me|' "$T/part.yaml"
	out=$("$W" learn --merge "$T/part.yaml" -o "$T/merged.yaml" -- sh "$T/work.sh" "$D" "$PORT" "$WTRY" 2>"$T/learn.err")
	expect_eq "$?" 0 "learn --merge: $(cat "$T/learn.err")"
	expect_contains "$(cat "$T/learn.err")" "widened policy 'work'" "learn --merge summary"
	"$W" check "$T/merged.yaml" >"$T/check.out" 2>&1 || fail "check merged: $(cat "$T/check.out")"
	grep -q '^    - /usr/bin/head  # keep me$' "$T/merged.yaml" || fail "comment: $(cat "$T/merged.yaml")"
	grep -q "^      - \"127.0.0.1:$PORT/tcp\"  # learned: 1 hit$" "$T/merged.yaml" ||
		fail "merged connect: $(cat "$T/merged.yaml")"
	expect_clean_rerun "$T/merged.yaml" "learn --merge"
	expect_no_runs_left
}

expect_no_runs_left() {
	"$W" status | grep -qE '^policy (run|learn)\.' && fail "left over: $("$W" status)"
	return 0
}

t_learn_from_events_and_cgroup() {
	local pid out
	learn_setup
	# --from: events recorded under a policy that allows nothing, in audit mode
	policy nothing >/dev/null <<'EOF'
name: nothing
mode: audit
fs: {default: deny}
exec: {default: deny}
libraries: {default: deny}
net: {connect: {default: deny}, bind: {default: deny}}
process: {fork: deny, ptrace: deny}
EOF
	out=$("$W" run -q --policy "$T/nothing.yaml" --events "$T/recorded.jsonl" -- sh "$T/work.sh" "$D" "$PORT" "$WTRY")
	expect_eq "$out" ok "the workload recorded in audit mode"
	"$W" learn --from "$T/recorded.jsonl" -o "$T/from.yaml" 2>"$T/learn.err" ||
		fail "learn --from: $(cat "$T/learn.err")"
	"$W" check "$T/from.yaml" >"$T/check.out" 2>&1 || fail "check --from: $(cat "$T/check.out")"
	expect_clean_rerun "$T/from.yaml" "learn --from"
	run_under "$T/from.yaml" "exec id" "$WTRY" exec /usr/bin/id >"$T/out"
	expect_eq "$(cat "$T/out")" EPERM "another program (--from)"
	expect_event op=exec path=/usr/bin/id action=deny

	# --cgroup: a learning policy is bound while the workload runs in the cgroup, as uid 65534
	"$W" learn --cgroup "$CG" --duration 120 --name cgwork -o "$T/cg.yaml" 2>"$T/learn.err" &
	pid=$!
	for _ in $(seq 300); do grep -q "learning from cgroup" "$T/learn.err" && break; sleep 0.1; done
	"$W" status | grep -q "^policy learn\.$pid (audit)" || fail "no learning policy: $("$W" status) $(cat "$T/learn.err")"
	out=$(in_cg "$CG" setpriv --reuid 65534 --regid 65534 --clear-groups sh "$T/work.sh" "$D" "$PORT" "$WTRY")
	expect_eq "$out" ok "the workload in the cgroup while learning"
	kill -TERM $pid
	wait $pid || fail "learn --cgroup: $(cat "$T/learn.err")"
	"$W" status | grep -q '^policy learn\.' && fail "learning policy left: $("$W" status)"
	grep -qx "cgroups:" "$T/cg.yaml" && grep -qx "  - $CG" "$T/cg.yaml" || fail "cgroups: $(cat "$T/cg.yaml")"
	apply "$T/cg.yaml"
	rm -f "$T/events.json"
	out=$(in_cg "$CG" setpriv --reuid 65534 --regid 65534 --clear-groups sh "$T/work.sh" "$D" "$PORT" "$WTRY")
	expect_eq "$out" ok "the workload under the applied policy"
	expect_no_event action=deny
	out=$(in_cg "$CG" setpriv --reuid 65534 --regid 65534 --clear-groups "$WTRY" read "$D/b/y")
	expect_eq "$out" EPERM "another file, as uid 65534"
	expect_event op=fs.read path="$D/b/y" action=deny uid=65534
	# a confined cgroup keeps its policy: learn reads its events and changes nothing
	"$W" learn --cgroup "$CG" --duration 120 -o "$T/cg2.yaml" 2>"$T/learn2.err" &
	pid=$!
	for _ in $(seq 100); do grep -q "learning from cgroup" "$T/learn2.err" && break; sleep 0.1; done
	out=$(in_cg "$CG" "$WTRY" exec /usr/bin/id)
	expect_eq "$out" EPERM "still enforced while learning"
	kill -TERM $pid
	wait $pid || fail "learn --cgroup on a confined cgroup: $(cat "$T/learn2.err")"
	expect_contains "$(cat "$T/learn2.err")" "is confined by policy 'cgwork' (enforce): learning from its events, its enforcement unchanged" "message"
	grep -q '^    - /usr/bin/id  # [0-9]* hits*$' "$T/cg2.yaml" || fail "denial learnt: $(cat "$T/cg2.yaml")"
}
