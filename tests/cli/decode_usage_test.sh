#!/usr/bin/env bash
# Command-line contract of `xgate decode` that golden files do not cover:
#   decode_usage_test.sh XGATE_BINARY SOURCE_DIR
# - `xgate decode --help` lists every kind of the table in gateway/cli/decoders.cc, and
#   every kind has at least one golden input in tests/cli/inputs/;
# - an unknown kind and non-hex input exit 1; hex on the command line and on stdin work;
# - an sg3_utils offset dump decodes exactly like the same bytes as plain hex, and
#   --input-format forces either reading.
set -u
xgate=$1
source_dir=$2
failures=0
fail() {
  echo "FAIL $*"
  failures=$((failures + 1))
}

help=$("$xgate" decode --help) || fail "--help exited $?"
kinds=$(sed -n 's/^ *{"\([a-z0-9-]*\)", ".*/\1/p' "$source_dir/gateway/cli/decoders.cc")
[[ -n $kinds ]] || fail "no kinds found in gateway/cli/decoders.cc"
for kind in $kinds; do
  grep -Eq "^  $kind +[^ ]" <<<"$help" || fail "--help does not list kind '$kind'"
  compgen -G "$source_dir/tests/cli/inputs/$kind--*.hex" >/dev/null ||
    fail "kind '$kind' has no golden input tests/cli/inputs/$kind--*.hex"
done

"$xgate" decode no-such-kind 00 >/dev/null 2>&1
rc=$?
[[ $rc -eq 1 ]] || fail "unknown kind exited $rc, expected 1"

"$xgate" decode sense 7G 00 >/dev/null 2>&1
rc=$?
[[ $rc -eq 1 ]] || fail "non-hex input exited $rc, expected 1"

"$xgate" decode sense 70 0 >/dev/null 2>&1
rc=$?
[[ $rc -eq 1 ]] || fail "odd number of hex digits exited $rc, expected 1"

out=$("$xgate" decode sense 70 00 05 00 00 00 00 0a 00 00 00 00 26 00 00 80 00 02)
rc=$?
[[ $rc -eq 0 && $out == *"INVALID FIELD IN PARAMETER LIST"* ]] ||
  fail "hex on the command line: exit $rc, output: $out"

out=$(echo "70:00:05:00:00:00:00:0a:00:00:00:00:26:00:00:80:00:02" | "$xgate" decode sense)
rc=$?
[[ $rc -eq 0 && $out == *"parameter list byte 2"* ]] || fail "hex on stdin: exit $rc, output: $out"

inputs=$source_dir/tests/cli/inputs
for pair in "vpd--8f-sg-vpd-dump vpd--8f-xcopy-odx vpd" \
            "vpd--83-sg-vpd-dump vpd--83-device-identification vpd" \
            "inquiry--sg-inq-dump inquiry--3pc inquiry"; do
  read -r dump plain kind <<<"$pair"
  a=$("$xgate" decode "$kind" --json --file "$inputs/$dump.hex")
  b=$("$xgate" decode "$kind" --json --input-format hex --file "$inputs/$plain.hex")
  [[ -n $a && $a == "$b" ]] || fail "$dump does not decode like $plain"
  c=$("$xgate" decode "$kind" --json --input-format offset-dump --file "$inputs/$dump.hex")
  [[ $c == "$a" ]] || fail "--input-format offset-dump changes the reading of $dump"
done

"$xgate" decode vpd --input-format hex --file "$inputs/vpd--8f-sg-vpd-dump.hex" >/dev/null 2>&1
rc=$?
[[ $rc -eq 1 ]] || fail "--input-format hex on an sg_vpd dump exited $rc, expected 1"

"$xgate" decode vpd --input-format offset-dump --file "$inputs/vpd--8f-xcopy-only.hex" \
  >/dev/null 2>&1
rc=$?
[[ $rc -eq 1 ]] || fail "--input-format offset-dump on plain hex exited $rc, expected 1"

# An offset column that disagrees with the bytes before it is not a dump: with
# --input-format offset-dump that is an error (exit 1).
bad_dump=$' 00     00 80 00 04 41 42 43 44\n 20     45 46'
echo "$bad_dump" | "$xgate" decode vpd --input-format offset-dump >/dev/null 2>&1
rc=$?
[[ $rc -eq 1 ]] || fail "offset-dump with a wrong offset exited $rc, expected 1"

if [[ $failures -ne 0 ]]; then
  echo "$failures failure(s)"
  exit 1
fi
echo "ok"
