// REPORT SUPPORTED OPERATION CODES (SPC-4 6.35): MAINTENANCE IN A3h / 0Ch. Built from
// cdb_table.cc, filtered by what this namespace can do, so the answer is exactly the set
// of commands execute() accepts.
#include "base/bits.h"
#include "base/byte_reader.h"
#include "base/byte_writer.h"
#include "translate/nvme_lu.h"

namespace xg::translate::detail {
namespace {

using scsi::FieldRef;
using scsi::Sense;

// REPORTING OPTIONS (SPC-4 table 171).
constexpr std::uint8_t kAllCommands = 0;
constexpr std::uint8_t kOneCommand = 1;         // operation code, no service action
constexpr std::uint8_t kOneCommandWithSa = 2;   // operation code + service action
constexpr std::uint8_t kOneCommandMaybeSa = 3;  // SPC-4 r37: either kind

// SUPPORT (SPC-4 table 174).
constexpr std::uint8_t kSupportNotSupported = 0x1;
constexpr std::uint8_t kSupportStandard = 0x3;

// Command timeouts descriptor (SPC-4 6.35.4): no timeouts reported (0 = not specified).
void timeouts_descriptor(base::ByteWriter& w) {
  w.be16(0x000A);  // DESCRIPTOR LENGTH
  w.u8(0);         // reserved
  w.u8(0);         // COMMAND SPECIFIC
  w.be32(0);       // NOMINAL COMMAND PROCESSING TIMEOUT
  w.be32(0);       // RECOMMENDED COMMAND TIMEOUT
}

std::vector<std::uint8_t> all_commands(const NvmeLu& lu, bool rctd) {
  base::ByteWriter w(512);
  w.be32(0);  // COMMAND DATA LENGTH, patched
  for (const CdbInfo& info : cdb_table()) {
    if (!lu.supports(info)) continue;
    // Command descriptor (SPC-4 6.35.2, table 173).
    w.u8(info.operation_code);
    w.u8(0);
    w.be16(info.service_action.value_or(0));
    w.u8(0);
    w.u8(static_cast<std::uint8_t>((rctd ? 0x02 : 0) | (info.service_action ? 0x01 : 0)));
    w.be16(info.length);
    if (rctd) timeouts_descriptor(w);
  }
  w.put_be32_at(0, static_cast<std::uint32_t>(w.size() - 4));
  return w.take();
}

// One-command parameter data (SPC-4 6.35.3, table 175).
std::vector<std::uint8_t> one_command(const CdbInfo* info, bool rctd) {
  base::ByteWriter w(48);
  w.u8(0);
  if (info == nullptr) {
    w.u8(kSupportNotSupported);
    w.be16(0);
    return w.take();
  }
  w.u8(static_cast<std::uint8_t>((rctd ? 0x80 : 0) | kSupportStandard));  // CTDP | SUPPORT
  w.be16(info->length);
  w.bytes(std::span(info->usage).first(info->length));
  if (rctd) timeouts_descriptor(w);
  return w.take();
}

}  // namespace

void NvmeLu::report_supported_operation_codes(const ExchangePtr& x) {
  base::ByteReader r(x->cdb());
  r.skip(2);
  const std::size_t options_at = r.offset();
  const std::uint8_t byte2 = r.u8();
  const bool rctd = base::bit(byte2, 7);
  const std::uint8_t options = base::bits<2, 0>(byte2);
  const std::size_t opcode_at = r.offset();
  const std::uint8_t requested_opcode = r.u8();
  const std::size_t sa_at = r.offset();
  const std::uint16_t requested_sa = r.be16();
  const std::uint32_t allocation_length = r.be32();
  if (options == kAllCommands) return x->data_in(all_commands(*this, rctd), allocation_length);
  if (options > kOneCommandMaybeSa) {
    return x->fail(Sense::invalid_field_in_cdb(FieldRef::cdb(options_at, 2)));
  }
  const bool with_sa = offers_service_actions(requested_opcode);
  // SPC-4 6.35.1: 001b for a command with service actions, or 010b for one without, is an
  // invalid request for that operation code.
  if ((options == kOneCommand && with_sa) || (options == kOneCommandWithSa && !with_sa)) {
    return x->fail(Sense::invalid_field_in_cdb(FieldRef::cdb(opcode_at)));
  }
  const CdbInfo* info = nullptr;
  if (with_sa) {
    if (requested_sa <= 0x1F)
      info = find_cdb(requested_opcode, static_cast<std::uint8_t>(requested_sa));
  } else if (requested_sa == 0 || options == kOneCommand) {
    info = find_cdb(requested_opcode, 0);
  } else {
    // 011b with a service action for a command that has none (SPC-4 r37 6.35.1).
    return x->fail(Sense::invalid_field_in_cdb(FieldRef::cdb(sa_at)));
  }
  if (info != nullptr && !supports(*info)) info = nullptr;
  x->data_in(one_command(info, rctd), allocation_length);
}

}  // namespace xg::translate::detail
