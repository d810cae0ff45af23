// Decoded structures as JSON trees, one function per structure family. Each takes the raw
// bytes, runs the project's own decoder (the same code the target runs), and describes
// the result.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "base/result.h"
#include "gateway/cli/decoders.h"
#include "scsi/designator.h"
#include "scsi/inquiry.h"
#include "scsi/sense.h"

namespace xg::cli {

// ---- shared pieces ----
Json describe_sense(const scsi::Sense& sense);
// scsi::decode_sense with a guard against forwarded-area offsets past the sense data, and
// its errors as Sense (1A/00 when the data ends early, else 26/00 at the byte).
// (A wrapper type, since a Result's value and error types must differ.)
struct SenseRefusal {
  scsi::Sense sense;
};
base::Result<scsi::Sense, SenseRefusal> decode_sense_checked(std::span<const std::uint8_t> bytes);
Json describe_designator(const scsi::Designator& designator);
// {"peripheral_qualifier": ..., "peripheral_device_type": ...} (SPC-4 6.6.2 byte 0).
Json describe_peripheral_byte(const scsi::Peripheral& peripheral);
// ASCII fields as sent (INQUIRY identification, unit serial number): bytes outside 20h-7Eh
// become '.', so neither JSON (UTF-8 only) nor a terminal sees raw bytes.
std::string printable_ascii(std::string_view text);
// "00h EXTENDED COPY(LID1)": a service action of opcode 83h or 84h (SPC-4 tables 107/108).
std::string operation_name(std::uint8_t operation_code, std::uint8_t service_action);
// "02h Copy from block device to block device" / "E4h Identification descriptor": segment
// (00h-DFh) and CSCD (E0h-FFh) descriptor type codes (SPC-4 tables 125, 156).
std::string descriptor_type_code_text(std::uint8_t code);
// "FFFFh (this LU)": a CSCD DESCRIPTOR ID (SPC-4 table 146).
std::string cscd_id_text(std::uint16_t id);

// A 512-byte ROD token found inside another structure (RRTI): its fields when it decodes
// as an SPC-4 token (as the rod-token kind shows them), otherwise its bytes. Declared with
// a span, not scsi::RodToken, because scsi/rod_token.h cannot share a translation unit with
// scsi/receive_copy_results.h or scsi/vpd_third_party_copy.h (duplicate constants).
Json describe_embedded_rod_token(std::span<const std::uint8_t> token);

// ---- kinds (decoders.cc) ----
scsi::Result<Json> describe_sense_bytes(std::span<const std::uint8_t> bytes);

scsi::Result<Json> describe_xcopy_lid1(std::span<const std::uint8_t> bytes);
scsi::Result<Json> describe_xcopy_lid4(std::span<const std::uint8_t> bytes);

scsi::Result<Json> describe_standard_inquiry(std::span<const std::uint8_t> bytes);
// Any VPD page xgate sends: dispatches on PAGE CODE (byte 1).
scsi::Result<Json> describe_vpd_page(std::span<const std::uint8_t> bytes);
scsi::Result<Json> describe_third_party_copy_page(std::span<const std::uint8_t> bytes);

// A 16-byte 83h/84h CDB.
scsi::Result<Json> describe_third_party_copy_cdb(std::span<const std::uint8_t> bytes);
scsi::Result<Json> describe_populate_token(std::span<const std::uint8_t> bytes);
scsi::Result<Json> describe_write_using_token(std::span<const std::uint8_t> bytes);
scsi::Result<Json> describe_rod_token(std::span<const std::uint8_t> bytes);

scsi::Result<Json> describe_rcr_status_lid1(std::span<const std::uint8_t> bytes);
scsi::Result<Json> describe_rcr_data_lid1(std::span<const std::uint8_t> bytes);
scsi::Result<Json> describe_rcr_operating_parameters(std::span<const std::uint8_t> bytes);
scsi::Result<Json> describe_rcr_failure_details(std::span<const std::uint8_t> bytes);
scsi::Result<Json> describe_rcr_status_lid4(std::span<const std::uint8_t> bytes);
scsi::Result<Json> describe_rcr_data_lid4(std::span<const std::uint8_t> bytes);
scsi::Result<Json> describe_rrti(std::span<const std::uint8_t> bytes);
scsi::Result<Json> describe_report_all_rod_tokens(std::span<const std::uint8_t> bytes);

}  // namespace xg::cli
