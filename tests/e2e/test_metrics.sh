# shellcheck shell=bash
# warden daemon --metrics: Prometheus text at /metrics, /healthz, scraped by a real Prometheus.

# m_query EXPR: the value of Prometheus' instant query EXPR ("" while it has none)
m_query() {
	curl -s --max-time 5 -G http://127.0.0.1:19090/api/v1/query --data-urlencode "query=$1" |
		grep -o '"value":\[[0-9.e+]*,"[^"]*"\]' | sed 's/.*,"\(.*\)"\]/\1/'
}

t_metrics_scraped_by_prometheus() {
	local d=/tmp/e2e-metrics dir=$T/policies port=19464 url out i n=5 v start
	local deny='warden_decisions_total{policy="m-deny",candidate="false",op="fs.read",action="deny"}'
	{ command -v promtool && command -v prometheus; } >/dev/null ||
		fail "promtool and prometheus are not installed: make deps"
	url=http://127.0.0.1:$port

	# Prometheus first: its start-up under TCG overlaps the rest
	cat >"$T/prometheus.yml" <<P
global: { scrape_interval: 1s, evaluation_interval: 1s }
scrape_configs:
  - job_name: warden
    static_configs: [{ targets: ["127.0.0.1:$port"] }]
P
	start=$(date +%s)
	prometheus --config.file="$T/prometheus.yml" --storage.tsdb.path="$T/tsdb" \
		--web.listen-address=127.0.0.1:19090 >"$T/prometheus.log" 2>&1 &
	local ppid=$!

	"$W" daemon --policy-dir "$dir" --metrics x >"$T/bad.out" 2>&1 && fail "--metrics x accepted"
	expect_contains "$(cat "$T/bad.out")" "--metrics 'x': expected ADDR:PORT" "a bad --metrics"

	mkdir -p "$d" "$dir"
	chmod 755 "$d"
	echo x >"$d/secret"
	chmod 644 "$d/secret"
	cat >"$dir/m.yaml" <<P
name: m-deny
cgroups: [$CG]
fs: { deny: [$d/secret] }
exec: { deny: [/usr/bin/od] }
P
	"$W" daemon --policy-dir "$dir" --metrics "127.0.0.1:$port" >"$T/d.out" 2>"$T/d.err" &
	local dpid=$!
	# shellcheck disable=SC2064
	trap "kill -9 $dpid $ppid 2>/dev/null" EXIT
	wait_for "$T/d.err" "applied policy 'm-deny'"
	wait_for "$T/d.err" "serving metrics on 127.0.0.1:$port"
	local t_daemon=$(($(date +%s) - start))
	expect_eq "$(curl -s --max-time 5 -w ' %{http_code}' "$url/healthz")" "ok
 200" "/healthz"

	# N denials, counted by the programs only while bpf_stats is on
	sysctl -qw kernel.bpf_stats_enabled=1
	for i in 1 2 3; do
		expect_eq "$(wtry_in "$CG" open "$d/secret")" "EPERM" "denial $i as root"
	done
	for i in 4 5; do
		expect_eq "$(in_cg "$CG" setpriv --reuid 65534 --regid 65534 --clear-groups \
			"$WTRY" open "$d/secret")" "EPERM" "denial $i as uid 65534"
	done
	sysctl -qw kernel.bpf_stats_enabled=0
	expect_eq "$(in_cg "$CG" "$WTRY" exec /usr/bin/od /dev/null)" "EPERM" "an exec denial"
	for ((i = 0; i < 300; i++)); do
		v=$(grep -c "\"action\":\"deny\",\"op\":\"fs.read\",\"policy\":\"m-deny\".*\"path\":\"$d/secret\"" \
			"$T/d.out")
		[ "$v" -ge "$n" ] && break
		sleep 0.1
	done
	expect_eq "$v" "$n" "the daemon's events"
	grep -q '"uid":65534,.*"path":"'"$d/secret"'"' "$T/d.out" || fail "no event of uid 65534"

	# clients that send nothing, more of them than the daemon serves at once (16), do not hold
	# up anyone else: the longest-waiting is dropped for a new one (an idle one times out
	# after 5 s, so an answer within 3 s shows it)
	local idle=() fd
	for i in $(seq 20); do
		exec {fd}<>"/dev/tcp/127.0.0.1/$port"
		idle+=("$fd")
	done
	curl -s --max-time 3 "$url/metrics" >"$T/metrics" || fail "GET /metrics behind 20 idle clients"
	for fd in "${idle[@]}"; do exec {fd}>&-; done
	promtool check metrics <"$T/metrics" >"$T/promtool.out" 2>&1 ||
		fail "promtool check metrics: $(cat "$T/promtool.out")"
	out=$(cat "$T/metrics")
	expect_contains "$out" "
$deny $n
" "the denial counter"
	expect_contains "$out" '
warden_decisions_total{policy="m-deny",candidate="false",op="exec",action="deny"} 1
' "the kernel's count of exec denials"
	expect_contains "$out" '
warden_decisions_total{policy="m-deny",candidate="false",op="net.connect",action="deny"} 0
' "an op never refused"
	expect_contains "$out" '
warden_events_total{policy="m-deny",op="fs.read",action="deny"} 5
' "events by op"
	expect_contains "$out" '
warden_cgroups_bound{policy="m-deny",candidate="false"} 1
' "cgroups bound"
	expect_contains "$out" '
warden_policy_generation{policy="m-deny",mode="enforce"} ' "policy generation"
	expect_contains "$out" "
warden_build_info{version=\"$("$W" --version | cut -d' ' -f2)\"} 1
" "build info"
	expect_contains "$out" '
warden_programs_attached 1
' "attached"
	expect_contains "$out" '
warden_last_sync_success 1
' "last sync"
	grep -q '^warden_program_runs_total{program="warden_file_open"} [1-9]' "$T/metrics" ||
		fail "no run count of warden_file_open: $(grep program_runs "$T/metrics")"
	expect_eq "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$url/metrics")" "405" "POST"
	expect_eq "$(curl -s -o /dev/null -w '%{http_code}' "$url/nothing")" "404" "a wrong path"

	# Prometheus scrapes the daemon: its query answers the number of denials
	local t_checked=$(($(date +%s) - start)) t_ready=
	for ((i = 0; i < 600; i++)); do
		[ -n "$t_ready" ] || ! curl -sf --max-time 5 http://127.0.0.1:19090/-/ready >/dev/null ||
			t_ready=$(($(date +%s) - start))
		v=$(m_query "$deny")
		[ "$v" = "$n" ] && break
		kill -0 "$ppid" 2>/dev/null || fail "prometheus exited: $(tail -5 "$T/prometheus.log")"
		sleep 0.2
	done
	expect_eq "$v" "$n" "Prometheus' query after $(($(date +%s) - start))s"
	kill "$ppid" "$dpid"
	wait "$ppid" "$dpid" 2>/dev/null
	# how long Prometheus took to answer, when asked to record it
	[ -z "${WARDEN_TEST_TIMES:-}" ] ||
		echo "$(uname -r): from Prometheus' start: daemon serving ${t_daemon}s, checks done" \
			"${t_checked}s, Prometheus ready ${t_ready}s, its answer $(($(date +%s) - start))s" \
			>>"$WARDEN_TEST_TIMES"
}
