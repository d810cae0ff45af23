// Stopping EXTENDED COPY end to end over iSCSI (SPC-4 5.17.4.3, table 109; SAM-5 7): ABORT
// TASK, COPY OPERATION ABORT, LOGICAL UNIT RESET and connection loss, sent by libiscsi to
// gateway::Server in this process. The LUs sit on a FaultInjectingDevice that completes the
// first kLandedSegments NVMe Copy commands and holds every later one, so the 64-segment
// copy is stuck until it is stopped; the held commands are released (0x0007) only once the
// copy manager says the stop reached the copy. Each stop must then end the copy with
// exactly kLandedSegments Copy commands done, and RECEIVE COPY STATUS(LID4) must report
// what really landed. No outcome depends on time. Test names have no
// ',' or ';': catch_discover_tests would cut them into CTest names that match nothing.
#include <chrono>
#include <cstring>
#include <filesystem>
#include <functional>
#include <iscsi/iscsi.h>
#include <iscsi/scsi-lowlevel.h>
#include <memory>
#include <poll.h>
#include <random>
#include <string>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include "gateway/target/server.h"
#include "nvme/emulated_device.h"
#include "nvme/fault_injecting_device.h"
#include "nvme/spec.h"
#include "scsi/receive_copy_results.h"
#include "scsi/sense.h"
#include "scsi/xcopy_params.h"
#include "tests/support/catch.h"
#include "translate/copy_manager.h"
#include "translate/copy_scheduler.h"
#include "translate/nvme_logical_unit.h"
#include "translate/scsi_target.h"

namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kTargetName = "iqn.2026-12.org.xgate.test:copy-abort";
constexpr const char* kInitiatorName = "iqn.2026-12.org.xgate.test:copy-abort-initiator";

// The first kLandedSegments Copy commands (one per segment) complete; every later one is
// held until the test releases it, so the copy cannot finish, or progress, before the stop
// it is waiting for: what each test sees depends on the order of events, never on time.
constexpr std::uint16_t kLandedSegments = 4;
constexpr std::uint16_t kSegments = 64;      // VPD 8Fh MAXIMUM SEGMENT DESCRIPTOR COUNT
constexpr std::uint16_t kSegmentBlocks = 8;  // one Copy command each (MSSRL 128)
constexpr std::uint32_t kSegmentBytes = kSegmentBlocks * 512U;
constexpr std::uint64_t kSourceLba = 0;           // segment i reads kSourceLba + 16 i
constexpr std::uint64_t kDestinationLba = 65536;  // and writes kDestinationLba + 16 i
// Only turns a hang into a failure: every wait below is for an event that must come.
constexpr auto kHangGuard = std::chrono::seconds(60);

// TargetUnderTest of target_test.cc, with the LUs on a fault injector in front of the
// emulated device, and the ScsiTarget kept (its copy manager is observed).
struct CopyTargetUnderTest {
  std::filesystem::path dir;
  std::unique_ptr<xg::nvme::EmulatedDevice> device;
  std::unique_ptr<xg::nvme::FaultInjectingDevice> faults;
  std::shared_ptr<xg::translate::ScsiTarget> scsi;
  std::unique_ptr<xg::gateway::Server> server;
  std::thread thread;
  std::string portal;

  CopyTargetUnderTest() {
    dir = std::filesystem::temp_directory_path() /
          ("xgate-copy-abort-test-" + std::to_string(::getpid()) + "-" +
           std::to_string(std::random_device{}()));
    std::filesystem::create_directories(dir);
    xg::nvme::EmulatedDeviceConfig config;
    xg::nvme::EmulatedNamespaceConfig ns;
    ns.nsid = 1;
    ns.path = (dir / "ns1.img").string();
    ns.capacity = 131072;  // 64 MiB of 512-byte blocks
    config.namespaces.push_back(ns);
    auto created = xg::nvme::EmulatedDevice::create(config);
    REQUIRE(created.has_value());
    device = std::move(created).value();
    faults = std::make_unique<xg::nvme::FaultInjectingDevice>(*device);
    faults->add_rule(xg::nvme::FaultRule::hold_from(kLandedSegments + 1, xg::nvme::kOpcodeCopy));
    scsi = std::make_shared<xg::translate::ScsiTarget>();
    std::string why;
    auto unit = xg::translate::make_nvme_logical_unit(*faults, 1, {}, &why);
    INFO(why);
    REQUIRE(unit != nullptr);
    scsi->add_lun(0, std::move(unit));
    xg::gateway::ServerOptions options;
    options.portals = {xg::gateway::Portal{"127.0.0.1", 0}};
    options.nop_interval_seconds = 0;
    server = std::make_unique<xg::gateway::Server>(
        options, std::vector<xg::gateway::TargetDefinition>{{kTargetName, "test", scsi}});
    REQUIRE(server->listen(why));
    portal = "127.0.0.1:" + std::to_string(server->bound_ports().at(0));
    thread = std::thread([this] { server->run(); });
  }

  ~CopyTargetUnderTest() {
    server->stop();
    thread.join();
    // The devices go before the server, so no device thread can hold the last reference
    // to a gateway Connection once the Server's io_context is gone. That happened while a
    // finished copy job kept its command's completion (a heap-use-after-free in
    // ~Connection's timer, fixed in f15d4d3); the order stays as a belt. Nothing submits
    // any more (the server has stopped); the LUs only refer to the devices.
    faults.reset();  // waits for the commands it passed on, joins its scheduler
    device.reset();
    server.reset();
    scsi.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }

  std::size_t running() const { return scsi->copy_manager()->running_count(); }
  std::size_t stopping() const { return scsi->copy_manager()->stopping_count(); }
  // The held Copy commands complete (0x0007) once the copy has been told to stop, so the
  // stop, not a retry, decides how the copy ends.
  void release_after_stop() {
    const auto deadline = Clock::now() + kHangGuard;
    while (stopping() == 0 && Clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    REQUIRE(stopping() == 1);
    faults->release_held();
  }
  std::uint64_t copies_seen() const { return faults->commands_seen(xg::nvme::kOpcodeCopy); }
};

struct Initiator {
  iscsi_context* context = nullptr;
  Initiator() {
    context = iscsi_create_context(kInitiatorName);
    REQUIRE(context != nullptr);
    iscsi_set_timeout(context, 30);
    // A protocol error must show, not be papered over by a silent new login.
    iscsi_set_noautoreconnect(context, 1);
  }
  ~Initiator() { close(); }
  void close() {
    if (context != nullptr) iscsi_destroy_context(context);
    context = nullptr;
  }
  std::string error() const { return iscsi_get_error(context); }

  void login(const CopyTargetUnderTest& target) {
    iscsi_set_targetname(context, kTargetName);
    iscsi_set_session_type(context, ISCSI_SESSION_NORMAL);
    INFO(error());
    REQUIRE(iscsi_full_connect_sync(context, target.portal.c_str(), 0) == 0);
  }

  // Runs libiscsi's event loop until `done` holds or `limit` passes; true if it held.
  bool service_until(const std::function<bool()>& done, std::chrono::milliseconds limit) {
    const auto deadline = Clock::now() + limit;
    while (!done()) {
      if (Clock::now() >= deadline) return false;
      pollfd p{iscsi_get_fd(context), static_cast<short>(iscsi_which_events(context)), 0};
      if (::poll(&p, 1, 10) < 0) return false;
      if (iscsi_service(context, p.revents) < 0) {
        FAIL("iscsi_service failed: " << error());
      }
    }
    return true;
  }
};

using TaskPtr = std::unique_ptr<scsi_task, decltype(&scsi_free_scsi_task)>;
TaskPtr own(scsi_task* task) { return TaskPtr(task, &scsi_free_scsi_task); }

// A SCSI command sent with iscsi_scsi_command_async; declare it before the Initiator, so
// the context (whose destruction may still call back) goes first.
struct AsyncCommand {
  TaskPtr task{nullptr, &scsi_free_scsi_task};
  std::vector<unsigned char> data_out;
  int callbacks = 0;
  int status = -1;

  static void on_done(iscsi_context*, int status, void*, void* self) {
    auto* command = static_cast<AsyncCommand*>(self);
    ++command->callbacks;
    command->status = status;
  }

  void send(Initiator& initiator, std::vector<unsigned char> cdb,
            std::vector<unsigned char> parameters) {
    data_out = std::move(parameters);
    task = own(scsi_create_task(static_cast<int>(cdb.size()), cdb.data(), SCSI_XFER_WRITE,
                                static_cast<int>(data_out.size())));
    REQUIRE(task != nullptr);
    iscsi_data data{data_out.size(), data_out.data()};
    INFO(initiator.error());
    REQUIRE(iscsi_scsi_command_async(initiator.context, 0, task.get(), &on_done, &data, this) == 0);
  }
};

// A task management function sent asynchronously: its answer and when it came.
struct AsyncTmf {
  Clock::time_point sent = Clock::now();
  Clock::time_point answered{};
  int callbacks = 0;
  int status = -1;
  std::uint32_t response = 0xFFFFFFFF;

  static void on_done(iscsi_context*, int status, void* data, void* self) {
    auto* tmf = static_cast<AsyncTmf*>(self);
    ++tmf->callbacks;
    tmf->status = status;
    tmf->answered = Clock::now();
    if (status == SCSI_STATUS_GOOD && data != nullptr) {
      tmf->response = *static_cast<std::uint32_t*>(data);
    }
  }
  std::chrono::milliseconds took() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(answered - sent);
  }
};

std::vector<unsigned char> pattern(std::size_t size, unsigned seed) {
  std::vector<unsigned char> data(size);
  std::mt19937 random(seed);
  for (auto& byte : data) byte = static_cast<unsigned char>(random());
  return data;
}

void clear_unit_attention(Initiator& initiator) {
  for (int i = 0; i < 3; ++i) {
    auto task = own(iscsi_testunitready_sync(initiator.context, 0));
    REQUIRE(task != nullptr);
    if (task->status == SCSI_STATUS_GOOD) return;
  }
  FAIL("TEST UNIT READY never returned GOOD: " << initiator.error());
}

std::uint64_t source_lba(int segment) { return kSourceLba + 16ULL * segment; }
std::uint64_t destination_lba(int segment) { return kDestinationLba + 16ULL * segment; }

// Fills every segment's source with its own pattern (over iSCSI; only Copy is slowed).
std::vector<std::vector<unsigned char>> write_sources(Initiator& initiator) {
  std::vector<std::vector<unsigned char>> sources;
  for (int i = 0; i < kSegments; ++i) {
    sources.push_back(pattern(kSegmentBytes, 100 + static_cast<unsigned>(i)));
    auto write =
        own(iscsi_write10_sync(initiator.context, 0, static_cast<std::uint32_t>(source_lba(i)),
                               sources.back().data(), kSegmentBytes, 512, 0, 0, 0, 0, 0));
    REQUIRE(write != nullptr);
    REQUIRE(write->status == SCSI_STATUS_GOOD);
  }
  return sources;
}

std::vector<unsigned char> read_segment_destination(Initiator& initiator, int segment) {
  auto read = own(iscsi_read10_sync(initiator.context, 0,
                                    static_cast<std::uint32_t>(destination_lba(segment)),
                                    kSegmentBytes, 512, 0, 0, 0, 0, 0));
  REQUIRE(read != nullptr);
  INFO(initiator.error());
  REQUIRE(read->status == SCSI_STATUS_GOOD);
  REQUIRE(read->datain.size == static_cast<int>(kSegmentBytes));
  return {read->datain.data, read->datain.data + kSegmentBytes};
}

// kSegments block -> block segments on LU 0 (CSCD 0: its NAA designator from VPD 83h),
// destinations 8 blocks apart so no two are gathered into one Copy command.
xg::scsi::ExtendedCopyList copy_list(const CopyTargetUnderTest& target,
                                     xg::scsi::ListIdFormat format, std::uint32_t list_id,
                                     bool immed = false) {
  const xg::translate::CopyEndpoint* endpoint = target.scsi->copy_manager()->endpoint(0);
  REQUIRE(endpoint != nullptr);
  REQUIRE(!endpoint->designators.empty());
  xg::scsi::CscdDescriptor cscd;
  cscd.body = xg::scsi::IdentificationCscd{endpoint->designators.front()};
  cscd.device_parameters.disk_block_length = 512;
  xg::scsi::ExtendedCopyList list;
  list.format = format;
  list.list_identifier = list_id;
  list.list_id_usage = xg::scsi::ListIdUsage::kHold;
  list.immed = immed;
  list.cscds = {cscd};
  for (int i = 0; i < kSegments; ++i) {
    xg::scsi::SegmentDescriptor segment;
    segment.source_cscd_descriptor_id = 0;
    segment.destination_cscd_descriptor_id = 0;
    segment.body = xg::scsi::BlockToBlock{kSegmentBlocks, source_lba(i), destination_lba(i)};
    list.segments.push_back(segment);
  }
  return list;
}

// THIRD-PARTY COPY OUT (83h): SERVICE ACTION byte 1, LIST IDENTIFIER bytes 2-5 (COPY
// OPERATION ABORT), PARAMETER LIST LENGTH bytes 10-13.
std::vector<unsigned char> tpc_out_cdb(std::uint8_t service_action, std::uint32_t list_id,
                                       std::size_t length) {
  std::vector<unsigned char> cdb(16, 0);
  cdb[0] = 0x83;
  cdb[1] = service_action;
  if (service_action == 0x1C) {
    cdb[2] = static_cast<unsigned char>(list_id >> 24);
    cdb[3] = static_cast<unsigned char>(list_id >> 16);
    cdb[4] = static_cast<unsigned char>(list_id >> 8);
    cdb[5] = static_cast<unsigned char>(list_id);
  }
  cdb[10] = static_cast<unsigned char>(length >> 24);
  cdb[11] = static_cast<unsigned char>(length >> 16);
  cdb[12] = static_cast<unsigned char>(length >> 8);
  cdb[13] = static_cast<unsigned char>(length);
  return cdb;
}

std::vector<unsigned char> xcopy_cdb(xg::scsi::ListIdFormat format, std::size_t length) {
  return tpc_out_cdb(format == xg::scsi::ListIdFormat::kLid4 ? 0x01 : 0x00, 0, length);
}

// RECEIVE COPY STATUS(LID4), 84h/05h: LIST IDENTIFIER bytes 2-5, ALLOCATION LENGTH 10-13.
xg::scsi::CopyStatusLid4 copy_status_lid4(Initiator& initiator, std::uint32_t list_id) {
  constexpr std::uint32_t kAllocation = 1024;
  unsigned char cdb[16] = {0x84,
                           0x05,
                           static_cast<unsigned char>(list_id >> 24),
                           static_cast<unsigned char>(list_id >> 16),
                           static_cast<unsigned char>(list_id >> 8),
                           static_cast<unsigned char>(list_id),
                           0,
                           0,
                           0,
                           0,
                           0,
                           0,
                           kAllocation >> 8,
                           0,
                           0,
                           0};
  auto task = own(scsi_create_task(16, cdb, SCSI_XFER_READ, kAllocation));
  REQUIRE(task != nullptr);
  scsi_task* done = iscsi_scsi_command_sync(initiator.context, 0, task.get(), nullptr);
  INFO(initiator.error());
  REQUIRE(done != nullptr);
  INFO("sense key " << task->sense.key << " ASCQ " << std::hex << task->sense.ascq);
  REQUIRE(task->status == SCSI_STATUS_GOOD);
  auto status = xg::scsi::decode_copy_status_lid4(std::span<const std::uint8_t>(
      task->datain.data, static_cast<std::size_t>(task->datain.size)));
  REQUIRE(status.has_value());
  return status.value();
}

// A stopped copy's status (SPC-4 6.18, table 109): terminated, TASK ABORTED, and progress
// that matches what landed: the first SEGMENTS PROCESSED destinations hold their sources,
// the last segment's destination is untouched.
void check_stopped(Initiator& initiator, const xg::scsi::CopyStatusLid4& status,
                   const std::vector<std::vector<unsigned char>>& sources) {
  CHECK(status.copy_operation_status == xg::scsi::CopyOperationStatus::kTerminated);
  CHECK(status.extended_copy_completion_status == xg::scsi::Status::kTaskAborted);
  // Exactly kLandedSegments Copy commands succeeded; which segments they were depends on
  // the order the copy submitted its first 8 in, so the in-order progress is at most that.
  CHECK(status.operation_counter == kLandedSegments);
  CHECK(status.segments_processed <= kLandedSegments);
  CHECK(status.transfer_count_units == xg::scsi::TransferCountUnits::kBytes);
  CHECK(status.transfer_count == std::uint64_t{status.segments_processed} * kSegmentBytes);
  for (int i = 0; i < status.segments_processed && i < kSegments; ++i) {
    INFO("segment " << i);
    CHECK(read_segment_destination(initiator, i) == sources[static_cast<std::size_t>(i)]);
  }
  CHECK(read_segment_destination(initiator, kSegments - 1) ==
        std::vector<unsigned char>(kSegmentBytes, 0));
}

// The copy is stuck: its first kLandedSegments Copy commands have completed and the copy
// has filled every Copy slot of the device again with commands that are held (it sends a
// successor only after a completion), so nothing it does later can change its progress.
bool stuck(const CopyTargetUnderTest& target) {
  return target.faults->held_count() == xg::translate::CopyScheduler::kSlotsPerDevice;
}

// Sends the copy list as a foreground EXTENDED COPY and waits until it is stuck.
void start_copy(CopyTargetUnderTest& target, Initiator& initiator, AsyncCommand& xcopy,
                const xg::scsi::ExtendedCopyList& list) {
  const auto parameters = xg::scsi::encode_extended_copy(list);
  xcopy.send(initiator, xcopy_cdb(list.format, parameters.size()),
             std::vector<unsigned char>(parameters.begin(), parameters.end()));
  REQUIRE(initiator.service_until([&] { return stuck(target); }, kHangGuard));
  CHECK(target.running() == 1);
  CHECK(xcopy.callbacks == 0);  // the copy cannot finish while a command is held
}

// No SCSI Response arrived for the command: its callback never ran, or ran only for a
// local cancellation.
bool no_response(const AsyncCommand& command) {
  return command.callbacks == 0 ||
         (command.callbacks == 1 && command.status == SCSI_STATUS_CANCELLED);
}

bool eventually(const std::function<bool()>& done, std::chrono::milliseconds limit) {
  const auto deadline = Clock::now() + limit;
  while (!done()) {
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

}  // namespace

TEST_CASE(
    "Copy abort: ABORT TASK on a running EXTENDED COPY(LID1) answers FUNCTION COMPLETE "
    "at once and the copy gets no response - RECEIVE COPY STATUS(LID4) shows it terminated "
    "with its exact progress (SAM-5 7.2 and SPC-4 5.17.4.3)",
    "[target][xcopy][tmf]") {
  CopyTargetUnderTest target;
  AsyncCommand xcopy;
  Initiator initiator;
  initiator.login(target);
  clear_unit_attention(initiator);
  const auto sources = write_sources(initiator);
  constexpr std::uint32_t kListId = 0x21;
  start_copy(target, initiator, xcopy, copy_list(target, xg::scsi::ListIdFormat::kLid1, kListId));

  AsyncTmf tmf;
  REQUIRE(iscsi_task_mgmt_abort_task_async(initiator.context, xcopy.task.get(), &AsyncTmf::on_done,
                                           &tmf) == 0);
  REQUIRE(initiator.service_until([&] { return target.stopping() == 1; }, kHangGuard));
  target.release_after_stop();
  REQUIRE(initiator.service_until([&] { return tmf.callbacks > 0; }, kHangGuard));
  INFO("ABORT TASK answered after " << tmf.took().count() << " ms");
  CHECK(tmf.status == SCSI_STATUS_GOOD);
  CHECK(tmf.response == 0);  // FUNCTION COMPLETE (RFC 7143 11.6.1)
  // libiscsi 1.19's abort_task keeps the task outstanding (its header says it cancels it,
  // its code does not), so a SCSI Response for it would reach the callback; a libiscsi
  // that cancels locally would call it once with SCSI_STATUS_CANCELLED.
  CHECK(no_response(xcopy));
  CHECK(target.running() == 0);
  const std::uint64_t seen = target.copies_seen();
  CHECK(seen < kSegments);

  // Same session, same I_T nexus: the LID1 list's record is kept.
  const auto status = copy_status_lid4(initiator, kListId);
  CHECK(status.response_to_service_action == xg::scsi::kTpcOutExtendedCopyLid1);
  check_stopped(initiator, status, sources);
  // The target answers in order on the connection: a response for the aborted task
  // would have come before these.
  CHECK(no_response(xcopy));
  CHECK(target.copies_seen() == seen);  // and no Copy was submitted after the stop
}

TEST_CASE(
    "Copy abort: COPY OPERATION ABORT stops a background EXTENDED COPY(LID4) IMMED=1 - "
    "the copy answers GOOD at once and so does the abort - RECEIVE COPY STATUS(LID4) "
    "goes 12h -> 60h (SPC-4 6.3 and 6.18)",
    "[target][xcopy]") {
  CopyTargetUnderTest target;
  Initiator initiator;
  initiator.login(target);
  clear_unit_attention(initiator);
  const auto sources = write_sources(initiator);
  constexpr std::uint32_t kListId = 0x0A0B0C0D;
  const auto parameters = xg::scsi::encode_extended_copy(
      copy_list(target, xg::scsi::ListIdFormat::kLid4, kListId, /*immed=*/true));
  std::vector<unsigned char> data_out(parameters.begin(), parameters.end());
  auto cdb = xcopy_cdb(xg::scsi::ListIdFormat::kLid4, data_out.size());

  auto xcopy =
      own(scsi_create_task(16, cdb.data(), SCSI_XFER_WRITE, static_cast<int>(data_out.size())));
  REQUIRE(xcopy != nullptr);
  iscsi_data data{data_out.size(), data_out.data()};
  REQUIRE(iscsi_scsi_command_sync(initiator.context, 0, xcopy.get(), &data) != nullptr);
  INFO(initiator.error());
  REQUIRE(xcopy->status == SCSI_STATUS_GOOD);  // IMMED=1: answered while the copy is held
  CHECK(target.running() == 1);

  const auto running = copy_status_lid4(initiator, kListId);
  CHECK(running.response_to_service_action == xg::scsi::kTpcOutExtendedCopyLid4);
  CHECK(running.copy_operation_status == xg::scsi::CopyOperationStatus::kInProgressBackground);
  CHECK(running.segments_processed < kSegments);

  REQUIRE(eventually([&] { return stuck(target); }, kHangGuard));
  AsyncCommand abort;
  abort.send(initiator, tpc_out_cdb(0x1C, kListId, 0), {});
  REQUIRE(initiator.service_until([&] { return target.stopping() == 1; }, kHangGuard));
  CHECK(abort.callbacks == 0);  // GOOD only once the copy's commands are done (SPC-4 6.3)
  target.release_after_stop();
  REQUIRE(initiator.service_until([&] { return abort.callbacks > 0; }, kHangGuard));
  INFO("sense key " << abort.task->sense.key << " ASCQ " << std::hex << abort.task->sense.ascq);
  REQUIRE(abort.status == SCSI_STATUS_GOOD);
  CHECK(target.running() == 0);  // GOOD only once the copy has stopped
  const std::uint64_t seen = target.copies_seen();
  CHECK(seen < kSegments);

  const auto status = copy_status_lid4(initiator, kListId);
  CHECK(status.response_to_service_action == xg::scsi::kTpcOutExtendedCopyLid4);
  check_stopped(initiator, status, sources);
  CHECK(target.copies_seen() == seen);
}

TEST_CASE(
    "Copy abort: LOGICAL UNIT RESET during an EXTENDED COPY answers at once - the copy "
    "stops and the session keeps working (SAM-5 7.7)",
    "[target][xcopy][tmf]") {
  CopyTargetUnderTest target;
  AsyncCommand xcopy;
  Initiator initiator;
  initiator.login(target);
  clear_unit_attention(initiator);
  const auto sources = write_sources(initiator);
  start_copy(target, initiator, xcopy, copy_list(target, xg::scsi::ListIdFormat::kLid1, 3));

  AsyncTmf tmf;
  REQUIRE(iscsi_task_mgmt_lun_reset_async(initiator.context, 0, &AsyncTmf::on_done, &tmf) == 0);
  REQUIRE(initiator.service_until([&] { return target.stopping() == 1; }, kHangGuard));
  target.release_after_stop();
  REQUIRE(initiator.service_until([&] { return tmf.callbacks > 0; }, kHangGuard));
  INFO("LOGICAL UNIT RESET answered after " << tmf.took().count() << " ms");
  CHECK(tmf.status == SCSI_STATUS_GOOD);
  CHECK(tmf.response == 0);  // FUNCTION COMPLETE
  // libiscsi cancels every task of the session locally when it sends a LUN RESET, so it
  // cannot tell whether the target answered the copy; the copy manager can.
  CHECK(xcopy.callbacks == 1);
  CHECK(xcopy.status == SCSI_STATUS_CANCELLED);
  CHECK(target.running() == 0);
  const std::uint64_t seen = target.copies_seen();
  CHECK(seen < kSegments);

  // The reset's unit attention (29h), then reads on the same session.
  clear_unit_attention(initiator);
  CHECK(read_segment_destination(initiator, kSegments - 1) ==
        std::vector<unsigned char>(kSegmentBytes, 0));
  auto read = own(iscsi_read10_sync(initiator.context, 0, static_cast<std::uint32_t>(source_lba(0)),
                                    kSegmentBytes, 512, 0, 0, 0, 0, 0));
  REQUIRE(read != nullptr);
  REQUIRE(read->status == SCSI_STATUS_GOOD);
  CHECK(std::vector<unsigned char>(read->datain.data, read->datain.data + kSegmentBytes) ==
        sources[0]);
  CHECK(target.copies_seen() == seen);
}

TEST_CASE(
    "Copy abort: losing the connection during a foreground EXTENDED COPY stops it and the "
    "target serves a new session (SAM-5 6.3.4 I_T nexus loss)",
    "[target][xcopy]") {
  CopyTargetUnderTest target;
  std::vector<std::vector<unsigned char>> sources;
  {
    AsyncCommand xcopy;
    Initiator initiator;
    initiator.login(target);
    clear_unit_attention(initiator);
    sources = write_sources(initiator);
    start_copy(target, initiator, xcopy, copy_list(target, xg::scsi::ListIdFormat::kLid1, 1));
    const int fd = iscsi_get_fd(initiator.context);
    REQUIRE(fd >= 0);
    ::shutdown(fd, SHUT_RDWR);  // the connection drops; the context goes with the scope
  }
  target.release_after_stop();
  REQUIRE(eventually([&] { return target.running() == 0; }, kHangGuard));
  const std::uint64_t seen = target.copies_seen();
  CHECK(seen < kSegments);

  Initiator next;
  next.login(target);
  clear_unit_attention(next);
  CHECK(read_segment_destination(next, kSegments - 1) ==
        std::vector<unsigned char>(kSegmentBytes, 0));
  CHECK(target.copies_seen() == seen);
}
