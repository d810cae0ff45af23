#include "scsi/third_party_copy_cdb.h"

#include <array>
#include <cassert>
#include <string>

#include "base/bits.h"
#include "base/byte_reader.h"
#include "base/byte_writer.h"

namespace xg::scsi {
namespace {

enum class ListId : std::uint8_t { kNone, kByte2, kBytes2To5, kBytes6To9 };
enum class Length : std::uint8_t { kNone, kParameterList, kAllocation };

// One row per service action: where its fields sit and which bits may be set (the usage
// mask, FreeBSD ctl_cmd_table.c style). Byte 15 CONTROL: b5:3 reserved (SAM-5 5.2).
struct CdbRow {
  std::uint8_t operation_code;
  std::uint8_t service_action;
  std::string_view name;
  ListId list_id;
  Length length;
  bool group_number;
  std::array<std::uint8_t, kThirdPartyCopyCdbSize> usage;
};

constexpr std::uint8_t kC = 0xC7;  // CONTROL usage
constexpr std::uint8_t kF = 0xFF;

// clang-format off
constexpr CdbRow kRows[] = {
  // SPC-4 6.5 / 6.4: bytes 2-9 and 14 reserved.
  {0x83, kSaExtendedCopyLid1, "EXTENDED COPY(LID1)", ListId::kNone, Length::kParameterList, false,
   {kF, 0x1F, 0, 0, 0, 0, 0, 0, 0, 0, kF, kF, kF, kF, 0, kC}},
  {0x83, kSaExtendedCopyLid4, "EXTENDED COPY(LID4)", ListId::kNone, Length::kParameterList, false,
   {kF, 0x1F, 0, 0, 0, 0, 0, 0, 0, 0, kF, kF, kF, kF, 0, kC}},
  // SBC-4 5.12.1 / 5.59.1: bytes 2-5 reserved, 6-9 LIST IDENTIFIER, 14 b5:0 GROUP NUMBER.
  {0x83, kSaPopulateToken, "POPULATE TOKEN", ListId::kBytes6To9, Length::kParameterList, true,
   {kF, 0x1F, 0, 0, 0, 0, kF, kF, kF, kF, kF, kF, kF, kF, 0x3F, kC}},
  {0x83, kSaWriteUsingToken, "WRITE USING TOKEN", ListId::kBytes6To9, Length::kParameterList, true,
   {kF, 0x1F, 0, 0, 0, 0, kF, kF, kF, kF, kF, kF, kF, kF, 0x3F, kC}},
  // SPC-4 6.3: bytes 2-5 LIST IDENTIFIER, 6-14 reserved.
  {0x83, kSaCopyOperationAbort, "COPY OPERATION ABORT", ListId::kBytes2To5, Length::kNone, false,
   {kF, 0x1F, kF, kF, kF, kF, 0, 0, 0, 0, 0, 0, 0, 0, 0, kC}},
  // SPC-4 6.22 / 6.18 / 6.20: byte 2 LIST IDENTIFIER, 3-9 and 14 reserved.
  {0x84, kSaReceiveCopyStatusLid1, "RECEIVE COPY STATUS(LID1)", ListId::kByte2, Length::kAllocation, false,
   {kF, 0x1F, kF, 0, 0, 0, 0, 0, 0, 0, kF, kF, kF, kF, 0, kC}},
  {0x84, kSaReceiveCopyDataLid1, "RECEIVE COPY DATA(LID1)", ListId::kByte2, Length::kAllocation, false,
   {kF, 0x1F, kF, 0, 0, 0, 0, 0, 0, 0, kF, kF, kF, kF, 0, kC}},
  // SPC-4 6.21: bytes 2-9 and 14 reserved.
  {0x84, kSaReceiveCopyOperatingParameters, "RECEIVE COPY OPERATING PARAMETERS", ListId::kNone,
   Length::kAllocation, false, {kF, 0x1F, 0, 0, 0, 0, 0, 0, 0, 0, kF, kF, kF, kF, 0, kC}},
  {0x84, kSaReceiveCopyFailureDetailsLid1, "RECEIVE COPY FAILURE DETAILS(LID1)", ListId::kByte2,
   Length::kAllocation, false, {kF, 0x1F, kF, 0, 0, 0, 0, 0, 0, 0, kF, kF, kF, kF, 0, kC}},
  // SPC-4 6.23 / 6.19 / 6.25: bytes 2-5 LIST IDENTIFIER, 6-9 and 14 reserved.
  {0x84, kSaReceiveCopyStatusLid4, "RECEIVE COPY STATUS(LID4)", ListId::kBytes2To5, Length::kAllocation, false,
   {kF, 0x1F, kF, kF, kF, kF, 0, 0, 0, 0, kF, kF, kF, kF, 0, kC}},
  {0x84, kSaReceiveCopyDataLid4, "RECEIVE COPY DATA(LID4)", ListId::kBytes2To5, Length::kAllocation, false,
   {kF, 0x1F, kF, kF, kF, kF, 0, 0, 0, 0, kF, kF, kF, kF, 0, kC}},
  {0x84, kSaReceiveRodTokenInformation, "RECEIVE ROD TOKEN INFORMATION", ListId::kBytes2To5,
   Length::kAllocation, false, {kF, 0x1F, kF, kF, kF, kF, 0, 0, 0, 0, kF, kF, kF, kF, 0, kC}},
  // SPC-4 6.26: bytes 2-9 and 14 reserved.
  {0x84, kSaReportAllRodTokens, "REPORT ALL ROD TOKENS", ListId::kNone, Length::kAllocation, false,
   {kF, 0x1F, 0, 0, 0, 0, 0, 0, 0, 0, kF, kF, kF, kF, 0, kC}},
};
// clang-format on

const CdbRow* find_row(std::uint8_t operation_code, std::uint8_t service_action) {
  for (const auto& row : kRows) {
    if (row.operation_code == operation_code && row.service_action == service_action) {
      return &row;
    }
  }
  return nullptr;
}

// First byte with a bit outside its usage mask, reported at its highest such bit.
Result<void> check_reserved(const CdbRow& row, std::span<const std::uint8_t> cdb) {
  for (std::size_t i = 1; i < kThirdPartyCopyCdbSize; ++i) {
    const auto stray = static_cast<std::uint8_t>(cdb[i] & ~row.usage[i]);
    if (stray != 0) {
      return Sense::invalid_field_in_cdb(FieldRef::cdb(i, base::highest_bit(stray)))
          .because(std::string(row.name) + ": reserved bit set in CDB byte " +
                   std::to_string(i));
    }
  }
  return {};
}

}  // namespace

Result<ThirdPartyCopyCdb> decode_third_party_copy_cdb(std::span<const std::uint8_t> cdb) {
  if (cdb.size() < kThirdPartyCopyCdbSize) {
    return Sense::invalid_command_operation_code().because(
        "third-party copy CDB shorter than 16 bytes");
  }
  base::ByteReader r(cdb.first(kThirdPartyCopyCdbSize));
  ThirdPartyCopyCdb out;
  out.operation_code = r.u8();
  if (out.operation_code != kThirdPartyCopyOut && out.operation_code != kThirdPartyCopyIn) {
    return Sense::invalid_command_operation_code().because(
        "not a THIRD-PARTY COPY OUT/IN operation code");
  }
  out.service_action = base::bits<4, 0>(r.u8());
  const CdbRow* row = find_row(out.operation_code, out.service_action);
  if (row == nullptr) {
    return Sense::invalid_field_in_cdb(FieldRef::cdb(1, 4))
        .because("unknown " + std::string(out.operation_code == kThirdPartyCopyOut
                                              ? "THIRD-PARTY COPY OUT"
                                              : "THIRD-PARTY COPY IN") +
                 " service action " + std::to_string(out.service_action));
  }
  XG_TRY(check_reserved(*row, cdb));
  // The reserved bits are known to be clear, so each field can be read whole.
  const std::uint32_t bytes2_5 = r.be32();
  const std::uint32_t bytes6_9 = r.be32();
  const std::uint32_t length = r.be32();
  const std::uint8_t byte14 = r.u8();
  out.control = r.u8();
  if (row->list_id == ListId::kByte2) out.list_identifier = bytes2_5 >> 24;
  if (row->list_id == ListId::kBytes2To5) out.list_identifier = bytes2_5;
  if (row->list_id == ListId::kBytes6To9) out.list_identifier = bytes6_9;
  if (row->length == Length::kParameterList) out.parameter_list_length = length;
  if (row->length == Length::kAllocation) out.allocation_length = length;
  if (row->group_number) out.group_number = base::bits<5, 0>(byte14);
  assert(r.ok() && r.empty());
  return out;
}

std::vector<std::uint8_t> encode_third_party_copy_cdb(const ThirdPartyCopyCdb& cdb) {
  const CdbRow* row = find_row(cdb.operation_code, cdb.service_action & 0x1F);
  base::ByteWriter w(kThirdPartyCopyCdbSize);
  w.u8(cdb.operation_code);
  w.u8(cdb.service_action & 0x1F);
  const std::uint32_t id = cdb.list_identifier.value_or(0);
  const ListId where = row != nullptr ? row->list_id : ListId::kNone;
  const Length length = row != nullptr ? row->length : Length::kNone;
  if (where == ListId::kByte2) {
    w.u8(static_cast<std::uint8_t>(id & 0xFF));
    w.zeros(7);
  } else if (where == ListId::kBytes2To5) {
    w.be32(id);
    w.zeros(4);
  } else if (where == ListId::kBytes6To9) {
    w.zeros(4);
    w.be32(id);
  } else {
    w.zeros(8);
  }
  w.be32(length == Length::kParameterList ? cdb.parameter_list_length
         : length == Length::kAllocation  ? cdb.allocation_length
                                          : 0);
  w.u8(row != nullptr && row->group_number ? static_cast<std::uint8_t>(cdb.group_number & 0x3F)
                                           : 0);
  w.u8(cdb.control);
  assert(w.size() == kThirdPartyCopyCdbSize);
  return w.take();
}

std::string_view service_action_name(std::uint8_t operation_code, std::uint8_t service_action) {
  const CdbRow* row = find_row(operation_code, service_action);
  return row != nullptr ? row->name : "unknown";
}

std::vector<std::uint8_t> third_party_copy_service_actions(std::uint8_t operation_code) {
  std::vector<std::uint8_t> out;
  for (const auto& row : kRows) {
    if (row.operation_code == operation_code) out.push_back(row.service_action);
  }
  return out;
}

}  // namespace xg::scsi
