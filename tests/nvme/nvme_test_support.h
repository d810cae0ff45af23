// Helpers shared by the tests/nvme/ tests: byte views of fixed-size NVMe structures.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "nvme/submission_entry.h"
#include "tests/support/vectors.h"

namespace xg::test {

template <std::size_t N>
Bytes bytes_of(const std::array<std::uint8_t, N>& a) {
  return Bytes(a.begin(), a.end());
}

inline Bytes sqe_bytes(const nvme::SubmissionEntry& sqe) {
  return bytes_of(nvme::encode_submission_entry(sqe));
}

// A 4096-byte identify buffer of zeros with `patch` written at `offset`.
inline Bytes identify_with(std::initializer_list<std::pair<std::size_t, Bytes>> patches) {
  Bytes out(4096, 0);
  for (const auto& [offset, patch] : patches) {
    for (std::size_t i = 0; i < patch.size(); ++i) out.at(offset + i) = patch[i];
  }
  return out;
}

}  // namespace xg::test
