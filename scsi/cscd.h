// CSCD (copy source and copy destination) descriptors of the EXTENDED COPY parameter list
// (SPC-4 r37 6.4.5, "CSCD descriptors"; table 125 lists the type codes).
//
// Every CSCD descriptor starts with the common four bytes of SPC-4 table 124:
//   byte 0      DESCRIPTOR TYPE CODE
//   byte 1 b7:6 LU ID TYPE, b5 obsolete (SPC-3 NUL), b4:0 PERIPHERAL DEVICE TYPE
//   bytes 2-3   RELATIVE INITIATOR PORT IDENTIFIER
// and ends (bytes 28-31) with device type specific parameters (SPC-4 6.4.5.2; for block
// devices SPC-4 table 153: byte 28 b2 PAD, bytes 29-31 DISK BLOCK LENGTH).
//
// Two types are decoded:
//   E4h identification descriptor (SPC-4 6.4.5.6): the designator of a VPD 83h designation
//       descriptor at bytes 4-27 (scsi/designator.h). The one every client sends.
//   FEh ROD CSCD descriptor (SPC-4 6.4.5.9): used with BEh/BFh segments.
// Every other code E0h..FDh is recognised by name (cscd_type_name) and refused with
// 26/07. EAh (IPv6) and EBh (IP copy service) are 64 bytes long; all others 32.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <variant>

#include "base/byte_reader.h"
#include "base/byte_writer.h"
#include "scsi/copy_limits.h"
#include "scsi/designator.h"
#include "scsi/sense.h"

namespace xg::scsi {

inline constexpr std::uint8_t kCscdTypeIdentification = 0xE4;
inline constexpr std::uint8_t kCscdTypeRod = 0xFE;
inline constexpr std::size_t kCscdDescriptorLength = 32;       // SPC-4 6.4.5.1
inline constexpr std::size_t kLongCscdDescriptorLength = 64;   // EAh, EBh

// SPC-4 table 125 name of a CSCD descriptor type code ("Identification descriptor",
// "reserved" for ECh..FDh, "LID4 header / extension" for FFh, "not a CSCD descriptor
// type code" below E0h).
std::string_view cscd_type_name(std::uint8_t type_code);

// Length in bytes of a CSCD descriptor with this type code: 64 for EAh/EBh, 32 otherwise
// (codes outside E0h..FEh included, so a list walk can step over them before refusing).
std::size_t cscd_descriptor_length(std::uint8_t type_code);

// Device type specific parameters for block devices (SPC-4 6.4.5.2, table 153), bytes
// 28-31 of a CSCD descriptor with PERIPHERAL DEVICE TYPE 00h.
struct BlockDeviceParameters {
  bool pad = false;                     // byte 28 b2: residue handling (SPC-4 5.17.7.2)
  std::uint32_t disk_block_length = 0;  // bytes 29-31, bytes per block; 0 = use the LU's
  friend bool operator==(const BlockDeviceParameters&, const BlockDeviceParameters&) = default;
};

// E4h: bytes 4-27 hold a designation descriptor header plus at most 20 designator bytes,
// zero-padded. The designator names the LU (cscd_names() in scsi/designator.h).
struct IdentificationCscd {
  Designator designator;
  friend bool operator==(const IdentificationCscd&, const IdentificationCscd&) = default;
};

// FEh ROD CSCD descriptor (SPC-4 6.4.5.9, table 150).
struct RodCscd {
  std::uint16_t rod_producer_cscd_descriptor_id = 0;     // bytes 4-5
  std::uint32_t rod_type = 0;                             // bytes 8-11; 0 = token in inline data
  std::uint32_t requested_rod_token_lifetime = 0;         // bytes 12-15, seconds
  std::uint32_t requested_rod_token_inactivity_timeout = 0;  // bytes 16-19, seconds
  bool r_token = false;                                   // byte 22 b0
  bool del_tkn = false;                                   // byte 23 b0
  std::uint32_t rod_token_offset = 0;                     // bytes 24-27, into inline data
  friend bool operator==(const RodCscd&, const RodCscd&) = default;
};

struct CscdDescriptor {
  std::size_t offset = 0;  // absolute offset of byte 0 in the parameter list (decode only)
  // Recorded, never validated: SPC-4 6.4.5.6 says LU ID TYPE is ignored for E4h, and
  // libiscsi ValidTgtDescr expects GOOD for 10b when INQUIRY VERSION >= 6.
  std::uint8_t lu_id_type = 0;
  // Obsolete SPC-3 NUL bit. Recorded so the copy manager can abort the segment that uses
  // this CSCD (libiscsi ValidTgtDescr expects COPY ABORTED, not ILLEGAL REQUEST).
  bool nul = false;
  std::uint8_t peripheral_device_type = 0;  // must be 00h (block): 26/00 otherwise
  std::uint16_t relative_initiator_port_identifier = 0;
  std::variant<IdentificationCscd, RodCscd> body;
  BlockDeviceParameters device_parameters;

  std::uint8_t descriptor_type_code() const;

  // `offset` takes part in equality: re-encoding a decoded list puts every descriptor
  // back at the same offset, so decode(encode(x)) == x holds for decoded values.
  friend bool operator==(const CscdDescriptor&, const CscdDescriptor&) = default;
};

// Decodes one CSCD descriptor. `r` must span exactly the descriptor
// (cscd_descriptor_length of its type code); the list walk in xcopy_params.cc
// guarantees that. Errors (all ILLEGAL REQUEST, field pointers into the parameter list):
//   26/07 type not in limits.implemented_descriptor_types or not decodable here
//         -> pointer at the type byte
//   26/00 PERIPHERAL DEVICE TYPE != 00h -> byte 1 bit 4
//   26/00 E4h DESIGNATOR LENGTH > 20 -> byte 7; reserved CODE SET -> byte 4 bit 3;
//         ASSOCIATION != 00b -> byte 5 bit 5
Result<CscdDescriptor> decode_cscd(base::ByteReader& r, const CopyManagerLimits& limits);

// decode_cscd into `out`, a default-constructed descriptor (for example the one just
// emplaced at the back of ExtendedCopyList::cscds). Same checks and errors; on an error
// `out` is partly filled and meant to be thrown away. The list decoder uses this so the
// descriptor is built where it is kept instead of being moved through a Result.
Result<void> decode_cscd_into(base::ByteReader& r, const CopyManagerLimits& limits,
                              CscdDescriptor& out);

// Appends exactly kCscdDescriptorLength bytes. Reserved bytes and the designator padding
// are written as zero; a designator longer than 20 bytes is an internal error (asserted).
void encode_cscd(const CscdDescriptor& cscd, base::ByteWriter& w);

}  // namespace xg::scsi
