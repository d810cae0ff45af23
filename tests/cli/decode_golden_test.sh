#!/usr/bin/env bash
# Golden-output tests for `xgate decode`.
#
#   decode_golden_test.sh XGATE_BINARY SOURCE_DIR [--update] [NAME...]
#
# Every input is tests/cli/inputs/<kind>--<what>.hex: the part before "--" is the kind given
# to `xgate decode`. A line "# args: ..." in the input adds options (e.g.
# --descriptor-sense); a line "# golden: json" asks for a JSON run as well. For each input
# the script runs
#   xgate decode <kind> <args> --file <input>
# and compares stdout, then stderr (only when there is any, after "--- stderr") and the exit
# status ("--- exit status: N") with tests/cli/golden/<name>.txt. The JSON run's stdout must
# be valid JSON (python3 -m json.tool), its exit status the same as the text run's, and it
# is compared with tests/cli/golden/<name>.json. A mismatch prints a unified diff.
#
# With NAME arguments only those inputs run (CTest registers one test per input this way).
#
# Regenerating goldens after an intended output change: run with --update (optionally with
# names), then review the diff of tests/cli/golden/ before committing it, e.g.
#   tests/cli/decode_golden_test.sh build/cli/gateway/xgate . --update
set -u

if [[ $# -lt 2 ]]; then
  echo "usage: $0 XGATE_BINARY SOURCE_DIR [--update] [NAME...]" >&2
  exit 1
fi
xgate=$1
source_dir=$2
shift 2
update=0
if [[ ${1:-} == --update ]]; then
  update=1
  shift
fi

inputs_dir=$source_dir/tests/cli/inputs
golden_dir=$source_dir/tests/cli/golden
names=("$@")
if [[ ${#names[@]} -eq 0 ]]; then
  for f in "$inputs_dir"/*.hex; do
    n=$(basename "$f")
    names+=("${n%.hex}")
  done
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# run_case NAME FORMAT(text|json) -> writes $work/out, $work/err, $work/rc
run_case() {
  local name=$1 format=$2 input kind args=()
  input=$inputs_dir/$name.hex
  kind=${name%%--*}
  local line
  line=$(grep -m1 '^# args:' "$input" || true)
  if [[ -n $line ]]; then
    read -r -a args <<<"${line#\# args:}"
  fi
  [[ $format == json ]] && args+=(--json)
  "$xgate" decode "$kind" "${args[@]}" --file "$input" >"$work/out" 2>"$work/err"
  echo $? >"$work/rc"
}

# compare EXPECTED_FILE ACTUAL_FILE LABEL
compare() {
  local expected=$1 actual=$2 label=$3
  if [[ $update -eq 1 ]]; then
    cp "$actual" "$expected"
    echo "updated $label"
    return 0
  fi
  if [[ ! -f $expected ]]; then
    echo "FAIL $label: no golden file $expected (run with --update to create it)"
    return 1
  fi
  if ! diff -u --label "golden/$(basename "$expected")" --label "actual" "$expected" "$actual"; then
    echo "FAIL $label: output differs from the golden file (diff above)"
    return 1
  fi
  echo "ok   $label"
}

failures=0
for name in "${names[@]}"; do
  input=$inputs_dir/$name.hex
  if [[ ! -f $input ]]; then
    echo "FAIL $name: no input $input"
    failures=$((failures + 1))
    continue
  fi

  run_case "$name" text
  text_rc=$(cat "$work/rc")
  {
    cat "$work/out"
    if [[ -s $work/err ]]; then
      echo "--- stderr"
      cat "$work/err"
    fi
    echo "--- exit status: $text_rc"
  } >"$work/text.actual"
  compare "$golden_dir/$name.txt" "$work/text.actual" "$name (text)" || failures=$((failures + 1))

  if grep -q '^# golden: json' "$input"; then
    run_case "$name" json
    json_rc=$(cat "$work/rc")
    if [[ $json_rc != "$text_rc" ]]; then
      echo "FAIL $name (json): exit status $json_rc, text run gave $text_rc"
      failures=$((failures + 1))
    elif ! python3 -m json.tool "$work/out" >/dev/null; then
      echo "FAIL $name (json): stdout is not valid JSON"
      failures=$((failures + 1))
    else
      compare "$golden_dir/$name.json" "$work/out" "$name (json)" || failures=$((failures + 1))
    fi
  fi
done

if [[ $failures -ne 0 ]]; then
  echo "$failures failure(s)"
  exit 1
fi
