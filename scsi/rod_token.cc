#include "scsi/rod_token.h"

#include <algorithm>
#include <cassert>
#include <string>

#include "base/bits.h"

namespace xg::scsi {
namespace {

using base::ByteReader;
using base::ByteWriter;

struct RodTypeName {
  std::uint32_t rod_type;
  std::string_view name;
};

// SPC-4 table 111 and SBC-4 4.26.4.
constexpr RodTypeName kRodTypeNames[] = {
    {kRodTypeCopyManagerInternal, "copy manager internal"},
    {kRodTypeAccessUponReference, "access upon reference"},
    {kRodTypePointInTimeDefault, "point in time copy - default"},
    {kRodTypePointInTimeChangeVulnerable, "point in time copy - change vulnerable"},
    {kRodTypePointInTimePersistent, "point in time copy - persistent"},
    {kRodTypePointInTimeAny, "point in time copy - any"},
    {kRodTypeBlockDeviceZero, "block device zero ROD token"},
};

bool all_zero(std::span<const std::uint8_t> bytes) {
  return std::all_of(bytes.begin(), bytes.end(), [](std::uint8_t b) { return b == 0; });
}

Sense corrupt(std::size_t at, std::optional<std::uint8_t> bit, std::string why) {
  return Sense::token_corrupt(FieldRef::param(at, bit)).because(std::move(why));
}

// A designator error from decode_designator() becomes "ROD token corrupt" at the same byte.
Sense corrupt_from(const Sense& designator_error, std::string why) {
  Sense s = Sense::token_corrupt(designator_error.field);
  return std::move(s).because(std::move(why) + ": " + designator_error.why);
}

// Token bytes 16-47, SPC-4 6.4.5.6 (table 145): `bytes` are exactly 32 bytes at `base`.
Result<std::optional<CreatorLogicalUnitDescriptor>> decode_creator_bytes(
    std::span<const std::uint8_t> bytes, std::size_t base) {
  if (all_zero(bytes)) return std::optional<CreatorLogicalUnitDescriptor>{};
  ByteReader r(bytes, base);
  const std::size_t at_type = r.offset();
  if (r.u8() != kCscdTypeIdentification) {
    return corrupt(at_type, std::nullopt, "CREATOR LOGICAL UNIT DESCRIPTOR is not E4h");
  }
  CreatorLogicalUnitDescriptor creator;
  creator.peripheral_device_type = base::bits<4, 0>(r.u8());
  r.skip(2);  // RELATIVE INITIATOR PORT IDENTIFIER: meaningless for a creator LU
  auto area = r.take(24);                   // bytes 4-27: designation descriptor + padding
  const std::size_t at_length = area->offset() + 3;
  if (area->peek_u8(3) > kMaxCscdDesignatorLength) {
    return corrupt(at_length, std::nullopt, "creator DESIGNATOR LENGTH exceeds 20");
  }
  auto designator = decode_designator(*area);
  if (!designator) return corrupt_from(designator.error(), "creator designator");
  creator.designator = std::move(designator).value();
  const std::uint8_t byte28 = r.u8();
  creator.device_parameters.pad = base::bit(byte28, 2);
  creator.device_parameters.disk_block_length = r.be24();
  return std::optional<CreatorLogicalUnitDescriptor>(std::move(creator));
}

void encode_creator(const std::optional<CreatorLogicalUnitDescriptor>& creator, ByteWriter& w) {
  const std::size_t start = w.size();
  if (!creator) {
    w.zeros(kCreatorLuDescriptorSize);
    return;
  }
  assert(creator->designator.value.size() <= kMaxCscdDesignatorLength);
  w.u8(kCscdTypeIdentification);
  w.u8(creator->peripheral_device_type & 0x1F);
  w.be16(0);
  encode_designator(creator->designator, w);
  w.zeros(start + 28 - w.size());
  w.u8(creator->device_parameters.pad ? 0x04 : 0x00);
  w.be24(creator->device_parameters.disk_block_length & 0xFFFFFF);
  assert(w.size() - start == kCreatorLuDescriptorSize);
}

// Token bytes 96-127 (SBC-4 table 65 bytes 8-31).
BlockDeviceTokenData decode_block_device_data(ByteReader& r) {
  BlockDeviceTokenData d;
  d.logical_block_length = r.be32();
  const std::uint8_t b4 = r.u8();
  d.p_type = base::bits<3, 1>(b4);
  d.prot_en = base::bit(b4, 0);
  const std::uint8_t b5 = r.u8();
  d.p_i_exponent = base::bits<7, 4>(b5);
  d.logical_blocks_per_physical_block_exponent = base::bits<3, 0>(b5);
  const std::uint16_t b67 = r.be16();
  d.lbpme = (b67 & 0x8000) != 0;
  d.lbprz = (b67 & 0x4000) != 0;
  d.lowest_aligned_logical_block_address = static_cast<std::uint16_t>(b67 & 0x3FFF);
  r.skip(24);
  return d;
}

void encode_block_device_data(const BlockDeviceTokenData& d, ByteWriter& w) {
  w.be32(d.logical_block_length);
  w.u8(static_cast<std::uint8_t>(((d.p_type & 0x07) << 1) | (d.prot_en ? 0x01 : 0x00)));
  w.u8(static_cast<std::uint8_t>(((d.p_i_exponent & 0x0F) << 4) |
                                 (d.logical_blocks_per_physical_block_exponent & 0x0F)));
  w.be16(static_cast<std::uint16_t>((d.lbpme ? 0x8000 : 0) | (d.lbprz ? 0x4000 : 0) |
                                    (d.lowest_aligned_logical_block_address & 0x3FFF)));
  w.zeros(24);
}

// Token bytes 128-255. All zero means "no target device descriptor".
Result<std::optional<Designator>> decode_target_device(ByteReader area) {
  const std::size_t base = area.start();
  const auto bytes = area.bytes(kTargetDeviceDescriptorAreaSize);
  if (all_zero(bytes)) return std::optional<Designator>{};
  ByteReader r(bytes, base);
  auto designator = decode_designator(r);
  if (!designator) return corrupt_from(designator.error(), "TARGET DEVICE DESCRIPTOR");
  return std::optional<Designator>(std::move(designator).value());
}

void encode_target_device(const std::optional<Designator>& target, ByteWriter& w) {
  const std::size_t start = w.size();
  if (target) {
    assert(target->value.size() + 4 <= kTargetDeviceDescriptorAreaSize);
    encode_designator(*target, w);
  }
  w.zeros(start + kTargetDeviceDescriptorAreaSize - w.size());
}

}  // namespace

std::string_view rod_type_name(std::uint32_t rod_type) {
  for (const auto& row : kRodTypeNames) {
    if (row.rod_type == rod_type) return row.name;
  }
  if (rod_type >= 0xFFFFFFF0) return "vendor specific";
  if (rod_type >= 0xFF000000) return "device type specific";
  return "reserved";
}

bool is_point_in_time_rod_type(std::uint32_t rod_type) {
  return rod_type == kRodTypePointInTimeDefault ||
         rod_type == kRodTypePointInTimeChangeVulnerable ||
         rod_type == kRodTypePointInTimePersistent || rod_type == kRodTypePointInTimeAny;
}

Result<RodToken> decode_rod_token(ByteReader& r) {
  auto token_reader = r.take(kRodTokenSize);
  if (!token_reader) {
    // In a WRITE USING TOKEN the caller has already checked that 512 bytes are present;
    // a short token elsewhere (tools, RRTI consumers) is an invalid token length too.
    return Sense::invalid_token_length().because("ROD token shorter than 512 bytes");
  }
  ByteReader& t = *token_reader;
  const std::size_t start = t.offset();
  RodToken token;
  token.rod_type = t.be32();
  t.skip(2);
  const std::size_t at_length = t.offset();
  if (const std::uint16_t length = t.be16(); length != kRodTokenLength) {
    return Sense::invalid_token_length(FieldRef::param(at_length))
        .because("ROD TOKEN LENGTH " + std::to_string(length) + " is not 01F8h");
  }
  token.copy_manager_rod_token_identifier = t.be64();
  auto creator = decode_creator_bytes(t.bytes(kCreatorLuDescriptorSize),
                                      start + kCreatorLuDescriptorOffset);
  if (!creator) return std::move(creator).error();
  token.creator_logical_unit_descriptor = std::move(creator).value();
  token.number_of_bytes_represented_high = t.be64();
  token.number_of_bytes_represented_low = t.be64();
  const auto rod_type_specific = t.bytes(kRodTypeSpecificSize);
  std::copy(rod_type_specific.begin(), rod_type_specific.end(), token.rod_type_specific.begin());
  token.device_type_specific = decode_block_device_data(t);
  auto target = decode_target_device(*t.take(kTargetDeviceDescriptorAreaSize));
  if (!target) return std::move(target).error();
  token.target_device_descriptor = std::move(target).value();
  const auto extended = t.bytes(kExtendedRodTokenDataSize);
  std::copy(extended.begin(), extended.end(), token.extended_rod_token_data.begin());
  assert(t.ok() && t.empty());
  return token;
}

Result<RodToken> decode_rod_token(std::span<const std::uint8_t> token) {
  ByteReader r(token);
  return decode_rod_token(r);
}

void encode_rod_token(const RodToken& token, ByteWriter& w) {
  const std::size_t start = w.size();
  w.be32(token.rod_type);
  w.zeros(2);
  w.be16(kRodTokenLength);
  w.be64(token.copy_manager_rod_token_identifier);
  encode_creator(token.creator_logical_unit_descriptor, w);
  w.be64(token.number_of_bytes_represented_high);
  w.be64(token.number_of_bytes_represented_low);
  w.bytes(token.rod_type_specific);
  encode_block_device_data(token.device_type_specific, w);
  encode_target_device(token.target_device_descriptor, w);
  w.bytes(token.extended_rod_token_data);
  assert(w.size() - start == kRodTokenSize);
  (void)start;
}

std::vector<std::uint8_t> encode_rod_token(const RodToken& token) {
  ByteWriter w(kRodTokenSize);
  encode_rod_token(token, w);
  return w.take();
}

RodToken zero_rod_token() {
  RodToken token;
  token.rod_type = kRodTypeBlockDeviceZero;
  return token;
}

const std::array<std::uint8_t, kRodTokenSize>& zero_rod_token_bytes() {
  static const std::array<std::uint8_t, kRodTokenSize> bytes = [] {
    std::array<std::uint8_t, kRodTokenSize> b{};
    b[0] = 0xFF;
    b[1] = 0xFF;
    b[2] = 0x00;
    b[3] = 0x01;
    b[6] = static_cast<std::uint8_t>(kRodTokenLength >> 8);
    b[7] = static_cast<std::uint8_t>(kRodTokenLength & 0xFF);
    return b;
  }();
  return bytes;
}

bool rod_token_is_zero_token(const RodToken& token) { return token == zero_rod_token(); }

bool rod_token_is_zero_token(std::span<const std::uint8_t> token) {
  const auto& zero = zero_rod_token_bytes();
  return token.size() == zero.size() && std::equal(token.begin(), token.end(), zero.begin());
}

}  // namespace xg::scsi
