# Sourced by guard-selftest.sh and http-selftest.sh: the shared verdict of a self-test.
# selftest_verdict FLAGGED PASSED RUNS: prints the rates and exits 0 when both are >= 90% of RUNS (rounded up), else 1.
selftest_verdict() {
  local flagged=$1 passed=$2 runs=$3
  local need=$(( (runs * 9 + 9) / 10 ))
  echo "  detected $flagged/$runs (slowed), passed $passed/$runs (unchanged)"
  if [ "$flagged" -ge "$need" ] && [ "$passed" -ge "$need" ]; then
    echo "Self-test PASSED (>= $need of $runs both ways)."
    exit 0
  fi
  echo "Self-test FAILED (need >= $need of $runs both ways)."
  exit 1
}
