// MODE SENSE(6)/(10) and MODE SELECT(6)/(10) (SPC-4 6.11-6.14) with the mode pages the LU
// implements: Caching (08h, SBC-4 6.5.5; WCE from the NVMe volatile write cache) and
// Control (0Ah, SPC-4 7.5.8; D_SENSE picks descriptor-format sense). Nothing is saveable.
#include <algorithm>
#include <array>

#include "base/bits.h"
#include "base/byte_reader.h"
#include "base/byte_writer.h"
#include "translate/nvme_lu.h"

namespace xg::translate::detail {
namespace {

using scsi::FieldRef;
using scsi::Sense;

constexpr std::uint8_t kPageCaching = 0x08;
constexpr std::uint8_t kPageControl = 0x0A;
constexpr std::uint8_t kPageAll = 0x3F;
constexpr std::uint8_t kSubpageAll = 0xFF;
constexpr std::uint8_t kCachingLength = 0x12;  // PAGE LENGTH (SBC-4 table "Caching mode page")
constexpr std::uint8_t kControlLength = 0x0A;  // PAGE LENGTH (SPC-4 table "Control mode page")

// PAGE CONTROL (SPC-4 6.11, table 97).
enum class PageControl : std::uint8_t { kCurrent = 0, kChangeable = 1, kDefault = 2, kSaved = 3 };

constexpr std::uint8_t kWce = 0x04;     // caching byte 2 b2
constexpr std::uint8_t kDSense = 0x04;  // control byte 2 b2
constexpr std::uint8_t kGltsd = 0x02;   // control byte 2 b1: no log parameters are saved
// QUEUE ALGORITHM MODIFIER 1h: unrestricted reordering (commands complete in any order).
constexpr std::uint8_t kQamUnrestricted = 0x10;
constexpr std::uint8_t kDpoFua = 0x10;  // DEVICE-SPECIFIC PARAMETER b4 (SBC-4 6.4.1)

std::vector<std::uint8_t> caching_page(const ModeState& s, bool vwc, PageControl pc) {
  std::vector<std::uint8_t> page(2 + kCachingLength, 0);
  page[0] = kPageCaching;
  page[1] = kCachingLength;
  switch (pc) {
    case PageControl::kChangeable:
      page[2] = vwc ? kWce : 0;
      break;
    case PageControl::kDefault:
      page[2] = vwc ? kWce : 0;
      break;
    default:
      page[2] = s.wce ? kWce : 0;
      break;
  }
  return page;
}

std::vector<std::uint8_t> control_page(const ModeState& s, PageControl pc) {
  std::vector<std::uint8_t> page(2 + kControlLength, 0);
  page[0] = kPageControl;
  page[1] = kControlLength;
  if (pc == PageControl::kChangeable) {
    page[2] = kDSense;
    return page;
  }
  page[2] = kGltsd | (pc == PageControl::kCurrent && s.d_sense ? kDSense : 0);
  page[3] = kQamUnrestricted;
  return page;
}

std::vector<std::uint8_t> page_for(std::uint8_t code, const ModeState& s, bool vwc,
                                   PageControl pc) {
  return code == kPageCaching ? caching_page(s, vwc, pc) : control_page(s, pc);
}

struct ModeSenseCdb {
  bool ten = false;
  bool llbaa = false;
  bool dbd = false;
  PageControl pc = PageControl::kCurrent;
  std::uint8_t page_code = 0;
  std::uint8_t subpage_code = 0;
  std::uint16_t allocation_length = 0;
};

ModeSenseCdb decode_mode_sense(std::span<const std::uint8_t> cdb) {
  base::ByteReader r(cdb);
  ModeSenseCdb c;
  c.ten = r.u8() == opcode::kModeSense10;
  const std::uint8_t flags = r.u8();
  c.llbaa = c.ten && base::bit(flags, 4);
  c.dbd = base::bit(flags, 3);
  const std::uint8_t byte2 = r.u8();
  c.pc = static_cast<PageControl>(base::bits<7, 6>(byte2));
  c.page_code = base::bits<5, 0>(byte2);
  c.subpage_code = r.u8();
  if (c.ten) {
    r.skip(3);
    c.allocation_length = r.be16();
  } else {
    c.allocation_length = r.u8();
  }
  return c;
}

// Mode parameter block descriptor (SBC-4 6.4.2): short (8 bytes) or long LBA (16 bytes).
void block_descriptor(base::ByteWriter& w, const Geometry& g, bool long_lba) {
  if (long_lba) {
    w.be64(g.blocks);
    w.be32(0);
    w.be32(g.block_size);
    return;
  }
  // More than 32 bits of blocks: FFFFFFFFh (SBC-4 6.4.2.2).
  w.be32(static_cast<std::uint32_t>(std::min<std::uint64_t>(g.blocks, 0xFFFFFFFFULL)));
  w.u8(0);  // DENSITY CODE
  w.be24(g.block_size);
}

}  // namespace

void NvmeLu::mode_sense(const ExchangePtr& x) {
  const ModeSenseCdb c = decode_mode_sense(x->cdb());
  if (c.pc == PageControl::kSaved) {
    return x->fail(Sense::saving_parameters_not_supported(FieldRef::cdb(2, 7))
                       .because("SAVING PARAMETERS NOT SUPPORTED"));
  }
  std::vector<std::uint8_t> codes;
  if (c.page_code == kPageAll) {
    codes = {kPageCaching, kPageControl};
  } else if (c.page_code == kPageCaching || c.page_code == kPageControl) {
    codes = {c.page_code};
  } else {
    return x->fail(Sense::invalid_field_in_cdb(FieldRef::cdb(2, 5)));
  }
  // Only subpage 00h exists; 3Fh/FFh asks for all pages and subpages (SPC-4 6.11).
  if (c.subpage_code != 0 && !(c.page_code == kPageAll && c.subpage_code == kSubpageAll)) {
    return x->fail(Sense::invalid_field_in_cdb(FieldRef::cdb(3)));
  }
  const Geometry g = geometry();
  const ModeState state = mode();
  base::ByteWriter w(64);
  const std::size_t descriptor_length = c.dbd ? 0 : (c.llbaa ? 16 : 8);
  if (c.ten) {
    w.be16(0);  // MODE DATA LENGTH, patched
    w.u8(0);    // MEDIUM TYPE
    w.u8(kDpoFua);
    w.u8(c.llbaa && !c.dbd ? 0x01 : 0x00);  // LONGLBA
    w.u8(0);
    w.be16(static_cast<std::uint16_t>(descriptor_length));
  } else {
    w.u8(0);
    w.u8(0);
    w.u8(kDpoFua);
    w.u8(static_cast<std::uint8_t>(descriptor_length));
  }
  if (!c.dbd) block_descriptor(w, g, c.llbaa);
  for (const std::uint8_t code : codes) {
    w.bytes(page_for(code, state, caps_.volatile_write_cache, c.pc));
  }
  // MODE DATA LENGTH counts the bytes after itself (SPC-4 7.5.4/7.5.5).
  if (c.ten) {
    w.put_be16_at(0, static_cast<std::uint16_t>(w.size() - 2));
  } else {
    w.put_u8_at(0, static_cast<std::uint8_t>(w.size() - 1));
  }
  x->data_in(w.take(), c.allocation_length);
}

namespace {

// Checks one page of a MODE SELECT list against the current and changeable values and
// folds the accepted changes into `next`. `r` is positioned at the page's first byte.
scsi::Result<void> select_page(base::ByteReader& r, const ModeState& current, bool vwc,
                               ModeState& next) {
  const std::size_t page_at = r.offset();
  if (!r.has(2)) return Sense::param_list_length_error().because("page header cut short");
  const std::uint8_t byte0 = r.u8();
  const std::uint8_t code = base::bits<5, 0>(byte0);
  if (base::bit(byte0, 6)) return Sense::invalid_field_in_param_list(FieldRef::param(page_at, 6));
  if (code != kPageCaching && code != kPageControl) {
    return Sense::invalid_field_in_param_list(FieldRef::param(page_at, 5));
  }
  const std::size_t length_at = r.offset();
  const std::uint8_t length = r.u8();
  if (length != (code == kPageCaching ? kCachingLength : kControlLength)) {
    return Sense::invalid_field_in_param_list(FieldRef::param(length_at));
  }
  auto body = r.take(length);
  if (!body) return Sense::param_list_length_error().because("page body cut short");
  const auto now = page_for(code, current, vwc, PageControl::kCurrent);
  const auto changeable = page_for(code, current, vwc, PageControl::kChangeable);
  for (std::size_t i = 2; i < now.size(); ++i) {
    const std::size_t at = body->offset();
    const std::uint8_t given = body->u8();
    const auto stray = static_cast<std::uint8_t>((given ^ now[i]) & ~changeable[i]);
    if (stray != 0) {
      return Sense::invalid_field_in_param_list(FieldRef::param(at, base::highest_bit(stray)))
          .because("mode parameter is not changeable");
    }
    if (i == 2 && code == kPageCaching) next.wce = (given & kWce) != 0;
    if (i == 2 && code == kPageControl) next.d_sense = (given & kDSense) != 0;
  }
  return base::Ok{};
}

}  // namespace

void NvmeLu::mode_select(const ExchangePtr& x) {
  base::ByteReader c(x->cdb());
  const bool ten = c.u8() == opcode::kModeSelect10;
  const std::uint8_t flags = c.u8();
  // PF=0 would be a vendor-specific page format; SP=1 asks for saving, which is not offered.
  if (!base::bit(flags, 4)) return x->fail(Sense::invalid_field_in_cdb(FieldRef::cdb(1, 4)));
  if (base::bit(flags, 0)) return x->fail(Sense::invalid_field_in_cdb(FieldRef::cdb(1, 0)));
  c.skip(ten ? 5 : 2);
  const std::size_t length_at = c.offset();
  const std::uint16_t length = ten ? c.be16() : c.u8();
  if (length == 0) return x->reply(ScsiResponse::good());
  const auto list = data_out(x, length, FieldRef::cdb(length_at));
  if (!list) return;
  auto result = parse_mode_select(*list, ten);
  if (!result) return x->fail(result.error());
  apply_mode(*result, *x->command.nexus);
  ScsiResponse r;
  r.transfer_length = length;
  x->reply(std::move(r));
}

scsi::Result<ModeState> NvmeLu::parse_mode_select(std::span<const std::uint8_t> list,
                                                  bool ten) const {
  base::ByteReader r(list);
  const std::size_t header_length = ten ? 8 : 4;
  if (!r.has(header_length)) return Sense::param_list_length_error();
  r.skip(ten ? 2 : 1);  // MODE DATA LENGTH: reserved in MODE SELECT (SPC-4 7.5.4)
  const std::size_t medium_at = r.offset();
  if (r.u8() != 0) return Sense::invalid_field_in_param_list(FieldRef::param(medium_at));
  r.skip(1);  // DEVICE-SPECIFIC PARAMETER: WP and DPOFUA are reserved here (SBC-4 6.4.1)
  bool long_lba = false;
  if (ten) {
    long_lba = base::bit(r.u8(), 0);
    r.skip(1);
  }
  const std::size_t bdl_at = r.offset();
  const std::uint16_t bdl = ten ? r.be16() : r.u8();
  if (bdl != 0 && bdl != (long_lba ? 16 : 8)) {
    return Sense::invalid_field_in_param_list(FieldRef::param(bdl_at));
  }
  auto descriptor = r.take(bdl);
  if (!descriptor) return Sense::param_list_length_error();
  if (bdl != 0) XG_TRY(check_block_descriptor(*descriptor, long_lba));
  const ModeState current = mode();
  ModeState next = current;
  while (!r.empty()) XG_TRY(select_page(r, current, caps_.volatile_write_cache, next));
  return next;
}

scsi::Result<void> NvmeLu::check_block_descriptor(base::ByteReader& d, bool long_lba) const {
  // The capacity and block length cannot be changed: each must be 0 (keep) or the
  // current value (SBC-4 6.4.2).
  const Geometry g = geometry();
  const std::size_t blocks_at = d.offset();
  const std::uint64_t blocks = long_lba ? d.be64() : d.be32();
  const std::uint64_t shown =
      long_lba ? g.blocks : std::min<std::uint64_t>(g.blocks, 0xFFFFFFFFULL);
  if (blocks != 0 && blocks != shown) {
    return Sense::invalid_field_in_param_list(FieldRef::param(blocks_at));
  }
  const std::size_t reserved_at = d.offset();
  if (!d.zeros(long_lba ? 4 : 1)) {
    return Sense::invalid_field_in_param_list(FieldRef::param(reserved_at));
  }
  const std::size_t length_at = d.offset();
  const std::uint32_t block_length = long_lba ? d.be32() : d.be24();
  if (block_length != 0 && block_length != g.block_size) {
    return Sense::invalid_field_in_param_list(FieldRef::param(length_at));
  }
  return base::Ok{};
}

}  // namespace xg::translate::detail
