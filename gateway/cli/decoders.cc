#include "gateway/cli/decoders.h"

#include <cstdio>

#include "gateway/cli/describe.h"

namespace xg::cli {

std::string hex_code(std::uint64_t value, int digits) {
  char out[32];
  std::snprintf(out, sizeof out, "%0*llXh", digits, static_cast<unsigned long long>(value));
  return out;
}

const std::vector<DecoderEntry>& decoders() {
  static const std::vector<DecoderEntry> table = {
      {"xcopy", "EXTENDED COPY(LID1) parameter list (83h/00h)", describe_xcopy_lid1},
      {"xcopy-lid4", "EXTENDED COPY(LID4) parameter list (83h/01h)", describe_xcopy_lid4},
      {"sense", "sense data, fixed (70h/71h) or descriptor (72h/73h) format", describe_sense_bytes},
  };
  return table;
}

}  // namespace xg::cli
