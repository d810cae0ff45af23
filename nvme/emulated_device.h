// EmulatedDevice: the NVMe controller xgate serves when no hardware is configured. Its
// namespaces live in sparse files (emulated_namespace.h); its identify data is produced
// with the identify.h encoders; Copy is checked by validate_copy() (copy_command.h), so it
// answers every limit violation exactly as a conforming controller does (NVM Command Set
// 1.0 3.2.2 and TP4130, as QEMU >= 8.1/9.1 answer), never with QEMU 7.2's Internal Error (for that,
// wrap it in FaultInjectingDevice with qemu72 mode).
//
// Controller (Identify Controller, NVMe Base 2.0): model "xgate emulated NVMe", VER 2.0,
// MDTS from the config (units of 4 KiB, CAP.MPSMIN), FUSES bit 0 (Compare and Write),
// VWC bit 0 (a volatile cache: data is durable after Flush), ONCS Compare | DSM | Write
// Zeroes | Verify | Copy, OCFS 0h|1h, plus 2h|3h when cross_namespace_copy is set (then
// they are also enabled, i.e. CDFE is taken as set for 2h/3h: there is no Set Features
// path to enable them).
//
// Commands (NVM Command Set 1.0) and the status each condition completes with:
//   Read 02h, Write 01h, Compare 05h    data buffer must be NLB x LBA size bytes, and
//                                       at most MDTS, else 0x4002 Invalid Field
//   Verify 0Ch                          bounds, then reads the blocks (no data transfer)
//   Write Zeroes 08h                    DEAC=1 deallocates (holes), else zero-fills
//   Dataset Management 09h              AD=1 deallocates each range; other attributes
//                                       are hints and are accepted
//   Flush 00h                           fdatasync of the namespace (FFFFFFFFh: all)
//   Copy 19h                            validate_copy(), then range by range
//   any LBA range past NSZE             0x4080 LBA Out of Range (DNR)
//   an NSID that is not active          0x400B Invalid Namespace or Format (DNR)
//   any other opcode                    0x4001 Invalid Command Opcode (DNR)
//   Compare miscompare                  SCT 2h SC 85h Compare Failure (DNR): 0x4285
//   read / write system call failure    0x0281 Unrecovered Read Error / 0x0280 Write Fault
//                                       (Copy: DW0 = index of the failing range)
// Copy overlap in one namespace is allowed (TP4130 lets a controller accept it) and
// behaves like memmove.
//
// Concurrency: commands run on `threads` worker threads (the Device threading contract).
// Each namespace has a reader/writer lock: ordinary commands take it shared, the fused
// Compare+Write takes it exclusive, so nothing interleaves with a compare-and-write
// (ESXi's VMFS ATS heartbeat and locks depend on it).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/result.h"
#include "nvme/copy_command.h"
#include "nvme/device.h"
#include "nvme/emulated_namespace.h"

namespace xg::nvme {

struct EmulatedControllerConfig {
  std::string serial = "XGATE00000001";
  std::string model = "xgate emulated NVMe";
  std::string firmware = "0.1";
  std::uint8_t mdts = 7;             // 2^7 x 4 KiB = 512 KiB per transfer; 0 = no limit
  bool cross_namespace_copy = false;  // OCFS/CDFE 2h and 3h
  unsigned threads = 2;              // worker threads (at least 1)
  // Like a host path's own per-command limit (Device::max_host_transfer_bytes): a command
  // whose data buffer is larger is refused with Invalid Field in Command (what Linux
  // passthrough's EINVAL maps to). 0 = none. For tests of callers that must respect it.
  std::uint32_t host_max_transfer_bytes = 0;
};

struct EmulatedDeviceConfig {
  EmulatedControllerConfig controller;
  std::vector<EmulatedNamespaceConfig> namespaces;  // distinct NSIDs 1..FFFFFFFEh
};

class EmulatedDevice final : public Device {
 public:
  // Opens (or creates) every namespace file. Errors: no namespaces, a duplicate or
  // invalid NSID, or the first namespace that fails EmulatedNamespace::open().
  static base::Result<std::unique_ptr<EmulatedDevice>, OpenError> create(
      EmulatedDeviceConfig config);
  // Waits for every queued and running command (handlers run), then stops the workers.
  ~EmulatedDevice() override;

  std::string name() const override;
  std::span<const std::uint8_t> identify_controller() const override;
  std::vector<std::uint32_t> namespace_ids() const override;
  std::span<const std::uint8_t> identify_namespace(std::uint32_t nsid) const override;
  void submit(Command command, CompletionHandler done) override;
  // Compare and Write under the namespace's exclusive lock. Completes with the Compare's
  // status if it failed (the Write is not done), else with the Write's.
  void submit_fused(Command compare, Command write, CompletionHandler done) override;
  std::uint32_t max_host_transfer_bytes() const override;

  std::uint32_t max_transfer_bytes() const;  // 0 = no limit

 private:
  struct Namespace {
    std::unique_ptr<EmulatedNamespace> storage;
    std::vector<std::uint8_t> identify;
    NamespaceCopyInfo copy_info;
    mutable std::shared_mutex lock;
  };
  struct Job {
    std::function<Completion()> run;
    CompletionHandler done;
  };

  explicit EmulatedDevice(EmulatedDeviceConfig config);
  void enqueue(std::function<Completion()> run, CompletionHandler done);
  void worker();

  Completion execute_command(const Command& command);
  Completion execute_fused(const Command& compare, const Command& write);
  Completion read_write(Namespace& ns, const Command& command);
  Completion verify(Namespace& ns, const Command& command);
  Completion write_zeroes(Namespace& ns, const Command& command);
  Completion dataset_management(Namespace& ns, const Command& command);
  Completion flush(std::uint32_t nsid);
  Completion copy(Namespace& ns, const Command& command);
  Namespace* find(std::uint32_t nsid);
  bool over_host_limit(const Command& command) const;

  EmulatedDeviceConfig config_;
  std::vector<std::uint8_t> identify_controller_;
  ControllerCopyCaps caps_;
  std::map<std::uint32_t, std::unique_ptr<Namespace>> namespaces_;

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Job> queue_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace xg::nvme
