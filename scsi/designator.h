// Designation descriptors (SPC-4 7.8.6.1, Device Identification VPD page 83h) and the
// rule by which an E4h identification CSCD descriptor names a logical unit (SPC-4 6.4.5.6).
//
// The same 4-byte-header layout appears in VPD 83h, inside E4h CSCD descriptors (bytes
// 4-27), and in ROD tokens (creator LU, target device descriptor).
#pragma once

#include <algorithm>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <iterator>
#include <span>
#include <string_view>
#include <vector>

#include "base/byte_reader.h"
#include "base/byte_writer.h"
#include "scsi/sense.h"

namespace xg::scsi {

// CODE SET (SPC-4 table 487).
enum class CodeSet : std::uint8_t { kBinary = 1, kAscii = 2, kUtf8 = 3 };
// ASSOCIATION (SPC-4 table 488).
enum class Association : std::uint8_t { kLogicalUnit = 0, kTargetPort = 1, kTargetDevice = 2 };
// DESIGNATOR TYPE (SPC-4 table 489).
enum class DesignatorType : std::uint8_t {
  kVendorSpecific = 0x0,
  kT10VendorId = 0x1,
  kEui64 = 0x2,
  kNaa = 0x3,
  kRelativeTargetPort = 0x4,
  kTargetPortGroup = 0x5,
  kLogicalUnitGroup = 0x6,
  kMd5LogicalUnit = 0x7,
  kScsiNameString = 0x8,
  kProtocolSpecificPort = 0x9,
  kUuid = 0xA,
};

// DESIGNATOR bytes, stored inline. DESIGNATOR LENGTH is one byte, so 255 bytes always
// fit, and inline storage keeps decoding a designator (one per E4h CSCD of every EXTENDED
// COPY) free of allocations. The interface is the part of std::vector<std::uint8_t> that
// callers use; it is a contiguous range, so it converts to std::span<const std::uint8_t>.
class DesignatorBytes {
 public:
  static constexpr std::size_t kCapacity = 255;

  DesignatorBytes() = default;
  DesignatorBytes(std::initializer_list<std::uint8_t> bytes) {  // NOLINT: like a vector
    assign(bytes.begin(), bytes.end());
  }
  DesignatorBytes(const std::vector<std::uint8_t>& bytes) {  // NOLINT: like a vector
    assign(bytes.begin(), bytes.end());
  }
  // Only the bytes in use are copied (the buffer behind them is never read).
  DesignatorBytes(const DesignatorBytes& other) : size_(other.size_) {
    std::memcpy(bytes_, other.bytes_, size_);
  }
  DesignatorBytes& operator=(const DesignatorBytes& other) {
    size_ = other.size_;
    std::memmove(bytes_, other.bytes_, size_);
    return *this;
  }
  DesignatorBytes& operator=(const std::vector<std::uint8_t>& bytes) {
    assign(bytes.begin(), bytes.end());
    return *this;
  }
  DesignatorBytes& operator=(std::initializer_list<std::uint8_t> bytes) {
    assign(bytes.begin(), bytes.end());
    return *this;
  }

  // More than kCapacity bytes is an internal error (asserted; the excess is dropped).
  template <class It>
  void assign(It first, It last) {
    const auto n = static_cast<std::size_t>(std::distance(first, last));
    assert(n <= kCapacity);
    const std::size_t kept = std::min(n, kCapacity);
    std::copy_n(first, kept, bytes_);  // a memmove for the contiguous ranges decode passes
    size_ = static_cast<std::uint8_t>(kept);
  }
  void push_back(std::uint8_t byte) {
    assert(size_ < kCapacity);
    if (size_ < kCapacity) bytes_[size_++] = byte;
  }
  void clear() { size_ = 0; }

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const std::uint8_t* data() const { return bytes_; }
  std::uint8_t* data() { return bytes_; }
  const std::uint8_t* begin() const { return bytes_; }
  const std::uint8_t* end() const { return bytes_ + size_; }
  std::uint8_t* begin() { return bytes_; }
  std::uint8_t* end() { return bytes_ + size_; }
  std::uint8_t operator[](std::size_t i) const { return bytes_[i]; }
  std::uint8_t& operator[](std::size_t i) { return bytes_[i]; }
  std::uint8_t front() const { return bytes_[0]; }
  std::uint8_t& front() { return bytes_[0]; }
  std::uint8_t back() const { return bytes_[size_ - 1]; }
  std::uint8_t& back() { return bytes_[size_ - 1]; }

  friend bool operator==(const DesignatorBytes& a, const DesignatorBytes& b) {
    return a.size_ == b.size_ && std::memcmp(a.bytes_, b.bytes_, a.size_) == 0;
  }
  friend bool operator==(const DesignatorBytes& a, const std::vector<std::uint8_t>& b) {
    return a.size_ == b.size() && std::equal(b.begin(), b.end(), a.bytes_);
  }

 private:
  std::uint8_t size_ = 0;
  std::uint8_t bytes_[kCapacity];  // NOLINT: only [0, size_) is ever read
};

struct Designator {
  std::uint8_t protocol_identifier = 0;  // b7:4 of byte 0; meaningful only with PIV=1
  CodeSet code_set = CodeSet::kBinary;
  bool piv = false;
  Association association = Association::kLogicalUnit;
  DesignatorType type = DesignatorType::kNaa;
  DesignatorBytes value;  // DESIGNATOR, at most 255 bytes

  friend bool operator==(const Designator&, const Designator&) = default;

  // NAA IEEE Registered Extended (NAA 6h, 16 bytes): the designator every LU publishes
  // first and ESXi puts in its CSCDs. `ieee_company_id` is 24 bits.
  static Designator naa6(std::uint32_t ieee_company_id, std::uint64_t vendor_specific,
                         std::uint64_t vendor_specific_extension);
  static Designator eui64(std::uint64_t id);
  static Designator t10_vendor_id(std::string_view vendor8, std::string_view specific);
  static Designator scsi_name_string(std::string_view name, Association association);
};

// Encodes header + designator (4 + value.size() bytes).
void encode_designator(const Designator& d, base::ByteWriter& w);

// Decodes one designation descriptor from `r`. Fails with 1A/00 if the header or the
// DESIGNATOR LENGTH runs past the reader (pointer at the DESIGNATOR LENGTH byte), or
// 26/00 for a reserved CODE SET / ASSOCIATION.
Result<Designator> decode_designator(base::ByteReader& r);
// The same into `out` (a default-constructed Designator); on an error `out` is partly
// filled and meant to be thrown away. Lets a CSCD decode its designator in place.
Result<void> decode_designator_into(base::ByteReader& r, Designator& out);

// SPC-4 6.4.5.6: an E4h CSCD names the LU whose VPD 83h holds a descriptor with the same
// CODE SET, ASSOCIATION, DESIGNATOR TYPE, DESIGNATOR LENGTH and designator bytes. The
// protocol identifier and PIV are ignored (sg_xcopy masks them, QEMU copies them as is).
bool cscd_names(const Designator& cscd_designator, const Designator& published);

// Longest designator that fits in an E4h CSCD (bytes 8-27).
inline constexpr std::size_t kMaxCscdDesignatorLength = 20;

}  // namespace xg::scsi
