// The fixture every conformance case starts from: the device from the factory, its
// identify data, and I/O helpers for its first (and, when present, second) namespace.
// Cases write the data they later read: on real hardware earlier contents are unknown.
#pragma once

#include <memory>
#include <string>

#include "tests/nvme/conformance/conformance_support.h"
#include "tests/nvme/conformance/device_factory.h"

namespace xg::test {

class Conformance {
 public:
  Conformance() {
    std::string why;
    target_ = make_conformance_target(why);
    if (!target_) FAIL("no device under test: " << why);
    controller = controller_of(device());
    qemu = is_qemu(controller);
    const auto ids = device().namespace_ids();
    REQUIRE(!ids.empty());
    first_ns = namespace_of(device(), ids.front());
    io1 = std::make_unique<NamespaceIo>(NamespaceIo{device(), ids.front(),
                                                  first_ns.logical_block_size()});
    if (ids.size() > 1) {
      second_ns = namespace_of(device(), ids[1]);
      io2 = std::make_unique<NamespaceIo>(NamespaceIo{device(), ids[1],
                                                    second_ns.logical_block_size()});
    }
  }

  nvme::Device& device() { return target_->device(); }
  std::uint32_t block() const { return io1->block_size; }
  Bytes data(std::uint32_t seed, std::size_t blocks) const {
    return pattern(seed, blocks, block());
  }
  // Writes a fresh pattern at `lba` and returns it.
  Bytes fill(const NamespaceIo& io, std::uint64_t lba, std::size_t blocks, std::uint32_t seed) {
    Bytes d = pattern(seed, blocks, io.block_size);
    // Writes are cut to 64 blocks so MDTS never gets in the way of setting up data.
    for (std::size_t done = 0; done < blocks; done += 64) {
      const std::size_t n = std::min<std::size_t>(64, blocks - done);
      Bytes part(d.begin() + static_cast<std::ptrdiff_t>(done * io.block_size),
                 d.begin() + static_cast<std::ptrdiff_t>((done + n) * io.block_size));
      REQUIRE(io.write(lba + done, part).status == nvme::Status::success());
    }
    return d;
  }
  Bytes read(const NamespaceIo& io, std::uint64_t lba, std::size_t blocks) {
    Bytes out;
    for (std::size_t done = 0; done < blocks; done += 64) {
      const std::size_t n = std::min<std::size_t>(64, blocks - done);
      const Bytes part = io.read(lba + done, n);
      out.insert(out.end(), part.begin(), part.end());
    }
    return out;
  }

  nvme::IdentifyController controller;
  nvme::IdentifyNamespace first_ns;
  nvme::IdentifyNamespace second_ns;
  bool qemu = false;
  std::unique_ptr<NamespaceIo> io1;  // first namespace
  std::unique_ptr<NamespaceIo> io2;  // second namespace, if any

 private:
  std::unique_ptr<ConformanceTarget> target_;
};

// Bytes of `d` for blocks [first, first + count).
inline Bytes blocks_of(const Bytes& d, std::size_t first, std::size_t count, std::size_t block) {
  return Bytes(d.begin() + static_cast<std::ptrdiff_t>(first * block),
               d.begin() + static_cast<std::ptrdiff_t>((first + count) * block));
}

}  // namespace xg::test
