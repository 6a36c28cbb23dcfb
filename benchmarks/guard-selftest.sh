#!/usr/bin/env bash
# Self-test of the benchmark regression guard (issue 11): can it fail, and does it cry wolf?
#
#   benchmarks/guard-selftest.sh [RUNS]          (default 10)
#
# Runs the guard RUNS times with a calibrated 1.5x slowdown injected into one guarded path and RUNS times on unchanged
# code, alternating (slowed, unchanged, slowed, ...) so that both halves see the same machine load. The slowdown lives
# in the benchmark harness only (PERFKIT_GUARD_SLOWDOWN=Class.Method: that member's measuring loop calls the method
# once more on every second iteration, i.e. exactly 50% more of the same work); src/ is untouched.
# Passes when the slowed guard fails on the slowed check in >= 90% of its runs and the unchanged guard passes in
# >= 90% of its runs. Logs go to artifacts/guard-selftest/.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# shellcheck source=selftest-verdict.sh
source "$root/benchmarks/selftest-verdict.sh"
runs=${1:-10}
target=${GUARD_SELFTEST_TARGET:-ArrayPoolBenchmarks.BoundedArrayPool}
# GUARD_SELFTEST_ONLY=X runs only the checks whose benchmark contains X (the guard's --only): a shorter self-test of
# one check's power and false-alarm rate, e.g. GUARD_SELFTEST_TARGET=LoadGeneratorSingleUserBenchmarks.NoOpIterations
# GUARD_SELFTEST_ONLY=LoadGeneratorSingleUser.
only=()
if [ -n "${GUARD_SELFTEST_ONLY:-}" ]; then only=(--only "$GUARD_SELFTEST_ONLY"); fi
logs="$root/artifacts/guard-selftest"
mkdir -p "$logs"
rm -f "$logs"/*.log

dotnet build benchmarks/PerfKit.Benchmarks -c Release -v quiet -nologo >/dev/null || { echo "build failed"; exit 2; }

flagged=0
passed=0
start=$(date -u +%s)
for i in $(seq 1 "$runs"); do
  PERFKIT_GUARD_SLOWDOWN="$target" dotnet run -c Release --no-build --project benchmarks/PerfKit.Benchmarks -- --guard "${only[@]}" >"$logs/slowed-$i.log" 2>&1
  rc=$?
  # Flagged only if the guard failed AND the failing row is the slowed check (a failure elsewhere is not a detection).
  if [ $rc -ne 0 ] && grep -E "^\| $target \|.*\| FAIL" "$logs/slowed-$i.log" >/dev/null; then
    flagged=$((flagged + 1)); s="flagged"
  else
    s="MISSED (exit $rc)"
  fi
  dotnet run -c Release --no-build --project benchmarks/PerfKit.Benchmarks -- --guard "${only[@]}" >"$logs/unchanged-$i.log" 2>&1
  rc=$?
  if [ $rc -eq 0 ]; then
    passed=$((passed + 1)); u="passed"
  else
    u="FALSE ALARM: $(grep -E '\| FAIL|FAILED' "$logs/unchanged-$i.log" | sed -E 's/^\| ([^|]+) \| ([^|]+) \|.*(FAIL[^|]*) \|$/\1 vs \2: \3/' | tr '\n' ' ')"
  fi
  ratio_s=$(grep -E "^\| $target \|" "$logs/slowed-$i.log" | awk -F'|' '{gsub(/ /,"",$6); print $6}')
  ratio_u=$(grep -E "^\| $target \|" "$logs/unchanged-$i.log" | awk -F'|' '{gsub(/ /,"",$6); print $6}')
  echo "run $i/$runs: slowed ratio ${ratio_s:-?} $s; unchanged ratio ${ratio_u:-?} $u; load $(cut -d' ' -f1-3 /proc/loadavg) ($(( $(date -u +%s) - start )) s)"
done

echo
echo "Self-test $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, slowdown 1.5x on $target${GUARD_SELFTEST_ONLY:+ (guard --only $GUARD_SELFTEST_ONLY)}:"
selftest_verdict "$flagged" "$passed" "$runs"
