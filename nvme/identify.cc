#include "nvme/identify.h"

#include "base/byte_reader.h"

namespace xg::nvme {
namespace {

// Identify structures are fixed-layout: each field is read or written at its spec offset
// within a 4096-byte buffer whose length was checked first.
class Fields {
 public:
  explicit Fields(std::span<const std::uint8_t> data) : data_(data) {}
  std::uint8_t u8(std::size_t at) const { return reader(at).u8(); }
  std::uint16_t le16(std::size_t at) const { return reader(at).le16(); }
  std::uint32_t le24(std::size_t at) const {
    auto r = reader(at);
    const std::uint32_t low = r.le16();
    return low | (std::uint32_t{r.u8()} << 16);
  }
  std::uint32_t le32(std::size_t at) const { return reader(at).le32(); }
  std::uint64_t le64(std::size_t at) const { return reader(at).le64(); }
  template <std::size_t N>
  std::array<std::uint8_t, N> raw(std::size_t at) const {
    std::array<std::uint8_t, N> out{};
    for (std::size_t i = 0; i < N; ++i) out[i] = data_[at + i];
    return out;
  }
  // Text with trailing spaces and NULs removed (SN/MN/FR are space padded, SUBNQN NUL).
  std::string text(std::size_t at, std::size_t width) const {
    std::size_t n = width;
    while (n > 0 && (data_[at + n - 1] == ' ' || data_[at + n - 1] == 0)) --n;
    return std::string(data_.begin() + static_cast<std::ptrdiff_t>(at),
                       data_.begin() + static_cast<std::ptrdiff_t>(at + n));
  }

 private:
  base::ByteReader reader(std::size_t at) const { return base::ByteReader(data_.subspan(at), at); }
  std::span<const std::uint8_t> data_;
};

class Layout {
 public:
  Layout() : out_(kIdentifyDataSize, 0) {}
  void u8(std::size_t at, std::uint8_t v) { out_[at] = v; }
  void le(std::size_t at, std::uint64_t v, std::size_t width) {
    for (std::size_t i = 0; i < width; ++i) out_[at + i] = static_cast<std::uint8_t>(v >> (8 * i));
  }
  void le16(std::size_t at, std::uint16_t v) { le(at, v, 2); }
  void le32(std::size_t at, std::uint32_t v) { le(at, v, 4); }
  void le64(std::size_t at, std::uint64_t v) { le(at, v, 8); }
  template <std::size_t N>
  void raw(std::size_t at, const std::array<std::uint8_t, N>& v) {
    for (std::size_t i = 0; i < N; ++i) out_[at + i] = v[i];
  }
  void text(std::size_t at, std::size_t width, const std::string& s, std::uint8_t pad) {
    for (std::size_t i = 0; i < width; ++i) {
      out_[at + i] = i < s.size() ? static_cast<std::uint8_t>(s[i]) : pad;
    }
  }
  std::vector<std::uint8_t> take() { return std::move(out_); }

 private:
  std::vector<std::uint8_t> out_;
};

ParseError too_short(std::span<const std::uint8_t> data, const char* what) {
  return ParseError{data.size(), std::string(what) + " is 4096 bytes"};
}

constexpr std::size_t kLbafOffset = 128;
constexpr std::size_t kElbafOffset = 12;
constexpr std::size_t kLbafeOffset = 2816;

}  // namespace

std::vector<std::uint8_t> encode_identify_controller(const IdentifyController& id) {
  Layout l;
  l.le16(0, id.vid);
  l.le16(2, id.ssvid);
  l.text(4, 20, id.sn, ' ');
  l.text(24, 40, id.mn, ' ');
  l.text(64, 8, id.fr, ' ');
  l.u8(72, id.rab);
  l.le(73, id.ieee, 3);
  l.u8(76, id.cmic);
  l.u8(77, id.mdts);
  l.le16(78, id.cntlid);
  l.le32(80, id.ver);
  l.le32(92, id.oaes);
  l.le32(96, id.ctratt);
  l.le16(128, id.crdt1);
  l.le16(130, id.crdt2);
  l.le16(132, id.crdt3);
  l.le16(256, id.oacs);
  l.u8(512, id.sqes);
  l.u8(513, id.cqes);
  l.le16(514, id.maxcmd);
  l.le32(516, id.nn);
  l.le16(520, id.oncs);
  l.le16(522, id.fuses);
  l.u8(524, id.fna);
  l.u8(525, id.vwc);
  l.le16(526, id.awun);
  l.le16(528, id.awupf);
  l.u8(530, id.icsvscc);
  l.u8(531, id.nwpc);
  l.le16(532, id.acwu);
  l.le16(534, id.ocfs);
  l.le32(536, id.sgls);
  l.le32(540, id.mnan);
  l.text(768, 256, id.subnqn, 0);
  return l.take();
}

ParseResult<IdentifyController> decode_identify_controller(std::span<const std::uint8_t> data) {
  if (data.size() < kIdentifyDataSize) return too_short(data, "Identify Controller data");
  const Fields f(data.first(kIdentifyDataSize));
  IdentifyController id;
  id.vid = f.le16(0);
  id.ssvid = f.le16(2);
  id.sn = f.text(4, 20);
  id.mn = f.text(24, 40);
  id.fr = f.text(64, 8);
  id.rab = f.u8(72);
  id.ieee = f.le24(73);
  id.cmic = f.u8(76);
  id.mdts = f.u8(77);
  id.cntlid = f.le16(78);
  id.ver = f.le32(80);
  id.oaes = f.le32(92);
  id.ctratt = f.le32(96);
  id.crdt1 = f.le16(128);
  id.crdt2 = f.le16(130);
  id.crdt3 = f.le16(132);
  id.oacs = f.le16(256);
  id.sqes = f.u8(512);
  id.cqes = f.u8(513);
  id.maxcmd = f.le16(514);
  id.nn = f.le32(516);
  id.oncs = f.le16(520);
  id.fuses = f.le16(522);
  id.fna = f.u8(524);
  id.vwc = f.u8(525);
  id.awun = f.le16(526);
  id.awupf = f.le16(528);
  id.icsvscc = f.u8(530);
  id.nwpc = f.u8(531);
  id.acwu = f.le16(532);
  id.ocfs = f.le16(534);
  id.sgls = f.le32(536);
  id.mnan = f.le32(540);
  id.subnqn = f.text(768, 256);
  return id;
}

std::vector<std::uint8_t> encode_identify_namespace(const IdentifyNamespace& id) {
  Layout l;
  l.le64(0, id.nsze);
  l.le64(8, id.ncap);
  l.le64(16, id.nuse);
  const std::uint8_t bytes24[] = {id.nsfeat, id.nlbaf, id.flbas, id.mc, id.dpc,
                                  id.dps,    id.nmic,  id.rescap, id.fpi, id.dlfeat};
  for (std::size_t i = 0; i < std::size(bytes24); ++i) l.u8(24 + i, bytes24[i]);
  const std::uint16_t words34[] = {id.nawun, id.nawupf, id.nacwu, id.nabsn,
                                   id.nabo,  id.nabspf, id.noiob};
  for (std::size_t i = 0; i < std::size(words34); ++i) l.le16(34 + 2 * i, words34[i]);
  l.raw(48, id.nvmcap);
  const std::uint16_t words64[] = {id.npwg, id.npwa, id.npdg, id.npda, id.nows, id.mssrl};
  for (std::size_t i = 0; i < std::size(words64); ++i) l.le16(64 + 2 * i, words64[i]);
  l.le32(76, id.mcl);
  l.u8(80, id.msrc);
  l.u8(82, id.nulbaf);
  l.le32(92, id.anagrpid);
  l.u8(99, id.nsattr);
  l.le16(100, id.nvmsetid);
  l.le16(102, id.endgid);
  l.raw(104, id.nguid);
  l.raw(120, id.eui64);
  for (std::size_t i = 0; i < kMaxLbaFormats; ++i) {
    const LbaFormat& f = id.lbaf[i];
    l.le16(kLbafOffset + 4 * i, f.ms);
    l.u8(kLbafOffset + 4 * i + 2, f.lbads);
    l.u8(kLbafOffset + 4 * i + 3, static_cast<std::uint8_t>(f.rp & 0x3U));
  }
  return l.take();
}

ParseResult<IdentifyNamespace> decode_identify_namespace(std::span<const std::uint8_t> data) {
  if (data.size() < kIdentifyDataSize) return too_short(data, "Identify Namespace data");
  const Fields f(data.first(kIdentifyDataSize));
  IdentifyNamespace id;
  id.nsze = f.le64(0);
  id.ncap = f.le64(8);
  id.nuse = f.le64(16);
  std::uint8_t* bytes24[] = {&id.nsfeat, &id.nlbaf, &id.flbas, &id.mc,  &id.dpc,
                             &id.dps,    &id.nmic,  &id.rescap, &id.fpi, &id.dlfeat};
  for (std::size_t i = 0; i < std::size(bytes24); ++i) *bytes24[i] = f.u8(24 + i);
  std::uint16_t* words34[] = {&id.nawun, &id.nawupf, &id.nacwu, &id.nabsn,
                              &id.nabo,  &id.nabspf, &id.noiob};
  for (std::size_t i = 0; i < std::size(words34); ++i) *words34[i] = f.le16(34 + 2 * i);
  id.nvmcap = f.raw<16>(48);
  std::uint16_t* words64[] = {&id.npwg, &id.npwa, &id.npdg, &id.npda, &id.nows, &id.mssrl};
  for (std::size_t i = 0; i < std::size(words64); ++i) *words64[i] = f.le16(64 + 2 * i);
  id.mcl = f.le32(76);
  id.msrc = f.u8(80);
  id.nulbaf = f.u8(82);
  id.anagrpid = f.le32(92);
  id.nsattr = f.u8(99);
  id.nvmsetid = f.le16(100);
  id.endgid = f.le16(102);
  id.nguid = f.raw<16>(104);
  id.eui64 = f.raw<8>(120);
  for (std::size_t i = 0; i < kMaxLbaFormats; ++i) {
    id.lbaf[i] = {f.le16(kLbafOffset + 4 * i), f.u8(kLbafOffset + 4 * i + 2),
                  static_cast<std::uint8_t>(f.u8(kLbafOffset + 4 * i + 3) & 0x3U)};
  }
  if (id.nlbaf >= kMaxLbaFormats) return ParseError{25, "NLBAF above 63 (64 LBA formats)"};
  if (id.lba_format_index() > id.nlbaf) {
    return ParseError{26, "FLBAS selects an LBA format beyond NLBAF"};
  }
  const std::uint8_t lbads = id.current_lba_format().lbads;
  if (lbads < 9 || lbads > 31) {
    return ParseError{kLbafOffset + 4 * std::size_t{id.lba_format_index()} + 2,
                      "LBADS of the current LBA format is not 9..31"};
  }
  return id;
}

std::vector<std::uint8_t> encode_nvm_identify_namespace(const NvmIdentifyNamespace& id) {
  Layout l;
  l.le64(0, id.lbstm);
  l.u8(8, id.pic);
  for (std::size_t i = 0; i < kMaxLbaFormats; ++i) {
    const ExtendedLbaFormat& e = id.elbaf[i];
    l.le32(kElbafOffset + 4 * i,
           (std::uint32_t{e.sts} & 0x7FU) | ((std::uint32_t{e.pif} & 0x3U) << 7));
  }
  return l.take();
}

ParseResult<NvmIdentifyNamespace> decode_nvm_identify_namespace(
    std::span<const std::uint8_t> data) {
  if (data.size() < kIdentifyDataSize) return too_short(data, "NVM Identify Namespace data");
  const Fields f(data.first(kIdentifyDataSize));
  NvmIdentifyNamespace id;
  id.lbstm = f.le64(0);
  id.pic = f.u8(8);
  for (std::size_t i = 0; i < kMaxLbaFormats; ++i) {
    const std::uint32_t dw = f.le32(kElbafOffset + 4 * i);
    id.elbaf[i] = {static_cast<std::uint8_t>(dw & 0x7FU),
                   static_cast<std::uint8_t>((dw >> 7) & 0x3U)};
  }
  return id;
}

std::vector<std::uint8_t> encode_zns_identify_namespace(const ZnsIdentifyNamespace& id) {
  Layout l;
  l.le16(0, id.zoc);
  l.le16(2, id.ozcs);
  l.le32(4, id.mar);
  l.le32(8, id.mor);
  l.le32(12, id.rrl);
  l.le32(16, id.frl);
  for (std::size_t i = 0; i < kMaxLbaFormats; ++i) {
    l.le64(kLbafeOffset + 16 * i, id.lbafe[i].zsze);
    l.u8(kLbafeOffset + 16 * i + 8, id.lbafe[i].zdes);
  }
  return l.take();
}

ParseResult<ZnsIdentifyNamespace> decode_zns_identify_namespace(
    std::span<const std::uint8_t> data) {
  if (data.size() < kIdentifyDataSize) return too_short(data, "ZNS Identify Namespace data");
  const Fields f(data.first(kIdentifyDataSize));
  ZnsIdentifyNamespace id;
  id.zoc = f.le16(0);
  id.ozcs = f.le16(2);
  id.mar = f.le32(4);
  id.mor = f.le32(8);
  id.rrl = f.le32(12);
  id.frl = f.le32(16);
  for (std::size_t i = 0; i < kMaxLbaFormats; ++i) {
    id.lbafe[i] = {f.le64(kLbafeOffset + 16 * i), f.u8(kLbafeOffset + 16 * i + 8)};
  }
  return id;
}

ControllerCopyCaps controller_copy_caps(const IdentifyController& id, std::uint16_t cdfe) {
  ControllerCopyCaps caps;
  caps.oncs = id.oncs;
  caps.ocfs = id.ocfs;
  caps.cdfe = cdfe;
  return caps;
}

NamespaceCopyInfo namespace_copy_info(std::uint32_t nsid, const IdentifyNamespace& id,
                                      const NvmIdentifyNamespace* nvm) {
  NamespaceCopyInfo info;
  info.nsid = nsid;
  info.nsze = id.nsze;
  info.mssrl = id.mssrl;
  info.mcl = id.mcl;
  info.msrc = id.msrc;
  info.pi_type = id.pi_type();
  info.pif = nvm != nullptr ? nvm->elbaf[id.lba_format_index()].pif : std::uint8_t{0};
  info.lba_data_size = id.logical_block_size();
  info.metadata_size = id.current_lba_format().ms;
  return info;
}

}  // namespace xg::nvme
