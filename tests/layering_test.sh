#!/usr/bin/env bash
# Enforces the dependency rule (CONTRIBUTING.md "The dependency rule", README "Layout"):
#   base/ includes no other project folder; scsi/ and nvme/ include only base/ (and never
#   each other); translate/ joins scsi/ and nvme/; gateway/ sits on top; only
#   gateway/main.cc may include nvme/ from gateway/ (it picks the device); exactly one
#   file includes libnvme.
# And the citation rule (CONTRIBUTING.md "Citations"): no file names a document the
# repository does not contain or an absolute path under /work or /home.
# Prints every violation; exits 1 if there is any.
set -u
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$root" || exit 2
fail=0

violation() { echo "layering violation: $*"; fail=1; }

# forbid <folder> <included folder...>: files under <folder> may not include those.
forbid() {
  local folder=$1; shift
  [ -d "$folder" ] || return 0
  for other in "$@"; do
    while IFS= read -r hit; do
      [ -n "$hit" ] && violation "$hit (${folder}/ must not include ${other}/)"
    done < <(grep -rnE "^[[:space:]]*#[[:space:]]*include[[:space:]]*\"${other}/" "$folder" \
               --include='*.h' --include='*.cc' 2>/dev/null)
  done
}

forbid base scsi nvme translate gateway
forbid scsi nvme translate gateway
forbid nvme scsi translate gateway
forbid translate gateway

# gateway/ reaches NVMe only through translate/, except the program's composition root.
if [ -d gateway ]; then
  while IFS= read -r hit; do
    case "$hit" in
      gateway/main.cc:*) ;;
      "") ;;
      *) violation "$hit (only gateway/main.cc may include nvme/)";;
    esac
  done < <(grep -rnE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"nvme/' gateway \
             --include='*.h' --include='*.cc' 2>/dev/null)
fi

# libnvme is used for discovery in exactly one file.
libnvme_users=$(grep -rlE '#[[:space:]]*include[[:space:]]*<(libnvme\.h|nvme/)' \
                  base scsi nvme translate gateway --include='*.h' --include='*.cc' 2>/dev/null)
count=$(printf '%s' "$libnvme_users" | grep -c . || true)
if [ "$count" -gt 1 ]; then
  violation "libnvme is included by more than one file: $(echo $libnvme_users)"
fi
if [ -n "$libnvme_users" ] && ! printf '%s\n' "$libnvme_users" | grep -q '^nvme/'; then
  violation "libnvme included outside nvme/: $libnvme_users"
fi

# Citations name what a reader of the repository can open. The patterns are spelled so
# that this file does not match them itself: reference notes that were never part of the
# repository, a developer document that no longer exists, and machine-local paths.
outside_docs='(nvme-copy|scsi-copy|landscape|deps-and-tools|style-study|DEVELOPERS)[.]md'
outside_docs+='|shared/''reference'
machine_paths='(^|[^[:alnum:]_.~-])/(work|home)/'
if git -C . rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  tracked() { git ls-files; }
else
  tracked() { find . -type f -not -path './.git*' -not -path './build/*' | sed 's|^\./||'; }
fi
while IFS= read -r file; do
  [ -f "$file" ] || continue
  while IFS= read -r hit; do
    [ -n "$hit" ] &&
      violation "$file:$hit (cite the primary source, not notes outside the repository)"
  done < <(grep -nIE "$outside_docs" "$file" 2>/dev/null)
  while IFS= read -r hit; do
    [ -n "$hit" ] && violation "$file:$hit (an absolute path on one machine)"
  done < <(grep -nIE "$machine_paths" "$file" 2>/dev/null)
done < <(tracked)

# The test must be able to fail: check it flags each kind of planted violation in a
# scratch copy.
if [ "${XG_LAYERING_SELFTEST:-1}" = 1 ]; then
  scratch=$(mktemp -d)
  trap 'rm -rf "$scratch"' EXIT
  plant() {  # plant NAME FILE LINE: a scratch tree holding one bad line must fail
    rm -rf "${scratch:?}"/*
    mkdir -p "$scratch/scsi" "$scratch/nvme" "$(dirname "$scratch/$2")"
    printf '%s\n' "$3" > "$scratch/$2"
    if XG_LAYERING_SELFTEST=0 "$0" "$scratch" >/dev/null; then
      violation "self-test: $1 was not detected"
    fi
  }
  plant "a scsi/ -> nvme/ include" scsi/planted.h '#include "nvme/anything.h"'
  plant "a citation of notes outside the repository" scsi/planted.h \
    "// layout per scsi-copy$(printf '.')md §5.6"
  plant "a developer document that is not there" CMakeLists.txt \
    "# the dependency rule (DEVELOPERS$(printf '.')md)"
  plant "an absolute path under /work" nvme/planted.h \
    "// values checked in /$(printf 'work')/notes/copy.txt"
  plant "an absolute path under /home" scripts/planted.sh "cd /$(printf 'home')/someone/xgate"
fi

[ "$fail" = 0 ] && echo "layering: ok"
exit $fail
