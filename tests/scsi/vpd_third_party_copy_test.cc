// Third-party Copy VPD page 8Fh (SPC-4 7.8.17, SBC-4 ROD token descriptors): the
// XCOPY-only and XCOPY+ODX profiles of scsi/copy_limits.h byte for byte, ordering rules
// (SPC-4 7.8.17.1: descriptors in ascending type order), malformed pages.
#include "scsi/vpd_third_party_copy.h"

#include "tests/support/catch.h"
#include "tests/support/vectors.h"

using xg::scsi::FieldRef;
using xg::scsi::Sense;
using xg::test::Bytes;
using xg::test::concat;
using xg::test::hex;
using xg::test::show;
namespace scsi = xg::scsi;

namespace {

Bytes zeros(std::size_t n) { return Bytes(n, 0); }

scsi::ThirdPartyCopyProfile xcopy_only_profile() {
  scsi::ThirdPartyCopyProfile p;
  p.copy = scsi::CopyManagerLimits{};  // 16 CSCDs, 64 segments, 2624 bytes, 256 MiB, 2^9
  p.commands = {{0x83, {0x00}}, {0x84, {0x00, 0x03, 0x04}}};
  return p;
}

scsi::RodTokenLimits realistic_rod_limits() {
  scsi::RodTokenLimits rod;
  rod.max_range_descriptors = 64;
  rod.max_inactivity_timeout_s = 600;
  rod.default_inactivity_timeout_s = 60;
  rod.max_token_transfer_size_blocks = 0x80000;  // 256 MiB of 512-byte blocks
  rod.optimal_transfer_count_blocks = 0x20000;   // 64 MiB
  rod.min_token_lifetime_s = 1;
  rod.max_token_lifetime_s = 0xFFFFFFFF;
  rod.optimal_block_rod_length_granularity = 8;
  rod.optimal_bytes_to_token_per_segment = ~std::uint64_t{0};
  rod.optimal_bytes_from_token_per_segment = 16u << 20;
  return rod;
}

scsi::ThirdPartyCopyProfile odx_profile() {
  scsi::ThirdPartyCopyProfile p = xcopy_only_profile();
  p.commands = {{0x83, {0x00, 0x10, 0x11}}, {0x84, {0x00, 0x03, 0x04, 0x07}}};
  p.rod = realistic_rod_limits();
  p.rod_types = {{scsi::kRodTypeAccessUponReference, false, true, true, 0},
                 {scsi::kRodTypeBlockDeviceZero, false, true, false, 0}};
  return p;
}

const Bytes kParameterData = concat({hex(R"(
  00 04 00 1C  // Parameter Data, DESCRIPTOR LENGTH 28
  00 00 00 00  // reserved
  00 10        // MAXIMUM CSCD DESCRIPTOR COUNT 16
  00 40        // MAXIMUM SEGMENT DESCRIPTOR COUNT 64
  00 00 0A 40  // MAXIMUM DESCRIPTOR LIST LENGTH 2624 = 17*32 + 65*32
  00 00 00 00  // MAXIMUM INLINE DATA LENGTH (bytes 16-19)
)"), zeros(12)});

const Bytes kDescriptorsAndIds = hex(R"(
  00 08 00 04  // Supported Descriptors, DESCRIPTOR LENGTH 4
  02           // list length 2
  02 E4        // 02h block->block segment, E4h identification CSCD
  00           // pad
  00 0C 00 04  // Supported CSCD Descriptor IDs, DESCRIPTOR LENGTH 4
  00 02        // list length 2
  FF FF        // FFFFh: this logical unit
)");

const Bytes kGeneralCopyOperations = concat({hex(R"(
  80 01 00 20  // General Copy Operations, DESCRIPTOR LENGTH 32
  00 00 00 FF  // TOTAL CONCURRENT COPIES 255
  00 00 00 FF  // MAXIMUM IDENTIFIED CONCURRENT COPIES 255
  10 00 00 00  // MAXIMUM SEGMENT LENGTH 256 MiB (bytes)
  09           // DATA SEGMENT GRANULARITY 2^9
  00           // INLINE DATA GRANULARITY
)"), zeros(18)});

const Bytes kXcopyOnlyPage = concat({hex(R"(
  00 8F 00 64  // PQ/PDT, PAGE CODE 8Fh, PAGE LENGTH 100
  00 01 00 0C  // Supported Commands, DESCRIPTOR LENGTH 12
  08           // COMMANDS SUPPORTED LIST LENGTH
  83 01 00     // EXTENDED COPY: 1 service action, 00h LID1
  84 03 00 03 04  // RECEIVE COPY RESULTS: 00h status, 03h operating parameters, 04h failure
  00 00 00     // pad to a multiple of 4
)"), kParameterData, kDescriptorsAndIds, kGeneralCopyOperations});

// Offsets of each descriptor in kXcopyOnlyPage (and its end).
const std::vector<std::size_t> kXcopyOnlyStarts = {4, 20, 52, 60, 68, 104};

const Bytes kBlockDeviceRodTokenLimits = hex(R"(
  00 00 00 20        // Block Device ROD Token Limits, DESCRIPTOR LENGTH 0020h
  00 00 00 00 00 00  // reserved
  00 40              // MAXIMUM RANGE DESCRIPTORS 64
  00 00 02 58        // MAXIMUM INACTIVITY TIMEOUT 600 s
  00 00 00 3C        // DEFAULT INACTIVITY TIMEOUT 60 s
  00 00 00 00 00 08 00 00  // MAXIMUM TOKEN TRANSFER SIZE 80000h blocks
  00 00 00 00 00 02 00 00  // OPTIMAL TRANSFER COUNT 20000h blocks
)");

const Bytes kOdxPage = concat({hex("00 8F 01 70  // PQ/PDT, PAGE CODE 8Fh, PAGE LENGTH 368"),
                               kBlockDeviceRodTokenLimits, hex(R"(
  00 01 00 0C  // Supported Commands, DESCRIPTOR LENGTH 12
  0B           // COMMANDS SUPPORTED LIST LENGTH 11
  83 03 00 10 11     // EXTENDED COPY(LID1), POPULATE TOKEN, WRITE USING TOKEN
  84 04 00 03 04 07  // RCS(LID1), RCOP, RCFD(LID1), RECEIVE ROD TOKEN INFORMATION
)"), kParameterData, kDescriptorsAndIds, hex(R"(
  01 06 00 5C  // ROD Token Features, DESCRIPTOR LENGTH 92
  00           // REMOTE TOKENS 0h
  00 00 00 00 00 00 00 00 00 00 00  // reserved
  00 00 00 01  // MINIMUM TOKEN LIFETIME 1 s
  FF FF FF FF  // MAXIMUM TOKEN LIFETIME
  00 00 02 58  // MAXIMUM TOKEN INACTIVITY TIMEOUT 600 s
  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00  // reserved
  00 30        // ROD DEVICE TYPE SPECIFIC FEATURES DESCRIPTORS LENGTH 48
  00           // block ROD: descriptor format 000b, PDT 00h
  00
  00 2C        // DESCRIPTOR LENGTH 44
  00 00        // reserved
  00 08        // OPTIMAL BLOCK ROD LENGTH GRANULARITY 8 blocks
  00 00 00 00 00 00 00 00  // MAXIMUM BYTES IN BLOCK ROD: not reported
  00 00 00 00 00 00 00 00  // OPTIMAL BYTES IN BLOCK ROD TRANSFER: not reported
  FF FF FF FF FF FF FF FF  // OPTIMAL BYTES TO TOKEN PER SEGMENT: no limit
  00 00 00 00 01 00 00 00  // OPTIMAL BYTES FROM TOKEN PER SEGMENT 16 MiB
  00 00 00 00 00 00 00 00  // reserved
  01 08 00 84  // Supported ROD Token and ROD Types, DESCRIPTOR LENGTH 132
  00 00        // reserved
  00 80        // ROD TYPE DESCRIPTORS LENGTH 128
  00 01 00 00  // ROD TYPE: access upon reference
  03           // ECPY_INT=0, TOKEN_IN=1, TOKEN_OUT=1
  00
  00 00        // PREFERENCE INDICATOR
)"), zeros(56), hex(R"(
  FF FF 00 01  // ROD TYPE: block device zero ROD
  02           // TOKEN_IN=1 only
  00
  00 00
)"), zeros(56), kGeneralCopyOperations});

}  // namespace

TEST_CASE("8Fh: XCOPY-only profile (CopyManagerLimits defaults), descriptors ascending, both ways",
          "[scsi][vpd8f]") {
  const scsi::ThirdPartyCopyPage model = scsi::third_party_copy_page(xcopy_only_profile());
  REQUIRE(kXcopyOnlyPage.size() == 104);
  CHECK(show(scsi::encode_third_party_copy(model)) == show(kXcopyOnlyPage));
  auto decoded = scsi::decode_third_party_copy(kXcopyOnlyPage);
  REQUIRE(decoded.has_value());
  CHECK(*decoded == model);
  CHECK_FALSE(decoded->block_device_rod_token_limits.has_value());
  CHECK(decoded->parameter_data->maximum_inline_data_length == 0);
}

TEST_CASE("8Fh: XCOPY+ODX profile puts 0000h first with length 0020h (Windows reads only it)",
          "[scsi][vpd8f][odx]") {
  const scsi::ThirdPartyCopyPage model = scsi::third_party_copy_page(odx_profile());
  REQUIRE(kOdxPage.size() == 372);
  const Bytes encoded = scsi::encode_third_party_copy(model);
  CHECK(show(encoded) == show(kOdxPage));
  // What classpnp checks: first descriptor type 0000h, length 0020h, inside 255 bytes.
  CHECK(show(Bytes(encoded.begin() + 4, encoded.begin() + 8)) == show(hex("00 00 00 20")));
  auto decoded = scsi::decode_third_party_copy(kOdxPage);
  REQUIRE(decoded.has_value());
  CHECK(*decoded == model);
  CHECK(decoded->block_device_rod_token_limits->maximum_range_descriptors == 64);
  REQUIRE(decoded->supported_rod_types.has_value());
  CHECK(decoded->supported_rod_types->at(1).rod_type == scsi::kRodTypeBlockDeviceZero);
}

TEST_CASE("8Fh: limits structs feed 0004h/8001h/0000h/0106h unchanged", "[scsi][vpd8f]") {
  scsi::CopyManagerLimits copy;
  copy.max_cscd_descriptors = 2;
  copy.max_segment_descriptors = 1;
  copy.max_descriptor_list_length = 1024;
  copy.max_inline_data_length = 0x11223344;
  copy.max_segment_length = 16u << 20;
  copy.data_segment_granularity_log2 = 12;
  copy.held_data_limit = 0x1000;
  copy.held_data_granularity_log2 = 9;
  copy.max_stream_device_transfer_size = 0x2000;
  scsi::ThirdPartyCopyProfile profile;
  profile.copy = copy;
  const scsi::ThirdPartyCopyPage page = scsi::third_party_copy_page(profile);
  CHECK(*page.parameter_data == scsi::ParameterData{2, 1, 1024, 0x11223344});
  CHECK(page.general_copy_operations->maximum_segment_length == (16u << 20));
  CHECK(page.general_copy_operations->data_segment_granularity == 12);
  CHECK(*page.held_data == scsi::HeldData{0x1000, 9});
  CHECK(*page.stream_copy_operations == scsi::StreamCopyOperations{0x2000});
  CHECK_FALSE(page.rod_token_features.has_value());

  const Bytes bytes = scsi::encode_third_party_copy(page);
  // 8001h, 9101h, C001h close the page in that order, each with its SPC-4 length.
  const Bytes tail(bytes.end() - 16 - 32, bytes.end());
  CHECK(show(tail) == show(concat({hex(R"(
    91 01 00 0C  // Stream Copy Operations
    00 00 20 00  // MAXIMUM STREAM DEVICE TRANSFER SIZE
    00 00 00 00 00 00 00 00
    C0 01 00 1C  // Held Data
    00 00 10 00  // HELD DATA LIMIT
    09           // HELD DATA GRANULARITY
  )"), zeros(23)})));
  auto back = scsi::decode_third_party_copy(bytes);
  REQUIRE(back.has_value());
  CHECK(*back == page);
}

TEST_CASE("8Fh: encoder sorts descriptors, service actions, codes and IDs, pads to 4 "
          "(SPC-4 7.8.17.1)",
          "[scsi][vpd8f]") {
  scsi::ThirdPartyCopyPage page;
  page.supported_commands = std::vector<scsi::SupportedCommand>{{0x84, {0x07, 0x00, 0x04, 0x03}}};
  page.supported_descriptors = Bytes{0xE4, 0x0A, 0x02};
  page.supported_cscd_descriptor_ids = std::vector<std::uint16_t>{0xFFFF, 0xF800};
  page.other = {{0x8F00, {0xAA, 0xBB, 0xCC, 0xDD}},
                {0x0002, {0x11, 0x22, 0x33, 0x44}},
                {scsi::kTpcParameterData, {0x99}}};  // modelled type: skipped
  CHECK(show(scsi::encode_third_party_copy(page)) == show(hex(R"(
    00 8F 00 30
    00 01 00 08  06 84 04 00 03 04 07 00     // SAs ascending, padded
    00 02 00 04  11 22 33 44                 // opaque 0002h between 0001h and 0008h
    00 08 00 04  03 02 0A E4                 // codes ascending, no pad needed
    00 0C 00 08  00 04 F8 00 FF FF 00 00     // IDs ascending, padded
    8F 00 00 04  AA BB CC DD                 // opaque 8F00h last
  )")));
}

TEST_CASE("8Fh: unknown descriptors are kept opaque and survive a round trip",
          "[scsi][vpd8f]") {
  const Bytes page = hex(R"(
    00 8F 00 10
    00 0D 00 08  01 02 03 04 05 06 07 08  // Copy Group Identifier (not modelled)
    80 01 00 00                           // a General Copy Operations too short...
  )");
  // ...is refused, but first check an opaque-only page.
  Bytes opaque_only = xg::test::truncated(page, 16);
  opaque_only[3] = 12;
  auto decoded = scsi::decode_third_party_copy(opaque_only);
  REQUIRE(decoded.has_value());
  REQUIRE(decoded->other.size() == 1);
  CHECK(decoded->other[0] == scsi::OpaqueTpcDescriptor{0x000D, {1, 2, 3, 4, 5, 6, 7, 8}});
  CHECK(show(scsi::encode_third_party_copy(*decoded)) == show(opaque_only));

  auto too_short = scsi::decode_third_party_copy(page);
  REQUIRE_FALSE(too_short.has_value());
  CHECK(too_short.error() == Sense::invalid_field_in_param_list(FieldRef::param(18)));
}

TEST_CASE("8Fh: decoder reads descriptors in any order and lists as sent", "[scsi][vpd8f]") {
  const Bytes freebsd_style = concat({hex(R"(
    00 8F 00 24
    00 01 00 10  0D 83 05 00 01 10 11 1C 84 04 00 04 05 03 00 00  // 84h list not ascending
  )"), kDescriptorsAndIds, hex("00 00 00 00")});
  // 0001h(16+4) + 0008h(8) + 000Ch(8) = 36, then 4 stray zero bytes past PAGE LENGTH.
  auto decoded = scsi::decode_third_party_copy(freebsd_style);
  REQUIRE(decoded.has_value());
  REQUIRE(decoded->supported_commands.has_value());
  CHECK(decoded->supported_commands->at(1).service_actions == Bytes{0x00, 0x04, 0x05, 0x03});
  CHECK(*decoded->supported_cscd_descriptor_ids == std::vector<std::uint16_t>{0xFFFF});

  // Descriptors in descending type order still decode; re-encoding restores the order.
  const Bytes descending = concat({hex("00 8F 00 44"), kGeneralCopyOperations, kParameterData});
  auto reordered = scsi::decode_third_party_copy(descending);
  REQUIRE(reordered.has_value());
  CHECK(show(scsi::encode_third_party_copy(*reordered)) ==
        show(concat({hex("00 8F 00 44"), kParameterData, kGeneralCopyOperations})));
}

TEST_CASE("8Fh: truncation at every byte -> 1A/00 at PAGE LENGTH", "[scsi][vpd8f][malformed]") {
  for (const Bytes* page : {&kXcopyOnlyPage, &kOdxPage}) {
    for (std::size_t size = 0; size < page->size(); ++size) {
      INFO("size " << size);
      auto r = scsi::decode_third_party_copy(xg::test::truncated(*page, size));
      REQUIRE_FALSE(r.has_value());
      CHECK(r.error() == (size > 2 ? Sense::param_list_length_error(FieldRef::param(2))
                                   : Sense::param_list_length_error()));
    }
  }
}

TEST_CASE("8Fh: PAGE LENGTH cut at every byte -> 1A/00 at the descriptor or its LENGTH",
          "[scsi][vpd8f][malformed]") {
  for (std::size_t cut = 4; cut < kXcopyOnlyPage.size(); ++cut) {
    INFO("cut " << cut);
    Bytes page = xg::test::truncated(kXcopyOnlyPage, cut);
    page[3] = static_cast<std::uint8_t>(cut - 4);
    auto r = scsi::decode_third_party_copy(page);
    std::size_t start = 0;
    for (std::size_t s : kXcopyOnlyStarts) {
      if (s <= cut) start = s;
    }
    if (cut == start) {
      CHECK(r.has_value());
      continue;
    }
    REQUIRE_FALSE(r.has_value());
    const std::size_t at = cut - start < 4 ? start : start + 2;
    CHECK(r.error() == Sense::param_list_length_error(FieldRef::param(at)));
  }
}

TEST_CASE("8Fh: PAGE LENGTH past the buffer -> 1A/00 at byte 2 (fixed sense bytes)",
          "[scsi][vpd8f][malformed]") {
  auto r = scsi::decode_third_party_copy(xg::test::with_byte(kXcopyOnlyPage, 3, 0x65));
  REQUIRE_FALSE(r.has_value());
  CHECK(xg::test::fixed_sense_hex(r.error()) ==
        show(hex("70 00 05 00000000 0A 00000000 1A 00 00 80 00 02")));
}

TEST_CASE("8Fh: DESCRIPTOR LENGTH not a multiple of 4 -> 26/00 at that length",
          "[scsi][vpd8f][malformed]") {
  for (std::uint8_t length : {0x1D, 0x1E, 0x1F, 0x1B}) {
    auto r = scsi::decode_third_party_copy(xg::test::with_byte(kXcopyOnlyPage, 23, length));
    REQUIRE_FALSE(r.has_value());  // 0004h Parameter Data starts at 20, length at 22-23
    CHECK(xg::test::fixed_sense_hex(r.error()) ==
          show(hex("70 00 05 00000000 0A 00000000 26 00 00 80 00 16")));
  }
}

TEST_CASE("8Fh: a descriptor running past PAGE LENGTH -> 1A/00 at its length",
          "[scsi][vpd8f][malformed]") {
  auto last = scsi::decode_third_party_copy(xg::test::with_byte(kXcopyOnlyPage, 71, 0x24));
  REQUIRE_FALSE(last.has_value());  // 8001h at 68: 0024h would end at 108 > 104
  CHECK(last.error() == Sense::param_list_length_error(FieldRef::param(70)));
  auto first = scsi::decode_third_party_copy(xg::test::with_byte(kXcopyOnlyPage, 6, 0x01));
  REQUIRE_FALSE(first.has_value());  // 0001h claiming 010Ch bytes
  CHECK(first.error() == Sense::param_list_length_error(FieldRef::param(6)));
}

TEST_CASE("8Fh: inner list lengths past their descriptor -> 1A/00 at the list length",
          "[scsi][vpd8f][malformed]") {
  // 0001h COMMANDS SUPPORTED LIST LENGTH 0Ch > 11 bytes of body left.
  auto commands = scsi::decode_third_party_copy(xg::test::with_byte(kXcopyOnlyPage, 8, 0x0C));
  REQUIRE_FALSE(commands.has_value());
  CHECK(commands.error() == Sense::param_list_length_error(FieldRef::param(8)));
  // 84h SERVICE ACTION LIST LENGTH 05h > 3 bytes left in the command list.
  auto actions = scsi::decode_third_party_copy(xg::test::with_byte(kXcopyOnlyPage, 13, 0x05));
  REQUIRE_FALSE(actions.has_value());
  CHECK(actions.error() == Sense::param_list_length_error(FieldRef::param(13)));
  // 0008h list length 04h > 3 bytes left.
  auto codes = scsi::decode_third_party_copy(xg::test::with_byte(kXcopyOnlyPage, 56, 0x04));
  REQUIRE_FALSE(codes.has_value());
  CHECK(codes.error() == Sense::param_list_length_error(FieldRef::param(56)));
  // 000Ch list length 0004h > 2 bytes left; 0003h odd.
  auto ids = scsi::decode_third_party_copy(xg::test::with_byte(kXcopyOnlyPage, 65, 0x04));
  REQUIRE_FALSE(ids.has_value());
  CHECK(ids.error() == Sense::param_list_length_error(FieldRef::param(64)));
  auto odd = scsi::decode_third_party_copy(xg::test::with_byte(kXcopyOnlyPage, 65, 0x03));
  REQUIRE_FALSE(odd.has_value());
  CHECK(odd.error() == Sense::invalid_field_in_param_list(FieldRef::param(64)));
}

TEST_CASE("8Fh: ODX inner lengths: ROD types not a multiple of 64 -> 26/00, features past -> "
          "1A/00",
          "[scsi][vpd8f][odx][malformed]") {
  // 0108h starts at 4+36+16+32+8+8+96 = 200; ROD TYPE DESCRIPTORS LENGTH at 206-207.
  REQUIRE(kOdxPage[200] == 0x01);
  REQUIRE(kOdxPage[201] == 0x08);
  auto types = scsi::decode_third_party_copy(xg::test::with_byte(kOdxPage, 207, 0x40 + 0x3C));
  REQUIRE_FALSE(types.has_value());
  CHECK(types.error() == Sense::invalid_field_in_param_list(FieldRef::param(206)));
  auto types_past = scsi::decode_third_party_copy(xg::test::with_byte(kOdxPage, 207, 0xC0));
  REQUIRE_FALSE(types_past.has_value());
  CHECK(types_past.error() == Sense::param_list_length_error(FieldRef::param(206)));
  // 0106h starts at 104; features length at 104+46 = 150-151.
  auto features = scsi::decode_third_party_copy(xg::test::with_byte(kOdxPage, 151, 0x34));
  REQUIRE_FALSE(features.has_value());
  CHECK(features.error() == Sense::param_list_length_error(FieldRef::param(150)));
  // The block descriptor's own length (152+2) beyond the features list.
  auto block = scsi::decode_third_party_copy(xg::test::with_byte(kOdxPage, 155, 0x30));
  REQUIRE_FALSE(block.has_value());
  CHECK(block.error() == Sense::param_list_length_error(FieldRef::param(154)));
}

TEST_CASE("8Fh: a modelled descriptor type twice -> 26/00 at the second type field",
          "[scsi][vpd8f][malformed]") {
  const Bytes twice = concat({hex("00 8F 00 10"), xg::test::truncated(kDescriptorsAndIds, 8),
                              xg::test::truncated(kDescriptorsAndIds, 8)});
  auto r = scsi::decode_third_party_copy(twice);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error() == Sense::invalid_field_in_param_list(FieldRef::param(12)));
}

TEST_CASE("8Fh: fixed-size descriptors shorter than SPC-4 says -> 26/00 at their length",
          "[scsi][vpd8f][malformed]") {
  struct Row {
    std::uint16_t type;
    std::uint8_t short_length;
  };
  for (Row row : {Row{0x0000, 0x1C}, Row{0x0004, 0x18}, Row{0x0106, 0x28}, Row{0x8001, 0x1C},
                  Row{0x9101, 0x08}, Row{0xC001, 0x18}, Row{0x0001, 0x00}}) {
    INFO("type " << row.type);
    Bytes page = {0x00, 0x8F, 0x00, static_cast<std::uint8_t>(4 + row.short_length),
                  static_cast<std::uint8_t>(row.type >> 8), static_cast<std::uint8_t>(row.type),
                  0x00, row.short_length};
    page.resize(8 + row.short_length, 0);
    auto r = scsi::decode_third_party_copy(page);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error() == Sense::invalid_field_in_param_list(FieldRef::param(6)));
  }
}

TEST_CASE("8Fh: wrong PAGE CODE -> 26/00 at byte 1", "[scsi][vpd8f][malformed]") {
  auto r = scsi::decode_third_party_copy(xg::test::with_byte(kXcopyOnlyPage, 1, 0x83));
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error() == Sense::invalid_field_in_param_list(FieldRef::param(1)));
}
