# shellcheck shell=bash
# warden run: one command in a transient cgroup, Node's and Deno's flags, with real programs.
# A run reads its own events from the ring buffer (nothing is left for `warden events`), so the
# checks read the run's --events file into $T/events.json, where expect_event looks.

PY=/usr/bin/python3
NODE=/usr/bin/node

# no run policy and no transient cgroup is left
expect_no_runs() {
	local i
	for i in $(seq 50); do
		if ! "$W" status | grep -q '^policy run\.' &&
			[ -z "$(find "$CGROOT/warden.run" -mindepth 1 -type d 2>/dev/null)" ]; then
			return 0
		fi
		sleep 0.2
	done
	fail "$1: left over: $("$W" status) $(ls "$CGROOT/warden.run")"
}

t_run_default_flags_status() {
	local rc err
	# the embedded default: these start, do nothing, exit 0, and nothing is denied
	for cmd in "sh -c true" "$PY -c pass" "$NODE -e 0"; do
		# shellcheck disable=SC2086
		"$W" run -- $cmd 2>"$T/err"
		expect_eq "$?" 0 "warden run -- $cmd"
		expect_eq "$(cat "$T/err")" "" "denials of $cmd with the default"
	done
	# exit status is the command's; a signal N is 128+N
	"$W" run -- sh -c 'exit 7'
	expect_eq "$?" 7 "exit status"
	"$W" run -- sh -c 'kill -TERM $$'
	expect_eq "$?" 143 "killed by SIGTERM"
	# signals go to its own processes only: the test's shell is outside
	"$W" run -- sh -c "kill -0 $$" 2>"$T/err"
	expect_eq "$?" 1 "kill -0 of a process outside"
	grep -qE "warden: denied signal pid $$ \(sh, pid [0-9]+\): allow with --allow-all$" "$T/err" ||
		fail "signal line: $(cat "$T/err")"
	"$W" run -A -- sh -c "kill -0 $$" 2>"$T/err"
	expect_eq "$?" 0 "-A allows signals: $(cat "$T/err")"
	# one line per distinct denial, naming the flag; the events file has each event
	"$W" run --allow-exec=cat --events "$T/events.json" -- \
		sh -c 'cat /etc/shadow; cat /etc/shadow; cat /etc/hostname' >"$T/out" 2>"$T/err"
	expect_eq "$?" 1 "cat /etc/shadow denied"
	expect_eq "$(grep -c 'denied fs.read /etc/shadow' "$T/err")" 1 "one line: $(cat "$T/err")"
	# not anchored at the line's start: cat writes "cat: " and the rest of its message in two
	# writes to the same stderr, and warden's line can land between them
	grep -qE 'warden: denied fs.read /etc/shadow \(cat, pid [0-9]+\): allow with --allow-fs-read=/etc/shadow$' "$T/err" ||
		fail "denial line: $(cat "$T/err")"
	grep -q 'denied fs.read /etc/hostname' "$T/err" || fail "hostname line: $(cat "$T/err")"
	expect_eq "$(grep -c '"path":"/etc/shadow"' "$T/events.json")" 2 "events of both cats"
	expect_event op=fs.read path=/etc/shadow comm=cat action=deny
	grep -q '"policy":"run\.' "$T/events.json" || fail "policy name: $(cat "$T/events.json")"
	# a flag allows it; a deny flag wins
	"$W" run --allow-fs-read=/etc/shadow -- cat /etc/shadow >/dev/null 2>"$T/err"
	expect_eq "$?" 0 "--allow-fs-read=/etc/shadow: $(cat "$T/err")"
	"$W" run --allow-read=/etc --deny-read=/etc/shadow -- cat /etc/shadow 2>"$T/err"
	expect_eq "$?" 1 "--deny-read wins"
	expect_contains "$(cat "$T/err")" "a deny rule decides" "deny line"
	"$W" run -A --deny-fs-write=/tmp -- sh -c "echo x > $T/w" 2>/dev/null
	expect_eq "$?" 2 "--deny-fs-write wins over -A"
	"$W" run -A --deny-fs-write=/tmp -- cat /etc/shadow >/dev/null
	expect_eq "$?" 0 "-A reads, --deny-fs-write does not deny reads"
	# --audit denies nothing and reports
	rm -f "$T/events.json"
	"$W" run --audit --events "$T/events.json" -- cat /etc/shadow >/dev/null 2>"$T/err"
	expect_eq "$?" 0 "--audit"
	expect_contains "$(cat "$T/err")" "warden: would deny fs.read /etc/shadow (cat" "audit line"
	expect_event op=fs.read path=/etc/shadow action=audit
	# --quiet
	"$W" run -q -- cat /etc/shadow 2>"$T/err"
	expect_eq "$(cat "$T/err")" "cat: /etc/shadow: Operation not permitted" "--quiet"
	# usage errors: exit 2 and a clear message
	"$W" run --allow-everything -- true 2>"$T/err"
	expect_eq "$?" 2 "unknown flag"
	expect_contains "$(cat "$T/err")" "unknown option '--allow-everything'" "unknown flag message"
	"$W" run --allow-net=300.1.1.1 -- true 2>"$T/err"
	expect_eq "$?" 2 "bad address"
	expect_contains "$(cat "$T/err")" "'300.1.1.1' is not an IPv4 or IPv6 address" "bad address"
	"$W" run 2>/dev/null
	expect_eq "$?" 2 "no command"
	"$W" run -- /nonexistent 2>/dev/null
	expect_eq "$?" 127 "no such program"
	# an unprivileged user cannot use it: it needs root for BPF and cgroups
	setpriv --reuid 65534 --regid 65534 --clear-groups "$W" run -- true 2>"$T/err"
	expect_eq "$?" 125 "as uid 65534"
	expect_contains "$(cat "$T/err")" "warden run needs root" "as uid 65534"
	# a command may drop to uid 65534 itself, confined all the same
	"$W" run --allow-exec=cat -- setpriv --reuid 65534 --regid 65534 --clear-groups \
		cat /etc/hostname 2>"$T/err" >/dev/null
	expect_eq "$?" 1 "cat as uid 65534 under warden run"
	expect_contains "$(cat "$T/err")" "denied fs.read /etc/hostname (cat" "uid 65534 denial"
	expect_no_runs "after the runs"
}

t_run_node_python_sh() {
	local out
	echo ok >"$T/ok.txt"
	echo secret >"$T/secret.txt"
	cat >"$T/app.js" <<'JS'
const fs = require('fs'), cp = require('child_process');
const r = {};
const t = (k, f) => { try { f(); r[k] = 'ok'; } catch (e) { r[k] = e.code || String(e); } };
t('read_ok', () => fs.readFileSync(process.argv[2] + '/ok.txt'));
t('read_secret', () => fs.readFileSync(process.argv[2] + '/secret.txt'));
t('spawn', () => cp.execFileSync('/usr/bin/true'));
console.log(JSON.stringify(r));
JS
	out=$("$W" run --allow-fs-read="$T/app.js,$T/ok.txt" -- "$NODE" "$T/app.js" "$T" 2>"$T/err")
	expect_eq "$out" '{"read_ok":"ok","read_secret":"EPERM","spawn":"EPERM"}' "node: $(cat "$T/err")"
	expect_contains "$(cat "$T/err")" "denied fs.read $T/secret.txt (node" "node read line"
	expect_contains "$(cat "$T/err")" "allow with --allow-child-process" "node fork line"
	# Node's own spelling
	out=$("$W" run --permission --allow-fs-read="$T/app.js" --allow-fs-read="$T/ok.txt" \
		--allow-child-process -- "$NODE" "$T/app.js" "$T" 2>"$T/err")
	expect_eq "$out" '{"read_ok":"ok","read_secret":"EPERM","spawn":"ok"}' "node --allow-child-process: $(cat "$T/err")"

	# python3 and ctypes: native libraries need --allow-ffi (or --allow-addons)
	"$W" run --events "$T/events.json" -- "$PY" -c 'import ctypes; ctypes.CDLL("libz.so.1")' \
		2>"$T/err" >/dev/null
	[ $? -ne 0 ] || fail "ctypes without --allow-ffi: exit 0"
	expect_contains "$(cat "$T/err")" "denied library /usr/lib/x86_64-linux-gnu/libffi.so" "ctypes line"
	expect_event op=library action=deny
	for f in --allow-ffi --allow-addons; do
		"$W" run "$f" -- "$PY" -c 'import ctypes; ctypes.CDLL("libz.so.1")' 2>"$T/err"
		expect_eq "$?" 0 "ctypes with $f: $(cat "$T/err")"
	done

	# a sh pipeline: each program is allowed by name
	echo abc >"$T/in.txt"
	out=$("$W" run --allow-read="$T/in.txt" --allow-run=cat,tr -- sh -c "cat $T/in.txt | tr a-z A-Z" 2>"$T/err")
	expect_eq "$out" ABC "pipeline: $(cat "$T/err")"
	out=$("$W" run --allow-read="$T/in.txt" --allow-run=cat -- sh -c "cat $T/in.txt | tr a-z A-Z" 2>"$T/err")
	expect_eq "$out" "" "pipeline without tr"
	expect_contains "$(cat "$T/err")" "denied exec /usr/bin/tr (sh, pid" "tr line"
	expect_contains "$(cat "$T/err")" "allow with --allow-exec=/usr/bin/tr" "tr line"
}

t_run_net() {
	local port=47123 out
	# a TCP and a UDP server outside any run
	"$PY" - "$port" >"$T/server.out" 2>&1 <<'PY' &
import socket, sys, threading
port = int(sys.argv[1])
t = socket.socket(); t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
t.bind(("127.0.0.1", port)); t.listen(8)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", port))
def udp():
    while True:
        d, a = u.recvfrom(100); u.sendto(d.upper(), a)
threading.Thread(target=udp, daemon=True).start()
print("ready", flush=True)
while True:
    c, _ = t.accept(); c.sendall(b"hello"); c.close()
PY
	local server=$!
	for _ in $(seq 50); do grep -q ready "$T/server.out" && break; sleep 0.2; done
	cat >"$T/client.py" <<'PY'
import socket, sys
kind, port = sys.argv[1], int(sys.argv[2])
try:
    if kind == "tcp":
        s = socket.create_connection(("127.0.0.1", port), timeout=5); print(s.recv(100).decode())
    else:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(5)
        s.sendto(b"ping", ("127.0.0.1", port)); print(s.recvfrom(100)[0].decode())
except OSError as e:
    print(e.errno == 1 and "EPERM" or str(e))
PY
	out=$("$W" run --allow-fs-read="$T/client.py" -- "$PY" "$T/client.py" tcp $port 2>"$T/err")
	expect_eq "$out" EPERM "tcp denied"
	expect_contains "$(cat "$T/err")" "denied net.connect 127.0.0.1:$port/tcp (python3" "tcp line"
	expect_contains "$(cat "$T/err")" "allow with --allow-net=127.0.0.1:$port/tcp" "tcp flag"
	out=$("$W" run --allow-fs-read="$T/client.py" -- "$PY" "$T/client.py" udp $port 2>"$T/err")
	expect_eq "$out" EPERM "udp denied"
	expect_contains "$(cat "$T/err")" "denied net.connect 127.0.0.1:$port/udp" "udp line"
	for k in tcp udp; do
		out=$("$W" run --allow-fs-read="$T/client.py" --allow-net=127.0.0.1:$port -- \
			"$PY" "$T/client.py" $k $port 2>"$T/err")
		[ $k = tcp ] && expect_eq "$out" hello "$k allowed: $(cat "$T/err")"
		[ $k = udp ] && expect_eq "$out" PING "$k allowed: $(cat "$T/err")"
	done
	# another port stays denied
	out=$("$W" run --allow-fs-read="$T/client.py" --allow-net=127.0.0.1:$((port + 1)) -- \
		"$PY" "$T/client.py" tcp $port 2>/dev/null)
	expect_eq "$out" EPERM "tcp to another port"
	kill $server
}

t_run_kill_parallel() {
	local pid cg i
	# SIGKILL of warden run: the command lives on, confined; when it exits nothing is left
	"$W" run -- sleep 30 &
	pid=$!
	for i in $(seq 100); do
		cg=$(find "$CGROOT/warden.run" -mindepth 1 -maxdepth 1 -type d 2>/dev/null | head -1)
		[ -n "$cg" ] && grep -q . "$cg/cgroup.procs" && break
		sleep 0.1
	done
	[ -n "$cg" ] || fail "no transient cgroup"
	"$W" status | grep -q "^policy run\." || fail "no run policy: $("$W" status)"
	kill -9 $pid
	wait $pid 2>/dev/null
	"$W" status | grep -q "^policy run\." || fail "policy gone while its command runs"
	grep -q . "$cg/cgroup.procs" || fail "sleep gone with warden"
	kill "$(head -1 "$cg/cgroup.procs")"
	expect_no_runs "after SIGKILL of warden run"
	# two runs at once, each in its own cgroup; SIGTERM to warden run reaches the command
	"$W" run -- sleep 30 &
	pid=$!
	"$W" run --allow-exec=sleep -- sh -c 'sleep 1; exit 4'
	expect_eq "$?" 4 "second run"
	expect_eq "$(find "$CGROOT/warden.run" -mindepth 1 -maxdepth 1 -type d | wc -l)" 1 "first run still there"
	kill -TERM $pid
	wait $pid
	expect_eq "$?" 143 "first run, SIGTERM passed on"
	expect_no_runs "after two runs"
}
