// RECEIVE COPY RESULTS LID1 responses (SPC-4 r37 6.21-6.23, 6.25): RECEIVE COPY STATUS(LID1),
// RECEIVE COPY DATA(LID1), OPERATING PARAMETERS, FAILURE DETAILS(LID1), both directions.
// The LID4 responses are in receive_copy_lid4_test.cc.
#include "scsi/receive_copy_results.h"

#include <cstdint>
#include <tuple>

#include "tests/support/catch.h"
#include "tests/support/vectors.h"

using xg::scsi::CopyCommandStatus;
using xg::scsi::CopyFailureDetailsLid1;
using xg::scsi::CopyManagerLimits;
using xg::scsi::CopyStatusLid1;
using xg::scsi::FieldRef;
using xg::scsi::Sense;
using xg::scsi::Status;
using xg::scsi::TransferCount;
using xg::scsi::TransferCountUnits;
using xg::test::Bytes;
using xg::test::concat;
using xg::test::fixed_sense_hex;
using xg::test::hex;
using xg::test::show;
using xg::test::truncated;
using xg::test::with_byte;

namespace {

template <class T>
void check_error(const xg::scsi::Result<T>& result, const Sense& expected) {
  REQUIRE_FALSE(result.has_value());
  INFO("why: " << result.error().why);
  CHECK(fixed_sense_hex(result.error()) == fixed_sense_hex(expected));
  CHECK(result.error() == expected);
  CHECK_FALSE(result.error().why.empty());
}

// Every proper prefix of a valid response fails with 1A/00 at AVAILABLE DATA (byte 0).
template <class Decode>
void check_every_truncation(const Bytes& full, Decode decode) {
  for (std::size_t n = 0; n < full.size(); ++n) {
    INFO("truncated to " << n << " of " << full.size() << " bytes");
    check_error(decode(truncated(full, n)), Sense::param_list_length_error(FieldRef::param(0)));
  }
}

Sense invalid_at(std::size_t byte, std::optional<std::uint8_t> bit = std::nullopt) {
  return Sense::invalid_field_in_param_list(FieldRef::param(byte, bit));
}

Sense length_error_at(std::size_t byte) {
  return Sense::param_list_length_error(FieldRef::param(byte));
}

// CopyManagerLimits has no operator== (scsi/copy_limits.h); compare every field.
void check_same_limits(const CopyManagerLimits& a, const CopyManagerLimits& b) {
  CHECK(a.snlid == b.snlid);
  CHECK(a.max_cscd_descriptors == b.max_cscd_descriptors);
  CHECK(a.max_segment_descriptors == b.max_segment_descriptors);
  CHECK(a.max_descriptor_list_length == b.max_descriptor_list_length);
  CHECK(a.max_segment_length == b.max_segment_length);
  CHECK(a.max_inline_data_length == b.max_inline_data_length);
  CHECK(a.held_data_limit == b.held_data_limit);
  CHECK(a.max_stream_device_transfer_size == b.max_stream_device_transfer_size);
  CHECK(a.total_concurrent_copies == b.total_concurrent_copies);
  CHECK(a.max_concurrent_copies == b.max_concurrent_copies);
  CHECK(a.data_segment_granularity_log2 == b.data_segment_granularity_log2);
  CHECK(a.inline_data_granularity_log2 == b.inline_data_granularity_log2);
  CHECK(a.held_data_granularity_log2 == b.held_data_granularity_log2);
  CHECK(a.implemented_descriptor_types == b.implemented_descriptor_types);
}

// ---- vectors ----

// RCS(LID1) after a copy of 5 GiB + 1124 bytes: the byte count does not fit 32 bits, so
// the units step up to KiB and the last 100 bytes are rounded away.
const Bytes kStatusLid1Over4GiB = hex(R"(
  00 00 00 08  // AVAILABLE DATA = 8
  01           // HDD=0, COPY COMMAND STATUS = 01h completed without errors
  00 03        // SEGMENTS PROCESSED = 3
  01           // TRANSFER COUNT UNITS = 01h kibibytes
  00 50 00 01  // TRANSFER COUNT = 5 GiB + 1 KiB (in KiB)
)");

// LIO target_core_xcopy.c: AVAILABLE DATA 42, codes 02h E4h.
const Bytes kOperatingParametersLio = hex(R"(
  00 00 00 2A  // AVAILABLE DATA = 42 = 40 + 2 codes
  01           // SNLID = 1
  00 00 00     // reserved
  00 02        // MAXIMUM CSCD DESCRIPTOR COUNT = 2
  00 01        // MAXIMUM SEGMENT DESCRIPTOR COUNT = 1
  00 00 04 00  // MAXIMUM DESCRIPTOR LIST LENGTH = 1024
  10 00 00 00  // MAXIMUM SEGMENT LENGTH = 256 MiB
  00 00 00 00  // MAXIMUM INLINE DATA LENGTH = 0
  00 00 00 00  // HELD DATA LIMIT = 0
  00 00 00 00  // MAXIMUM STREAM DEVICE TRANSFER SIZE = 0
  00 00        // reserved
  00 01        // TOTAL CONCURRENT COPIES = 1
  01           // MAXIMUM CONCURRENT COPIES = 1
  09           // DATA SEGMENT GRANULARITY = 2^9
  09           // INLINE DATA GRANULARITY = 2^9
  09           // HELD DATA GRANULARITY = 2^9
  00 00 00     // reserved
  02           // IMPLEMENTED DESCRIPTOR LIST LENGTH = 2
  02 E4        // 02h block->block segment, E4h identification CSCD
)");

// FreeBSD ctl_tpc.c ctl_receive_copy_operating_parameters.
const Bytes kOperatingParametersFreeBsd = hex(R"(
  00 00 00 2C  // AVAILABLE DATA = 44 = 40 + 4 codes
  01           // SNLID = 1
  00 00 00     // reserved
  00 40        // MAXIMUM CSCD DESCRIPTOR COUNT = 64
  00 40        // MAXIMUM SEGMENT DESCRIPTOR COUNT = 64
  00 00 20 00  // MAXIMUM DESCRIPTOR LIST LENGTH = 8192
  00 00 00 00  // MAXIMUM SEGMENT LENGTH = 0 (no limit)
  00 00 00 00  // MAXIMUM INLINE DATA LENGTH = 0
  00 00 00 00  // HELD DATA LIMIT = 0
  00 00 00 00  // MAXIMUM STREAM DEVICE TRANSFER SIZE = 0
  00 00        // reserved
  00 FF        // TOTAL CONCURRENT COPIES = 255
  FF           // MAXIMUM CONCURRENT COPIES = 255
  00 00 00     // DATA / INLINE / HELD DATA GRANULARITY = 2^0
  00 00 00     // reserved
  04           // IMPLEMENTED DESCRIPTOR LIST LENGTH = 4
  02 07 14 E4  // block->block, verify CSCD, register key, identification CSCD
)");

// xgate's profile = CopyManagerLimits' defaults (scsi/copy_limits.h).
const Bytes kOperatingParametersXgate = hex(R"(
  00 00 00 2A  // AVAILABLE DATA = 42
  01           // SNLID = 1
  00 00 00     // reserved
  00 10        // MAXIMUM CSCD DESCRIPTOR COUNT = 16
  00 40        // MAXIMUM SEGMENT DESCRIPTOR COUNT = 64
  00 00 0A 40  // MAXIMUM DESCRIPTOR LIST LENGTH = 2624 = (16+1)*32 + (64+1)*32
  10 00 00 00  // MAXIMUM SEGMENT LENGTH = 256 MiB
  00 00 00 00  // MAXIMUM INLINE DATA LENGTH = 0
  00 00 00 00  // HELD DATA LIMIT = 0
  00 00 00 00  // MAXIMUM STREAM DEVICE TRANSFER SIZE = 0
  00 00        // reserved
  00 FF        // TOTAL CONCURRENT COPIES = 255
  FF           // MAXIMUM CONCURRENT COPIES = 255
  09           // DATA SEGMENT GRANULARITY = 2^9 (512-byte blocks)
  00 00        // INLINE / HELD DATA GRANULARITY = 2^0
  00 00 00     // reserved
  02           // IMPLEMENTED DESCRIPTOR LIST LENGTH = 2
  02 E4        // 02h block->block, E4h identification CSCD
)");

// COPY ABORTED 0D/01 THIRD PARTY DEVICE FAILURE in segment 1, 18-byte fixed format.
const Bytes kThirdPartyDeviceFailureFixed = hex(R"(
  70 00 0A     // current, fixed; COPY ABORTED
  00 00 00 00  // INFORMATION
  0A           // ADDITIONAL SENSE LENGTH = 10
  00 00 00 01  // CSI: no forwarded areas, segment 1
  0D 01        // THIRD PARTY DEVICE FAILURE
  00 00 00 00  // FRU, no sense-key specific
)");

const Bytes kFailureDetails = concat({hex(R"(
  00 00 00 4A  // AVAILABLE DATA = 74 = 78 - 4 (56 + SENSE DATA LENGTH)
)"), Bytes(52, 0x00),  // bytes 4-55 reserved
                                      hex(R"(
  02           // COPY COMMAND STATUS = CHECK CONDITION
  00           // reserved
  00 12        // SENSE DATA LENGTH = 18
)"), kThirdPartyDeviceFailureFixed});

}  // namespace

// ---- transfer counts ----

TEST_CASE("RCS(LID1): transfer count units step from bytes to KiB, MiB... so 32 bits fit, "
          "rounded down (SPC-4 6.24 table 251)",
          "[scsi][rcr][lid1]") {
  using U = TransferCountUnits;
  const auto [bytes, units, count] = GENERATE(table<std::uint64_t, U, std::uint32_t>({
      {0, U::kBytes, 0},
      {0xFFFF'FFFFULL, U::kBytes, 0xFFFF'FFFF},
      {0x1'0000'0000ULL, U::kKibibytes, 0x40'0000},          // 4 GiB
      {0x1'4000'0464ULL, U::kKibibytes, 0x50'0001},          // 5 GiB + 1124 bytes
      {0x3FF'FFFF'FFFFULL, U::kKibibytes, 0xFFFF'FFFF},      // 4 TiB - 1: KiB, rounded down
      {0x400'0000'0000ULL, U::kMebibytes, 0x40'0000},        // 4 TiB
      {0x10'0000'0000'0000ULL, U::kGibibytes, 0x40'0000},    // 4 PiB
      {0xFFFF'FFFF'FFFF'FFFFULL, U::kTebibytes, 0xFF'FFFF},  // 64 bits never need PiB
  }));
  INFO("bytes = " << bytes);
  CHECK(xg::scsi::transfer_count_for_bytes(bytes) == TransferCount{units, count});
}

// ---- 00h RECEIVE COPY STATUS(LID1) ----

TEST_CASE("RCS(LID1): completed copy above 4 GiB reports KiB units, both ways (SPC-4 6.25)",
          "[scsi][rcr][lid1]") {
  const auto count = xg::scsi::transfer_count_for_bytes(0x1'4000'0464ULL);
  const CopyStatusLid1 status{false, CopyCommandStatus::kCompletedWithoutErrors, 3, count.units,
                              count.count};
  CHECK(show(xg::scsi::encode_copy_status_lid1(status)) == show(kStatusLid1Over4GiB));
  auto decoded = xg::scsi::decode_copy_status_lid1(kStatusLid1Over4GiB);
  REQUIRE(decoded.has_value());
  CHECK(*decoded == status);
}

TEST_CASE("RCS(LID1): HDD and in-progress status round-trip", "[scsi][rcr][lid1]") {
  const CopyStatusLid1 status{true, CopyCommandStatus::kInProgress, 0xFFFF,
                              TransferCountUnits::kBytes, 0x1234};
  const Bytes expected = hex("00000008 80 FFFF 00 00001234");
  CHECK(show(xg::scsi::encode_copy_status_lid1(status)) == show(expected));
  auto decoded = xg::scsi::decode_copy_status_lid1(expected);
  REQUIRE(decoded.has_value());
  CHECK(*decoded == status);
}

TEST_CASE("RCS(LID1): truncation at every byte -> 1A/00 at AVAILABLE DATA",
          "[scsi][rcr][lid1][malformed]") {
  check_every_truncation(kStatusLid1Over4GiB,
                         [](const Bytes& b) { return xg::scsi::decode_copy_status_lid1(b); });
}

TEST_CASE("RCS(LID1): AVAILABLE DATA below 8 -> 26/00 at byte 0, past the end -> 1A/00",
          "[scsi][rcr][lid1][malformed]") {
  check_error(xg::scsi::decode_copy_status_lid1(with_byte(kStatusLid1Over4GiB, 3, 0x07)),
              invalid_at(0));
  check_error(xg::scsi::decode_copy_status_lid1(with_byte(kStatusLid1Over4GiB, 3, 0x09)),
              length_error_at(0));
  check_error(xg::scsi::decode_copy_status_lid1(with_byte(kStatusLid1Over4GiB, 0, 0x80)),
              length_error_at(0));
}

TEST_CASE("RCS(LID1): reserved COPY COMMAND STATUS -> 26/00 at byte 4 bit 6, reserved or F1h "
          "units -> 26/00 at byte 7 (SPC-4 tables 251/254)",
          "[scsi][rcr][lid1][malformed]") {
  for (std::uint8_t status : {0x03, 0x7F, 0x83}) {
    INFO("byte 4 = " << int{status});
    check_error(xg::scsi::decode_copy_status_lid1(with_byte(kStatusLid1Over4GiB, 4, status)),
                invalid_at(4, 6));
  }
  for (std::uint8_t units : {0x07, 0xF0, 0xF1, 0xFF}) {
    INFO("byte 7 = " << int{units});
    check_error(xg::scsi::decode_copy_status_lid1(with_byte(kStatusLid1Over4GiB, 7, units)),
                invalid_at(7));
  }
  // The largest defined LID1 unit, EiB, is accepted.
  CHECK(xg::scsi::decode_copy_status_lid1(with_byte(kStatusLid1Over4GiB, 7, 0x06)).has_value());
}

// ---- 01h RECEIVE COPY DATA(LID1) ----

TEST_CASE("RCD(LID1): AVAILABLE DATA counts the held data after byte 3 (SPC-4 6.21)",
          "[scsi][rcr][lid1]") {
  const Bytes vector = hex(R"(
    00 00 00 05     // AVAILABLE DATA = 5
    DE AD BE EF 01  // held data
  )");
  const xg::scsi::CopyDataLid1 data{hex("DE AD BE EF 01")};
  CHECK(show(xg::scsi::encode_copy_data_lid1(data)) == show(vector));
  auto decoded = xg::scsi::decode_copy_data_lid1(vector);
  REQUIRE(decoded.has_value());
  CHECK(*decoded == data);
  check_every_truncation(vector, [](const Bytes& b) { return xg::scsi::decode_copy_data_lid1(b); });

  auto empty = xg::scsi::decode_copy_data_lid1(hex("00000000"));
  REQUIRE(empty.has_value());
  CHECK(empty->held_data.empty());
}

// ---- 03h RECEIVE COPY OPERATING PARAMETERS ----

TEST_CASE("ROP: LIO and FreeBSD responses decode and re-encode byte for byte (SPC-4 6.22)",
          "[scsi][rcr][rop]") {
  auto lio = xg::scsi::decode_operating_parameters(kOperatingParametersLio);
  REQUIRE(lio.has_value());
  CHECK(lio->snlid);
  CHECK(lio->max_cscd_descriptors == 2);
  CHECK(lio->max_segment_descriptors == 1);
  CHECK(lio->max_descriptor_list_length == 1024);
  CHECK(lio->max_segment_length == 256u << 20);
  CHECK(lio->total_concurrent_copies == 1);
  CHECK(lio->max_concurrent_copies == 1);
  CHECK(lio->data_segment_granularity_log2 == 9);
  CHECK(lio->inline_data_granularity_log2 == 9);
  CHECK(lio->held_data_granularity_log2 == 9);
  CHECK(lio->implemented_descriptor_types == Bytes{0x02, 0xE4});
  CHECK(show(xg::scsi::encode_operating_parameters(*lio)) == show(kOperatingParametersLio));

  auto freebsd = xg::scsi::decode_operating_parameters(kOperatingParametersFreeBsd);
  REQUIRE(freebsd.has_value());
  CHECK(freebsd->max_cscd_descriptors == 64);
  CHECK(freebsd->max_segment_descriptors == 64);
  CHECK(freebsd->max_descriptor_list_length == 8192);
  CHECK(freebsd->max_segment_length == 0);
  CHECK(freebsd->total_concurrent_copies == 255);
  CHECK(freebsd->max_concurrent_copies == 255);
  CHECK(freebsd->data_segment_granularity_log2 == 0);
  CHECK(freebsd->implemented_descriptor_types == Bytes{0x02, 0x07, 0x14, 0xE4});
  CHECK(show(xg::scsi::encode_operating_parameters(*freebsd)) ==
        show(kOperatingParametersFreeBsd));
}

TEST_CASE("ROP: xgate's default CopyManagerLimits give xgate's profile, both ways",
          "[scsi][rcr][rop]") {
  const CopyManagerLimits limits;
  // libiscsi DescrLimits: one CSCD or segment too many must be a count error, not a
  // length error, so the list length covers (max + 1) of each at 32 bytes.
  CHECK(limits.max_descriptor_list_length >=
        (limits.max_cscd_descriptors + 1u) * 32u + (limits.max_segment_descriptors + 1u) * 32u);
  CHECK(show(xg::scsi::encode_operating_parameters(limits)) == show(kOperatingParametersXgate));
  auto decoded = xg::scsi::decode_operating_parameters(kOperatingParametersXgate);
  REQUIRE(decoded.has_value());
  check_same_limits(*decoded, limits);
}

TEST_CASE("ROP: encoder sorts codes, drops duplicates and sets AVAILABLE DATA = 40 + count",
          "[scsi][rcr][rop]") {
  CopyManagerLimits limits;
  limits.implemented_descriptor_types = {0xE4, 0x0A, 0x02, 0xE4};
  const Bytes bytes = xg::scsi::encode_operating_parameters(limits);
  REQUIRE(bytes.size() == 47u);
  CHECK(show(truncated(bytes, 4)) == show(hex("00 00 00 2B")));  // 40 + 3
  CHECK(bytes[43] == 3);
  CHECK(show(Bytes(bytes.begin() + 44, bytes.end())) == show(hex("02 0A E4")));

  limits.implemented_descriptor_types.clear();
  const Bytes none = xg::scsi::encode_operating_parameters(limits);
  CHECK(none.size() == 44u);
  CHECK(none[3] == 40);
}

TEST_CASE("ROP: truncation at every byte -> 1A/00 at AVAILABLE DATA",
          "[scsi][rcr][rop][malformed]") {
  check_every_truncation(kOperatingParametersLio,
                         [](const Bytes& b) { return xg::scsi::decode_operating_parameters(b); });
}

TEST_CASE("ROP: AVAILABLE DATA below 40 -> 26/00 at byte 0, IMPLEMENTED DESCRIPTOR LIST "
          "LENGTH past AVAILABLE DATA -> 1A/00 at byte 43",
          "[scsi][rcr][rop][malformed]") {
  check_error(xg::scsi::decode_operating_parameters(with_byte(kOperatingParametersLio, 3, 39)),
              invalid_at(0));
  check_error(xg::scsi::decode_operating_parameters(with_byte(kOperatingParametersLio, 3, 41)),
              length_error_at(43));
  check_error(xg::scsi::decode_operating_parameters(with_byte(kOperatingParametersLio, 43, 3)),
              length_error_at(43));
  // A longer AVAILABLE DATA than the codes need is accepted (later SPC revisions may add).
  auto padded = xg::scsi::decode_operating_parameters(
      concat({with_byte(kOperatingParametersLio, 3, 43), hex("00")}));
  REQUIRE(padded.has_value());
  CHECK(padded->implemented_descriptor_types == Bytes{0x02, 0xE4});
}

TEST_CASE("ROP: type codes out of ascending order or repeated -> 26/00 at the offending code",
          "[scsi][rcr][rop][malformed]") {
  const Bytes descending = with_byte(with_byte(kOperatingParametersLio, 44, 0xE4), 45, 0x02);
  check_error(xg::scsi::decode_operating_parameters(descending), invalid_at(45));
  const Bytes repeated = with_byte(kOperatingParametersLio, 45, 0x02);
  check_error(xg::scsi::decode_operating_parameters(repeated), invalid_at(45));
}

// ---- 04h RECEIVE COPY FAILURE DETAILS(LID1) ----

TEST_CASE("RCFD: 18-byte fixed sense at byte 60, SENSE DATA LENGTH at 58, AVAILABLE DATA = "
          "size - 4 (SPC-4 6.23 table 246)",
          "[scsi][rcr][rcfd]") {
  const Sense failure = Sense::third_party_device_failure(1);
  REQUIRE(show(xg::scsi::encode_fixed(failure)) == show(kThirdPartyDeviceFailureFixed));
  const CopyFailureDetailsLid1 details{Status::kCheckCondition, xg::scsi::encode_fixed(failure)};

  const Bytes bytes = xg::scsi::encode_failure_details_lid1(details);
  CHECK(show(bytes) == show(kFailureDetails));
  CHECK(bytes.size() == 78u);
  CHECK(bytes[3] == bytes.size() - 4);
  CHECK(bytes[56] == 0x02);

  auto decoded = xg::scsi::decode_failure_details_lid1(kFailureDetails);
  REQUIRE(decoded.has_value());
  REQUIRE(decoded->has_value());
  CHECK(**decoded == details);
  auto sense = xg::scsi::decode_sense((*decoded)->sense_data);
  REQUIRE(sense.has_value());
  CHECK(*sense == failure);
}

TEST_CASE("RCFD: no failure information is AVAILABLE DATA 0 and nothing else (SPC-4 6.23)",
          "[scsi][rcr][rcfd]") {
  CHECK(show(xg::scsi::encode_failure_details_lid1(std::nullopt)) == show(hex("00 00 00 00")));
  auto decoded = xg::scsi::decode_failure_details_lid1(hex("00 00 00 00"));
  REQUIRE(decoded.has_value());
  CHECK_FALSE(decoded->has_value());
}

TEST_CASE("RCFD: truncation at every byte -> 1A/00 at AVAILABLE DATA",
          "[scsi][rcr][rcfd][malformed]") {
  check_every_truncation(kFailureDetails,
                         [](const Bytes& b) { return xg::scsi::decode_failure_details_lid1(b); });
}

TEST_CASE("RCFD: SCST's size - 3 AVAILABLE DATA -> 1A/00 at 0, 1-55 -> 26/00 at 0, SENSE DATA "
          "LENGTH past AVAILABLE DATA -> 1A/00 at byte 58",
          "[scsi][rcr][rcfd][malformed]") {
  check_error(xg::scsi::decode_failure_details_lid1(with_byte(kFailureDetails, 3, 0x4B)),
              length_error_at(0));
  check_error(xg::scsi::decode_failure_details_lid1(with_byte(kFailureDetails, 3, 55)),
              invalid_at(0));
  check_error(xg::scsi::decode_failure_details_lid1(hex("00 00 00 01 00")), invalid_at(0));
  check_error(xg::scsi::decode_failure_details_lid1(with_byte(kFailureDetails, 59, 0x13)),
              length_error_at(58));
  check_error(xg::scsi::decode_failure_details_lid1(with_byte(kFailureDetails, 58, 0x01)),
              length_error_at(58));
}
