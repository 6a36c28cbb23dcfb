#!/usr/bin/env bash
# Self-test of the HTTP load comparison's check against the hand-written loop (issue 11): can it fail, and does it
# cry wolf?
#
#   benchmarks/http-selftest.sh [RUNS] [SLOWDOWN]          (defaults 10 and 0.1)
#
# Runs `--http` RUNS times with a calibrated slowdown injected into PerfKit's side and RUNS times unchanged,
# alternating (slowed, unchanged, ...) so that both halves see the same machine. The slowdown lives in the benchmark
# harness only (PERFKIT_HTTP_SLOWDOWN=F: every PerfKit iteration first spins F times the CPU that one request of the
# hand-written loop costs on this machine, measured in the warm-up, i.e. PerfKit's per-request cost up by F of a
# request); src/ is untouched. The wrk pairs are skipped (--wrk-pairs 0): that check's margin is wide and it is not
# what is tested here. Passes when the slowed runs fail the loop check in >= 90% of runs and the unchanged runs pass
# in >= 90%. Logs go to artifacts/http-selftest/.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# shellcheck source=selftest-verdict.sh
source "$root/benchmarks/selftest-verdict.sh"
runs=${1:-10}
slowdown=${2:-0.1}
logs="$root/artifacts/http-selftest"
mkdir -p "$logs"
rm -f "$logs"/*.log

dotnet build benchmarks/PerfKit.Benchmarks -c Release -v quiet -nologo >/dev/null || { echo "build failed"; exit 2; }

ratio() { grep -E "^PerfKit ÷ hand-written loop = " "$1" | sed -E 's/^PerfKit ÷ hand-written loop = ([0-9.]+).*/\1/'; }
flagged=0
passed=0
slowed_ratios=()
unchanged_ratios=()
start=$(date -u +%s)
for i in $(seq 1 "$runs"); do
  PERFKIT_HTTP_SLOWDOWN="$slowdown" dotnet run -c Release --no-build --project benchmarks/PerfKit.Benchmarks -- --http --wrk-pairs 0 >"$logs/slowed-$i.log" 2>&1
  rc=$?
  r_s=$(ratio "$logs/slowed-$i.log")
  # Flagged only if the run failed AND it is the loop check that failed (a crash is not a detection).
  if [ $rc -eq 1 ] && grep -q "limit ≥ [0-9.]*: FAIL" "$logs/slowed-$i.log"; then
    flagged=$((flagged + 1)); s="flagged"
  else
    s="MISSED (exit $rc)"
  fi
  dotnet run -c Release --no-build --project benchmarks/PerfKit.Benchmarks -- --http --wrk-pairs 0 >"$logs/unchanged-$i.log" 2>&1
  rc=$?
  r_u=$(ratio "$logs/unchanged-$i.log")
  if [ $rc -eq 0 ] && [ -n "$r_u" ]; then
    passed=$((passed + 1)); u="passed"
  else
    u="FALSE ALARM (exit $rc)"
  fi
  slowed_ratios+=("${r_s:-?}")
  unchanged_ratios+=("${r_u:-?}")
  echo "run $i/$runs: slowed ${r_s:-?} $s; unchanged ${r_u:-?} $u; load $(cut -d' ' -f1-3 /proc/loadavg) ($(( $(date -u +%s) - start )) s)"
done

echo
echo "HTTP self-test $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, PERFKIT_HTTP_SLOWDOWN=$slowdown ($(grep -h -m1 'SELF-TEST' "$logs"/slowed-1.log | sed -E 's/.*spins ([0-9.]+ µs).*/\1 per iteration/')):"
echo "  medians slowed:    ${slowed_ratios[*]}"
echo "  medians unchanged: ${unchanged_ratios[*]}"
selftest_verdict "$flagged" "$passed" "$runs"
