// Cost of decoding and validating an EXTENDED COPY(LID1) parameter list: the work the copy
// manager does before planning any NVMe command. One segment is what ESXi, QEMU and
// sg_xcopy send by default; 64 segments is ESXi with --xcopy-use-multi-segs at the
// advertised maximum. The per-segment cost should be flat (linear growth in total).
#include <benchmark/benchmark.h>

#include "scsi/designator.h"
#include "scsi/xcopy_params.h"

namespace {

using namespace xg::scsi;

ExtendedCopyList make_list(int segments) {
  ExtendedCopyList list;
  list.list_identifier = 1;
  list.list_id_usage = ListIdUsage::kDiscard;
  for (std::uint64_t i = 0; i < 2; ++i) {
    CscdDescriptor c;
    c.body = IdentificationCscd{Designator::naa6(0x001405, 0x1234, 0xABCD0000 + i)};
    c.device_parameters.disk_block_length = 512;
    list.cscds.push_back(c);
  }
  for (int i = 0; i < segments; ++i) {
    SegmentDescriptor s;
    s.index = static_cast<std::uint16_t>(i);
    s.source_cscd_descriptor_id = 0;
    s.destination_cscd_descriptor_id = 1;
    s.body = BlockToBlock{8192, std::uint64_t(i) * 8192, (1ULL << 21) + std::uint64_t(i) * 8192};
    list.segments.push_back(s);
  }
  return list;
}

void BM_DecodeLid1(benchmark::State& state) {
  const auto segments = static_cast<int>(state.range(0));
  const auto bytes = encode_extended_copy(make_list(segments));
  const CopyManagerLimits limits;
  for (auto _ : state) {
    auto list = decode_extended_copy(bytes, ListIdFormat::kLid1, limits);
    benchmark::DoNotOptimize(list);
    if (!list) state.SkipWithError("decode failed");
  }
  state.SetItemsProcessed(state.iterations() * segments);
  state.counters["bytes"] = static_cast<double>(bytes.size());
}
BENCHMARK(BM_DecodeLid1)->Arg(1)->Arg(2)->Arg(8)->Arg(64);

}  // namespace
