#include "scsi/designator.h"

#include "base/bits.h"

namespace xg::scsi {

Designator Designator::naa6(std::uint32_t ieee_company_id, std::uint64_t vendor_specific,
                            std::uint64_t vendor_specific_extension) {
  // SPC-4 7.8.6.6.4: NAA (4 bits) = 6h, IEEE COMPANY_ID (24), VENDOR SPECIFIC IDENTIFIER
  // (36), VENDOR SPECIFIC IDENTIFIER EXTENSION (64).
  base::ByteWriter w(16);
  const std::uint64_t high = (std::uint64_t{0x6} << 60) |
                             (std::uint64_t{ieee_company_id & 0xFFFFFF} << 36) |
                             (vendor_specific & 0xFFFFFFFFFULL);
  w.be64(high);
  w.be64(vendor_specific_extension);
  Designator d;
  d.type = DesignatorType::kNaa;
  d.value = w.take();
  return d;
}

Designator Designator::eui64(std::uint64_t id) {
  base::ByteWriter w(8);
  w.be64(id);
  Designator d;
  d.type = DesignatorType::kEui64;
  d.value = w.take();
  return d;
}

Designator Designator::t10_vendor_id(std::string_view vendor8, std::string_view specific) {
  base::ByteWriter w(8 + specific.size());
  w.ascii_padded(vendor8, 8);
  w.ascii_padded(specific, specific.size());
  Designator d;
  d.code_set = CodeSet::kAscii;
  d.type = DesignatorType::kT10VendorId;
  d.value = w.take();
  return d;
}

Designator Designator::scsi_name_string(std::string_view name, Association association) {
  // SPC-4 7.8.6.11: UTF-8, null-terminated, padded with nulls to a multiple of 4 bytes.
  base::ByteWriter w(name.size() + 4);
  w.ascii_padded(name, name.size());
  w.u8(0);
  w.pad_to_multiple(4);
  Designator d;
  d.code_set = CodeSet::kUtf8;
  d.association = association;
  d.type = DesignatorType::kScsiNameString;
  d.value = w.take();
  return d;
}

void encode_designator(const Designator& d, base::ByteWriter& w) {
  w.u8(static_cast<std::uint8_t>((d.protocol_identifier << 4) |
                                 static_cast<std::uint8_t>(d.code_set)));
  w.u8(static_cast<std::uint8_t>((d.piv ? 0x80 : 0) |
                                 (static_cast<std::uint8_t>(d.association) << 4) |
                                 static_cast<std::uint8_t>(d.type)));
  w.u8(0);
  w.u8(static_cast<std::uint8_t>(d.value.size()));
  w.bytes(d.value);
}

Result<Designator> decode_designator(base::ByteReader& r) {
  Designator d;
  XG_TRY(decode_designator_into(r, d));
  return d;
}

Result<void> decode_designator_into(base::ByteReader& r, Designator& d) {
  const std::size_t at = r.offset();
  if (!r.has(4)) {
    return Sense::param_list_length_error(FieldRef::param(at))
        .because("designation descriptor header truncated");
  }
  const std::uint8_t b0 = r.u8();
  const std::uint8_t b1 = r.u8();
  r.skip(1);
  const std::size_t length_at = r.offset();
  const std::uint8_t length = r.u8();
  d.protocol_identifier = base::bits<7, 4>(b0);
  const std::uint8_t code_set = base::bits<3, 0>(b0);
  if (code_set < 1 || code_set > 3) {
    return Sense::invalid_field_in_param_list(FieldRef::param(at, 3))
        .because("reserved CODE SET");
  }
  d.code_set = static_cast<CodeSet>(code_set);
  d.piv = base::bit(b1, 7);
  const std::uint8_t association = base::bits<5, 4>(b1);
  if (association == 3) {
    return Sense::invalid_field_in_param_list(FieldRef::param(at + 1, 5))
        .because("reserved ASSOCIATION 11b");
  }
  d.association = static_cast<Association>(association);
  d.type = static_cast<DesignatorType>(base::bits<3, 0>(b1));
  if (!r.has(length)) {
    return Sense::param_list_length_error(FieldRef::param(length_at))
        .because("DESIGNATOR LENGTH runs past the descriptor");
  }
  auto value = r.bytes(length);
  d.value.assign(value.begin(), value.end());
  return {};
}

bool cscd_names(const Designator& cscd_designator, const Designator& published) {
  return cscd_designator.code_set == published.code_set &&
         cscd_designator.association == published.association &&
         cscd_designator.type == published.type && cscd_designator.value == published.value;
}

}  // namespace xg::scsi
