// RECEIVE COPY RESULTS LID4 responses (SPC-4 r37 6.20, 6.24, 6.26, 6.27): the shared 32-byte
// status header, RECEIVE COPY STATUS(LID4), RECEIVE COPY DATA(LID4), RECEIVE ROD TOKEN
// INFORMATION after POPULATE TOKEN / WRITE USING TOKEN (SBC-4 5.12, 5.59), REPORT ALL ROD
// TOKENS. Both directions.
#include <cstdint>

#include "scsi/receive_copy_results.h"
#include "tests/support/catch.h"
#include "tests/support/vectors.h"

using xg::scsi::CopyDataLid4;
using xg::scsi::CopyOperationStatus;
using xg::scsi::CopyStatusLid4;
using xg::scsi::FieldRef;
using xg::scsi::RodTokenDescriptor;
using xg::scsi::RodTokenInformation;
using xg::scsi::Sense;
using xg::scsi::Status;
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

// An opaque stand-in for a 512-byte ROD token: every byte distinct from its neighbours so a
// misplaced token cannot compare equal.
std::array<std::uint8_t, 512> test_token() {
  std::array<std::uint8_t, 512> token{};
  for (std::size_t i = 0; i < token.size(); ++i) token[i] = static_cast<std::uint8_t>(i * 7 + 1);
  return token;
}

Bytes token_bytes() {
  const auto token = test_token();
  return Bytes(token.begin(), token.end());
}

// Where ddpt looks for the first token: 32 + LENGTH OF THE SENSE DATA FIELD + 6.
std::size_t ddpt_token_offset(const Bytes& rrti) { return 32 + std::size_t{rrti.at(13)} + 6; }

// ---- vectors ----

// RRTI after a successful Windows POPULATE TOKEN (classpnp asserts SENSE DATA LENGTH <= the
// LENGTH OF THE SENSE DATA FIELD, one descriptor of length 0202h, ID 0).
const Bytes kRrtiAfterPopulateToken = concat({hex(R"(
  00 00 02 22              // AVAILABLE DATA = 546 = 550 - 4
  10                       // RESPONSE TO SERVICE ACTION = 10h POPULATE TOKEN
  01                       // HDD=0, COPY OPERATION STATUS = 01h completed without errors
  00 00                    // OPERATION COUNTER
  FF FF FF FE              // ESTIMATED STATUS UPDATE DELAY: finished
  00                       // EXTENDED COPY COMPLETION STATUS = GOOD
  00                       // LENGTH OF THE SENSE DATA FIELD = 0
  00                       // SENSE DATA LENGTH = 0
  F1                       // TRANSFER COUNT UNITS = destination blocks (Windows asserts F1h)
  00 00 00 00 00 00 08 00  // TRANSFER COUNT = 2048 blocks
  00 00                    // SEGMENTS PROCESSED = 0 (Windows asserts 0)
  00 00 00 00 00 00        // reserved
  00 00 02 02              // ROD TOKEN DESCRIPTORS LENGTH = 514 (Windows asserts 0202h)
  00 00                    // ID FOR CREATING ROD CSCD DESCRIPTOR: reserved for PT
)"), token_bytes()});        // ROD TOKEN, bytes 38-549

const RodTokenInformation kPopulateTokenInfo{
    CopyStatusLid4{xg::scsi::kTpcOutPopulateToken, false, CopyOperationStatus::kCompleted, 0,
                   xg::scsi::kStatusUpdateDelayCompleted, Status::kGood,
                   TransferCountUnits::kDestinationBlocks, 2048, 0, {}},
    {RodTokenDescriptor{0, test_token()}}};

// MEDIUM ERROR 0C/00 WRITE ERROR, 18-byte fixed format.
const Bytes kWriteErrorFixed = hex(R"(
  70 00 03     // current, fixed; MEDIUM ERROR
  00 00 00 00  // INFORMATION
  0A           // ADDITIONAL SENSE LENGTH = 10
  00 00 00 00  // CSI
  0C 00        // WRITE ERROR
  00 00 00 00  // FRU, no sense-key specific
)");

// RRTI after a WRITE USING TOKEN that failed: 18 bytes of sense in a 20-byte field.
const Bytes kRrtiAfterFailedWut = concat({hex(R"(
  00 00 00 34              // AVAILABLE DATA = 52 = 32 + 20 + 4 - 4
  11                       // RESPONSE TO SERVICE ACTION = 11h WRITE USING TOKEN
  02                       // COPY OPERATION STATUS = 02h completed with errors
  00 03                    // OPERATION COUNTER = 3
  FF FF FF FE              // ESTIMATED STATUS UPDATE DELAY: finished
  02                       // EXTENDED COPY COMPLETION STATUS = CHECK CONDITION
  14                       // LENGTH OF THE SENSE DATA FIELD = 20 (18 rounded up to 4)
  12                       // SENSE DATA LENGTH = 18
  F1                       // TRANSFER COUNT UNITS = destination blocks
  00 00 00 00 00 00 01 00  // TRANSFER COUNT = 256 blocks written in order
  00 00                    // SEGMENTS PROCESSED = 0
  00 00 00 00 00 00        // reserved
)"), kWriteErrorFixed, hex(R"(
  00 00                    // pad to the 20-byte SENSE DATA field
  00 00 00 00              // ROD TOKEN DESCRIPTORS LENGTH = 0 (not completed without errors)
)")});

const RodTokenInformation kFailedWutInfo{
    CopyStatusLid4{xg::scsi::kTpcOutWriteUsingToken, false,
                   CopyOperationStatus::kCompletedWithErrors, 3,
                   xg::scsi::kStatusUpdateDelayCompleted, Status::kCheckCondition,
                   TransferCountUnits::kDestinationBlocks, 256, 0, kWriteErrorFixed},
    {}};

// RCS(LID4) of an EXTENDED COPY(LID4) still running in the foreground.
const Bytes kStatusLid4InProgress = hex(R"(
  00 00 00 1C              // AVAILABLE DATA = 28
  01                       // RESPONSE TO SERVICE ACTION = 01h EXTENDED COPY(LID4)
  11                       // COPY OPERATION STATUS = 11h in progress, foreground
  00 05                    // OPERATION COUNTER = 5
  00 00 01 F4              // ESTIMATED STATUS UPDATE DELAY = 500 ms
  00                       // EXTENDED COPY COMPLETION STATUS (reserved while in progress)
  00                       // LENGTH OF THE SENSE DATA FIELD = 0
  00                       // SENSE DATA LENGTH = 0
  00                       // TRANSFER COUNT UNITS = bytes
  00 00 00 01 00 00 00 00  // TRANSFER COUNT = 4 GiB
  00 02                    // SEGMENTS PROCESSED = 2 (including the one in progress)
  00 00 00 00 00 00        // reserved
)");

// RCS(LID4) of an EXTENDED COPY(LID4) terminated by COPY OPERATION ABORT.
const Bytes kStatusLid4Terminated = hex(R"(
  00 00 00 1C              // AVAILABLE DATA = 28
  01                       // RESPONSE TO SERVICE ACTION = 01h EXTENDED COPY(LID4)
  60                       // COPY OPERATION STATUS = 60h terminated
  00 07                    // OPERATION COUNTER = 7
  FF FF FF FE              // ESTIMATED STATUS UPDATE DELAY: finished
  40                       // EXTENDED COPY COMPLETION STATUS = TASK ABORTED
  00 00                    // no sense data (SPC-4 6.24: SENSE DATA LENGTH 0 for 60h)
  00                       // TRANSFER COUNT UNITS = bytes
  00 00 00 00 00 10 00 00  // TRANSFER COUNT = 1 MiB
  00 01                    // SEGMENTS PROCESSED = 1
  00 00 00 00 00 00        // reserved
)");

}  // namespace

// ---- status helpers ----

TEST_CASE("LID4: ESTIMATED STATUS UPDATE DELAY is FFFFFFFEh once the status is 01h-04h or 60h "
          "(SPC-4 6.24)",
          "[scsi][rcr][lid4]") {
  using S = CopyOperationStatus;
  const auto [status, finished, without_errors] = GENERATE(table<S, bool, bool>({
      {S::kCompleted, true, true},
      {S::kCompletedWithErrors, true, false},
      {S::kCompletedPartialRodTokenUsage, true, true},
      {S::kCompletedWithResidualData, true, true},
      {S::kInProgress, false, false},
      {S::kInProgressForeground, false, false},
      {S::kInProgressBackground, false, false},
      {S::kTerminated, true, false},
  }));
  INFO("status " << int{static_cast<std::uint8_t>(status)});
  CHECK(xg::scsi::is_finished(status) == finished);
  CHECK(xg::scsi::completed_without_errors(status) == without_errors);
  CHECK(xg::scsi::estimated_status_update_delay(status, 500) ==
        (finished ? 0xFFFF'FFFEu : 500u));
}

// ---- 05h RECEIVE COPY STATUS(LID4) ----

TEST_CASE("RCS(LID4): in progress 10h/11h/12h, header only, both ways (SPC-4 6.24 table 248)",
          "[scsi][rcr][lid4]") {
  const auto [code, status] = GENERATE(table<std::uint8_t, CopyOperationStatus>({
      {0x10, CopyOperationStatus::kInProgress},
      {0x11, CopyOperationStatus::kInProgressForeground},
      {0x12, CopyOperationStatus::kInProgressBackground},
  }));
  const Bytes vector = with_byte(kStatusLid4InProgress, 5, code);
  const CopyStatusLid4 expected{xg::scsi::kTpcOutExtendedCopyLid4, false, status, 5, 500,
                                Status::kGood, TransferCountUnits::kBytes, 0x1'0000'0000ULL, 2,
                                {}};
  CHECK(show(xg::scsi::encode_copy_status_lid4(expected)) == show(vector));
  auto decoded = xg::scsi::decode_copy_status_lid4(vector);
  REQUIRE(decoded.has_value());
  CHECK(*decoded == expected);
}

TEST_CASE("RCS(LID4): terminated 60h carries TASK ABORTED 40h, both ways", "[scsi][rcr][lid4]") {
  const CopyStatusLid4 expected{xg::scsi::kTpcOutExtendedCopyLid4,
                                false,
                                CopyOperationStatus::kTerminated,
                                7,
                                xg::scsi::estimated_status_update_delay(
                                    CopyOperationStatus::kTerminated, 500),
                                Status::kTaskAborted,
                                TransferCountUnits::kBytes,
                                1u << 20,
                                1,
                                {}};
  CHECK(show(xg::scsi::encode_copy_status_lid4(expected)) == show(kStatusLid4Terminated));
  auto decoded = xg::scsi::decode_copy_status_lid4(kStatusLid4Terminated);
  REQUIRE(decoded.has_value());
  CHECK(*decoded == expected);
}

TEST_CASE("RCS(LID4): truncation at every byte -> 1A/00 at AVAILABLE DATA",
          "[scsi][rcr][lid4][malformed]") {
  check_every_truncation(kStatusLid4Terminated,
                         [](const Bytes& b) { return xg::scsi::decode_copy_status_lid4(b); });
}

TEST_CASE("RCS(LID4): AVAILABLE DATA below 28 -> 26/00 at 0, reserved COPY OPERATION STATUS "
          "-> 26/00 at byte 5 bit 6, reserved units -> 26/00 at byte 15",
          "[scsi][rcr][lid4][malformed]") {
  check_error(xg::scsi::decode_copy_status_lid4(with_byte(kStatusLid4Terminated, 3, 27)),
              invalid_at(0));
  for (std::uint8_t status : {0x00, 0x05, 0x13, 0x61, 0x7F}) {
    INFO("byte 5 = " << int{status});
    check_error(xg::scsi::decode_copy_status_lid4(with_byte(kStatusLid4Terminated, 5, status)),
                invalid_at(5, 6));
  }
  for (std::uint8_t units : {0x07, 0xF0, 0xF2}) {
    INFO("byte 15 = " << int{units});
    check_error(xg::scsi::decode_copy_status_lid4(with_byte(kStatusLid4Terminated, 15, units)),
                invalid_at(15));
  }
}

// ---- 07h RECEIVE ROD TOKEN INFORMATION ----

TEST_CASE("RRTI after a Windows POPULATE TOKEN: token at byte 38, lengths 0202h, units F1h, "
          "segments 0, both ways (SPC-4 6.26)",
          "[scsi][rcr][rrti]") {
  const Bytes bytes = xg::scsi::encode_rod_token_information(kPopulateTokenInfo);
  CHECK(show(bytes) == show(kRrtiAfterPopulateToken));
  REQUIRE(bytes.size() == 550u);
  CHECK(ddpt_token_offset(bytes) == 38u);
  CHECK(Bytes(bytes.begin() + 38, bytes.end()) == token_bytes());

  auto decoded = xg::scsi::decode_rod_token_information(kRrtiAfterPopulateToken);
  REQUIRE(decoded.has_value());
  CHECK(*decoded == kPopulateTokenInfo);
}

TEST_CASE("RRTI: ddpt's 'token at 32 + byte 13 + 6' holds with 18 bytes of sense (byte 13 = "
          "14h)",
          "[scsi][rcr][rrti]") {
  RodTokenInformation info = kPopulateTokenInfo;
  info.status.copy_operation_status = CopyOperationStatus::kCompletedPartialRodTokenUsage;
  info.status.extended_copy_completion_status = Status::kCheckCondition;
  info.status.sense_data = xg::scsi::encode_fixed(Sense::copy_aborted(0, 0x0D, 0x04));
  REQUIRE(info.status.sense_data.size() == 18u);

  const Bytes bytes = xg::scsi::encode_rod_token_information(info);
  REQUIRE(bytes.size() == 550u + 20u);
  CHECK(bytes[13] == 0x14);
  CHECK(bytes[14] == 0x12);
  CHECK(show(Bytes(bytes.begin() + 32, bytes.begin() + 50)) == show(info.status.sense_data));
  CHECK(show(Bytes(bytes.begin() + 50, bytes.begin() + 58)) == show(hex("0000 00000202 0000")));
  CHECK(ddpt_token_offset(bytes) == 58u);
  CHECK(Bytes(bytes.begin() + 58, bytes.end()) == token_bytes());

  auto decoded = xg::scsi::decode_rod_token_information(bytes);
  REQUIRE(decoded.has_value());
  CHECK(*decoded == info);
}

TEST_CASE("RRTI after a failed WRITE USING TOKEN: 18-byte sense, byte 13 = 14h, no descriptors, "
          "both ways",
          "[scsi][rcr][rrti]") {
  CHECK(show(xg::scsi::encode_fixed(Sense::medium_error(0x0C, 0x00))) == show(kWriteErrorFixed));
  CHECK(show(xg::scsi::encode_rod_token_information(kFailedWutInfo)) ==
        show(kRrtiAfterFailedWut));
  auto decoded = xg::scsi::decode_rod_token_information(kRrtiAfterFailedWut);
  REQUIRE(decoded.has_value());
  CHECK(*decoded == kFailedWutInfo);
}

TEST_CASE("RRTI: a SENSE DATA field longer than needed is accepted, the encoder re-pads to the "
          "next multiple of 4",
          "[scsi][rcr][rrti]") {
  // Byte 13 = 18h (24) for 18 bytes of sense: legal (SPC-4 6.24: pad bytes allowed).
  Bytes wide = with_byte(with_byte(kRrtiAfterFailedWut, 3, 0x38), 13, 0x18);
  wide.insert(wide.begin() + 52, {0, 0, 0, 0});
  auto decoded = xg::scsi::decode_rod_token_information(wide);
  REQUIRE(decoded.has_value());
  CHECK(*decoded == kFailedWutInfo);
  CHECK(show(xg::scsi::encode_rod_token_information(*decoded)) == show(kRrtiAfterFailedWut));
}

TEST_CASE("RRTI: truncation at every byte -> 1A/00 at AVAILABLE DATA",
          "[scsi][rcr][rrti][malformed]") {
  const auto decode = [](const Bytes& b) { return xg::scsi::decode_rod_token_information(b); };
  check_every_truncation(kRrtiAfterFailedWut, decode);
  check_every_truncation(kRrtiAfterPopulateToken, decode);
}

TEST_CASE("RRTI: byte 13 not a multiple of 4 -> 26/00 at 13, byte 14 above byte 13 -> 26/00 "
          "at 14 (Windows asserts 13 >= 14)",
          "[scsi][rcr][rrti][malformed]") {
  for (std::uint8_t field : {0x12, 0x13, 0x15, 0x01}) {
    INFO("byte 13 = " << int{field});
    check_error(xg::scsi::decode_rod_token_information(with_byte(kRrtiAfterFailedWut, 13, field)),
                invalid_at(13));
  }
  check_error(xg::scsi::decode_rod_token_information(with_byte(kRrtiAfterFailedWut, 13, 0x10)),
              invalid_at(14));
  check_error(xg::scsi::decode_rod_token_information(with_byte(kRrtiAfterFailedWut, 14, 0x15)),
              invalid_at(14));
  check_error(xg::scsi::decode_rod_token_information(with_byte(kRrtiAfterPopulateToken, 14, 0x01)),
              invalid_at(14));
}

TEST_CASE("RRTI: SENSE DATA field past AVAILABLE DATA -> 1A/00 at byte 13, no room for the "
          "descriptors length -> 26/00 at byte 0",
          "[scsi][rcr][rrti][malformed]") {
  // 28 + 28 > 52: the field itself overruns.
  check_error(xg::scsi::decode_rod_token_information(with_byte(kRrtiAfterFailedWut, 13, 0x1C)),
              length_error_at(13));
  // 28 + 24 = 52: the field fits but the 4-byte ROD TOKEN DESCRIPTORS LENGTH does not.
  check_error(xg::scsi::decode_rod_token_information(with_byte(kRrtiAfterFailedWut, 13, 0x18)),
              invalid_at(0));
  // AVAILABLE DATA 28 with no sense: only RCS(LID4)'s header, no list length.
  check_error(xg::scsi::decode_rod_token_information(kStatusLid4Terminated), invalid_at(0));
  const Bytes short_available = with_byte(with_byte(kRrtiAfterPopulateToken, 2, 0x00), 3, 0x1F);
  check_error(xg::scsi::decode_rod_token_information(short_available), invalid_at(0));
}

TEST_CASE("RRTI: ROD TOKEN DESCRIPTORS LENGTH past the data -> 1A/00 at byte 32, not whole "
          "514-byte descriptors -> 26/00 at byte 32",
          "[scsi][rcr][rrti][malformed]") {
  check_error(xg::scsi::decode_rod_token_information(with_byte(kRrtiAfterPopulateToken, 35, 0x03)),
              length_error_at(32));
  check_error(xg::scsi::decode_rod_token_information(with_byte(kRrtiAfterPopulateToken, 34, 0x12)),
              length_error_at(32));
  check_error(xg::scsi::decode_rod_token_information(with_byte(kRrtiAfterPopulateToken, 35, 0x01)),
              invalid_at(32));
}

TEST_CASE("LID4: sense beyond 252 bytes is cut so byte 13 stays a multiple of 4 (FCh)",
          "[scsi][rcr][lid4]") {
  CopyStatusLid4 status;
  status.copy_operation_status = CopyOperationStatus::kCompletedWithErrors;
  status.sense_data.assign(300, 0xAB);
  const Bytes bytes = xg::scsi::encode_copy_status_lid4(status);
  REQUIRE(bytes.size() == 32u + 252u);
  CHECK(bytes[13] == 0xFC);
  CHECK(bytes[14] == 0xFC);
  auto decoded = xg::scsi::decode_copy_status_lid4(bytes);
  REQUIRE(decoded.has_value());
  CHECK(decoded->sense_data == Bytes(252, 0xAB));
}

// ---- 06h RECEIVE COPY DATA(LID4) ----

TEST_CASE("RCD(LID4): HELD DATA LENGTH follows the sense field, both ways (SPC-4 6.20)",
          "[scsi][rcr][lid4]") {
  CopyDataLid4 data;
  data.status = CopyStatusLid4{xg::scsi::kTpcOutExtendedCopyLid4, true,
                               CopyOperationStatus::kCompleted, 1,
                               xg::scsi::kStatusUpdateDelayCompleted, Status::kGood,
                               TransferCountUnits::kBytes, 512, 1, hex("70 00 00 00 00 00 00 00")};
  data.held_data = hex("01 02 03");
  const Bytes vector = hex(R"(
    00 00 00 2B              // AVAILABLE DATA = 43 = 47 - 4
    01                       // RESPONSE TO SERVICE ACTION = EXTENDED COPY(LID4)
    81                       // HDD=1, COPY OPERATION STATUS = 01h
    00 01                    // OPERATION COUNTER
    FF FF FF FE              // ESTIMATED STATUS UPDATE DELAY: finished
    00                       // EXTENDED COPY COMPLETION STATUS = GOOD
    08                       // LENGTH OF THE SENSE DATA FIELD = 8
    08                       // SENSE DATA LENGTH = 8
    00                       // TRANSFER COUNT UNITS = bytes
    00 00 00 00 00 00 02 00  // TRANSFER COUNT = 512
    00 01                    // SEGMENTS PROCESSED = 1
    00 00 00 00 00 00        // reserved
    70 00 00 00 00 00 00 00  // SENSE DATA
    00 00 00 03              // HELD DATA LENGTH = 3
    01 02 03                 // HELD DATA
  )");
  CHECK(show(xg::scsi::encode_copy_data_lid4(data)) == show(vector));
  auto decoded = xg::scsi::decode_copy_data_lid4(vector);
  REQUIRE(decoded.has_value());
  CHECK(*decoded == data);

  check_every_truncation(vector, [](const Bytes& b) { return xg::scsi::decode_copy_data_lid4(b); });
  check_error(xg::scsi::decode_copy_data_lid4(with_byte(vector, 43, 0x04)), length_error_at(40));
  check_error(xg::scsi::decode_copy_data_lid4(with_byte(vector, 13, 0x0A)), invalid_at(13));
}

// ---- 08h REPORT ALL ROD TOKENS ----

TEST_CASE("RART: AVAILABLE DATA, 4 reserved bytes, then 96-byte ROD management tokens "
          "(SPC-4 6.27, FreeBSD CTL's size)",
          "[scsi][rcr][rart]") {
  xg::scsi::ReportAllRodTokens report;
  report.rod_management_tokens.resize(2);
  report.rod_management_tokens[0].fill(0x11);
  report.rod_management_tokens[1].fill(0x22);
  const Bytes vector = concat({hex(R"(
    00 00 00 C4  // AVAILABLE DATA = 196 = 4 + 2 * 96
    00 00 00 00  // reserved
  )"), Bytes(96, 0x11), Bytes(96, 0x22)});
  CHECK(show(xg::scsi::encode_report_all_rod_tokens(report)) == show(vector));
  auto decoded = xg::scsi::decode_report_all_rod_tokens(vector);
  REQUIRE(decoded.has_value());
  CHECK(*decoded == report);

  CHECK(show(xg::scsi::encode_report_all_rod_tokens({})) == show(hex("00000004 00000000")));
  check_every_truncation(vector,
                         [](const Bytes& b) { return xg::scsi::decode_report_all_rod_tokens(b); });
  check_error(xg::scsi::decode_report_all_rod_tokens(hex("00000003 000000")), invalid_at(0));
  check_error(xg::scsi::decode_report_all_rod_tokens(with_byte(vector, 3, 0xC3)), invalid_at(0));
}
