// Fuzz target: the sense decoder (fixed and descriptor formats).
// Invariants: no crash/UB; a decoded sense re-encodes in both formats and decodes again
// to the same value; a decode error's field pointer lies inside the input.
#include <cstddef>
#include <cstdint>
#include <span>

#include "scsi/sense.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace xg::scsi;
  auto decoded = decode_sense(std::span(data, size));
  if (!decoded) {
    XG_FUZZ_CHECK(decoded.error().offset <= size);
    return 0;
  }
  for (bool descriptor : {false, true}) {
    auto again = decode_sense(encode_sense(*decoded, descriptor));
    XG_FUZZ_CHECK(again.has_value());
    // Re-encoding is stable after one cycle (the first decode may drop unmodelled bits).
    auto third = decode_sense(encode_sense(*again, descriptor));
    XG_FUZZ_CHECK(third.has_value() && *third == *again);
  }
  (void)describe(*decoded);
  return 0;
}
