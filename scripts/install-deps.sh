#!/usr/bin/env bash
# Installs every Debian 12 package xgate's build and tests need. Idempotent: when all
# are present it installs nothing and does not touch the network. Needs root (or sudo).
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build pkg-config clang-14 libclang-rt-14-dev xxd
  # libraries (CONTRIBUTING.md "Dependencies")
  libboost-dev libnvme-dev liburing-dev libisal-dev libfmt-dev libspdlog-dev
  libcli11-dev libtomlplusplus-dev nlohmann-json3-dev
  # tests and benchmarks
  catch2 libbenchmark-dev
  # the QEMU guest for interop tests (tests/interop/vm): NVMe namespaces with Copy
  qemu-system-x86 cpio
  # iSCSI interop peers (tests/interop/iscsi): iscsi-test-cu and libiscsi, tgt as the
  # reference target, qemu-img over iscsi:// (block-iscsi.so is in qemu-block-extra),
  # sg3_utils/ddpt for copy offload, xfsprogs (reflink-capable images), python3 for
  # cu_summary.py
  libiscsi-bin libiscsi-dev sg3-utils ddpt qemu-utils qemu-block-extra tgt xfsprogs python3
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "xgate: installing ${missing[*]}" >&2
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
