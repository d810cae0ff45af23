// RFC 7143 11.1/11.2: incremental PDU framing, digests, bounds, and the writer that
// mirrors it.
#include "gateway/iscsi/pdu_reader.h"

#include <algorithm>
#include <string>
#include <vector>

#include "gateway/iscsi/digest.h"
#include "gateway/iscsi/pdu_writer.h"
#include "tests/support/catch.h"
#include "tests/support/vectors.h"

using namespace xg::iscsi;
using xg::test::Bytes;
using xg::test::concat;
using xg::test::hex;
using xg::test::show;
using xg::test::with_byte;

namespace {

// Login Request whose text needs 2 bytes of padding.
const Bytes kLoginPdu = hex(R"(
  43 87 00 00              // Login Request, I=1, T=1 CSG=1 NSG=3, versions 0
  00 000012                // TotalAHSLength 0, DataSegmentLength 18
  00 02 3D 00 00 01 00 00  // ISID, TSIH 0
  00 00 00 00              // ITT 0
  00 00 00 00              // CID 0, reserved
  00 00 00 01 00 00 00 00  // CmdSN 1, ExpStatSN 0
  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
  48 65 61 64 65 72 44 69 67 65 73 74 3D 4E 6F 6E 65 00  // "HeaderDigest=None\0"
  00 00                    // padding to a 4-byte boundary
)");

// SCSI Command EXTENDED COPY(LID1) with its 108-byte parameter list as immediate data.
const Bytes kXcopyPdu = hex(R"(
  01 A1 00 00 00 00006C    // SCSI Command, F W ATTR=simple, DataSegmentLength 108
  00 00 00 00 00 00 00 00  // LUN 0
  00 00 00 05 00 00 00 6C  // ITT 5, Expected Data Transfer Length 108
  00 00 00 05 00 00 00 04  // CmdSN 5, ExpStatSN 4
  83 00 00 00 00 00 00 00 00 00 00 00 00 6C 00 00  // EXTENDED COPY(LID1), length 108
  01 00 00 40 00 00 00 00  // LIST IDENTIFIER 1, CSCD DESCRIPTOR LIST LENGTH 64
  00 00 00 1C 00 00 00 00  // SEGMENT DESCRIPTOR LIST LENGTH 28, INLINE DATA LENGTH 0
  E4 00 00 00 01 03 00 10  // CSCD 0: E4h, NAA designator of 16 bytes
  60 01 40 50 00 00 00 00 00 00 00 00 00 00 00 01
  00 00 00 00 00 00 02 00  // block length 512
  E4 00 00 00 01 03 00 10  // CSCD 1
  60 01 40 50 00 00 00 00 00 00 00 00 00 00 00 02
  00 00 00 00 00 00 02 00
  02 00 00 18 00 00 00 01  // segment: block -> block, CSCD 0 -> CSCD 1
  00 00 00 08              // 8 blocks
  00 00 00 00 00 00 00 00  // source LBA 0
  00 00 00 00 00 00 01 00  // destination LBA 256
)");

const Bytes kNopOutPdu = hex(R"(
  40 80 00 00 00 000000    // NOP-Out, I=1, no data
  00 00 00 00 00 00 00 00  // LUN
  00 00 00 11 FF FF FF FF  // ITT 17, TTT FFFFFFFFh
  00 00 00 06 00 00 00 05  // CmdSN 6, ExpStatSN 5
  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
)");

// Data-In with status: a target PDU, 4 bytes of data.
const Bytes kDataInPdu = hex(R"(
  25 81 00 00 00 000004    // Data-In, F=1 S=1, status GOOD, 4 bytes
  00 00 00 00 00 00 00 00  // LUN
  00 00 00 07 FF FF FF FF  // ITT 7, TTT
  00 00 00 06 00 00 00 08  // StatSN 6, ExpCmdSN 8
  00 00 00 47 00 00 00 00  // MaxCmdSN 71, DataSN 0
  00 00 00 00 00 00 00 00  // Buffer Offset 0, Residual Count 0
  DE AD BE EF              // data
)");

// One line per outcome so sequences compare and print well.
std::string describe(const PduOutcome& outcome) {
  if (outcome.has_value()) {
    const Pdu& pdu = *outcome;
    return "PDU " + std::string(opcode_name(static_cast<std::uint8_t>(opcode_of(pdu.bhs)))) +
           " bhs=" + show(Bytes(pdu.bhs_bytes.begin(), pdu.bhs_bytes.end())) +
           " cdb+=" + show(pdu.ahs.extended_cdb) + " data=" + show(pdu.data);
  }
  const PduReadError& e = outcome.error();
  return "ERROR " + std::string(pdu_error_code_name(e.error.code)) + " reject=" +
         (e.error.reject ? std::to_string(static_cast<int>(*e.error.reject)) : "none") +
         " drop=" + std::to_string(e.error.drop_connection) + " at=" +
         std::to_string(e.error.offset) + " header=" + show(e.rejected_header);
}

// Feeds `stream` in chunks of `chunk` bytes, checking the reader's contract on every call.
std::vector<std::string> read_all(PduReader& reader, const Bytes& stream, std::size_t chunk) {
  std::vector<std::string> outcomes;
  for (std::size_t pos = 0; pos < stream.size(); pos += chunk) {
    auto piece = std::span(stream).subspan(pos, std::min(chunk, stream.size() - pos));
    while (!piece.empty()) {
      const FeedResult r = reader.feed(piece);
      REQUIRE(r.consumed >= 1);
      REQUIRE(r.consumed <= piece.size());
      REQUIRE(reader.buffered_bytes() <= reader.max_buffered_bytes());
      REQUIRE(reader.allocated_bytes() <= reader.max_buffered_bytes());
      piece = piece.subspan(r.consumed);
      if (r.outcome) outcomes.push_back(describe(*r.outcome));
    }
  }
  return outcomes;
}

std::vector<std::string> read_whole(const Bytes& stream, Role role = Role::kTarget,
                                    PduReaderLimits limits = {}, DigestSettings digests = {}) {
  PduReader reader(role, limits);
  reader.set_digests(digests);
  return read_all(reader, stream, stream.size());
}

std::vector<PduOutcome> outcomes_of(PduReader& reader, const Bytes& stream) {
  std::vector<PduOutcome> out;
  std::span<const std::uint8_t> rest(stream);
  while (!rest.empty()) {
    FeedResult r = reader.feed(rest);
    rest = rest.subspan(r.consumed);
    if (r.outcome) out.push_back(std::move(*r.outcome));
  }
  return out;
}

PduReadError only_error(const std::vector<PduOutcome>& outcomes, std::size_t i = 0) {
  REQUIRE(outcomes.size() > i);
  REQUIRE_FALSE(outcomes[i].has_value());
  return outcomes[i].error();
}

}  // namespace

TEST_CASE("PDU reader 11.1: Login Request text is unpadded, BHS decoded, raw header kept",
          "[gateway][pdu-reader]") {
  PduReader reader;
  const auto outcomes = outcomes_of(reader, kLoginPdu);
  REQUIRE(outcomes.size() == 1);
  REQUIRE(outcomes[0].has_value());
  const Pdu& pdu = *outcomes[0];
  CHECK(opcode_of(pdu.bhs) == Opcode::kLoginRequest);
  CHECK(pdu.bhs.data_segment_length == 18);
  CHECK(std::string(pdu.data.begin(), pdu.data.end()) == std::string("HeaderDigest=None\0", 18));
  CHECK(show(Bytes(pdu.bhs_bytes.begin(), pdu.bhs_bytes.end())) ==
        show(Bytes(kLoginPdu.begin(), kLoginPdu.begin() + 48)));
  CHECK(reader.at_pdu_boundary());
  CHECK(reader.allocated_bytes() <= kBhsLength + kMaxAhsLength + kDigestLength);
}

TEST_CASE("PDU reader: several PDUs in one chunk come out one per feed, in order",
          "[gateway][pdu-reader]") {
  const Bytes stream = concat({kLoginPdu, kXcopyPdu, kNopOutPdu});
  PduReader reader;
  std::span<const std::uint8_t> rest(stream);
  std::vector<std::size_t> consumed;
  while (!rest.empty()) {
    const FeedResult r = reader.feed(rest);
    REQUIRE(r.outcome.has_value());  // every feed here ends on a PDU boundary
    REQUIRE(r.outcome->has_value());
    consumed.push_back(r.consumed);
    rest = rest.subspan(r.consumed);
  }
  CHECK(consumed == std::vector<std::size_t>{kLoginPdu.size(), kXcopyPdu.size(), 48});
}

TEST_CASE("PDU reader: feeding one byte at a time (and every chunk size) equals one buffer",
          "[gateway][pdu-reader]") {
  const Bytes stream = concat({kLoginPdu, kXcopyPdu, kNopOutPdu, kLoginPdu});
  const auto whole = read_whole(stream);
  REQUIRE(whole.size() == 4);
  for (std::size_t chunk = 1; chunk <= stream.size(); ++chunk) {
    INFO("chunk " << chunk);
    PduReader reader;
    CHECK(read_all(reader, stream, chunk) == whole);
  }
}

TEST_CASE("PDU reader: a PDU cut at any byte yields nothing and buffers only what came",
          "[gateway][pdu-reader]") {
  for (std::size_t n = 1; n < kXcopyPdu.size(); ++n) {
    INFO("prefix " << n);
    PduReader reader;
    CHECK(read_all(reader, xg::test::truncated(kXcopyPdu, n), n).empty());
    CHECK(reader.buffered_bytes() == n);
    CHECK_FALSE(reader.at_pdu_boundary());
  }
}

TEST_CASE("PDU writer 11.1: writing the decoded PDUs reproduces the bytes",
          "[gateway][pdu-reader][pdu-writer]") {
  const Bytes stream = concat({kLoginPdu, kXcopyPdu, kNopOutPdu});
  PduReader reader;
  Bytes again;
  for (const auto& outcome : outcomes_of(reader, stream)) {
    REQUIRE(outcome.has_value());
    const Bytes one = write_pdu(outcome->bhs, outcome->ahs, outcome->data);
    again.insert(again.end(), one.begin(), one.end());
  }
  CHECK(show(again) == show(stream));
}

TEST_CASE("PDU writer 13.1: digests follow the header and the padded data, LSB first",
          "[gateway][pdu-writer][digest]") {
  PduReader plain;
  const auto outcomes = outcomes_of(plain, kLoginPdu);
  REQUIRE(outcomes.at(0).has_value());
  const Pdu& pdu = *outcomes[0];
  const Bytes wire = write_pdu(pdu.bhs, pdu.ahs, pdu.data, {true, true});
  const Bytes header(kLoginPdu.begin(), kLoginPdu.begin() + 48);
  const Bytes padded_data(kLoginPdu.begin() + 48, kLoginPdu.end());
  const auto hd = digest_bytes(crc32c(header));
  const auto dd = digest_bytes(crc32c(padded_data));
  CHECK(show(wire) == show(concat({header, Bytes(hd.begin(), hd.end()), padded_data,
                                   Bytes(dd.begin(), dd.end())})));
  // And the reader with digests on takes it back.
  CHECK(read_whole(wire, Role::kTarget, {}, {true, true}) == read_whole(kLoginPdu));
}

TEST_CASE("PDU reader 7: header digest error -> drop the connection, no Reject, rest swallowed",
          "[gateway][pdu-reader][digest][malformed]") {
  PduReader plain;
  const Pdu login = *outcomes_of(plain, kLoginPdu).at(0);
  Bytes wire = write_pdu(login.bhs, login.ahs, login.data, {true, true});
  wire[49] ^= 0x01;  // inside the header digest
  PduReader reader;
  reader.set_digests({true, true});
  const auto outcomes = outcomes_of(reader, concat({wire, kNopOutPdu}));
  REQUIRE(outcomes.size() == 1);  // nothing after the failure
  const PduReadError e = only_error(outcomes);
  CHECK(e.error == PduError::drop(PduErrorCode::kHeaderDigest, 48));
  CHECK_FALSE(e.error.reject.has_value());
  CHECK(e.rejected_header.empty());
  CHECK(reader.failed());
  CHECK(reader.allocated_bytes() == 0);
  // A corrupted header byte is caught the same way.
  wire[49] ^= 0x01;
  wire[7] ^= 0x40;  // DataSegmentLength
  PduReader again;
  again.set_digests({true, false});
  CHECK(only_error(outcomes_of(again, wire)).error.code == PduErrorCode::kHeaderDigest);
}

TEST_CASE("PDU reader 11.17.1: data digest error -> Reject 02h with the header, next PDU read",
          "[gateway][pdu-reader][digest][malformed]") {
  PduReader plain;
  const Pdu login = *outcomes_of(plain, kLoginPdu).at(0);
  Bytes wire = write_pdu(login.bhs, login.ahs, login.data, {true, true});
  wire.back() ^= 0x80;
  const Bytes nop = write_pdu(*decode_bhs(kNopOutPdu), {}, {}, {true, true});
  PduReader reader;
  reader.set_digests({true, true});
  const auto outcomes = outcomes_of(reader, concat({wire, nop}));
  REQUIRE(outcomes.size() == 2);
  const PduReadError e = only_error(outcomes);
  // The digest sits after BHS (48), header digest (4) and 20 bytes of padded data.
  CHECK(e.error == PduError{PduErrorCode::kDataDigest, RejectReason::kDataDigestError, false,
                            72, {}});
  CHECK(show(e.rejected_header) == show(Bytes(kLoginPdu.begin(), kLoginPdu.begin() + 48)));
  CHECK(outcomes[1].has_value());
  CHECK_FALSE(reader.failed());
}

TEST_CASE("PDU reader 13.12: DataSegmentLength above MaxRecvDataSegmentLength -> Reject 04h "
          "and drop, memory stays bounded",
          "[gateway][pdu-reader][malformed][memory]") {
  const PduReaderLimits limits{8192, 65536};
  // A Data-Out declaring 8193 bytes, followed by a megabyte of junk.
  const Bytes header = hex(R"(
    05 80 00 00 00 002001    // Data-Out, F=1, DataSegmentLength 8193
    00 00 00 00 00 00 00 00 00 00 00 09 00 00 10 01
    00 00 00 00 00 00 00 07 00 00 00 00 00 00 00 00
    00 00 00 00 00 00 00 00
  )");
  PduReader reader(Role::kTarget, limits);
  const auto outcomes = outcomes_of(reader, concat({header, Bytes(1 << 20, 0xAB)}));
  REQUIRE(outcomes.size() == 1);
  const PduReadError e = only_error(outcomes);
  CHECK(e.error == PduError{PduErrorCode::kSegmentTooLong, RejectReason::kProtocolError, true,
                            5, {}});
  CHECK(show(e.rejected_header) == show(header));
  CHECK(reader.failed());
  CHECK(reader.buffered_bytes() == 0);
  CHECK(reader.allocated_bytes() == 0);

  // Exactly at the limit is fine, and never allocates past the bound, byte by byte.
  Bytes at_limit = with_byte(header, 7, 0x00);
  at_limit = concat({at_limit, Bytes(8192, 0x5A)});
  PduReader exact(Role::kTarget, limits);
  CHECK(exact.max_buffered_bytes() == 48 + 1020 + 4 + 8192 + 4);
  const auto one = read_all(exact, at_limit, 1);
  REQUIRE(one.size() == 1);
  CHECK(one[0].rfind("PDU SCSI Data-Out", 0) == 0);
}

TEST_CASE("PDU reader 13.14: immediate data above FirstBurstLength -> Reject 04h, skipped",
          "[gateway][pdu-reader][malformed]") {
  PduReader reader(Role::kTarget, {8192, 64});
  const auto outcomes = outcomes_of(reader, concat({kXcopyPdu, kNopOutPdu}));
  REQUIRE(outcomes.size() == 2);
  CHECK(only_error(outcomes).error ==
        PduError::protocol_error(PduErrorCode::kImmediateDataTooLong, 5));
  CHECK(outcomes[1].has_value());
  CHECK(reader.allocated_bytes() <= kBhsLength + kMaxAhsLength + kDigestLength);
}

TEST_CASE("PDU reader 11.2.1.2: reserved opcode -> Reject 04h, its data skipped, next PDU read",
          "[gateway][pdu-reader][malformed]") {
  const Bytes reserved = concat({with_byte(kNopOutPdu, 0, 0x07), Bytes{}});
  Bytes with_data = with_byte(reserved, 7, 0x05);  // 5 bytes of data + 3 of padding
  with_data = concat({with_data, hex("01 02 03 04 05 00 00 00")});
  const auto outcomes = [&] {
    PduReader reader;
    return outcomes_of(reader, concat({with_data, kNopOutPdu}));
  }();
  REQUIRE(outcomes.size() == 2);
  const PduReadError e = only_error(outcomes);
  CHECK(e.error == PduError::protocol_error(PduErrorCode::kReservedOpcode, 0));
  CHECK(show(e.rejected_header) == show(Bytes(with_data.begin(), with_data.begin() + 48)));
  CHECK(outcomes[1].has_value());
}

TEST_CASE("PDU reader 11.2.1.2: a target opcode sent to a target -> Reject 04h",
          "[gateway][pdu-reader][malformed]") {
  CHECK(read_whole(concat({kDataInPdu, kNopOutPdu})) ==
        std::vector<std::string>{
            "ERROR opcode of the wrong direction reject=4 drop=0 at=0 header=" +
                show(Bytes(kDataInPdu.begin(), kDataInPdu.begin() + 48)),
            read_whole(kNopOutPdu).at(0)});
  // The initiator side reads it, and refuses initiator opcodes instead.
  const auto as_initiator = read_whole(kDataInPdu, Role::kInitiator);
  REQUIRE(as_initiator.size() == 1);
  CHECK(as_initiator[0].rfind("PDU SCSI Data-In", 0) == 0);
  CHECK(as_initiator[0].find("data=DE AD BE EF") != std::string::npos);
  CHECK(read_whole(kNopOutPdu, Role::kInitiator)[0].rfind("ERROR opcode of the wrong", 0) == 0);
}

TEST_CASE("PDU reader 11.2.2: Extended CDB AHS is read, inconsistent TotalAHSLength -> 04h",
          "[gateway][pdu-reader][ahs]") {
  const Bytes ahs = hex(R"(
    00 11 01 00              // AHSLength 17, Extended CDB
    00 00 00 00 00 00 00 08 00 00 00 00 00 00 00 10  // CDB bytes 16-31
  )");
  Bytes command = with_byte(kNopOutPdu, 0, 0x01);  // a SCSI Command with no data
  command[4] = 0x05;                               // TotalAHSLength 5 words
  command[1] = 0x81;
  const Bytes stream = concat({command, ahs});
  const auto good = [&] {
    PduReader reader;
    return outcomes_of(reader, stream);
  }();
  REQUIRE(good.size() == 1);
  REQUIRE(good[0].has_value());
  CHECK(good[0]->ahs.extended_cdb.size() == 16);
  CHECK(show(write_pdu(good[0]->bhs, good[0]->ahs, {})) == show(stream));

  // AHSLength 21 claims more than the 20 bytes TotalAHSLength gives.
  const Bytes bad = concat({command, with_byte(ahs, 1, 0x15)});
  PduReader reader;
  const auto outcomes = outcomes_of(reader, concat({bad, kNopOutPdu}));
  REQUIRE(outcomes.size() == 2);
  CHECK(only_error(outcomes).error == PduError::protocol_error(PduErrorCode::kInvalidAhs, 48));
  CHECK(outcomes[1].has_value());
}

TEST_CASE("PDU reader: digests switched on between PDUs apply from the next PDU",
          "[gateway][pdu-reader][digest]") {
  PduReader reader;
  auto first = outcomes_of(reader, kLoginPdu);
  REQUIRE(first.at(0).has_value());
  REQUIRE(reader.at_pdu_boundary());
  reader.set_digests({true, true});
  const Bytes nop = write_pdu(*decode_bhs(kNopOutPdu), {}, {}, {true, true});
  CHECK(nop.size() == 52);  // no data, so no data digest
  const auto second = outcomes_of(reader, nop);
  REQUIRE(second.size() == 1);
  CHECK(second[0].has_value());
}
