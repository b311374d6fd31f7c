# shellcheck shell=bash
# Decisions on a preemptible kernel (issue 8): a program preempted halfway must neither make
# the kernel skip the same program for the next task on that CPU (the trampoline's recursion
# check for tracing programs lets the operation through), nor have its state overwritten by
# the next task's run (per-CPU scratch). The suite runs on 6.12 booted with preempt=full
# (tests/run-e2e); elsewhere this is a plain check of concurrent decisions.

# Confined processes pinned to one CPU alternate a denied open with allowed creates, opens and
# removals (each a whole decision, never cached) while an unconfined one does the same: none
# of the denied opens may succeed, none of the allowed operations may fail, and every event
# names the denied file and the process that opened it.
t_sound_preempt_one_cpu() {
	local d=/tmp/e2e-preempt i out pids=() f n bad
	mkdir -p "$d"
	echo x >"$d/secret"
	policy preempt >/dev/null <<P
name: preempt
cgroups: [$CG]
fs:
  deny: [$d/secret]
P
	apply "$T/preempt.yaml"
	for i in 1 2 3 4; do
		mkdir -p "$d/w$i"
		if [ $i = 4 ]; then
			taskset -c 0 "$WTRY" hammer 4000 "$d/secret" "$d/w$i" >"$T/hammer$i.out" &
		else
			taskset -c 0 "$WTRY" --cgroup "$CGROOT$CG" hammer 4000 "$d/secret" "$d/w$i" \
				>"$T/hammer$i.out" &
		fi
		pids+=($!)
	done
	wait "${pids[@]}" || fail "a hammer process failed"
	events
	# events other than a denied open of secret by a confined process: their number, a few
	bad=$(python3 - "$T/events.json" "$d/secret" "${pids[@]:0:3}" <<'PY'
import collections, json, sys
path, pids = sys.argv[2], {int(p) for p in sys.argv[3:]}
bad = collections.Counter()
for line in open(sys.argv[1]).read().splitlines():
    ev = json.loads(line)
    if ev.get("op") != "fs.read" or ev.get("path") != path or ev.get("pid") not in pids:
        bad[(ev.get("op"), ev.get("reason"), ev.get("path"), ev.get("error"))] += 1
for k, n in bad.most_common(5):
    print(n, *k)
PY
)
	for i in 1 2 3; do
		out=$(cat "$T/hammer$i.out")
		grep -q "^denied ok=0 eperm=[1-9][0-9]* other=0 allowed ok=[1-9][0-9]* failed=0$" \
			"$T/hammer$i.out" || fail "confined process $i: $out; other events: $bad"
	done
	out=$(cat "$T/hammer4.out")
	grep -q "^denied ok=[1-9][0-9]* eperm=0 other=0 allowed ok=[1-9][0-9]* failed=0$" \
		"$T/hammer4.out" || fail "unconfined process: $out"
	[ -z "$bad" ] || fail "events other than the denied opens: $bad"
	n=$(event_count op=fs.read path="$d/secret" reason=rule comm=wtry)
	[ "$n" -ge 3 ] || fail "only $n events for the denied opens"
}
