# shellcheck shell=bash
# warden query agrees with the kernel: for a table of cases covering every op, allowed and
# denied (deny wins, wildcards, defaults, the process keys, audit mode), the answer of
# `warden query` (exit 0 allowed, 1 denied) and a real attempt of the same operation agree,
# and both agree with the table.

# q_attempt CGROUP OP TARGET: do OP on TARGET for real in CGROUP; prints allowed or denied
q_attempt() {
	local cg=$1 op=$2 target=${3:-} out addr port proto
	case $op in
	fs.read) out=$(wtry_in "$cg" open "$target" r) ;;
	fs.write) out=$(wtry_in "$cg" open "$target" w) ;;
	# wtry prints only when the exec fails; the program itself prints nothing
	exec) out=$(wtry_in "$cg" exec "$target" </dev/null 2>&1 | grep -x EPERM) ;;
	library) out=$(wtry_in "$cg" mmap-exec "$target") ;;
	net.connect | net.bind)
		if [ "${target#@}" != "$target" ]; then
			out=$(wtry_in "$cg" abstract "${target#@}")
		else
			proto=${target##*/}
			[ "$proto" = "$target" ] && proto=tcp
			target=${target%/"$proto"}
			port=${target##*:}
			addr=${target%:*}
			addr=${addr#[}
			addr=${addr%]}
			out=$(wtry_in "$cg" "${op#net.}" "$addr" "$port" "$proto")
		fi
		;;
	fork) out=$(wtry_in "$cg" fork) ;;
	ptrace) out=$(wtry_in "$cg" ptrace "$target") ;;
	signal) out=$(in_cg "$cg" bash -c 'kill -0 "$0" 2>/dev/null && echo ok || echo EPERM' "$target") ;;
	memory.exec)
		out=$(wtry_in "$cg" exec-memory "$T/w/mem")
		out=${out%% *}
		out=${out#*=}
		;;
	namespace) out=$(wtry_in "$cg" unshare-uts) ;;
	handle) out=$(wtry_in "$cg" handle "$T/r/file") ;;
	*) fail "q_attempt: no attempt for op $op" ;;
	esac
	case $out in
	*EPERM* | *"Operation not permitted"* | *ENOMEM* | *"Cannot allocate memory"*) echo "denied ($out)" ;;
	*) echo "allowed ($out)" ;;
	esac
}

# q_case CGROUP EXPECTED OP [TARGET]: warden query and a real attempt both give EXPECTED
q_case() {
	local cg=$1 want=$2 op=$3 target=${4:-} got real rc=0
	"$W" query --cgroup "$cg" "$op" ${target:+"$target"} >"$T/q.out" 2>&1 || rc=$?
	case $rc in
	0) got=allowed ;;
	1) got=denied ;;
	*) fail "warden query --cgroup $cg $op $target: exit $rc: $(cat "$T/q.out")" ;;
	esac
	[ "$op" = ptrace ] && target=$QTARGET
	[ "$op" = signal ] && target=$$ # the test's shell, outside the policies
	real=$(q_attempt "$cg" "$op" "$target")
	[ "$got" = "$want" ] && [ "${real%% *}" = "$want" ] ||
		fail "$op $target in $cg: expected $want, query said $got ($(cat "$T/q.out")), the kernel $real"
}

t_query_agrees_with_kernel() {
	local ldso out a b c
	ldso=$(readlink -f /lib64/ld-linux-x86-64.so.2)
	a=$CG b=$CG/b c=$CG/c
	cg_make "$b" "$c" "$CG/sub"
	mkdir -p "$T/r" "$T/w" "$T/logs/sub" "$T/lib"
	echo x >"$T/r/file"
	echo x >"$T/r/id.key"
	echo x >"$T/w/f"
	echo x >"$T/w/mem"
	echo x >"$T/logs/a.log"
	echo x >"$T/logs/sub/a.log"
	echo x >"$T/lib/good.so"
	echo x >"$T/lib/evil.so"
	echo x >/tmp/e2e-query-other
	cp /usr/bin/true "$T/prog"
	ln -sf /etc/shadow "$T/r/link"
	apply "$(policy qa <<P
name: qa
cgroups: [$a]
fs:
  default: deny
  read: [/usr/, /etc/, $T/]
  write: [$T/w/, "$T/logs/*.log"]
  deny: [/etc/shadow, "$T/**/*.key"]
exec: { default: deny, allow: [/usr/bin/, $ldso, "/usr/sbin/*login"], deny: [/usr/bin/false] }
libraries: { default: deny, allow: [/usr/lib/, "$T/lib/*.so"], deny: ["$T/lib/evil*"] }
net:
  connect:
    default: deny
    allow: ["127.0.0.1:5432/tcp", "127.0.0.0/8:7000-7010", "[::1]:6379", "53/udp", "@qtest-*"]
    deny: [127.0.0.2, "@qtest-secret"]
  bind: { default: deny, allow: ["8080/tcp", "0.0.0.0:9000/udp"] }
process: { fork: deny, ptrace: deny, exec_memory: deny, file_handles: allow, signal: deny }
P
)" "$(policy qb <<P
name: qb
cgroups: [$b]
process: { namespaces: allow }
P
)" "$(policy qc <<P
name: qc
mode: audit
cgroups: [$c]
fs: { deny: [/etc/shadow] }
exec: { default: deny, allow: [/usr/bin/, $ldso] }
P
)"
	# the process itself in the cgroup (not a subshell running it): ptrace's and --pid's target
	bg_in "$a" sleep 600
	QTARGET=$BG_PID
	# files: deny wins, wildcards, the default, a symlink judged as its target
	q_case "$a" allowed fs.read /etc/hostname
	q_case "$a" denied fs.read /etc/shadow
	q_case "$a" denied fs.read "$T/r/link"
	q_case "$a" denied fs.read "$T/r/id.key"
	q_case "$a" denied fs.read /tmp/e2e-query-other
	q_case "$a" allowed fs.write "$T/w/f"
	q_case "$a" allowed fs.write "$T/logs/a.log"
	q_case "$a" denied fs.write "$T/logs/sub/a.log"
	# programs and libraries
	q_case "$a" allowed exec /usr/bin/true
	q_case "$a" denied exec /usr/bin/false
	q_case "$a" allowed exec /usr/sbin/nologin
	q_case "$a" denied exec "$T/prog"
	q_case "$a" allowed library "$T/lib/good.so"
	q_case "$a" denied library "$T/lib/evil.so"
	q_case "$a" denied library "$T/r/file"
	# addresses, ports, protocols, abstract names
	q_case "$a" allowed net.connect 127.0.0.1:5432/tcp
	q_case "$a" denied net.connect 127.0.0.1:5433
	q_case "$a" denied net.connect 127.0.0.2:7005
	q_case "$a" allowed net.connect "[::1]:6379"
	q_case "$a" allowed net.connect 127.0.0.9:53/udp
	q_case "$a" allowed net.connect @qtest-ok
	q_case "$a" denied net.connect @qtest-secret
	q_case "$a" allowed net.bind 127.0.0.1:8080
	q_case "$a" denied net.bind 127.0.0.1:8081
	q_case "$a" denied net.bind "[::]:9000/udp"
	# the process keys, denied in qa and allowed (or the reverse) in qb
	q_case "$a" denied fork
	q_case "$b" allowed fork
	q_case "$a" denied ptrace
	q_case "$a" denied memory.exec
	q_case "$b" allowed memory.exec
	q_case "$a" denied signal
	q_case "$b" allowed signal
	q_case "$a" denied namespace
	q_case "$b" allowed namespace
	q_case "$a" allowed handle
	q_case "$b" denied handle
	# a cgroup below a bound one has its policy
	q_case "$CG/sub" denied fs.read /etc/shadow
	expect_event action=deny op=fs.read path=/etc/shadow reason=rule policy=qa
	expect_event action=deny op=net.connect addr=127.0.0.2 port=7005 reason=rule policy=qa
	expect_event action=deny op=exec path="$T/prog" reason=default policy=qa

	# audit mode: the rules' answer is "denied" (exit 1); the kernel allows it and reports it
	expect_eq "$("$W" query --cgroup "$c" fs.read /etc/shadow)" \
		"fs.read /etc/shadow: denied by policy 'qc' (audit: allowed and reported), rule fs.deny '/etc/shadow' at $T/qc.yaml:4:14" \
		"query in audit mode"
	expect_eq "$(wtry_in "$c" open /etc/shadow)" "ok" "the kernel in audit mode"
	expect_event action=audit op=fs.read path=/etc/shadow policy=qc
	out=$("$W" query --json --cgroup "$c" exec "$T/prog")
	expect_eq "$out" "{\"decision\":\"denied\",\"policy\":\"qc\",\"mode\":\"audit\",\"rule\":\"exec.default: deny\",\"key\":\"exec.default\",\"at\":null,\"kernel\":\"allowed\",\"op\":\"exec\",\"target\":\"$T/prog\",\"cgroup\":\"$c\"}" "query --json in audit mode"
	expect_eq "$(in_cg "$c" "$T/prog" && echo ran)" "ran" "exec in audit mode"
	expect_event action=audit op=exec path="$T/prog" policy=qc

	# --pid, --policy NAME, --policy FILE, an untagged process, and errors
	expect_eq "$("$W" query --json --pid "$QTARGET" fs.read /etc/shadow)" \
		"{\"decision\":\"denied\",\"policy\":\"qa\",\"mode\":\"enforce\",\"rule\":\"/etc/shadow\",\"key\":\"fs.deny\",\"at\":\"$T/qa.yaml:7:10\",\"kernel\":\"denied\",\"op\":\"fs.read\",\"target\":\"/etc/shadow\",\"cgroup\":\"$a\"}" \
		"query --pid"
	expect_contains "$("$W" query --policy qa exec /usr/bin/false; echo " exit $?")" \
		"exec /usr/bin/false: denied by policy 'qa' (enforce), rule exec.deny '/usr/bin/false' at $T/qa.yaml:8:" \
		"query --policy NAME"
	expect_contains "$("$W" query --policy qa exec /usr/bin/false; echo " exit $?")" " exit 1" \
		"query --policy NAME: exit status"
	expect_eq "$("$W" query --policy "$T/qb.yaml" fork; echo $?)" \
		"fork: allowed by policy 'qb' (enforce), process.fork: allow
0" "query --policy FILE"
	expect_eq "$("$W" query --json --pid $$ fs.read /etc/shadow; echo $?)" \
		"{\"decision\":\"allowed\",\"policy\":null,\"mode\":null,\"rule\":null,\"key\":null,\"at\":null,\"kernel\":\"allowed\",\"op\":\"fs.read\",\"target\":\"/etc/shadow\",\"cgroup\":\"$(sed -n 's/^0:://p' /proc/$$/cgroup)\"}
0" "an untagged process"
	expect_eq "$("$W" query --cgroup "$a" fs.exec /x 2>&1; echo $?)" \
		"warden: query: unknown op 'fs.exec' (ops: fs.read, fs.write, exec, library, net.connect, net.bind, fork, ptrace, memory.exec, signal, namespace, handle)
2" "an unknown op"
	expect_eq "$("$W" query --cgroup "$a" net.connect 10.0.0.0/8 2>&1; echo $?)" \
		"warden: query: net.connect target '10.0.0.0/8' is a network; give one address
2" "a malformed target"
	expect_eq "$("$W" query --cgroup /no/such fork 2>&1; echo $?)" \
		"warden: query: cgroup '/no/such' does not exist ($CGROOT/no/such: No such file or directory)
2" "an unknown cgroup"
	expect_eq "$("$W" query --policy nosuch fork 2>&1; echo $?)" \
		"warden: query: no policy named 'nosuch' is installed (a file: --policy ./nosuch)
2" "an unknown policy"
	expect_eq "$("$W" query --pid 999999999 fork 2>&1; echo $?)" \
		"warden: query: no process with pid 999999999 (/proc/999999999/cgroup: No such file or directory)
2" "an unknown pid"
	# the kept source must be the installed one
	echo "# changed" >>/run/warden/policies/qa.yaml
	expect_eq "$("$W" query --policy qa fork 2>&1; echo $?)" \
		"warden: query: /run/warden/policies/qa.yaml is not the source of installed policy 'qa' (another version is in force); apply it again, or ask with --policy FILE
2" "a kept source that is not the installed one"
	kill "$QTARGET"
	rm -f /tmp/e2e-query-other
}
