#include "scsi/sense.h"

#include <algorithm>
#include <array>
#include <cstdio>

#include "base/byte_reader.h"
#include "base/byte_writer.h"

namespace xg::scsi {
namespace {

constexpr std::uint8_t kFixedCurrent = 0x70;
constexpr std::uint8_t kFixedDeferred = 0x71;
constexpr std::uint8_t kDescriptorCurrent = 0x72;
constexpr std::uint8_t kDescriptorDeferred = 0x73;
constexpr std::size_t kFixedLength = 18;
// SPC-4 4.5.1: sense data is at most 252 bytes, so ADDITIONAL SENSE LENGTH <= 244.
constexpr std::size_t kMaxSenseLength = 252;

// Sense descriptor types (SPC-4 table 29).
constexpr std::uint8_t kDescInformation = 0x00;
constexpr std::uint8_t kDescCommandSpecific = 0x01;
constexpr std::uint8_t kDescSenseKeySpecific = 0x02;
constexpr std::uint8_t kDescForwarded = 0x0C;

Sense make(SenseKey key, std::uint8_t asc, std::uint8_t ascq) {
  Sense s;
  s.key = key;
  s.asc = asc;
  s.ascq = ascq;
  return s;
}

Sense illegal(std::uint8_t asc, std::uint8_t ascq, std::optional<FieldRef> at) {
  Sense s = make(SenseKey::kIllegalRequest, asc, ascq);
  s.field = at;
  return s;
}

// The three SENSE KEY SPECIFIC bytes (SPC-4 4.5.2.4), or nullopt when SKSV would be 0.
std::optional<std::array<std::uint8_t, 3>> sense_key_specific(const Sense& s) {
  if (s.field) {
    const FieldRef& f = *s.field;
    std::uint8_t b0 = 0x80;  // SKSV
    if (s.key == SenseKey::kCopyAborted) {
      // Segment pointer (4.5.2.4.6): SD (b5) set when relative to the segment descriptor.
      if (f.base == FieldRef::Base::kSegmentDescriptor) b0 |= 0x20;
    } else if (f.base == FieldRef::Base::kCdb) {
      b0 |= 0x40;  // C/D: the error is in the CDB (4.5.2.4.2)
    }
    if (f.bit) b0 |= static_cast<std::uint8_t>(0x08 | (*f.bit & 0x07));  // BPV + BIT POINTER
    return std::array<std::uint8_t, 3>{b0, static_cast<std::uint8_t>(f.byte >> 8),
                                       static_cast<std::uint8_t>(f.byte)};
  }
  if (s.progress) {
    return std::array<std::uint8_t, 3>{0x80, static_cast<std::uint8_t>(*s.progress >> 8),
                                       static_cast<std::uint8_t>(*s.progress)};
  }
  return std::nullopt;
}

const ForwardedSense* forwarded_from(const Sense& s, ForwardedSense::Source source) {
  for (const auto& f : s.forwarded) {
    if (f.source == source) return &f;
  }
  return nullptr;
}

}  // namespace

// ---------------------------------------------------------------- constructors

Sense Sense::illegal_request(std::uint8_t asc, std::uint8_t ascq, std::optional<FieldRef> at) {
  return illegal(asc, ascq, at);
}
Sense Sense::invalid_command_operation_code(FieldRef at) { return illegal(0x20, 0x00, at); }
Sense Sense::invalid_field_in_cdb(FieldRef at) { return illegal(0x24, 0x00, at); }
Sense Sense::invalid_field_in_cdb() { return illegal(0x24, 0x00, std::nullopt); }
Sense Sense::invalid_field_in_command_information_unit() {
  return illegal(0x0E, 0x03, std::nullopt);
}
Sense Sense::logical_unit_not_supported() { return illegal(0x25, 0x00, std::nullopt); }
Sense Sense::saving_parameters_not_supported(FieldRef at) { return illegal(0x39, 0x00, at); }
Sense Sense::invalid_field_in_param_list(FieldRef at) { return illegal(0x26, 0x00, at); }
Sense Sense::parameter_not_supported(FieldRef at) { return illegal(0x26, 0x01, at); }
Sense Sense::parameter_value_invalid(FieldRef at) { return illegal(0x26, 0x02, at); }
Sense Sense::param_list_length_error(std::optional<FieldRef> at) { return illegal(0x1A, 0x00, at); }
Sense Sense::too_many_target_descriptors(FieldRef at) { return illegal(0x26, 0x06, at); }
Sense Sense::unsupported_target_descriptor_type(FieldRef at) { return illegal(0x26, 0x07, at); }
Sense Sense::too_many_segment_descriptors(FieldRef at) { return illegal(0x26, 0x08, at); }
Sense Sense::unsupported_segment_descriptor_type(FieldRef at) { return illegal(0x26, 0x09, at); }
Sense Sense::inline_data_length_exceeded(FieldRef at) { return illegal(0x26, 0x0B, at); }
Sense Sense::operation_in_progress() { return illegal(0x00, 0x16, std::nullopt); }
Sense Sense::lba_out_of_range() { return illegal(0x21, 0x00, std::nullopt); }
Sense Sense::insufficient_resources() { return illegal(0x55, 0x03, std::nullopt); }
Sense Sense::insufficient_resources_to_create_rod() { return illegal(0x55, 0x0C, std::nullopt); }
Sense Sense::insufficient_resources_to_create_rod_token() {
  return illegal(0x55, 0x0D, std::nullopt);
}
Sense Sense::invalid_token_operation(std::uint8_t ascq, std::optional<FieldRef> at) {
  return illegal(0x23, ascq, at);
}

Sense Sense::copy_aborted(std::uint16_t segment, std::uint8_t asc, std::uint8_t ascq) {
  Sense s = make(SenseKey::kCopyAborted, asc, ascq);
  s.copy_segment = segment;
  return s;
}
Sense Sense::copy_target_not_reachable(std::uint16_t segment, FieldRef cscd) {
  Sense s = copy_aborted(segment, 0x0D, 0x02);
  s.field = cscd;
  return s;
}
Sense Sense::third_party_device_failure(std::uint16_t segment) {
  return copy_aborted(segment, 0x0D, 0x01);
}
Sense Sense::incorrect_copy_target_device_type(std::uint16_t segment, FieldRef at) {
  Sense s = copy_aborted(segment, 0x0D, 0x03);
  s.field = at;
  return s;
}
Sense Sense::unexpected_inexact_segment(std::uint16_t segment) {
  return copy_aborted(segment, 0x26, 0x0A);
}
Sense Sense::copy_segment_granularity_violation(std::uint16_t segment) {
  return copy_aborted(segment, 0x26, 0x0D);
}
Sense Sense::commands_cleared_by_device_server(std::uint16_t segment) {
  return copy_aborted(segment, 0x2F, 0x02);
}
Sense Sense::copy_aborted_unsupported_segment_type(std::uint16_t segment) {
  return copy_aborted(segment, 0x26, 0x09);
}
Sense Sense::copy_aborted_forwarded(std::uint16_t segment, ForwardedSense cscd) {
  Sense s = copy_aborted(segment, 0x00, 0x00);
  s.forwarded.push_back(std::move(cscd));
  return s;
}

ForwardedSense forwarded_check_condition(const Sense& sense, ForwardedSense::Source source) {
  ForwardedSense f;
  f.source = source;
  f.status = static_cast<std::uint8_t>(Status::kCheckCondition);
  f.sense = encode_fixed(sense);
  return f;
}

Sense Sense::completed_extended_copy_information(std::uint32_t segments) {
  Sense s = make(SenseKey::kCompleted, 0x00, 0x20);
  s.command_specific = segments;
  return s;
}
Sense Sense::unit_attention(std::uint8_t asc, std::uint8_t ascq) {
  return make(SenseKey::kUnitAttention, asc, ascq);
}
Sense Sense::power_on_reset_or_bus_device_reset_occurred() { return unit_attention(0x29, 0x00); }
Sense Sense::power_on_occurred() { return unit_attention(0x29, 0x01); }
Sense Sense::bus_device_reset_function_occurred() { return unit_attention(0x29, 0x03); }
Sense Sense::mode_parameters_changed() { return unit_attention(0x2A, 0x01); }
Sense Sense::capacity_data_has_changed() { return unit_attention(0x2A, 0x09); }
Sense Sense::not_ready(std::uint8_t asc, std::uint8_t ascq) {
  return make(SenseKey::kNotReady, asc, ascq);
}
Sense Sense::medium_error(std::uint8_t asc, std::uint8_t ascq) {
  return make(SenseKey::kMediumError, asc, ascq);
}
Sense Sense::hardware_error(std::uint8_t asc, std::uint8_t ascq) {
  return make(SenseKey::kHardwareError, asc, ascq);
}
Sense Sense::aborted_command(std::uint8_t asc, std::uint8_t ascq) {
  return make(SenseKey::kAbortedCommand, asc, ascq);
}
Sense Sense::data_phase_error() { return aborted_command(0x4B, 0x00); }
Sense Sense::invalid_target_port_transfer_tag_received() { return aborted_command(0x4B, 0x01); }
Sense Sense::too_much_write_data() { return aborted_command(0x4B, 0x02); }
Sense Sense::data_offset_error() { return aborted_command(0x4B, 0x05); }
Sense Sense::protocol_service_crc_error() { return aborted_command(0x47, 0x05); }

// ---------------------------------------------------------------- encoders

std::vector<std::uint8_t> encode_fixed(const Sense& s) {
  base::ByteWriter w(kFixedLength);
  const bool info_fits = s.information && *s.information <= 0xFFFFFFFFu;
  std::uint8_t code = s.deferred ? kFixedDeferred : kFixedCurrent;
  if (info_fits) code |= 0x80;  // VALID
  w.u8(code);
  w.u8(0);  // obsolete
  w.u8(static_cast<std::uint8_t>(s.key));
  w.be32(info_fits ? static_cast<std::uint32_t>(*s.information) : 0);
  w.u8(10);     // ADDITIONAL SENSE LENGTH, patched below when forwarded areas follow
  w.be32(0);    // COMMAND-SPECIFIC INFORMATION, patched below
  w.u8(s.asc);
  w.u8(s.ascq);
  w.u8(0);  // FIELD REPLACEABLE UNIT CODE
  if (auto sks = sense_key_specific(s)) {
    w.bytes(*sks);
  } else {
    w.zeros(3);
  }

  // Forwarded areas (SPC-4 5.17.7.4): status byte then the CSCD's sense, after byte 17;
  // CSI byte 0 points at the source's, byte 1 at the destination's.
  std::uint8_t source_at = 0;
  std::uint8_t destination_at = 0;
  for (auto source : {ForwardedSense::Source::kCopySource,
                      ForwardedSense::Source::kCopyDestination}) {
    const ForwardedSense* f = forwarded_from(s, source);
    if (f == nullptr || w.size() + 1 > kMaxSenseLength) continue;
    const auto at = static_cast<std::uint8_t>(w.size());
    (source == ForwardedSense::Source::kCopySource ? source_at : destination_at) = at;
    w.u8(f->status);
    const std::size_t room = kMaxSenseLength - w.size();
    w.bytes(std::span(f->sense).first(std::min(room, f->sense.size())));
  }
  w.put_u8_at(7, static_cast<std::uint8_t>(w.size() - 8));

  std::uint32_t csi = s.command_specific.value_or(0);
  if (s.copy_segment) {
    csi = (std::uint32_t{source_at} << 24) | (std::uint32_t{destination_at} << 16) |
          *s.copy_segment;
  }
  w.put_be32_at(8, csi);
  return w.take();
}

std::vector<std::uint8_t> encode_descriptor(const Sense& s) {
  base::ByteWriter w(32);
  w.u8(s.deferred ? kDescriptorDeferred : kDescriptorCurrent);
  w.u8(static_cast<std::uint8_t>(s.key));
  w.u8(s.asc);
  w.u8(s.ascq);
  w.zeros(3);  // SDAT_OVFL and reserved
  w.u8(0);     // ADDITIONAL SENSE LENGTH, patched below
  if (s.information) {
    w.u8(kDescInformation);
    w.u8(0x0A);
    w.u8(0x80);  // VALID
    w.u8(0);
    w.be64(*s.information);
  }
  if (s.copy_segment || s.command_specific) {
    w.u8(kDescCommandSpecific);
    w.u8(0x0A);
    w.zeros(2);
    w.be64(s.copy_segment ? *s.copy_segment : *s.command_specific);
  }
  if (auto sks = sense_key_specific(s)) {
    w.u8(kDescSenseKeySpecific);
    w.u8(0x06);
    w.zeros(2);
    w.bytes(*sks);
    w.u8(0);
  }
  for (const auto& f : s.forwarded) {
    const std::size_t room = kMaxSenseLength - std::min(kMaxSenseLength, w.size() + 4);
    const std::size_t n = std::min(room, f.sense.size());
    if (w.size() + 4 > kMaxSenseLength) break;
    w.u8(kDescForwarded);
    w.u8(static_cast<std::uint8_t>(2 + n));
    // FSDT (b7) when the forwarded sense had to be cut short.
    w.u8(static_cast<std::uint8_t>((n < f.sense.size() ? 0x80 : 0) |
                                   static_cast<std::uint8_t>(f.source)));
    w.u8(f.status);
    w.bytes(std::span(f.sense).first(n));
  }
  w.put_u8_at(7, static_cast<std::uint8_t>(w.size() - 8));
  return w.take();
}

std::vector<std::uint8_t> encode_sense(const Sense& sense, bool descriptor_format) {
  return descriptor_format ? encode_descriptor(sense) : encode_fixed(sense);
}

// ---------------------------------------------------------------- decoder

namespace {

void apply_sense_key_specific(Sense& s, std::uint8_t b0, std::uint16_t value) {
  if ((b0 & 0x80) == 0) return;  // SKSV = 0
  std::optional<std::uint8_t> bit;
  if ((b0 & 0x08) != 0) bit = static_cast<std::uint8_t>(b0 & 0x07);
  switch (s.key) {
    case SenseKey::kIllegalRequest:
      s.field = (b0 & 0x40) != 0 ? FieldRef::cdb(value, bit) : FieldRef::param(value, bit);
      break;
    case SenseKey::kCopyAborted:
      s.field = (b0 & 0x20) != 0 ? FieldRef::segment(value, bit) : FieldRef::param(value, bit);
      break;
    case SenseKey::kNoSense:
    case SenseKey::kNotReady:
      s.progress = value;
      break;
    default:
      break;  // actual retry count and others: not modelled
  }
}

// A forwarded area in fixed format: status byte then sense bytes up to `end`. `sense` is
// exactly the declared sense data (8 + ADDITIONAL SENSE LENGTH bytes); an area offset or
// end beyond it comes from a hostile or corrupt CSI and is clipped, never read.
void read_forwarded_area(Sense& s, std::span<const std::uint8_t> sense, std::size_t at,
                         std::size_t end, ForwardedSense::Source source) {
  end = std::min(end, sense.size());
  if (at < kFixedLength || at >= end) return;
  ForwardedSense f;
  f.source = source;
  f.status = sense[at];
  f.sense.assign(sense.begin() + static_cast<std::ptrdiff_t>(at + 1),
                 sense.begin() + static_cast<std::ptrdiff_t>(end));
  s.forwarded.push_back(std::move(f));
}

base::Result<Sense, SenseDecodeError> decode_fixed(base::ByteReader& r, std::span<const std::uint8_t> all) {
  Sense s;
  const std::uint8_t code = r.u8();
  s.deferred = (code & 0x7F) == kFixedDeferred;
  r.skip(1);
  s.key = static_cast<SenseKey>(r.u8() & 0x0F);
  const std::uint32_t info = r.be32();
  if ((code & 0x80) != 0) s.information = info;
  const std::size_t additional_at = r.offset();
  const std::size_t total = 8 + std::size_t{r.u8()};
  if (total > all.size()) {
    return SenseDecodeError{additional_at, "ADDITIONAL SENSE LENGTH runs past the end"};
  }
  if (total < kFixedLength) {
    // Short fixed sense (SPC allows fewer than 18 bytes): missing fields read as zero.
    std::array<std::uint8_t, kFixedLength> padded{};
    std::copy(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(total), padded.begin());
    padded[7] = 10;
    return decode_sense(padded);
  }
  const std::uint32_t csi = r.be32();
  s.asc = r.u8();
  s.ascq = r.u8();
  r.skip(1);
  const std::uint8_t sks0 = r.u8();
  apply_sense_key_specific(s, sks0, r.be16());
  if (s.key == SenseKey::kCopyAborted) {
    s.copy_segment = static_cast<std::uint16_t>(csi & 0xFFFF);
    const std::size_t src = csi >> 24;
    const std::size_t dst = (csi >> 16) & 0xFF;
    // Each area runs to the start of the next one or to the end of the sense data.
    const auto declared = all.first(total);
    read_forwarded_area(s, declared, src, dst > src ? dst : total,
                        ForwardedSense::Source::kCopySource);
    read_forwarded_area(s, declared, dst, src > dst ? src : total,
                        ForwardedSense::Source::kCopyDestination);
  } else if (csi != 0) {
    s.command_specific = csi;
  }
  return s;
}

base::Result<Sense, SenseDecodeError> decode_descriptor(base::ByteReader& r, std::span<const std::uint8_t> all) {
  Sense s;
  s.deferred = (r.u8() & 0x7F) == kDescriptorDeferred;
  s.key = static_cast<SenseKey>(r.u8() & 0x0F);
  s.asc = r.u8();
  s.ascq = r.u8();
  r.skip(3);
  const std::size_t additional_at = r.offset();
  const std::size_t additional = r.u8();
  auto descriptors = r.take(additional);
  if (!descriptors || 8 + additional > all.size()) {
    return SenseDecodeError{additional_at, "ADDITIONAL SENSE LENGTH runs past the end"};
  }
  while (!descriptors->empty()) {
    const std::size_t at = descriptors->offset();
    if (!descriptors->has(2)) {
      return SenseDecodeError{at, "sense descriptor header truncated"};
    }
    const std::uint8_t type = descriptors->u8();
    const std::size_t length = descriptors->u8();
    auto d = descriptors->take(length);  // stride is 2 + ADDITIONAL LENGTH
    if (!d) {
      return SenseDecodeError{at + 1, "sense descriptor runs past ADDITIONAL SENSE LENGTH"};
    }
    if (type == kDescInformation && length >= 0x0A) {
      const bool valid = (d->u8() & 0x80) != 0;
      d->skip(1);
      const std::uint64_t info = d->be64();
      if (valid) s.information = info;
    } else if (type == kDescCommandSpecific && length >= 0x0A) {
      d->skip(2);
      const std::uint64_t csi = d->be64();
      if (s.key == SenseKey::kCopyAborted) {
        s.copy_segment = static_cast<std::uint16_t>(csi);
      } else {
        s.command_specific = static_cast<std::uint32_t>(csi);
      }
    } else if (type == kDescSenseKeySpecific && length >= 0x06) {
      d->skip(2);
      const std::uint8_t b0 = d->u8();
      apply_sense_key_specific(s, b0, d->be16());
    } else if (type == kDescForwarded && length >= 2) {
      ForwardedSense f;
      const std::uint8_t source = d->u8() & 0x0F;
      f.source = source == 1 ? ForwardedSense::Source::kCopySource
                             : ForwardedSense::Source::kCopyDestination;
      f.status = d->u8();
      auto rest = d->rest().bytes(length - 2);
      f.sense.assign(rest.begin(), rest.end());
      s.forwarded.push_back(std::move(f));
    }
    // Other descriptor types (FRU, stream, block, ATA...) are skipped by their length.
  }
  return s;
}

}  // namespace

base::Result<Sense, SenseDecodeError> decode_sense(std::span<const std::uint8_t> bytes) {
  base::ByteReader r(bytes);
  if (bytes.size() < 8) {
    return SenseDecodeError{bytes.size(), "sense data shorter than 8 bytes"};
  }
  switch (bytes[0] & 0x7F) {
    case kFixedCurrent:
    case kFixedDeferred:
      return decode_fixed(r, bytes);
    case kDescriptorCurrent:
    case kDescriptorDeferred:
      return decode_descriptor(r, bytes);
    default:
      return SenseDecodeError{0, "RESPONSE CODE is neither 70h/71h (fixed) nor 72h/73h"};
  }
}

// ---------------------------------------------------------------- names

std::string_view sense_key_name(SenseKey key) {
  switch (key) {
    case SenseKey::kNoSense: return "NO SENSE";
    case SenseKey::kRecoveredError: return "RECOVERED ERROR";
    case SenseKey::kNotReady: return "NOT READY";
    case SenseKey::kMediumError: return "MEDIUM ERROR";
    case SenseKey::kHardwareError: return "HARDWARE ERROR";
    case SenseKey::kIllegalRequest: return "ILLEGAL REQUEST";
    case SenseKey::kUnitAttention: return "UNIT ATTENTION";
    case SenseKey::kDataProtect: return "DATA PROTECT";
    case SenseKey::kBlankCheck: return "BLANK CHECK";
    case SenseKey::kVendorSpecific: return "VENDOR SPECIFIC";
    case SenseKey::kCopyAborted: return "COPY ABORTED";
    case SenseKey::kAbortedCommand: return "ABORTED COMMAND";
    case SenseKey::kVolumeOverflow: return "VOLUME OVERFLOW";
    case SenseKey::kMiscompare: return "MISCOMPARE";
    case SenseKey::kCompleted: return "COMPLETED";
  }
  return "RESERVED";
}

namespace {

struct AscName {
  std::uint8_t asc;
  std::uint8_t ascq;
  std::string_view name;
};

// SPC-4 annex D, the entries this project reports, forwards or maps from NVMe status.
constexpr AscName kAscNames[] = {
    {0x00, 0x00, "NO ADDITIONAL SENSE INFORMATION"},
    {0x00, 0x16, "OPERATION IN PROGRESS"},
    {0x00, 0x20, "EXTENDED COPY INFORMATION AVAILABLE"},
    {0x04, 0x00, "LOGICAL UNIT NOT READY, CAUSE NOT REPORTABLE"},
    {0x04, 0x01, "LOGICAL UNIT IS IN PROCESS OF BECOMING READY"},
    {0x04, 0x02, "LOGICAL UNIT NOT READY, INITIALIZING COMMAND REQUIRED"},
    {0x04, 0x04, "LOGICAL UNIT NOT READY, FORMAT IN PROGRESS"},
    {0x08, 0x04, "UNREACHABLE COPY TARGET"},
    {0x0C, 0x00, "WRITE ERROR"},
    {0x0D, 0x00, "ERROR DETECTED BY THIRD PARTY TEMPORARY INITIATOR"},
    {0x0D, 0x01, "THIRD PARTY DEVICE FAILURE"},
    {0x0D, 0x02, "COPY TARGET DEVICE NOT REACHABLE"},
    {0x0D, 0x03, "INCORRECT COPY TARGET DEVICE TYPE"},
    {0x0D, 0x04, "COPY TARGET DEVICE DATA UNDERRUN"},
    {0x0D, 0x05, "COPY TARGET DEVICE DATA OVERRUN"},
    {0x10, 0x01, "LOGICAL BLOCK GUARD CHECK FAILED"},
    {0x10, 0x02, "LOGICAL BLOCK APPLICATION TAG CHECK FAILED"},
    {0x10, 0x03, "LOGICAL BLOCK REFERENCE TAG CHECK FAILED"},
    {0x11, 0x00, "UNRECOVERED READ ERROR"},
    {0x1A, 0x00, "PARAMETER LIST LENGTH ERROR"},
    {0x1D, 0x00, "MISCOMPARE DURING VERIFY OPERATION"},
    {0x20, 0x00, "INVALID COMMAND OPERATION CODE"},
    {0x21, 0x00, "LOGICAL BLOCK ADDRESS OUT OF RANGE"},
    {0x23, 0x00, "INVALID TOKEN OPERATION, CAUSE NOT REPORTABLE"},
    {0x23, 0x01, "INVALID TOKEN OPERATION, UNSUPPORTED TOKEN TYPE"},
    {0x23, 0x02, "INVALID TOKEN OPERATION, REMOTE TOKEN USAGE NOT SUPPORTED"},
    {0x23, 0x03, "INVALID TOKEN OPERATION, REMOTE ROD TOKEN CREATION NOT SUPPORTED"},
    {0x23, 0x04, "INVALID TOKEN OPERATION, TOKEN UNKNOWN"},
    {0x23, 0x05, "INVALID TOKEN OPERATION, TOKEN CORRUPT"},
    {0x23, 0x06, "INVALID TOKEN OPERATION, TOKEN REVOKED"},
    {0x23, 0x07, "INVALID TOKEN OPERATION, TOKEN EXPIRED"},
    {0x23, 0x08, "INVALID TOKEN OPERATION, TOKEN CANCELLED"},
    {0x23, 0x09, "INVALID TOKEN OPERATION, TOKEN DELETED"},
    {0x23, 0x0A, "INVALID TOKEN OPERATION, INVALID TOKEN LENGTH"},
    {0x24, 0x00, "INVALID FIELD IN CDB"},
    {0x25, 0x00, "LOGICAL UNIT NOT SUPPORTED"},
    {0x26, 0x00, "INVALID FIELD IN PARAMETER LIST"},
    {0x26, 0x01, "PARAMETER NOT SUPPORTED"},
    {0x26, 0x02, "PARAMETER VALUE INVALID"},
    {0x26, 0x06, "TOO MANY TARGET DESCRIPTORS"},
    {0x26, 0x07, "UNSUPPORTED TARGET DESCRIPTOR TYPE CODE"},
    {0x26, 0x08, "TOO MANY SEGMENT DESCRIPTORS"},
    {0x26, 0x09, "UNSUPPORTED SEGMENT DESCRIPTOR TYPE CODE"},
    {0x26, 0x0A, "UNEXPECTED INEXACT SEGMENT"},
    {0x26, 0x0B, "INLINE DATA LENGTH EXCEEDED"},
    {0x26, 0x0C, "INVALID OPERATION FOR COPY SOURCE OR DESTINATION"},
    {0x26, 0x0D, "COPY SEGMENT GRANULARITY VIOLATION"},
    {0x26, 0x15, "COPY SOURCE OR COPY DESTINATION NOT AUTHORIZED"},
    {0x26, 0x16, "FAST COPY NOT POSSIBLE"},
    {0x27, 0x00, "WRITE PROTECTED"},
    {0x29, 0x00, "POWER ON, RESET, OR BUS DEVICE RESET OCCURRED"},
    {0x29, 0x01, "POWER ON OCCURRED"},
    {0x29, 0x03, "BUS DEVICE RESET FUNCTION OCCURRED"},
    {0x2A, 0x01, "MODE PARAMETERS CHANGED"},
    {0x2A, 0x09, "CAPACITY DATA HAS CHANGED"},
    {0x2C, 0x00, "COMMAND SEQUENCE ERROR"},
    {0x2F, 0x00, "COMMANDS CLEARED BY ANOTHER INITIATOR"},
    {0x2F, 0x02, "COMMANDS CLEARED BY DEVICE SERVER"},
    {0x31, 0x00, "MEDIUM FORMAT CORRUPTED"},
    {0x3A, 0x00, "MEDIUM NOT PRESENT"},
    {0x3E, 0x02, "TIMEOUT ON LOGICAL UNIT"},
    {0x44, 0x00, "INTERNAL TARGET FAILURE"},
    {0x47, 0x00, "SCSI PARITY ERROR"},
    {0x4B, 0x00, "DATA PHASE ERROR"},
    {0x55, 0x03, "INSUFFICIENT RESOURCES"},
    {0x55, 0x0C, "INSUFFICIENT RESOURCES TO CREATE ROD"},
    {0x55, 0x0D, "INSUFFICIENT RESOURCES TO CREATE ROD TOKEN"},
};

std::string field_text(const FieldRef& f, bool copy_aborted) {
  std::string where;
  switch (f.base) {
    case FieldRef::Base::kCdb: where = "CDB byte "; break;
    case FieldRef::Base::kParameterList: where = "parameter list byte "; break;
    case FieldRef::Base::kSegmentDescriptor: where = "segment descriptor byte "; break;
  }
  where += std::to_string(f.byte);
  if (f.bit) where += " bit " + std::to_string(*f.bit);
  return (copy_aborted ? "segment pointer: " : "field pointer: ") + where;
}

}  // namespace

std::string_view asc_name(std::uint8_t asc, std::uint8_t ascq) {
  for (const auto& n : kAscNames) {
    if (n.asc == asc && n.ascq == ascq) return n.name;
  }
  return "";
}

std::string describe(const Sense& s) {
  char code[8];
  std::snprintf(code, sizeof code, "%02X/%02X", s.asc, s.ascq);
  std::string out = std::string(sense_key_name(s.key)) + " " + code;
  if (auto name = asc_name(s.asc, s.ascq); !name.empty()) out += " " + std::string(name);
  if (s.copy_segment) out += "; segment " + std::to_string(*s.copy_segment);
  if (s.information) out += "; information " + std::to_string(*s.information);
  if (s.command_specific) out += "; command-specific " + std::to_string(*s.command_specific);
  if (s.field) out += "; " + field_text(*s.field, s.key == SenseKey::kCopyAborted);
  if (s.progress) out += "; progress " + std::to_string(*s.progress) + "/65536";
  for (const auto& f : s.forwarded) {
    out += f.source == ForwardedSense::Source::kCopySource ? "; forwarded from source"
                                                           : "; forwarded from destination";
    char status[8];
    std::snprintf(status, sizeof status, "%02Xh", f.status);
    out += std::string(" status ") + status;
    if (auto inner = decode_sense(f.sense); inner) out += " (" + describe(*inner) + ")";
  }
  if (!s.why.empty()) out += " - " + s.why;
  return out;
}

}  // namespace xg::scsi
