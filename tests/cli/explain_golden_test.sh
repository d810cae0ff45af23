#!/usr/bin/env bash
# `xgate explain` end to end: each case's output (and exit status) against its golden file
# in tests/cli/golden/explain--NAME.txt. Regenerate a golden file by running the command
# and reviewing the plan by hand; never by copying the output blindly.
# Usage: explain_golden_test.sh XGATE SOURCE_DIR
set -uo pipefail
xgate=$1
src=$2
pass=0 fail=0
run_case() {  # run_case NAME EXPECTED_EXIT ARGS...
  local name=$1 want_rc=$2
  shift 2
  local out rc
  out=$("$xgate" explain "$@" 2>&1)
  rc=$?
  if [ "$rc" != "$want_rc" ]; then
    echo "FAIL $name: exit $rc, expected $want_rc"; echo "$out"; fail=$((fail + 1)); return
  fi
  if diff -u "$src/tests/cli/golden/explain--$name.txt" <(printf '%s\n' "$out"); then
    echo "ok   $name"; pass=$((pass + 1))
  else
    echo "FAIL $name: output differs from tests/cli/golden/explain--$name.txt"; fail=$((fail + 1))
  fi
}
run_case esxi-mover 0 --file "$src/examples/esxi-xcopy-lid1.hex"
run_case esxi-cross-namespace 0 --file "$src/examples/esxi-xcopy-lid1.hex" --cross-namespace
run_case gather-one-lu 0 --file "$src/tests/cli/explain/gather-one-lu.hex"
run_case gather-one-lu-msrc1 0 --file "$src/tests/cli/explain/gather-one-lu.hex" --msrc 1 --mcl 256
run_case malformed 2 --file "$src/examples/malformed-xcopy-lid1.hex"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
