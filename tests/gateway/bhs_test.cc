// RFC 7143 11.2-11.19: the 48-byte BHS of every opcode and the AHS, both directions, plus
// malformed headers with the exact Reject reason and field offset.
#include "gateway/iscsi/bhs.h"

#include <string>

#include "tests/support/catch.h"
#include "tests/support/vectors.h"

using namespace xg::iscsi;
using xg::test::Bytes;
using xg::test::hex;
using xg::test::show;
using xg::test::truncated;
using xg::test::with_byte;

namespace {

Bytes to_bytes(const std::array<std::uint8_t, kBhsLength>& a) { return {a.begin(), a.end()}; }

// Decode the vector and compare the struct; encode the struct and compare the bytes.
void check_both_ways(const Bytes& wire, const Bhs& expected) {
  REQUIRE(wire.size() == kBhsLength);
  const auto decoded = decode_bhs(wire);
  if (!decoded) FAIL("decode failed: " << decoded.error().why);
  CHECK(*decoded == expected);
  CHECK(show(to_bytes(encode_bhs(expected))) == show(wire));
}

PduError decode_error(const Bytes& wire) {
  const auto decoded = decode_bhs(wire);
  REQUIRE_FALSE(decoded.has_value());
  return decoded.error();
}

PduError protocol_error(PduErrorCode code, std::size_t at) {
  return PduError::protocol_error(code, at);
}

}  // namespace

// ---- Initiator opcodes -----------------------------------------------------------------

// Linux open-iscsi's first Login Request when no authentication is configured: it asks
// to go straight from operational negotiation to full feature phase.
const Bytes kOpenIscsiLogin = hex(R"(
  43                       // b6 I=1 (always for Login), opcode 03h Login Request
  87                       // T=1 C=0, CSG=01b operational, NSG=11b full feature phase
  00                       // Version-max 0
  00                       // Version-min 0
  00                       // TotalAHSLength 0
  00 00 E7                 // DataSegmentLength 231 (the key=value text)
  00 02 3D 00 00 01        // ISID: T=00b OUI format, OUI 00023Dh (open-iscsi), qualifier 1
  00 00                    // TSIH 0: a new session
  00 00 00 00              // Initiator Task Tag
  00 00                    // CID 0
  00 00                    // reserved
  00 00 00 01              // CmdSN 1
  00 00 00 00              // ExpStatSN 0
  00 00 00 00 00 00 00 00  // reserved (bytes 32-47)
  00 00 00 00 00 00 00 00
)");

TEST_CASE("BHS 11.12: open-iscsi Login Request, T=1 CSG=1 NSG=3, both directions",
          "[gateway][bhs][login]") {
  LoginRequest login{.immediate = true,
                     .transit = true,
                     .continue_ = false,
                     .csg = LoginStage::kLoginOperationalNegotiation,
                     .nsg = LoginStage::kFullFeaturePhase,
                     .version_max = 0,
                     .version_min = 0,
                     .isid = {0x00, 0x02, 0x3D, 0x00, 0x00, 0x01},
                     .tsih = 0,
                     .cid = 0,
                     .cmd_sn = 1,
                     .exp_stat_sn = 0};
  check_both_ways(kOpenIscsiLogin, Bhs{0, 231, 0, login});
  CHECK(opcode_of(Bhs{0, 231, 0, login}) == Opcode::kLoginRequest);
}

// libiscsi's iscsi_extended_copy_task() with ImmediateData=Yes: the 108-byte LID1
// parameter list travels in the command PDU itself.
const Bytes kXcopyCommand = hex(R"(
  01                       // I=0, opcode 01h SCSI Command
  A1                       // F=1 R=0 W=1, ATTR=001b simple
  00 00                    // reserved
  00                       // TotalAHSLength 0: the CDB fits in the BHS
  00 00 6C                 // DataSegmentLength 108: immediate data
  00 00 00 00 00 00 00 00  // LUN 0
  00 00 00 05              // Initiator Task Tag 5
  00 00 00 6C              // Expected Data Transfer Length 108
  00 00 00 05              // CmdSN 5
  00 00 00 04              // ExpStatSN 4
  83 00                    // CDB: EXTENDED COPY(LID1), service action 00h
  00 00 00 00 00 00 00 00  //      reserved
  00 00 00 6C              //      PARAMETER LIST LENGTH 108
  00 00                    //      reserved, CONTROL
)");

ScsiCommand xcopy_command() {
  ScsiCommand c{.immediate = false,
                .final = true,
                .read = false,
                .write = true,
                .attr = TaskAttribute::kSimple,
                .logical_unit_number = 0,
                .expected_data_transfer_length = 108,
                .cmd_sn = 5,
                .exp_stat_sn = 4,
                .cdb = {}};
  c.cdb[0] = 0x83;
  c.cdb[13] = 0x6C;
  return c;
}

TEST_CASE("BHS 11.3: libiscsi SCSI Command carrying EXTENDED COPY with immediate data",
          "[gateway][bhs][scsi-command]") {
  check_both_ways(kXcopyCommand, Bhs{0, 108, 5, xcopy_command()});
}

TEST_CASE("BHS 11.18: NOP-Out ping, immediate, TTT FFFFFFFFh", "[gateway][bhs][nop]") {
  const Bytes wire = hex(R"(
    40                       // I=1, opcode 00h NOP-Out
    80                       // b7 = 1
    00 00                    // reserved
    00 000000                // TotalAHSLength 0, DataSegmentLength 0
    00 00 00 00 00 00 00 00  // LUN
    00 00 00 11              // Initiator Task Tag 17
    FF FF FF FF              // Target Transfer Tag: not answering a NOP-In
    00 00 00 09              // CmdSN 9
    00 00 00 08              // ExpStatSN 8
    00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00  // reserved
  )");
  check_both_ways(wire, Bhs{0, 0, 17, NopOut{true, 0, kReservedTag, 9, 8}});
}

TEST_CASE("BHS 11.5: Task Management Function Request ABORT TASK", "[gateway][bhs][tmf]") {
  const Bytes wire = hex(R"(
    42                       // I=1, opcode 02h
    81                       // b7 = 1, Function 1 ABORT TASK
    00 00                    // reserved
    00 000000                // TotalAHSLength 0, DataSegmentLength 0
    00 01 00 00 00 00 00 00  // LUN 1
    00 00 00 20              // Initiator Task Tag 32
    00 00 00 05              // Referenced Task Tag 5
    00 00 00 0C              // CmdSN 12
    00 00 00 0B              // ExpStatSN 11
    00 00 00 05              // RefCmdSN 5
    00 00 00 00              // ExpDataSN 0
    00 00 00 00 00 00 00 00  // reserved
  )");
  check_both_ways(wire, Bhs{0, 0, 32,
                            TaskManagementRequest{true, 1, 0x0001000000000000ULL, 5, 12, 11, 5, 0}});
}

TEST_CASE("BHS 11.10: Text Request SendTargets=All (discovery)", "[gateway][bhs][text]") {
  const Bytes wire = hex(R"(
    04                       // I=0, opcode 04h
    80                       // F=1 C=0
    00 00                    // reserved
    00 000010                // TotalAHSLength 0, DataSegmentLength 16 "SendTargets=All\0"
    00 00 00 00 00 00 00 00  // LUN (reserved)
    00 00 00 01              // Initiator Task Tag 1
    FF FF FF FF              // Target Transfer Tag: a new request
    00 00 00 01              // CmdSN 1
    00 00 00 01              // ExpStatSN 1
    00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00  // reserved
  )");
  check_both_ways(wire, Bhs{0, 16, 1, TextRequest{false, true, false, 0, kReservedTag, 1, 1}});
}

TEST_CASE("BHS 11.7: SCSI Data-Out answering an R2T", "[gateway][bhs][data-out]") {
  const Bytes wire = hex(R"(
    05                       // opcode 05h (no I bit)
    80                       // F=1
    00 00                    // reserved
    00 001000                // TotalAHSLength 0, DataSegmentLength 4096
    00 01 00 00 00 00 00 00  // LUN 1
    00 00 00 09              // Initiator Task Tag 9
    00 00 10 01              // Target Transfer Tag from the R2T
    00 00 00 00              // reserved
    00 00 00 07              // ExpStatSN 7
    00 00 00 00              // reserved
    00 00 00 02              // DataSN 2
    00 01 20 00              // Buffer Offset 73728
    00 00 00 00              // reserved
  )");
  check_both_ways(wire, Bhs{0, 4096, 9,
                            ScsiDataOut{true, 0x0001000000000000ULL, 0x1001, 7, 2, 0x12000}});
}

TEST_CASE("BHS 11.14: Logout Request closing the session", "[gateway][bhs][logout]") {
  const Bytes wire = hex(R"(
    46                       // I=1, opcode 06h
    80                       // b7 = 1, Reason Code 0 close the session
    00 00                    // reserved
    00 000000                // TotalAHSLength 0, DataSegmentLength 0
    00 00 00 00 00 00 00 00  // reserved
    00 00 00 30              // Initiator Task Tag 48
    00 00                    // CID 0
    00 00                    // reserved
    00 00 00 40              // CmdSN 64
    00 00 00 3F              // ExpStatSN 63
    00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00  // reserved
  )");
  check_both_ways(wire, Bhs{0, 0, 48, LogoutRequest{true, LogoutReason::kCloseSession, 0, 64, 63}});
}

TEST_CASE("BHS 11.16: SNACK Request for Data-In DataSN 3..4", "[gateway][bhs][snack]") {
  const Bytes wire = hex(R"(
    10                       // opcode 10h
    80                       // b7 = 1, Type 0 Data/R2T
    00 00                    // reserved
    00 000000                // TotalAHSLength 0, DataSegmentLength 0
    00 00 00 00 00 00 00 00  // LUN
    00 00 00 07              // Initiator Task Tag 7
    FF FF FF FF              // Target Transfer Tag / SNACK Tag
    00 00 00 00              // reserved
    00 00 00 06              // ExpStatSN 6
    00 00 00 00 00 00 00 00  // reserved
    00 00 00 03              // BegRun 3
    00 00 00 02              // RunLength 2
  )");
  check_both_ways(wire, Bhs{0, 0, 7, SnackRequest{SnackType::kDataR2t, 0, kReservedTag, 6, 3, 2}});
}

// ---- Target opcodes --------------------------------------------------------------------

TEST_CASE("BHS 11.19: NOP-In ping from the target, ITT FFFFFFFFh", "[gateway][bhs][nop]") {
  const Bytes wire = hex(R"(
    20                       // opcode 20h
    80                       // b7 = 1
    00 00                    // reserved
    00 000000                // TotalAHSLength 0, DataSegmentLength 0
    00 00 00 00 00 00 00 00  // LUN
    FF FF FF FF              // Initiator Task Tag: target-initiated
    00 00 00 2A              // Target Transfer Tag 42: answer wanted
    00 00 00 10              // StatSN 16
    00 00 00 21              // ExpCmdSN 33
    00 00 00 60              // MaxCmdSN 96
    00 00 00 00 00 00 00 00 00 00 00 00  // reserved
  )");
  check_both_ways(wire, Bhs{0, 0, kReservedTag, NopIn{0, 42, 16, 33, 96}});
}

TEST_CASE("BHS 11.4: SCSI Response CHECK CONDITION with sense data and underflow",
          "[gateway][bhs][scsi-response]") {
  const Bytes wire = hex(R"(
    21                       // opcode 21h
    82                       // b7 = 1, o=0 u=0 O=0 U=1
    00                       // Response 00h command completed at target
    02                       // Status CHECK CONDITION
    00 000014                // TotalAHSLength 0, DataSegmentLength 20 (SenseLength + 18)
    00 00 00 00 00 00 00 00  // reserved
    00 00 00 05              // Initiator Task Tag 5
    00 00 00 00              // SNACK Tag
    00 00 00 04              // StatSN 4
    00 00 00 06              // ExpCmdSN 6
    00 00 00 45              // MaxCmdSN 69
    00 00 00 00              // ExpDataSN
    00 00 00 00              // Bidirectional Read Residual Count
    00 00 00 6C              // Residual Count 108
  )");
  ScsiResponse r{};
  r.residual_underflow = true;
  r.status = 0x02;
  r.stat_sn = 4;
  r.exp_cmd_sn = 6;
  r.max_cmd_sn = 69;
  r.residual_count = 108;
  check_both_ways(wire, Bhs{0, 20, 5, r});
}

TEST_CASE("BHS 11.6: Task Management Function Response, function complete",
          "[gateway][bhs][tmf]") {
  const Bytes wire = hex(R"(
    22 80                    // opcode 22h, b7 = 1
    00                       // Response 0 function complete
    00                       // reserved
    00 000000                // TotalAHSLength 0, DataSegmentLength 0
    00 00 00 00 00 00 00 00  // reserved
    00 00 00 20              // Initiator Task Tag 32
    00 00 00 00              // reserved
    00 00 00 0B              // StatSN 11
    00 00 00 0D              // ExpCmdSN 13
    00 00 00 4C              // MaxCmdSN 76
    00 00 00 00 00 00 00 00 00 00 00 00  // reserved
  )");
  check_both_ways(wire, Bhs{0, 0, 32, TaskManagementResponse{0, 11, 13, 76}});
}

TEST_CASE("BHS 11.13: Login Response moving to full feature phase, Status 0000h",
          "[gateway][bhs][login]") {
  const Bytes wire = hex(R"(
    23                       // opcode 23h
    87                       // T=1 C=0 CSG=01b NSG=11b
    00                       // Version-max 0
    00                       // Version-active 0
    00 0000C4                // TotalAHSLength 0, DataSegmentLength 196
    00 02 3D 00 00 01        // ISID echoed
    00 01                    // TSIH 1: the new session
    00 00 00 00              // Initiator Task Tag
    00 00 00 00              // reserved
    00 00 00 00              // StatSN 0
    00 00 00 01              // ExpCmdSN 1
    00 00 00 40              // MaxCmdSN 64
    00                       // Status-Class 0 success
    00                       // Status-Detail 0
    00 00 00 00 00 00 00 00 00 00  // reserved
  )");
  LoginResponse r{};
  r.transit = true;
  r.csg = LoginStage::kLoginOperationalNegotiation;
  r.nsg = LoginStage::kFullFeaturePhase;
  r.isid = {0x00, 0x02, 0x3D, 0x00, 0x00, 0x01};
  r.tsih = 1;
  r.exp_cmd_sn = 1;
  r.max_cmd_sn = 64;
  check_both_ways(wire, Bhs{0, 196, 0, r});

  // A refusal: Status-Class 02h initiator error, Status-Detail 01h authentication failure.
  LoginResponse refused = r;
  refused.transit = false;
  refused.nsg = LoginStage::kSecurityNegotiation;  // reserved with T=0, decodes as 0
  refused.status_class = 0x02;
  refused.status_detail = 0x01;
  Bytes refused_wire = with_byte(with_byte(with_byte(wire, 1, 0x04), 36, 0x02), 37, 0x01);
  check_both_ways(refused_wire, Bhs{0, 196, 0, refused});
}

TEST_CASE("BHS 11.11: Text Response with a continuation (C=1, F=0)", "[gateway][bhs][text]") {
  const Bytes wire = hex(R"(
    24                       // opcode 24h
    40                       // F=0 C=1: more text follows
    00 00                    // reserved
    00 002000                // TotalAHSLength 0, DataSegmentLength 8192
    00 00 00 00 00 00 00 00  // LUN (reserved)
    00 00 00 01              // Initiator Task Tag 1
    00 00 00 77              // Target Transfer Tag 119: continue with this tag
    00 00 00 01              // StatSN 1
    00 00 00 02              // ExpCmdSN 2
    00 00 00 02              // MaxCmdSN 2
    00 00 00 00 00 00 00 00 00 00 00 00  // reserved
  )");
  check_both_ways(wire, Bhs{0, 8192, 1, TextResponse{false, true, 0, 0x77, 1, 2, 2}});
}

// LIO answering a READ(10) of 1024 bytes with 512: data and GOOD status in one PDU.
const Bytes kDataInWithStatus = hex(R"(
  25                       // opcode 25h
  83                       // F=1 A=0, O=0 U=1, S=1: status collapsed into this PDU
  00                       // reserved
  00                       // Status GOOD (valid because S=1)
  00 000200                // TotalAHSLength 0, DataSegmentLength 512
  00 00 00 00 00 00 00 00  // LUN
  00 00 00 07              // Initiator Task Tag 7
  FF FF FF FF              // Target Transfer Tag (A=0)
  00 00 00 06              // StatSN 6 (valid because S=1)
  00 00 00 08              // ExpCmdSN 8
  00 00 00 47              // MaxCmdSN 71
  00 00 00 00              // DataSN 0
  00 00 00 00              // Buffer Offset 0
  00 00 02 00              // Residual Count 512
)");

TEST_CASE("BHS 11.7: Data-In with phase-collapsed status (S bit) and underflow",
          "[gateway][bhs][data-in]") {
  ScsiDataIn d{};
  d.final = true;
  d.residual_underflow = true;
  d.status_present = true;
  d.status = 0x00;
  d.stat_sn = 6;
  d.exp_cmd_sn = 8;
  d.max_cmd_sn = 71;
  d.residual_count = 512;
  check_both_ways(kDataInWithStatus, Bhs{0, 512, 7, d});
}

TEST_CASE("BHS 11.7.4: Data-In without S ignores the reserved Status and StatSN",
          "[gateway][bhs][data-in]") {
  Bytes wire = with_byte(kDataInWithStatus, 1, 0x80);  // F=1 only
  wire = with_byte(wire, 3, 0x02);                      // reserved Status byte set
  const auto decoded = decode_bhs(wire);
  REQUIRE(decoded.has_value());
  const auto& d = std::get<ScsiDataIn>(decoded->fields);
  CHECK_FALSE(d.status_present);
  CHECK(d.status == 0);
  CHECK(d.stat_sn == 0);
  // Re-encoded, the reserved fields go out as zero.
  const Bytes again = to_bytes(encode_bhs(*decoded));
  CHECK(again[3] == 0x00);
  CHECK(show(Bytes(again.begin() + 24, again.begin() + 28)) == "00 00 00 00");
}

TEST_CASE("BHS 11.15: Logout Response with Time2Wait and Time2Retain",
          "[gateway][bhs][logout]") {
  const Bytes wire = hex(R"(
    26 80                    // opcode 26h, b7 = 1
    00                       // Response 0 closed successfully
    00                       // reserved
    00 000000                // TotalAHSLength 0, DataSegmentLength 0
    00 00 00 00 00 00 00 00  // reserved
    00 00 00 30              // Initiator Task Tag 48
    00 00 00 00              // reserved
    00 00 00 3F              // StatSN 63
    00 00 00 41              // ExpCmdSN 65
    00 00 00 80              // MaxCmdSN 128
    00 00 00 00              // reserved
    00 02                    // Time2Wait 2
    00 14                    // Time2Retain 20
    00 00 00 00              // reserved
  )");
  check_both_ways(wire, Bhs{0, 0, 48, LogoutResponse{0, 63, 65, 128, 2, 20}});
}

TEST_CASE("BHS 11.8: R2T for the data past FirstBurstLength", "[gateway][bhs][r2t]") {
  const Bytes wire = hex(R"(
    31 80                    // opcode 31h, b7 = 1
    00 00                    // reserved
    00 000000                // TotalAHSLength 0, DataSegmentLength 0
    00 01 00 00 00 00 00 00  // LUN 1
    00 00 00 09              // Initiator Task Tag 9
    00 00 10 01              // Target Transfer Tag
    00 00 00 07              // StatSN 7
    00 00 00 0A              // ExpCmdSN 10
    00 00 00 49              // MaxCmdSN 73
    00 00 00 00              // R2TSN 0
    00 01 00 00              // Buffer Offset 65536
    00 04 00 00              // Desired Data Transfer Length 262144
  )");
  check_both_ways(wire, Bhs{0, 0, 9,
                            ReadyToTransfer{0x0001000000000000ULL, 0x1001, 7, 10, 73, 0,
                                            0x10000, 0x40000}});
}

TEST_CASE("BHS 11.9: Asynchronous Message, target requests logout",
          "[gateway][bhs][async]") {
  const Bytes wire = hex(R"(
    32 80                    // opcode 32h, b7 = 1
    00 00                    // reserved
    00 000000                // TotalAHSLength 0, DataSegmentLength 0
    00 00 00 00 00 00 00 00  // LUN
    FF FF FF FF              // Initiator Task Tag: always FFFFFFFFh
    00 00 00 00              // reserved
    00 00 00 12              // StatSN 18
    00 00 00 20              // ExpCmdSN 32
    00 00 00 5F              // MaxCmdSN 95
    01                       // AsyncEvent 1: logout requested
    00                       // AsyncVCode
    00 00                    // Parameter1
    00 00                    // Parameter2
    00 1E                    // Parameter3: 30 seconds left to log out
    00 00 00 00              // reserved
  )");
  check_both_ways(wire, Bhs{0, 0, kReservedTag, AsyncMessage{0, 18, 32, 95, 1, 0, 0, 0, 30}});
}

TEST_CASE("BHS 11.17: Reject with reason 04h, the rejected header in its data segment",
          "[gateway][bhs][reject]") {
  const Bytes wire = hex(R"(
    3F 80                    // opcode 3Fh, b7 = 1
    04                       // Reason 04h protocol error
    00                       // reserved
    00 000030                // TotalAHSLength 0, DataSegmentLength 48: the rejected BHS
    00 00 00 00 00 00 00 00  // reserved
    FF FF FF FF              // Initiator Task Tag: always FFFFFFFFh
    00 00 00 00              // reserved
    00 00 00 05              // StatSN 5
    00 00 00 06              // ExpCmdSN 6
    00 00 00 45              // MaxCmdSN 69
    00 00 00 00              // DataSN/R2TSN
    00 00 00 00 00 00 00 00  // reserved
  )");
  check_both_ways(wire, Bhs{0, 48, kReservedTag, Reject{0x04, 5, 6, 69, 0}});
}

// ---- Malformed headers -----------------------------------------------------------------

TEST_CASE("BHS 11.2.1: every truncation below 48 bytes -> kTruncatedHeader, drop",
          "[gateway][bhs][malformed]") {
  for (std::size_t n = 0; n < kBhsLength; ++n) {
    INFO("size " << n);
    CHECK(decode_error(truncated(kXcopyCommand, n)) ==
          PduError::drop(PduErrorCode::kTruncatedHeader, n));
  }
  // Bytes past the BHS (AHS, data) are not the decoder's business.
  Bytes longer = kXcopyCommand;
  longer.push_back(0xAA);
  CHECK(decode_bhs(longer).has_value());
}

TEST_CASE("BHS 11.2.1.2: reserved and vendor-specific opcodes -> Reject 04h at byte 0",
          "[gateway][bhs][malformed]") {
  for (std::uint8_t op : {0x07, 0x0F, 0x11, 0x1C, 0x1E, 0x1F, 0x27, 0x30, 0x3C, 0x3E}) {
    INFO("opcode " << int{op});
    CHECK(decode_error(with_byte(kXcopyCommand, 0, op)) ==
          protocol_error(PduErrorCode::kReservedOpcode, 0));
    CHECK(opcode_name(op) == "reserved");
  }
}

TEST_CASE("BHS 11.2.1.1: I bit on any target opcode -> Reject 04h at byte 0",
          "[gateway][bhs][malformed]") {
  for (std::uint8_t op : {0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x31, 0x32, 0x3F}) {
    INFO("opcode " << int{op});
    Bytes wire = with_byte(kDataInWithStatus, 0, op);
    wire[1] = 0x80;  // flags every target opcode accepts
    REQUIRE(decode_bhs(wire).has_value());
    CHECK(decode_error(with_byte(wire, 0, static_cast<std::uint8_t>(op | 0x40))) ==
          protocol_error(PduErrorCode::kImmediateOnResponse, 0));
  }
}

TEST_CASE("BHS 11: reserved bits and bytes are ignored on receipt", "[gateway][bhs]") {
  Bytes wire = with_byte(kXcopyCommand, 0, 0x81);  // byte 0 b7 reserved
  wire = with_byte(wire, 1, 0xB9);                 // byte 1 b4:3 reserved
  wire = with_byte(wire, 2, 0xFF);                 // bytes 2-3 reserved
  wire = with_byte(wire, 3, 0xFF);
  const auto decoded = decode_bhs(wire);
  REQUIRE(decoded.has_value());
  CHECK(*decoded == Bhs{0, 108, 5, xcopy_command()});
}

TEST_CASE("BHS 11.3.1.2: SCSI Command ATTR 5..7 reserved -> Reject 04h at byte 1",
          "[gateway][bhs][malformed]") {
  for (std::uint8_t attr = 5; attr < 8; ++attr)
    CHECK(decode_error(with_byte(kXcopyCommand, 1, static_cast<std::uint8_t>(0xA0 | attr))) ==
          protocol_error(PduErrorCode::kReservedValue, 1));
  CHECK(decode_bhs(with_byte(kXcopyCommand, 1, 0xA4)).has_value());  // 4 = ACA
}

TEST_CASE("BHS 11.2.1.8: ITT FFFFFFFFh on a SCSI Command -> Reject 09h at byte 16",
          "[gateway][bhs][malformed]") {
  Bytes wire = kXcopyCommand;
  for (std::size_t i = 16; i < 20; ++i) wire[i] = 0xFF;
  const PduError error = decode_error(wire);
  CHECK(error == PduError::invalid_pdu_field(PduErrorCode::kReservedTaskTag, 16));
  CHECK(error.reject == RejectReason::kInvalidPduField);
}

TEST_CASE("BHS 11.4/11.7: contradictory residual and status flags -> Reject 04h at byte 1",
          "[gateway][bhs][malformed]") {
  // SCSI Response: O with U, o with u.
  Bytes response = with_byte(kDataInWithStatus, 0, 0x21);
  CHECK(decode_error(with_byte(response, 1, 0x86)) ==
        protocol_error(PduErrorCode::kInconsistentFlags, 1));
  CHECK(decode_error(with_byte(response, 1, 0x98)) ==
        protocol_error(PduErrorCode::kInconsistentFlags, 1));
  CHECK(decode_bhs(with_byte(response, 1, 0x92)).has_value());  // o with U is fine
  // Data-In: S without F; O with U.
  CHECK(decode_error(with_byte(kDataInWithStatus, 1, 0x01)) ==
        protocol_error(PduErrorCode::kInconsistentFlags, 1));
  CHECK(decode_error(with_byte(kDataInWithStatus, 1, 0x87)) ==
        protocol_error(PduErrorCode::kInconsistentFlags, 1));
}

TEST_CASE("BHS 11.12: Login with T and C, or stage 2 -> Reject 04h at byte 1",
          "[gateway][bhs][malformed][login]") {
  CHECK(decode_error(with_byte(kOpenIscsiLogin, 1, 0xC7)) ==
        protocol_error(PduErrorCode::kInconsistentFlags, 1));
  CHECK(decode_error(with_byte(kOpenIscsiLogin, 1, 0x8B)) ==  // CSG 2
        protocol_error(PduErrorCode::kReservedValue, 1));
  CHECK(decode_error(with_byte(kOpenIscsiLogin, 1, 0x86)) ==  // T=1, NSG 2
        protocol_error(PduErrorCode::kReservedValue, 1));
  // With T=0 NSG is reserved: ignored, even the reserved stage value.
  const auto lenient = decode_bhs(with_byte(kOpenIscsiLogin, 1, 0x06));
  REQUIRE(lenient.has_value());
  CHECK(std::get<LoginRequest>(lenient->fields).nsg == LoginStage::kSecurityNegotiation);
}

TEST_CASE("BHS 11.14.1/11.16.1: reserved logout reason and SNACK type -> Reject 04h at byte 1",
          "[gateway][bhs][malformed]") {
  Bytes logout = with_byte(kOpenIscsiLogin, 0, 0x46);
  logout[1] = 0x83;
  CHECK(decode_error(logout) == protocol_error(PduErrorCode::kReservedValue, 1));
  Bytes snack = with_byte(kOpenIscsiLogin, 0, 0x10);
  snack[1] = 0x84;
  CHECK(decode_error(snack) == protocol_error(PduErrorCode::kReservedValue, 1));
}

TEST_CASE("BHS 11.2.1.6: DataSegmentLength is 24 bits, the encoder masks wider values",
          "[gateway][bhs]") {
  const Bhs bhs{0, 0x01FFFFFF, 5, xcopy_command()};
  const Bytes wire = to_bytes(encode_bhs(bhs));
  CHECK(show(Bytes(wire.begin() + 4, wire.begin() + 8)) == "00 FF FF FF");
}

// ---- AHS -------------------------------------------------------------------------------

TEST_CASE("AHS 11.2.2.3/11.2.2.4: Extended CDB for a 32-byte CDB plus bidirectional length",
          "[gateway][bhs][ahs]") {
  const Bytes wire = hex(R"(
    00 11                    // AHSLength 17 = 32-byte CDB - 15
    01                       // AHSType 1 Extended CDB
    00                       // reserved
    00 00 00 00 00 00 00 08  // CDB bytes 16-31
    00 00 00 00 00 00 00 10
    00 05                    // AHSLength 5
    02                       // AHSType 2 Bidirectional Read Expected Data Transfer Length
    00                       // reserved
    00 00 10 00              // 4096
  )");
  Ahs expected;
  expected.extended_cdb = hex("00 00 00 00 00 00 00 08 00 00 00 00 00 00 00 10");
  expected.bidirectional_read_expected_data_transfer_length = 4096;
  const auto decoded = decode_ahs(wire);
  if (!decoded) FAIL(decoded.error().why);
  CHECK(*decoded == expected);
  xg::base::ByteWriter w;
  encode_ahs(expected, w);
  CHECK(show(w.data()) == show(wire));
  CHECK(encoded_ahs_length(expected) == wire.size());

  ScsiCommand command = xcopy_command();
  command.cdb[0] = 0x7F;  // variable-length CDB
  const auto cdb = full_cdb(command, expected);
  REQUIRE(cdb.size() == 32);
  CHECK(cdb[0] == 0x7F);
  CHECK(cdb[31] == 0x10);
}

TEST_CASE("AHS 11.2.2.3: an Extended CDB is padded to 4 bytes", "[gateway][bhs][ahs]") {
  const Bytes wire = hex(R"(
    00 02 01 00              // AHSLength 2 (17-byte CDB), type 1, reserved
    AB 00 00 00              // CDB byte 16, then 3 bytes of padding
  )");
  const auto decoded = decode_ahs(wire);
  REQUIRE(decoded.has_value());
  CHECK(decoded->extended_cdb == Bytes{0xAB});
  xg::base::ByteWriter w;
  encode_ahs(*decoded, w);
  CHECK(show(w.data()) == show(wire));
}

TEST_CASE("AHS 11.2.1.5: inconsistent TotalAHSLength and bad AHS -> Reject 04h at the field",
          "[gateway][bhs][ahs][malformed]") {
  const auto ahs_error = [](const Bytes& wire) {
    const auto decoded = decode_ahs(wire);
    REQUIRE_FALSE(decoded.has_value());
    return decoded.error();
  };
  const Bytes bidi = hex("00 05 02 00  00 00 10 00");
  // AHSLength running past the declared total: every shorter total.
  for (std::size_t n = 1; n < bidi.size(); ++n) {
    INFO("total " << n);
    CHECK(ahs_error(truncated(bidi, n)) == protocol_error(PduErrorCode::kInvalidAhs, 48));
  }
  // Offsets count from BHS byte 0: the second AHS starts at byte 56.
  CHECK(ahs_error(xg::test::concat({bidi, hex("00 09 01 00 AA BB CC DD")})) ==
        protocol_error(PduErrorCode::kInvalidAhs, 56));
  CHECK(ahs_error(with_byte(bidi, 2, 0x03)) ==  // reserved type
        protocol_error(PduErrorCode::kInvalidAhs, 50));
  CHECK(ahs_error(xg::test::concat({bidi, bidi})) ==  // duplicate, at its type byte
        protocol_error(PduErrorCode::kInvalidAhs, 58));
  CHECK(ahs_error(hex("00 04 02 00 00 00 10 00")) ==  // AHSLength 4 for type 2
        protocol_error(PduErrorCode::kInvalidAhs, 48));
  CHECK(ahs_error(hex("00 01 01 00")) ==  // Extended CDB without a CDB byte
        protocol_error(PduErrorCode::kInvalidAhs, 48));
  // Type bits 7:6 are reserved and ignored.
  CHECK(decode_ahs(with_byte(bidi, 2, 0xC2)).has_value());
}
