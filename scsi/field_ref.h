// Where in a request an error was found: the sense-key-specific FIELD POINTER
// (SPC-4 4.5.2.4.2) or, for COPY ABORTED, the SEGMENT POINTER (SPC-4 4.5.2.4.6).
//
// Offsets come from base::ByteReader::offset() at the failing field, never typed as
// literals, so they cannot drift from the parser.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

namespace xg::scsi {

struct FieldRef {
  enum class Base : std::uint8_t {
    kCdb,                // C/D = 1
    kParameterList,      // C/D = 0 (or SD = 0 in a segment pointer)
    kSegmentDescriptor,  // SD = 1: relative to the start of the segment descriptor
  };

  Base base = Base::kParameterList;
  std::uint16_t byte = 0;
  std::optional<std::uint8_t> bit;  // BPV/BIT POINTER when the field is part of a byte

  static FieldRef cdb(std::size_t byte, std::optional<std::uint8_t> bit = std::nullopt) {
    return {Base::kCdb, static_cast<std::uint16_t>(byte), bit};
  }
  static FieldRef param(std::size_t byte, std::optional<std::uint8_t> bit = std::nullopt) {
    return {Base::kParameterList, static_cast<std::uint16_t>(byte), bit};
  }
  static FieldRef segment(std::size_t byte, std::optional<std::uint8_t> bit = std::nullopt) {
    return {Base::kSegmentDescriptor, static_cast<std::uint16_t>(byte), bit};
  }

  friend bool operator==(const FieldRef&, const FieldRef&) = default;
};

}  // namespace xg::scsi
