// SCSI sense data (SPC-4 4.5): one format-free value, encoded at the edge.
//
// A Sense says what went wrong (key, ASC/ASCQ), where (FieldRef), and for copy commands
// how far the copy got (segment number, residual INFORMATION, forwarded CSCD status).
// encode_fixed()/encode_descriptor() produce the wire bytes; the LU's D_SENSE bit
// (Control mode page) chooses between them. decode_sense() reads either format back
// (used by tests, tools and RECEIVE COPY RESULTS consumers).
//
// Every condition the copy manager reports has a named constructor; call sites never
// spell ASC/ASCQ numbers.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "scsi/field_ref.h"

namespace xg::scsi {

// SPC-4 table 47 (sense key descriptions).
enum class SenseKey : std::uint8_t {
  kNoSense = 0x0,
  kRecoveredError = 0x1,
  kNotReady = 0x2,
  kMediumError = 0x3,
  kHardwareError = 0x4,
  kIllegalRequest = 0x5,
  kUnitAttention = 0x6,
  kDataProtect = 0x7,
  kBlankCheck = 0x8,
  kVendorSpecific = 0x9,
  kCopyAborted = 0xA,
  kAbortedCommand = 0xB,
  kVolumeOverflow = 0xD,
  kMiscompare = 0xE,
  kCompleted = 0xF,
};

std::string_view sense_key_name(SenseKey key);

// SCSI status byte values (SAM-5 5.3.1).
enum class Status : std::uint8_t {
  kGood = 0x00,
  kCheckCondition = 0x02,
  kConditionMet = 0x04,
  kBusy = 0x08,
  kReservationConflict = 0x18,
  kTaskSetFull = 0x28,
  kAcaActive = 0x30,
  kTaskAborted = 0x40,
};

// Forwarded status and sense of a copy source or destination (SPC-4 5.17.7.4; in fixed
// format the areas CSI bytes 0/1 point at, in descriptor format sense descriptor 0Ch).
struct ForwardedSense {
  // SENSE DATA SOURCE as SPC-4 r37 numbers it: 1h copy source, 2h copy destination.
  enum class Source : std::uint8_t { kCopySource = 1, kCopyDestination = 2 };
  Source source = Source::kCopyDestination;
  std::uint8_t status = 0x02;          // the SCSI status the CSCD completed with
  std::vector<std::uint8_t> sense;     // the CSCD's sense bytes (may be empty)
  friend bool operator==(const ForwardedSense&, const ForwardedSense&) = default;
};

struct Sense {
  SenseKey key = SenseKey::kNoSense;
  std::uint8_t asc = 0;
  std::uint8_t ascq = 0;
  bool deferred = false;                     // 71h/73h instead of 70h/72h
  std::optional<std::uint64_t> information;  // INFORMATION field, VALID=1 when present
  // COMMAND-SPECIFIC INFORMATION. For COPY ABORTED use copy_segment instead: the encoder
  // builds CSI from it (byte 0/1 offsets to forwarded areas, bytes 2-3 segment number).
  std::optional<std::uint32_t> command_specific;
  std::optional<std::uint16_t> copy_segment;  // 0-based segment being processed
  std::optional<FieldRef> field;              // SKS field or segment pointer
  std::optional<std::uint16_t> progress;      // SKS progress indication (NOT READY etc.)
  std::vector<ForwardedSense> forwarded;      // at most one source and one destination
  std::string why;  // human explanation for logs and `xgate decode`; never on the wire

  friend bool operator==(const Sense& a, const Sense& b) {  // `why` is commentary
    return a.key == b.key && a.asc == b.asc && a.ascq == b.ascq && a.deferred == b.deferred &&
           a.information == b.information && a.command_specific == b.command_specific &&
           a.copy_segment == b.copy_segment && a.field == b.field && a.progress == b.progress &&
           a.forwarded == b.forwarded;
  }

  Sense&& because(std::string reason) && {
    why = std::move(reason);
    return std::move(*this);
  }

  // ---- ILLEGAL REQUEST, found before any data moves (SPC-4 5.17.7.3) ----
  // Any ILLEGAL REQUEST ASC/ASCQ; prefer the named constructors below where one exists.
  static Sense illegal_request(std::uint8_t asc, std::uint8_t ascq,
                               std::optional<FieldRef> at = std::nullopt);
  static Sense invalid_command_operation_code(FieldRef at = FieldRef::cdb(0));     // 20/00
  static Sense invalid_field_in_cdb(FieldRef at);                                  // 24/00
  // 24/00 without a field pointer: no single CDB field is at fault (an iSCSI EXPECTED DATA
  // TRANSFER LENGTH over the LU's limit, refused before the CDB is decoded).
  static Sense invalid_field_in_cdb();                                             // 24/00
  static Sense invalid_field_in_command_information_unit();                        // 0E/03
  static Sense logical_unit_not_supported();                                       // 25/00
  static Sense saving_parameters_not_supported(FieldRef at);                       // 39/00
  static Sense invalid_field_in_param_list(FieldRef at);                           // 26/00
  static Sense parameter_not_supported(FieldRef at);                               // 26/01
  static Sense parameter_value_invalid(FieldRef at);                               // 26/02
  static Sense param_list_length_error(std::optional<FieldRef> at = std::nullopt);  // 1A/00
  static Sense too_many_target_descriptors(FieldRef at);                           // 26/06
  static Sense unsupported_target_descriptor_type(FieldRef at);                    // 26/07
  static Sense too_many_segment_descriptors(FieldRef at);                          // 26/08
  static Sense unsupported_segment_descriptor_type(FieldRef at);                   // 26/09
  static Sense inline_data_length_exceeded(FieldRef at);                           // 26/0B
  static Sense operation_in_progress();                                            // 00/16
  static Sense lba_out_of_range();                                                 // 21/00
  static Sense insufficient_resources();                                           // 55/03
  static Sense insufficient_resources_to_create_rod();                             // 55/0C
  static Sense insufficient_resources_to_create_rod_token();                       // 55/0D
  // INVALID TOKEN OPERATION family, 23/00..0A (SPC-4 5.17.6.x).
  static Sense invalid_token_operation(std::uint8_t ascq, std::optional<FieldRef> at = {});
  static Sense token_unknown() { return invalid_token_operation(0x04); }
  static Sense invalid_token_length(FieldRef at) { return invalid_token_operation(0x0A, at); }
  static Sense invalid_token_length() { return invalid_token_operation(0x0A); }
  static Sense token_corrupt(std::optional<FieldRef> at) {
    return invalid_token_operation(0x05, at);
  }

  // ---- COPY ABORTED, found while processing segment `segment` (SPC-4 5.17.7.4) ----
  // Generic: key 0Ah with the given ASC/ASCQ and segment number.
  static Sense copy_aborted(std::uint16_t segment, std::uint8_t asc, std::uint8_t ascq);
  static Sense copy_target_not_reachable(std::uint16_t segment, FieldRef cscd);    // 0D/02
  static Sense third_party_device_failure(std::uint16_t segment);                  // 0D/01
  static Sense incorrect_copy_target_device_type(std::uint16_t segment, FieldRef at);  // 0D/03
  static Sense unexpected_inexact_segment(std::uint16_t segment);                  // 26/0A
  static Sense copy_segment_granularity_violation(std::uint16_t segment);          // 26/0D
  static Sense commands_cleared_by_device_server(std::uint16_t segment);           // 2F/02
  // A segment of a type the copy manager does not process.                          // 26/09
  static Sense copy_aborted_unsupported_segment_type(std::uint16_t segment);
  // The cause is the CSCD's own status and sense, forwarded (SPC-4 5.17.7.4).         // 00/00
  static Sense copy_aborted_forwarded(std::uint16_t segment, ForwardedSense cscd);

  // ---- others ----
  static Sense completed_extended_copy_information(std::uint32_t segments);  // 0F 00/20
  static Sense unit_attention(std::uint8_t asc, std::uint8_t ascq);
  // UNIT ATTENTION for the events of SAM-5 6.1 table 36 and SPC-4 (ASC table).
  static Sense power_on_reset_or_bus_device_reset_occurred();  // 29/00
  static Sense power_on_occurred();                            // 29/01
  static Sense bus_device_reset_function_occurred();           // 29/03
  static Sense mode_parameters_changed();                      // 2A/01
  static Sense capacity_data_has_changed();                    // 2A/09
  static Sense not_ready(std::uint8_t asc, std::uint8_t ascq);
  static Sense medium_error(std::uint8_t asc, std::uint8_t ascq);
  static Sense hardware_error(std::uint8_t asc, std::uint8_t ascq);
  static Sense aborted_command(std::uint8_t asc, std::uint8_t ascq);
  // ABORTED COMMAND for transport errors of a task (SPC-4 table "ASC and ASCQ
  // assignments"; RFC 7143 uses them for iSCSI data and digest errors).
  static Sense data_phase_error();                           // 4B/00
  static Sense invalid_target_port_transfer_tag_received();  // 4B/01
  static Sense too_much_write_data();                        // 4B/02
  static Sense data_offset_error();                          // 4B/05
  static Sense protocol_service_crc_error();                 // 47/05
};

template <class T>
using Result = base::Result<T, Sense>;

// Fixed format (70h/71h, SPC-4 4.5.3): 18 bytes plus forwarded areas after byte 17.
// INFORMATION above 32 bits does not fit: VALID is cleared and the field left 0.
std::vector<std::uint8_t> encode_fixed(const Sense& sense);

// A CSCD's CHECK CONDITION with `sense`, as a copy manager forwards it (SPC-4 5.17.7.4).
ForwardedSense forwarded_check_condition(const Sense& sense, ForwardedSense::Source source);

// Descriptor format (72h/73h, SPC-4 4.5.2): information (00h), command-specific (01h),
// sense-key specific (02h) and forwarded sense (0Ch) descriptors as needed. For COPY
// ABORTED the CSI descriptor carries the segment number right-aligned.
std::vector<std::uint8_t> encode_descriptor(const Sense& sense);

std::vector<std::uint8_t> encode_sense(const Sense& sense, bool descriptor_format);

// Why sense bytes could not be read: the offending byte and a reason.
struct SenseDecodeError {
  std::size_t offset = 0;
  std::string why;
};

// Reads fixed or descriptor sense back into a Sense. Fails on unknown response codes,
// fewer than 8 bytes, or lengths that run past the buffer. Trailing bytes past ADDITIONAL
// SENSE LENGTH are ignored.
base::Result<Sense, SenseDecodeError> decode_sense(std::span<const std::uint8_t> bytes);

// "ILLEGAL REQUEST 26/09 UNSUPPORTED SEGMENT DESCRIPTOR TYPE CODE, field pointer: parameter
// list byte 16" and so on: one line for logs and tools.
std::string describe(const Sense& sense);

// Name of an ASC/ASCQ pair from SPC-4 (subset the project reports or forwards).
std::string_view asc_name(std::uint8_t asc, std::uint8_t ascq);

}  // namespace xg::scsi
