// Hostile input through ScsiTarget -> NVMe-backed LU: random CDBs (mostly valid operation
// codes, random fields) with random Data-Out. Under the sanitizers nothing may crash or
// leak; every command completes exactly once; CHECK CONDITION carries decodable sense whose
// CDB field pointer lies inside the CDB; data never exceeds what the CDB allowed.
#include <atomic>
#include <random>

#include "tests/translate/lu_test_support.h"
#include "translate/cdb_table.h"

namespace xg::test {
namespace {

TEST_CASE("LU: 3000 random CDBs -> one completion each, sense decodable, field pointers "
          "inside the CDB", "[translate][lu][robustness]") {
  LuHarness h;
  translate::ScsiTarget target;
  target.add_lun(0, translate::make_nvme_logical_unit(h.device_ref(), 1, {}));
  const auto table = translate::cdb_table();
  std::mt19937 rng(20260);
  std::uniform_int_distribution<int> byte(0, 255);
  int good = 0;
  for (int i = 0; i < 3000; ++i) {
    Bytes cdb(6 + std::size_t(byte(rng) % 11), 0);
    for (auto& b : cdb) b = std::uint8_t(byte(rng));
    if (byte(rng) % 4 != 0) {  // mostly a real command with plausible small lengths
      const auto& info = table[std::size_t(byte(rng)) % table.size()];
      cdb.resize(std::max<std::size_t>(cdb.size(), info.length));
      cdb[0] = info.operation_code;
      if (info.service_action) cdb[1] = *info.service_action;
      for (std::size_t at = 1; at < info.length; ++at) {
        if (byte(rng) % 8 != 0) cdb[at] &= info.usage[at];  // mostly valid bits only
      }
      if (info.length >= 10 && byte(rng) % 2 == 0) {  // low LBAs, small lengths
        for (std::size_t at = 2; at + 1 < info.length; ++at) cdb[at] = 0;
        cdb[info.length - 3] = std::uint8_t(byte(rng) % 16);
        cdb[info.length - 2] = std::uint8_t(byte(rng) % 16 & info.usage[info.length - 2]);
      }
    }
    Bytes data(std::size_t(byte(rng)) * 40, std::uint8_t(byte(rng)));
    ScsiCommand c;
    c.cdb = cdb;
    c.lun = std::uint64_t(byte(rng) % 8 == 0 ? 1 : 0);
    c.data_out = data;
    c.nexus = h.nexus();
    std::atomic<int> calls{0};
    std::promise<ScsiResponse> p;
    auto f = p.get_future();
    target.execute(c, [&](ScsiResponse r) {
      if (calls.fetch_add(1) == 0) p.set_value(std::move(r));
    });
    const ScsiResponse r = f.get();
    INFO("CDB " << show(cdb));
    REQUIRE(calls == 1);
    if (r.status == scsi::Status::kCheckCondition) {
      auto s = scsi::decode_sense(r.sense);
      REQUIRE(s.has_value());
      if (s->field && s->field->base == scsi::FieldRef::Base::kCdb) {
        CHECK(s->field->byte < cdb.size());
      }
      CHECK(r.data_in.empty());
    } else if (r.status == scsi::Status::kGood) {
      ++good;
      CHECK(r.data_in.size() <= r.transfer_length);
    }
  }
  // The generator must reach the handlers, not only the CDB checks.
  CHECK(good > 300);
  // The device is still sane afterwards.
  const Bytes block = pattern(99, 1, 512);
  ScsiCommand w;
  w.cdb = cdb10(0x2A, 0, 0, 1);
  w.data_out = block;
  w.nexus = h.nexus();
  std::promise<ScsiResponse> p;
  target.execute(w, [&p](ScsiResponse r) { p.set_value(std::move(r)); });
  const ScsiResponse r = p.get_future().get();
  CHECK((r.status == scsi::Status::kGood || r.status == scsi::Status::kCheckCondition));
}

}  // namespace
}  // namespace xg::test
