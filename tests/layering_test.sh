#!/usr/bin/env bash
# Enforces the dependency rule (DEVELOPERS.md, README "Layout"):
#   base/ includes no other project folder; scsi/ and nvme/ include only base/ (and never
#   each other); translate/ joins scsi/ and nvme/; gateway/ sits on top; only
#   gateway/main.cc may include nvme/ from gateway/ (it picks the device); exactly one
#   file includes libnvme.
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

# The test must be able to fail: check it flags a planted violation in a scratch copy.
if [ "${XG_LAYERING_SELFTEST:-1}" = 1 ]; then
  scratch=$(mktemp -d)
  trap 'rm -rf "$scratch"' EXIT
  mkdir -p "$scratch/scsi" "$scratch/nvme"
  echo '#include "nvme/anything.h"' > "$scratch/scsi/planted.h"
  if XG_LAYERING_SELFTEST=0 "$0" "$scratch" >/dev/null; then
    violation "self-test: a planted scsi/ -> nvme/ include was not detected"
  fi
fi

[ "$fail" = 0 ] && echo "layering: ok"
exit $fail
