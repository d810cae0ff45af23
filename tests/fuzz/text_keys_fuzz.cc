// Fuzz target: the RFC 7143 §6.1 text parser, its value forms and C-bit reassembly.
// Invariants: no crash/UB; a parsed list re-encodes and parses back equal; an error's
// offset lies inside the input; reassembly over two PDUs split at any point gives the
// same outcome as one PDU; binary values survive hex/base64 re-encoding.
#include <cstddef>
#include <cstdint>
#include <span>

#include "gateway/iscsi/text_keys.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

void check_value_forms(const xg::iscsi::TextKey& key) {
  using namespace xg::iscsi;
  (void)parse_boolean(key.value);
  (void)parse_numerical(key.value);
  if (auto range = parse_range(key.value)) {
    XG_FUZZ_CHECK(range->low <= range->high);
    XG_FUZZ_CHECK(parse_range(range_text(*range)) == range);
  }
  if (auto list = parse_list(key.value)) XG_FUZZ_CHECK(!list->empty());
  if (auto binary = parse_binary(key.value)) {
    XG_FUZZ_CHECK(parse_binary(hex_constant(*binary)) == binary);
    XG_FUZZ_CHECK(parse_binary(base64_constant(*binary)) == binary);
  }
  (void)is_iscsi_name(key.value);
  XG_FUZZ_CHECK(is_valid_key_name(key.name));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace xg::iscsi;
  const std::span<const std::uint8_t> input(data, size);
  for (bool repeats : {false, true}) {
    const TextParseOptions options{.allow_repeated_keys = repeats};
    auto parsed = parse_text(input, options);

    // Reassembly: split at a point chosen by the input itself.
    TextAssembler assembler;
    const std::size_t cut = size == 0 ? 0 : data[0] % (size + 1);
    auto first = assembler.add(input.first(cut), true, options);
    XG_FUZZ_CHECK(first.has_value() && !first->has_value());
    auto whole = assembler.add(input.subspan(cut), false, options);
    XG_FUZZ_CHECK(whole.has_value() == parsed.has_value());

    if (!parsed) {
      XG_FUZZ_CHECK(parsed.error().offset <= size);
      XG_FUZZ_CHECK(whole.error() == parsed.error());
      continue;
    }
    XG_FUZZ_CHECK(whole->has_value() && **whole == *parsed);
    const auto encoded = encode_text(*parsed);
    XG_FUZZ_CHECK(encoded.size() == size);  // the encoding is canonical
    auto again = parse_text(encoded, options);
    XG_FUZZ_CHECK(again.has_value() && *again == *parsed);
    for (const TextKey& key : *parsed) check_value_forms(key);
  }
  return 0;
}
