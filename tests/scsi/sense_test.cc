// SPC-4 4.5 sense data: fixed (70h) and descriptor (72h) formats, both directions.
#include "scsi/sense.h"

#include "tests/support/catch.h"
#include "tests/support/vectors.h"

using xg::scsi::FieldRef;
using xg::scsi::ForwardedSense;
using xg::scsi::Sense;
using xg::scsi::SenseKey;
using xg::test::hex;
using xg::test::show;

namespace {

void check_round_trip(const Sense& s) {
  auto fixed = xg::scsi::decode_sense(xg::scsi::encode_fixed(s));
  REQUIRE(fixed.has_value());
  CHECK(*fixed == s);
  auto descriptor = xg::scsi::decode_sense(xg::scsi::encode_descriptor(s));
  REQUIRE(descriptor.has_value());
  CHECK(*descriptor == s);
}

}  // namespace

TEST_CASE("Sense: INVALID FIELD IN PARAMETER LIST, field pointer 2, fixed format",
          "[scsi][sense]") {
  const auto expected = hex(R"(
    70           // VALID=0, RESPONSE CODE 70h (current, fixed)
    00           // obsolete
    05           // SENSE KEY = ILLEGAL REQUEST
    00 00 00 00  // INFORMATION
    0A           // ADDITIONAL SENSE LENGTH = 10
    00 00 00 00  // COMMAND-SPECIFIC INFORMATION
    26 00        // ASC/ASCQ = INVALID FIELD IN PARAMETER LIST
    00           // FRU
    80 00 02     // SKSV=1, C/D=0 (parameter list), BPV=0, FIELD POINTER = 2
  )");
  const Sense s = Sense::invalid_field_in_param_list(FieldRef::param(2));
  CHECK(show(xg::scsi::encode_fixed(s)) == show(expected));
  check_round_trip(s);
}

TEST_CASE("Sense: INVALID FIELD IN CDB with bit pointer sets C/D and BPV", "[scsi][sense]") {
  const Sense s = Sense::invalid_field_in_cdb(FieldRef::cdb(1, 4));
  CHECK(show(xg::scsi::encode_fixed(s)) ==
        show(hex("70 00 05 00000000 0A 00000000 24 00 00  CC 00 01")));
  //                                               SKSV|C/D|BPV|bit 4 = CCh, byte 1
  check_round_trip(s);
}

TEST_CASE("Sense: COPY ABORTED carries segment number in CSI bytes 2-3 and a segment pointer",
          "[scsi][sense][copy]") {
  Sense s = Sense::copy_target_not_reachable(3, FieldRef::param(48));
  CHECK(show(xg::scsi::encode_fixed(s)) == show(hex(R"(
    70 00 0A     // COPY ABORTED
    00 00 00 00
    0A
    00 00 00 03  // CSI: no forwarded areas, segment 3
    0D 02        // COPY TARGET DEVICE NOT REACHABLE
    00
    80 00 30     // SKSV=1, SD=0: parameter list byte 48 (the CSCD descriptor)
  )")));
  check_round_trip(s);

  Sense seg = Sense::copy_aborted(1, 0x26, 0x00);
  seg.field = FieldRef::segment(2);
  CHECK(show(xg::scsi::encode_fixed(seg)) ==
        show(hex("70 00 0A 00000000 0A 0000 0001 26 00 00 A0 00 02")));  // SD=1 -> A0h
  check_round_trip(seg);
}

TEST_CASE("Sense: THIRD PARTY DEVICE FAILURE forwards the destination's status and sense",
          "[scsi][sense][copy]") {
  Sense s = Sense::third_party_device_failure(0);
  s.information = 16;  // residual destination blocks
  const auto inner = xg::scsi::encode_fixed(Sense::medium_error(0x0C, 0x00));
  s.forwarded.push_back({ForwardedSense::Source::kCopyDestination, 0x02, inner});
  const auto fixed = xg::scsi::encode_fixed(s);
  CHECK(show(fixed) == show(xg::test::concat({hex(R"(
    F0 00 0A     // VALID=1, COPY ABORTED
    00 00 00 10  // INFORMATION = 16 residual blocks
    1D           // ADDITIONAL SENSE LENGTH = 10 + 1 + 18
    00 12 00 00  // CSI: source area none, destination area at byte 18, segment 0
    0D 01 00 00 00 00
    02           // forwarded destination STATUS = CHECK CONDITION
  )"), inner})));
  check_round_trip(s);

  // Descriptor format: 00h information, 01h CSI, 0Ch forwarded sense descriptors.
  const auto descriptor = xg::scsi::encode_descriptor(s);
  CHECK(show(descriptor) == show(xg::test::concat({hex(R"(
    72 0A 0D 01 00 00 00
    2E                                  // ADDITIONAL SENSE LENGTH = 12 + 12 + (4 + 18)
    00 0A 80 00 00 00 00 00 00 00 00 10 // information descriptor, VALID
    01 0A 00 00 00 00 00 00 00 00 00 00 // command-specific: segment 0
    0C 14 02 02                         // forwarded: 18 bytes, SOURCE 2h destination, status
  )"), inner})));
}

TEST_CASE("Sense: G_SENSE completion reports segments processed", "[scsi][sense][copy]") {
  const Sense s = Sense::completed_extended_copy_information(5);
  CHECK(show(xg::scsi::encode_fixed(s)) ==
        show(hex("70 00 0F 00000000 0A 00000005 00 20 00 000000")));
  check_round_trip(s);
}

TEST_CASE("Sense: INFORMATION above 32 bits clears VALID in fixed format, fits in descriptor",
          "[scsi][sense]") {
  Sense s = Sense::medium_error(0x11, 0x00);
  s.information = 0x1'0000'0000ULL;
  CHECK(xg::scsi::encode_fixed(s)[0] == 0x70);
  auto back = xg::scsi::decode_sense(xg::scsi::encode_descriptor(s));
  REQUIRE(back.has_value());
  CHECK(back->information == s.information);
}

TEST_CASE("Sense: decoder refuses bad response codes and lengths past the buffer",
          "[scsi][sense][malformed]") {
  auto bad_code = xg::scsi::decode_sense(hex("7F 00 05 00000000 0A 00000000 24 00 00 000000"));
  REQUIRE_FALSE(bad_code.has_value());
  CHECK(bad_code.error().offset == 0u);

  auto too_long = xg::scsi::decode_sense(hex("70 00 05 00000000 FF 00000000 24 00 00 000000"));
  REQUIRE_FALSE(too_long.has_value());
  CHECK(too_long.error().offset == 7u);

  auto desc_overrun = xg::scsi::decode_sense(hex("72 05 24 00 000000 04 02 06 00 00"));
  REQUIRE_FALSE(desc_overrun.has_value());
  CHECK(desc_overrun.error().offset == 9u);

  CHECK_FALSE(xg::scsi::decode_sense(hex("70 00 05")).has_value());
}

TEST_CASE("Sense: forwarded-area offsets past the sense data are clipped, never read",
          "[scsi][sense][malformed]") {
  // CSI byte 0 points at byte 18 (inside), byte 1 at byte 200 (far past the 20 bytes the
  // buffer holds): the source area must end at the declared sense, not at byte 200.
  const auto bytes = hex("70 00 0A 00000000 0C 12C80000 0D 01 00 000000 02 AA");
  auto s = xg::scsi::decode_sense(bytes);
  REQUIRE(s.has_value());
  REQUIRE(s->forwarded.size() == 1);
  CHECK(s->forwarded[0].status == 0x02);
  CHECK(s->forwarded[0].sense == xg::test::Bytes{0xAA});
  // A short fixed sense (ADDITIONAL SENSE LENGTH 4) whose CSI names areas it does not have.
  CHECK(xg::scsi::decode_sense(hex("70 00 0A 00000000 04 1213 0000")).has_value());
  (void)xg::scsi::describe(*s);
}

TEST_CASE("Sense: describe() names key, ASC/ASCQ, segment and pointer", "[scsi][sense]") {
  CHECK(xg::scsi::describe(Sense::copy_target_not_reachable(0, FieldRef::param(16))) ==
        "COPY ABORTED 0D/02 COPY TARGET DEVICE NOT REACHABLE; segment 0; segment pointer: "
        "parameter list byte 16");
  CHECK(xg::scsi::describe(
            Sense::unsupported_segment_descriptor_type(FieldRef::param(48)).because("type 03h")) ==
        "ILLEGAL REQUEST 26/09 UNSUPPORTED SEGMENT DESCRIPTOR TYPE CODE; field pointer: "
        "parameter list byte 48 - type 03h");
}

TEST_CASE("Sense: the named constructors that replaced ASC/ASCQ numbers at call sites give "
          "the same key, ASC/ASCQ and field pointer (SPC-4 table \"ASC and ASCQ assignments\")",
          "[scsi][sense]") {
  struct Row {
    Sense named;
    SenseKey key;
    std::uint8_t asc;
    std::uint8_t ascq;
    std::optional<FieldRef> field;
  };
  const FieldRef cdb_2_7 = FieldRef::cdb(2, 7);
  const FieldRef param_8 = FieldRef::param(8);
  const Row rows[] = {
      {Sense::invalid_field_in_cdb(), SenseKey::kIllegalRequest, 0x24, 0x00, std::nullopt},
      {Sense::invalid_field_in_command_information_unit(), SenseKey::kIllegalRequest, 0x0E, 0x03,
       std::nullopt},
      {Sense::logical_unit_not_supported(), SenseKey::kIllegalRequest, 0x25, 0x00, std::nullopt},
      {Sense::saving_parameters_not_supported(cdb_2_7), SenseKey::kIllegalRequest, 0x39, 0x00,
       cdb_2_7},
      {Sense::token_corrupt(param_8), SenseKey::kIllegalRequest, 0x23, 0x05, param_8},
      {Sense::invalid_token_length(), SenseKey::kIllegalRequest, 0x23, 0x0A, std::nullopt},
      {Sense::power_on_reset_or_bus_device_reset_occurred(), SenseKey::kUnitAttention, 0x29, 0x00,
       std::nullopt},
      {Sense::mode_parameters_changed(), SenseKey::kUnitAttention, 0x2A, 0x01, std::nullopt},
      {Sense::capacity_data_has_changed(), SenseKey::kUnitAttention, 0x2A, 0x09, std::nullopt},
      {Sense::data_phase_error(), SenseKey::kAbortedCommand, 0x4B, 0x00, std::nullopt},
      {Sense::invalid_target_port_transfer_tag_received(), SenseKey::kAbortedCommand, 0x4B, 0x01,
       std::nullopt},
      {Sense::too_much_write_data(), SenseKey::kAbortedCommand, 0x4B, 0x02, std::nullopt},
      {Sense::data_offset_error(), SenseKey::kAbortedCommand, 0x4B, 0x05, std::nullopt},
      {Sense::protocol_service_crc_error(), SenseKey::kAbortedCommand, 0x47, 0x05, std::nullopt},
  };
  for (const Row& row : rows) {
    INFO(xg::scsi::describe(row.named));
    CHECK(row.named.key == row.key);
    CHECK(int{row.named.asc} == int{row.asc});
    CHECK(int{row.named.ascq} == int{row.ascq});
    CHECK(row.named.field == row.field);
  }
}
