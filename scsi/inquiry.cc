#include "scsi/inquiry.h"

#include <cassert>

#include "base/bits.h"
#include "base/byte_reader.h"
#include "base/byte_writer.h"

namespace xg::scsi {

namespace {

std::uint8_t flag(bool on, unsigned bit_number) {
  return static_cast<std::uint8_t>(on ? (1U << bit_number) : 0U);
}

// ASCII identification field without its padding (SPC-4 4.3.1 pads with spaces; some
// targets pad with NULs instead).
std::string unpadded(std::span<const std::uint8_t> field) {
  std::size_t end = field.size();
  while (end > 0 && (field[end - 1] == ' ' || field[end - 1] == 0)) --end;
  return std::string(field.begin(), field.begin() + static_cast<std::ptrdiff_t>(end));
}

}  // namespace

std::uint8_t encode_peripheral(const Peripheral& p) {
  return static_cast<std::uint8_t>(((p.qualifier & 0x7U) << 5) | (p.device_type & 0x1FU));
}

Peripheral decode_peripheral(std::uint8_t byte) {
  return {base::bits<7, 5>(byte), base::bits<4, 0>(byte)};
}

std::vector<std::uint8_t> encode_standard_inquiry(const StandardInquiry& inquiry) {
  std::vector<std::uint16_t> versions;
  for (std::uint16_t v : inquiry.version_descriptors) {
    if (v != 0 && versions.size() < kMaxVersionDescriptors) versions.push_back(v);
  }
  const std::size_t total = versions.empty() ? kStandardInquiryMinLength
                                             : kStandardInquiryFullLength;
  base::ByteWriter w(total);
  w.u8(encode_peripheral(inquiry.peripheral));
  w.u8(static_cast<std::uint8_t>(flag(inquiry.rmb, 7) | flag(inquiry.lu_cong, 6)));
  w.u8(inquiry.version);
  w.u8(static_cast<std::uint8_t>(flag(inquiry.normaca, 5) | flag(inquiry.hisup, 4) |
                                 kResponseDataFormat));
  w.u8(static_cast<std::uint8_t>(total - 5));  // ADDITIONAL LENGTH (n - 4)
  w.u8(static_cast<std::uint8_t>(flag(inquiry.sccs, 7) | flag(inquiry.acc, 6) |
                                 ((inquiry.tpgs & 0x3U) << 4) |
                                 flag(inquiry.third_party_copy, 3) | flag(inquiry.protect, 0)));
  w.u8(static_cast<std::uint8_t>(flag(inquiry.encserv, 6) | flag(inquiry.multip, 4)));
  w.u8(flag(inquiry.cmdque, 1));
  w.ascii_padded(inquiry.t10_vendor_identification, 8);
  w.ascii_padded(inquiry.product_identification, 16);
  w.ascii_padded(inquiry.product_revision_level, 4);
  if (!versions.empty()) {
    w.zeros(kVersionDescriptorOffset - w.size());  // vendor specific 36-55, 56-57 (SPI)
    for (std::uint16_t v : versions) w.be16(v);
    w.zeros(total - w.size());  // unused slots and reserved bytes 74-95
  }
  assert(w.size() == total);
  return w.take();
}

Result<StandardInquiry> decode_standard_inquiry(std::span<const std::uint8_t> bytes) {
  base::ByteReader whole(bytes);
  if (!whole.has(5)) {
    return Sense::param_list_length_error().because("standard INQUIRY data shorter than 5 bytes");
  }
  const std::size_t length_at = 4;
  const std::size_t total = std::size_t{whole.peek_u8(length_at)} + 5;
  if (total > bytes.size()) {
    return Sense::param_list_length_error(FieldRef::param(length_at))
        .because("ADDITIONAL LENGTH runs past the data");
  }
  if (total < kStandardInquiryMinLength) {
    return Sense::param_list_length_error(FieldRef::param(length_at))
        .because("ADDITIONAL LENGTH describes fewer than the mandatory 36 bytes");
  }
  base::ByteReader r = *whole.take(total);
  StandardInquiry q;
  q.peripheral = decode_peripheral(r.u8());
  const std::uint8_t b1 = r.u8();
  q.rmb = base::bit(b1, 7);
  q.lu_cong = base::bit(b1, 6);
  q.version = r.u8();
  const std::size_t format_at = r.offset();
  const std::uint8_t b3 = r.u8();
  if (base::bits<3, 0>(b3) != kResponseDataFormat) {
    return Sense::invalid_field_in_param_list(FieldRef::param(format_at, 3))
        .because("RESPONSE DATA FORMAT is not 2");
  }
  q.normaca = base::bit(b3, 5);
  q.hisup = base::bit(b3, 4);
  r.skip(1);  // ADDITIONAL LENGTH, checked above
  const std::uint8_t b5 = r.u8();
  q.sccs = base::bit(b5, 7);
  q.acc = base::bit(b5, 6);
  q.tpgs = base::bits<5, 4>(b5);
  q.third_party_copy = base::bit(b5, 3);
  q.protect = base::bit(b5, 0);
  const std::uint8_t b6 = r.u8();
  q.encserv = base::bit(b6, 6);
  q.multip = base::bit(b6, 4);
  q.cmdque = base::bit(r.u8(), 1);
  q.t10_vendor_identification = unpadded(r.bytes(8));
  q.product_identification = unpadded(r.bytes(16));
  q.product_revision_level = unpadded(r.bytes(4));
  if (r.has(kVersionDescriptorOffset - r.position())) {
    r.skip(kVersionDescriptorOffset - r.position());
    for (std::size_t i = 0; i < kMaxVersionDescriptors && r.has(2); ++i) {
      const std::uint16_t v = r.be16();
      if (v != 0) q.version_descriptors.push_back(v);
    }
  }
  return q;
}

}  // namespace xg::scsi
