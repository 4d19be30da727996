#!/usr/bin/env bash
# bench/load.sh (make load): requests per second of the warm inbox
# (inbox-names) under wrk, against the built-in FreeScout emulator without
# latency, with the gateway's CPU time per request.
#
#   make load                                   # this tree's gateway, twice
#   BEFORE_BIN=/tmp/old/scoutgraph make load    # an older build and this one: before, after, before, after
#
# Settings (environment): DURATION (15s, each measured run), WARMUP (3s of
# load before each), THREADS (2) and CONNECTIONS (16) of wrk, ROUNDS (2),
# QUERY (inbox-names: any read of bench/queries without variables) and
# CONVERSATION_CACHE_TTL (10m; 0 turns the conversation cache off, and every
# request then makes a FreeScout call to the emulator, which shares the
# machine).
#
# The emulator is this tree's (bin/scoutgraph emulator) for both binaries.
# Each measured run gets a gateway process of its own, started on a free
# loopback port with only the settings below in its environment, asked the
# query cold and warm, loaded for WARMUP, then measured for DURATION. Its
# CPU time is utime+stime of /proc/<pid>/stat (every thread) just before
# and after the measured run, divided by the requests wrk counted. The
# emulator's API key is random per run and never printed.
set -euo pipefail

DURATION=${DURATION:-15s}
WARMUP=${WARMUP:-3s}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-16}
ROUNDS=${ROUNDS:-2}
QUERY=${QUERY:-inbox-names}
CACHE_TTL=${CONVERSATION_CACHE_TTL:-10m}
BEFORE_BIN=${BEFORE_BIN:-}

cd "$(dirname "$0")/.."

say() { printf 'load: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

if [ -n "$BEFORE_BIN" ]; then
	[ -x "$BEFORE_BIN" ] || die "BEFORE_BIN=$BEFORE_BIN is not an executable"
	BEFORE_BIN=$(cd "$(dirname "$BEFORE_BIN")" && pwd)/$(basename "$BEFORE_BIN")
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/scoutgraph-load.XXXXXX")
pids=()
cleanup() {
	local pid
	for pid in "${pids[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in "${pids[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# stop ends the process $1, started by this script, and forgets it.
stop() {
	local pid rest=()
	kill "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
	for pid in "${pids[@]}"; do
		[ "$pid" = "$1" ] || rest+=("$pid")
	done
	pids=("${rest[@]}")
}

if ! command -v wrk >/dev/null 2>&1; then
	say "installing wrk (Debian package)"
	sudo=""
	if [ "$(id -u)" != 0 ]; then
		command -v sudo >/dev/null 2>&1 || die "wrk is missing and installing it needs root: apt-get install -y wrk"
		sudo=sudo
	fi
	apt() { $sudo env DEBIAN_FRONTEND=noninteractive apt-get "$@" >>"$tmp/apt.log" 2>&1; }
	apt install -y wrk || { apt update && apt install -y wrk; } ||
		{ tail -n 20 "$tmp/apt.log" >&2; die "apt-get install -y wrk failed"; }
fi

say "building bin/scoutgraph"
mkdir -p bin
go build -o bin/scoutgraph .
AFTER_BIN=$PWD/bin/scoutgraph
go build -o "$tmp/loadscript" ./bench/loadscript
"$tmp/loadscript" -query "$QUERY" >"$tmp/post.lua"
"$tmp/loadscript" -query "$QUERY" -body >"$tmp/body.json" # the same request, for the cold and warm asks

key=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')

# redact prints a file without the API key.
redact() { sed "s/$key/[redacted]/g" "$1" >&2; }

# listening waits until the file $1 has a line with " listening on http://",
# and prints the host:port that follows; it gives up after 20 s or when the
# process $2 is gone.
listening() {
	local i addr
	for i in $(seq 200); do
		addr=$(sed -n 's|.* listening on http://\([^/ ]*\).*|\1|p' "$1" | head -n 1)
		if [ -n "$addr" ]; then
			printf '%s\n' "$addr"
			return 0
		fi
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# The emulator gets the key as a flag (it reads no environment variable
# for it): a random key of this run, for an emulator on loopback.
"$AFTER_BIN" emulator --listen 127.0.0.1:0 --api-key "$key" --latency 0 >"$tmp/emulator.out" 2>"$tmp/emulator.log" &
emu_pid=$!
pids+=("$emu_pid")
emu_addr=$(listening "$tmp/emulator.out" "$emu_pid") || { redact "$tmp/emulator.log"; die "the emulator did not start"; }
say "emulator at http://$emu_addr (no latency)"

clk_tck=$(getconf CLK_TCK)

# cpu_ticks prints utime+stime of the process $1, in clock ticks (the
# fields after the command name, which may hold spaces, are counted from
# its closing parenthesis).
cpu_ticks() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || die "the gateway (pid $1) is gone"
	stat=${stat##*) }
	# shellcheck disable=SC2086
	set -- $stat
	echo $((${12} + ${13}))
}

# upstream_calls prints how many requests the gateway at $1 (its base URL)
# has sent to FreeScout, from its /metrics; "?" when it has none.
upstream_calls() {
	curl -sS --max-time 5 "$1/metrics" 2>/dev/null |
		awk '/^scoutgraph_upstream_requests_total[{ ]/ { n += $NF; seen = 1 } END { if (seen) printf "%d\n", n; else print "?" }'
}

# measure runs the binary $1 as a gateway, labelled $2, and appends its
# figures to $tmp/results: label requests duration_us p50_us p99_us
# cpu_ticks freescout_calls; $3 is the round.
measure() {
	local bin=$1 label=$2 log=$tmp/gateway-$2-$3.log out=$tmp/gateway-$2-$3.out
	# Only these settings: no REDIS_URL, OTEL_* or GOGC of the caller's.
	(
		for v in $(compgen -e); do
			case $v in PATH | HOME | TMPDIR) ;; *) unset "$v" 2>/dev/null || true ;; esac
		done
		export LISTEN_ADDR=127.0.0.1:0 FREESCOUT_URL="http://$emu_addr" FREESCOUT_API_KEY="$key" \
			LOG_LEVEL=error RATE_LIMIT=1000000000/min CONVERSATION_CACHE_TTL="$CACHE_TTL"
		exec "$bin"
	) >"$out" 2>"$log" &
	local pid=$!
	pids+=("$pid")
	local addr
	addr=$(listening "$out" "$pid") || { redact "$log"; die "the $label gateway ($bin) did not start"; }
	local base=http://$addr url=http://$addr/graphql
	local i answer
	for i in cold warm; do
		answer=$(curl -sS --fail-with-body -H 'Content-Type: application/json' -H 'Accept-Encoding: identity' \
			--data-binary "@$tmp/body.json" "$url") || die "the $label gateway's $i answer failed: ${answer:0:300}"
		case $answer in
		'{"data":{'*) ;;
		*) die "the $label gateway's $i answer has no data: ${answer:0:300}" ;;
		esac
		case $answer in *'"errors":'*) die "the $label gateway's $i answer has errors: ${answer:0:300}" ;; esac
	done
	wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" -s "$tmp/post.lua" "$url" >/dev/null
	local before after line calls0 calls1 calls
	calls0=$(upstream_calls "$base")
	before=$(cpu_ticks "$pid")
	line=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" -s "$tmp/post.lua" "$url" | grep '^LOAD ')
	after=$(cpu_ticks "$pid")
	calls1=$(upstream_calls "$base")
	stop "$pid"
	# requests=N duration_us=D p50_us=P p99_us=Q connect=.. read=.. write=.. status=.. timeout=..
	local requests duration p50 p99 errs
	requests=$(sed 's/.*requests=\([0-9]*\).*/\1/' <<<"$line")
	duration=$(sed 's/.*duration_us=\([0-9]*\).*/\1/' <<<"$line")
	p50=$(sed 's/.*p50_us=\([0-9]*\).*/\1/' <<<"$line")
	p99=$(sed 's/.*p99_us=\([0-9]*\).*/\1/' <<<"$line")
	errs=$(awk '{ n = 0; for (i = 6; i <= NF; i++) { split($i, kv, "="); n += kv[2] } print n }' <<<"$line")
	[ "$requests" -gt 0 ] || die "wrk counted no request against the $label gateway"
	[ "$errs" = 0 ] || die "$errs of the $label gateway's answers failed: $line"
	calls=?
	if [ "$calls0" != "?" ] && [ "$calls1" != "?" ]; then
		calls=$((calls1 - calls0))
	fi
	echo "$label $requests $duration $p50 $p99 $((after - before)) $calls" >>"$tmp/results"
	awk -v l="$label" -v r="$3" -v n="$requests" -v d="$duration" -v p50="$p50" -v p99="$p99" -v t="$((after - before))" -v hz="$clk_tck" -v c="$calls" \
		'BEGIN { printf "load: %-6s round %s: %8.0f req/s  p50 %6.2f ms  p99 %6.2f ms  CPU %.3f ms/req  %d requests, %s FreeScout calls\n", l, r, n / (d / 1e6), p50 / 1e3, p99 / 1e3, t / hz * 1e3 / n, n, c }' >&2
}

tree=$(git rev-parse --short HEAD 2>/dev/null || echo "not a git checkout")
git diff --quiet HEAD 2>/dev/null || tree="$tree with uncommitted changes"
say "after:  $AFTER_BIN (this tree: $tree)"
if [ -n "$BEFORE_BIN" ]; then
	say "before: $BEFORE_BIN ($("$BEFORE_BIN" version 2>/dev/null || echo "version unknown"))"
fi
say "wrk -t$THREADS -c$CONNECTIONS, $WARMUP of warm-up then $DURATION measured per run, $ROUNDS rounds, query $QUERY, CONVERSATION_CACHE_TTL=$CACHE_TTL"
: >"$tmp/results"
load0=$(cut -d' ' -f1-3 /proc/loadavg)
for round in $(seq "$ROUNDS"); do
	if [ -n "$BEFORE_BIN" ]; then
		measure "$BEFORE_BIN" before "$round"
	fi
	measure "$AFTER_BIN" after "$round"
done

# Each binary's figures over its rounds: requests/s over the summed
# durations, CPU over the summed requests, p50/p99 the mean of the rounds'.
awk -v load0="$load0" -v load1="$(cut -d' ' -f1-3 /proc/loadavg)" -v hz="$clk_tck" -v nproc="$(nproc)" -v ttl="$CACHE_TTL" -v q="$QUERY" -v th="$THREADS" -v c="$CONNECTIONS" -v dur="$DURATION" '
	{ n[$1] += $2; d[$1] += $3; p50[$1] += $4; p99[$1] += $5; t[$1] += $6; k[$1]++; if ($7 == "?") nc[$1] = 1; else fc[$1] += $7 }
	END {
		printf "\nwarm %s, emulator without latency, CONVERSATION_CACHE_TTL=%s, wrk -t%s -c%s, %s per run, %d CPUs shared by wrk, the gateway and the emulator; load average before %s, after %s\n", q, ttl, th, c, dur, nproc, load0, load1
		printf "| binary | runs | requests/s | p50 | p99 | gateway CPU/request | FreeScout calls/request |\n|---|---|---|---|---|---|---|\n"
		for (b = 1; b <= 2; b++) {
			l = (b == 1) ? "before" : "after"
			if (!(l in n)) continue
			rps[l] = n[l] / (d[l] / 1e6); cpu[l] = t[l] / hz * 1e3 / n[l]
			calls = (l in nc) ? "?" : sprintf("%.2f", fc[l] / n[l])
			printf "| %s | %d | %.0f | %.2f ms | %.2f ms | %.3f ms | %s |\n", l, k[l], rps[l], p50[l] / k[l] / 1e3, p99[l] / k[l] / 1e3, cpu[l], calls
		}
		if ("before" in n)
			printf "\nafter/before: requests/s x%.2f, CPU per request x%.2f\n", rps["after"] / rps["before"], cpu["after"] / cpu["before"]
	}' "$tmp/results"
