// Fuzz target: the Identify decoders (nvme/identify.h). The first byte picks the
// structure (0 Controller, 1 Namespace, 2 NVM-specific Namespace, 3 ZNS Namespace); the
// rest is the data. Invariants: no crash/UB; on success encode then decode gives the same
// value; on failure the ParseError offset lies inside (or at the end of) the data.
#include <cstddef>
#include <cstdint>
#include <span>

#include "nvme/identify.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

template <class Decode, class Encode>
void round_trip(std::span<const std::uint8_t> data, Decode decode, Encode encode) {
  auto decoded = decode(data);
  if (!decoded) {
    XG_FUZZ_CHECK(decoded.error().offset <= data.size());
    return;
  }
  const auto bytes = encode(*decoded);
  XG_FUZZ_CHECK(bytes.size() == xg::nvme::kIdentifyDataSize);
  auto again = decode(bytes);
  XG_FUZZ_CHECK(again.has_value() && *again == *decoded);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace xg::nvme;
  if (size == 0) return 0;
  const std::span<const std::uint8_t> body(data + 1, size - 1);
  switch (data[0] % 4) {
    case 0:
      round_trip(body, decode_identify_controller, encode_identify_controller);
      break;
    case 1: {
      round_trip(body, decode_identify_namespace, encode_identify_namespace);
      auto ns = decode_identify_namespace(body);
      if (ns) {
        const NamespaceCopyInfo info = namespace_copy_info(1, *ns);
        XG_FUZZ_CHECK(info.lba_data_size >= 512);
      }
      break;
    }
    case 2:
      round_trip(body, decode_nvm_identify_namespace, encode_nvm_identify_namespace);
      break;
    default:
      round_trip(body, decode_zns_identify_namespace, encode_zns_identify_namespace);
      break;
  }
  return 0;
}
