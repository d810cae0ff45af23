#include "scsi/vpd_third_party_copy.h"

#include <algorithm>
#include <array>
#include <cassert>

#include "base/bits.h"
#include "base/byte_reader.h"
#include "base/byte_writer.h"
#include "scsi/vpd.h"

namespace xg::scsi {

namespace {

using Bytes = std::vector<std::uint8_t>;

constexpr std::size_t kDescriptorHeaderLength = 4;
constexpr std::size_t kRodTypeDescriptorLength = 64;
constexpr std::uint16_t kBlockRodFeaturesLength = 0x002C;  // of the 48-byte descriptor
constexpr std::uint8_t kBlockRodFeaturesFormatPdt = 0x00;   // format 000b, PDT 00h
constexpr std::uint16_t kRodTokenFeaturesFixedLength = 0x002C;  // bytes 4-47

template <class T>
std::vector<T> sorted_unique(std::vector<T> v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

// ---- descriptor bodies (bytes 4-n, before padding) ----

void put_block_device_rod_token_limits(const BlockDeviceRodTokenLimits& d, base::ByteWriter& w) {
  w.zeros(6);  // bytes 4-9 reserved
  w.be16(d.maximum_range_descriptors);
  w.be32(d.maximum_inactivity_timeout);
  w.be32(d.default_inactivity_timeout);
  w.be64(d.maximum_token_transfer_size);
  w.be64(d.optimal_transfer_count);
}

void put_supported_commands(const std::vector<SupportedCommand>& commands, base::ByteWriter& w) {
  const std::size_t list_length_at = w.size();
  w.u8(0);  // COMMANDS SUPPORTED LIST LENGTH, patched below
  for (const SupportedCommand& c : commands) {
    const Bytes actions = sorted_unique(c.service_actions);
    w.u8(c.operation_code);
    w.u8(static_cast<std::uint8_t>(actions.size()));
    w.bytes(actions);
  }
  w.put_u8_at(list_length_at, static_cast<std::uint8_t>(w.size() - list_length_at - 1));
}

void put_parameter_data(const ParameterData& d, base::ByteWriter& w) {
  w.zeros(4);  // bytes 4-7 reserved
  w.be16(d.maximum_cscd_descriptor_count);
  w.be16(d.maximum_segment_descriptor_count);
  w.be32(d.maximum_descriptor_list_length);
  w.be32(d.maximum_inline_data_length);
  w.zeros(12);  // bytes 20-31 reserved
}

void put_supported_descriptors(const Bytes& codes, base::ByteWriter& w) {
  const Bytes sorted = sorted_unique(codes);
  w.u8(static_cast<std::uint8_t>(sorted.size()));
  w.bytes(sorted);
}

void put_cscd_ids(const std::vector<std::uint16_t>& ids, base::ByteWriter& w) {
  const auto sorted = sorted_unique(ids);
  w.be16(static_cast<std::uint16_t>(2 * sorted.size()));
  for (std::uint16_t id : sorted) w.be16(id);
}

void put_block_rod_features(const BlockRodFeatures& b, base::ByteWriter& w) {
  w.u8(kBlockRodFeaturesFormatPdt);
  w.u8(0);
  w.be16(kBlockRodFeaturesLength);
  w.zeros(2);  // bytes 4-5 reserved
  w.be16(b.optimal_block_rod_length_granularity);
  w.be64(b.maximum_bytes_in_block_rod);
  w.be64(b.optimal_bytes_in_block_rod_transfer);
  w.be64(b.optimal_bytes_to_token_per_segment);
  w.be64(b.optimal_bytes_from_token_per_segment);
  w.zeros(8);  // bytes 40-47 reserved
}

void put_rod_token_features(const RodTokenFeatures& f, base::ByteWriter& w) {
  w.u8(f.remote_tokens & 0x0F);
  w.zeros(11);  // bytes 5-15 reserved
  w.be32(f.minimum_token_lifetime);
  w.be32(f.maximum_token_lifetime);
  w.be32(f.maximum_token_inactivity_timeout);
  w.zeros(18);  // bytes 28-45 reserved
  const std::size_t length_at = w.size();
  w.be16(0);  // ROD DEVICE TYPE SPECIFIC FEATURES DESCRIPTORS LENGTH, patched below
  if (f.block) put_block_rod_features(*f.block, w);
  for (const Bytes& other : f.other_device_type_features) w.bytes(other);
  w.put_be16_at(length_at, static_cast<std::uint16_t>(w.size() - length_at - 2));
}

void put_rod_types(std::vector<RodTypeDescriptor> types, base::ByteWriter& w) {
  std::stable_sort(types.begin(), types.end(),
                   [](const auto& a, const auto& b) { return a.rod_type < b.rod_type; });
  w.zeros(2);  // bytes 4-5 reserved
  w.be16(static_cast<std::uint16_t>(kRodTypeDescriptorLength * types.size()));
  for (const RodTypeDescriptor& t : types) {
    w.be32(t.rod_type);
    w.u8(static_cast<std::uint8_t>((t.ecpy_int ? 0x80 : 0) | (t.token_in ? 0x02 : 0) |
                                   (t.token_out ? 0x01 : 0)));
    w.u8(0);
    w.be16(t.preference_indicator);
    w.zeros(kRodTypeDescriptorLength - 8);  // bytes 8-63 reserved
  }
}

void put_general_copy_operations(const GeneralCopyOperations& g, base::ByteWriter& w) {
  w.be32(g.total_concurrent_copies);
  w.be32(g.maximum_identified_concurrent_copies);
  w.be32(g.maximum_segment_length);
  w.u8(g.data_segment_granularity);
  w.u8(g.inline_data_granularity);
  w.zeros(18);  // bytes 18-35 reserved
}

void put_stream_copy_operations(const StreamCopyOperations& s, base::ByteWriter& w) {
  w.be32(s.maximum_stream_device_transfer_size);
  w.zeros(8);  // bytes 8-15 reserved
}

void put_held_data(const HeldData& h, base::ByteWriter& w) {
  w.be32(h.held_data_limit);
  w.u8(h.held_data_granularity);
  w.zeros(23);  // bytes 9-31 reserved
}

struct Encoded {
  std::uint16_t type;
  Bytes body;
};

template <class T, class Put>
void add(std::vector<Encoded>& out, std::uint16_t type, const std::optional<T>& value, Put put) {
  if (!value) return;
  base::ByteWriter w;
  put(*value, w);
  out.push_back({type, w.take()});
}

std::vector<Encoded> encode_known(const ThirdPartyCopyPage& p) {
  std::vector<Encoded> out;
  add(out, kTpcBlockDeviceRodTokenLimits, p.block_device_rod_token_limits,
      put_block_device_rod_token_limits);
  add(out, kTpcSupportedCommands, p.supported_commands, put_supported_commands);
  add(out, kTpcParameterData, p.parameter_data, put_parameter_data);
  add(out, kTpcSupportedDescriptors, p.supported_descriptors, put_supported_descriptors);
  add(out, kTpcSupportedCscdDescriptorIds, p.supported_cscd_descriptor_ids, put_cscd_ids);
  add(out, kTpcRodTokenFeatures, p.rod_token_features, put_rod_token_features);
  add(out, kTpcSupportedRodTokenAndRodTypes, p.supported_rod_types, put_rod_types);
  add(out, kTpcGeneralCopyOperations, p.general_copy_operations, put_general_copy_operations);
  add(out, kTpcStreamCopyOperations, p.stream_copy_operations, put_stream_copy_operations);
  add(out, kTpcHeldData, p.held_data, put_held_data);
  return out;
}

// ---- decoding: one function per known type, over the descriptor body ----

Sense list_past_end(std::size_t at) {
  return Sense::param_list_length_error(FieldRef::param(at))
      .because("list length runs past its third-party copy descriptor");
}

Result<void> get_block_device_rod_token_limits(base::ByteReader& r, ThirdPartyCopyPage& p) {
  BlockDeviceRodTokenLimits d;
  r.skip(6);
  d.maximum_range_descriptors = r.be16();
  d.maximum_inactivity_timeout = r.be32();
  d.default_inactivity_timeout = r.be32();
  d.maximum_token_transfer_size = r.be64();
  d.optimal_transfer_count = r.be64();
  p.block_device_rod_token_limits = d;
  return {};
}

Result<void> get_supported_commands(base::ByteReader& r, ThirdPartyCopyPage& p) {
  const std::size_t list_at = r.offset();
  auto list = r.take(r.u8());
  if (!list) return list_past_end(list_at);
  std::vector<SupportedCommand> commands;
  while (!list->empty()) {
    const std::size_t entry_at = list->offset();
    if (!list->has(2)) return list_past_end(entry_at);
    SupportedCommand c;
    c.operation_code = list->u8();
    const std::size_t actions_at = list->offset();
    auto actions = list->take(list->u8());
    if (!actions) return list_past_end(actions_at);
    auto sa = actions->bytes(actions->size());
    c.service_actions.assign(sa.begin(), sa.end());
    commands.push_back(std::move(c));
  }
  p.supported_commands = std::move(commands);
  return {};
}

Result<void> get_parameter_data(base::ByteReader& r, ThirdPartyCopyPage& p) {
  ParameterData d;
  r.skip(4);
  d.maximum_cscd_descriptor_count = r.be16();
  d.maximum_segment_descriptor_count = r.be16();
  d.maximum_descriptor_list_length = r.be32();
  d.maximum_inline_data_length = r.be32();
  p.parameter_data = d;
  return {};
}

Result<void> get_supported_descriptors(base::ByteReader& r, ThirdPartyCopyPage& p) {
  const std::size_t list_at = r.offset();
  auto list = r.take(r.u8());
  if (!list) return list_past_end(list_at);
  auto codes = list->bytes(list->size());
  p.supported_descriptors = Bytes(codes.begin(), codes.end());
  return {};
}

Result<void> get_cscd_ids(base::ByteReader& r, ThirdPartyCopyPage& p) {
  const std::size_t list_at = r.offset();
  const std::uint16_t length = r.be16();
  if (length % 2 != 0) {
    return Sense::invalid_field_in_param_list(FieldRef::param(list_at))
        .because("SUPPORTED CSCD DESCRIPTOR IDS LIST LENGTH is odd");
  }
  auto list = r.take(length);
  if (!list) return list_past_end(list_at);
  std::vector<std::uint16_t> ids;
  while (!list->empty()) ids.push_back(list->be16());
  p.supported_cscd_descriptor_ids = std::move(ids);
  return {};
}

BlockRodFeatures get_block_rod_features(base::ByteReader& d) {
  BlockRodFeatures b;
  d.skip(6);
  b.optimal_block_rod_length_granularity = d.be16();
  b.maximum_bytes_in_block_rod = d.be64();
  b.optimal_bytes_in_block_rod_transfer = d.be64();
  b.optimal_bytes_to_token_per_segment = d.be64();
  b.optimal_bytes_from_token_per_segment = d.be64();
  return b;
}

Result<void> get_rod_token_features(base::ByteReader& r, ThirdPartyCopyPage& p) {
  RodTokenFeatures f;
  f.remote_tokens = base::bits<3, 0>(r.u8());
  r.skip(11);
  f.minimum_token_lifetime = r.be32();
  f.maximum_token_lifetime = r.be32();
  f.maximum_token_inactivity_timeout = r.be32();
  r.skip(18);
  const std::size_t list_at = r.offset();
  auto list = r.take(r.be16());
  if (!list) return list_past_end(list_at);
  while (!list->empty()) {
    const std::size_t at = list->offset();
    const std::size_t pos = list->position();
    if (!list->has(kDescriptorHeaderLength)) return list_past_end(at);
    const std::uint8_t format_pdt = list->peek_u8(pos);
    const std::size_t length =
        (std::size_t{list->peek_u8(pos + 2)} << 8) | list->peek_u8(pos + 3);
    auto d = list->take(kDescriptorHeaderLength + length);
    if (!d) return list_past_end(at + 2);
    if (format_pdt == kBlockRodFeaturesFormatPdt && length >= kBlockRodFeaturesLength &&
        !f.block) {
      f.block = get_block_rod_features(*d);
    } else {
      auto whole = d->bytes(d->size());
      f.other_device_type_features.emplace_back(whole.begin(), whole.end());
    }
  }
  p.rod_token_features = std::move(f);
  return {};
}

Result<void> get_rod_types(base::ByteReader& r, ThirdPartyCopyPage& p) {
  r.skip(2);
  const std::size_t list_at = r.offset();
  const std::uint16_t length = r.be16();
  if (length % kRodTypeDescriptorLength != 0) {
    return Sense::invalid_field_in_param_list(FieldRef::param(list_at))
        .because("ROD TYPE DESCRIPTORS LENGTH is not a multiple of 64");
  }
  auto list = r.take(length);
  if (!list) return list_past_end(list_at);
  std::vector<RodTypeDescriptor> types;
  while (!list->empty()) {
    RodTypeDescriptor t;
    t.rod_type = list->be32();
    const std::uint8_t flags = list->u8();
    t.ecpy_int = base::bit(flags, 7);
    t.token_in = base::bit(flags, 1);
    t.token_out = base::bit(flags, 0);
    list->skip(1);
    t.preference_indicator = list->be16();
    list->skip(kRodTypeDescriptorLength - 8);
    types.push_back(t);
  }
  p.supported_rod_types = std::move(types);
  return {};
}

Result<void> get_general_copy_operations(base::ByteReader& r, ThirdPartyCopyPage& p) {
  GeneralCopyOperations g;
  g.total_concurrent_copies = r.be32();
  g.maximum_identified_concurrent_copies = r.be32();
  g.maximum_segment_length = r.be32();
  g.data_segment_granularity = r.u8();
  g.inline_data_granularity = r.u8();
  p.general_copy_operations = g;
  return {};
}

Result<void> get_stream_copy_operations(base::ByteReader& r, ThirdPartyCopyPage& p) {
  p.stream_copy_operations = StreamCopyOperations{r.be32()};
  return {};
}

Result<void> get_held_data(base::ByteReader& r, ThirdPartyCopyPage& p) {
  HeldData h;
  h.held_data_limit = r.be32();
  h.held_data_granularity = r.u8();
  p.held_data = h;
  return {};
}

// Known descriptor types: the least DESCRIPTOR LENGTH that holds their fields, and the body
// decoder. Fixed-size types use the length SPC-4/SBC-4 give them.
struct KnownType {
  std::uint16_t type;
  std::uint16_t minimum_length;
  Result<void> (*decode)(base::ByteReader&, ThirdPartyCopyPage&);
};

constexpr std::array<KnownType, 10> kKnownTypes{{
    {kTpcBlockDeviceRodTokenLimits, 0x0020, get_block_device_rod_token_limits},
    {kTpcSupportedCommands, 0x0004, get_supported_commands},
    {kTpcParameterData, 0x001C, get_parameter_data},
    {kTpcSupportedDescriptors, 0x0004, get_supported_descriptors},
    {kTpcSupportedCscdDescriptorIds, 0x0004, get_cscd_ids},
    {kTpcRodTokenFeatures, kRodTokenFeaturesFixedLength, get_rod_token_features},
    {kTpcSupportedRodTokenAndRodTypes, 0x0004, get_rod_types},
    {kTpcGeneralCopyOperations, 0x0020, get_general_copy_operations},
    {kTpcStreamCopyOperations, 0x000C, get_stream_copy_operations},
    {kTpcHeldData, 0x001C, get_held_data},
}};

const KnownType* find_known(std::uint16_t type) {
  for (const KnownType& k : kKnownTypes) {
    if (k.type == type) return &k;
  }
  return nullptr;
}

// One descriptor at the reader's position: header checks, then its body decoder.
Result<void> decode_descriptor(base::ByteReader& r, ThirdPartyCopyPage& page,
                               std::vector<std::uint16_t>& seen) {
  const std::size_t type_at = r.offset();
  if (!r.has(kDescriptorHeaderLength)) {
    return Sense::param_list_length_error(FieldRef::param(type_at))
        .because("third-party copy descriptor header truncated by PAGE LENGTH");
  }
  const std::uint16_t type = r.be16();
  const std::size_t length_at = r.offset();
  const std::uint16_t length = r.be16();
  if (length % 4 != 0) {
    return Sense::invalid_field_in_param_list(FieldRef::param(length_at))
        .because("THIRD-PARTY COPY DESCRIPTOR LENGTH is not a multiple of 4");
  }
  auto body = r.take(length);
  if (!body) {
    return Sense::param_list_length_error(FieldRef::param(length_at))
        .because("THIRD-PARTY COPY DESCRIPTOR LENGTH runs past PAGE LENGTH");
  }
  const KnownType* known = find_known(type);
  if (known == nullptr) {
    auto b = body->bytes(length);
    page.other.push_back({type, Bytes(b.begin(), b.end())});
    return {};
  }
  if (std::find(seen.begin(), seen.end(), type) != seen.end()) {
    return Sense::invalid_field_in_param_list(FieldRef::param(type_at))
        .because("third-party copy descriptor type appears twice");
  }
  seen.push_back(type);
  if (length < known->minimum_length) {
    return Sense::invalid_field_in_param_list(FieldRef::param(length_at))
        .because("THIRD-PARTY COPY DESCRIPTOR LENGTH too short for its type");
  }
  return known->decode(*body, page);
}

}  // namespace

std::vector<std::uint8_t> encode_third_party_copy(const ThirdPartyCopyPage& page) {
  std::vector<Encoded> descriptors = encode_known(page);
  for (const OpaqueTpcDescriptor& o : page.other) {
    if (find_known(o.type) == nullptr) descriptors.push_back({o.type, o.body});
  }
  std::stable_sort(descriptors.begin(), descriptors.end(),
                   [](const Encoded& a, const Encoded& b) { return a.type < b.type; });
  base::ByteWriter w;
  const std::size_t start = begin_vpd_page(w, page.peripheral, kVpdThirdPartyCopy);
  for (const Encoded& d : descriptors) {
    const std::size_t padded = (d.body.size() + 3) / 4 * 4;
    w.be16(d.type);
    w.be16(static_cast<std::uint16_t>(padded));
    w.bytes(d.body);
    w.zeros(padded - d.body.size());
  }
  finish_vpd_page(w, start);
  return w.take();
}

Result<ThirdPartyCopyPage> decode_third_party_copy(std::span<const std::uint8_t> bytes) {
  auto view = open_vpd_page(bytes, kVpdThirdPartyCopy);
  if (!view) return std::move(view).error();
  ThirdPartyCopyPage page;
  page.peripheral = view->peripheral;
  std::vector<std::uint16_t> seen;
  while (!view->body.empty()) XG_TRY(decode_descriptor(view->body, page, seen));
  return page;
}

// ---- building from limits ----

BlockDeviceRodTokenLimits block_device_rod_token_limits(const RodTokenLimits& rod) {
  return {rod.max_range_descriptors, rod.max_inactivity_timeout_s,
          rod.default_inactivity_timeout_s, rod.max_token_transfer_size_blocks,
          rod.optimal_transfer_count_blocks};
}

ParameterData parameter_data(const CopyManagerLimits& copy) {
  return {copy.max_cscd_descriptors, copy.max_segment_descriptors,
          copy.max_descriptor_list_length, copy.max_inline_data_length};
}

GeneralCopyOperations general_copy_operations(const CopyManagerLimits& copy) {
  return {copy.total_concurrent_copies, copy.max_concurrent_copies, copy.max_segment_length,
          copy.data_segment_granularity_log2, copy.inline_data_granularity_log2};
}

RodTokenFeatures rod_token_features(const RodTokenLimits& rod) {
  RodTokenFeatures f;
  f.remote_tokens = 0;
  f.minimum_token_lifetime = rod.min_token_lifetime_s;
  f.maximum_token_lifetime = rod.max_token_lifetime_s;
  f.maximum_token_inactivity_timeout = rod.max_inactivity_timeout_s;
  f.block = BlockRodFeatures{rod.optimal_block_rod_length_granularity,
                             rod.max_bytes_in_block_rod, rod.optimal_bytes_in_block_rod_transfer,
                             rod.optimal_bytes_to_token_per_segment,
                             rod.optimal_bytes_from_token_per_segment};
  return f;
}

ThirdPartyCopyPage third_party_copy_page(const ThirdPartyCopyProfile& profile) {
  ThirdPartyCopyPage page;
  page.peripheral = profile.peripheral;
  page.supported_commands = profile.commands;
  page.parameter_data = parameter_data(profile.copy);
  page.supported_descriptors = profile.copy.implemented_descriptor_types;
  page.supported_cscd_descriptor_ids = profile.cscd_ids;
  page.general_copy_operations = general_copy_operations(profile.copy);
  if (profile.copy.max_stream_device_transfer_size != 0) {
    page.stream_copy_operations =
        StreamCopyOperations{profile.copy.max_stream_device_transfer_size};
  }
  if (profile.copy.held_data_limit != 0) {
    page.held_data =
        HeldData{profile.copy.held_data_limit, profile.copy.held_data_granularity_log2};
  }
  if (profile.rod) {
    page.block_device_rod_token_limits = block_device_rod_token_limits(*profile.rod);
    page.rod_token_features = rod_token_features(*profile.rod);
    page.supported_rod_types = profile.rod_types;
  }
  return page;
}

}  // namespace xg::scsi
