// The whole target in one process: gateway::Server on 127.0.0.1 (an ephemeral port),
// translate's NVMe logical units, the emulated NVMe device in a scratch directory, and
// libiscsi (the initiator library iscsi-test-cu is built on) as the client.
#include <iscsi/iscsi.h>
#include <iscsi/scsi-lowlevel.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "gateway/target/server.h"
#include "nvme/emulated_device.h"
#include "tests/support/catch.h"
#include "translate/nvme_logical_unit.h"
#include "translate/scsi_target.h"

namespace {

constexpr const char* kTargetName = "iqn.2026-12.org.xgate.test:disk";
constexpr const char* kInitiatorName = "iqn.2026-12.org.xgate.test:initiator";

struct TargetUnderTest {
  std::filesystem::path dir;
  std::unique_ptr<xg::nvme::EmulatedDevice> device;
  std::unique_ptr<xg::gateway::Server> server;
  std::thread thread;
  std::string portal;

  explicit TargetUnderTest(xg::gateway::ServerOptions options = {}) {
    dir = std::filesystem::temp_directory_path() /
          ("xgate-target-test-" + std::to_string(::getpid()) + "-" +
           std::to_string(std::random_device{}()));
    std::filesystem::create_directories(dir);
    xg::nvme::EmulatedDeviceConfig config;
    for (std::uint32_t nsid : {1U, 2U}) {
      xg::nvme::EmulatedNamespaceConfig ns;
      ns.nsid = nsid;
      ns.path = (dir / ("ns" + std::to_string(nsid) + ".img")).string();
      ns.capacity = 131072;  // 64 MiB of 512-byte blocks
      config.namespaces.push_back(ns);
    }
    auto created = xg::nvme::EmulatedDevice::create(config);
    REQUIRE(created.has_value());
    device = std::move(created).value();
    auto scsi = std::make_shared<xg::translate::ScsiTarget>();
    for (std::uint32_t nsid : {1U, 2U}) {
      std::string why;
      auto unit = xg::translate::make_nvme_logical_unit(*device, nsid, {}, &why);
      REQUIRE(unit != nullptr);
      scsi->add_lun(nsid - 1, std::move(unit));
    }
    options.portals = {xg::gateway::Portal{"127.0.0.1", 0}};
    options.nop_interval_seconds = 0;
    server = std::make_unique<xg::gateway::Server>(
        options, std::vector<xg::gateway::TargetDefinition>{{kTargetName, "test", scsi}});
    std::string why;
    REQUIRE(server->listen(why));
    portal = "127.0.0.1:" + std::to_string(server->bound_ports().at(0));
    thread = std::thread([this] { server->run(); });
  }

  ~TargetUnderTest() {
    server->stop();
    thread.join();
    server.reset();
    device.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }
};

struct Initiator {
  iscsi_context* context = nullptr;
  explicit Initiator(const char* name = kInitiatorName) {
    context = iscsi_create_context(name);
    REQUIRE(context != nullptr);
    iscsi_set_timeout(context, 10);
  }
  ~Initiator() {
    if (context != nullptr) iscsi_destroy_context(context);
  }
  std::string error() const { return iscsi_get_error(context); }

  void login(const TargetUnderTest& target, int lun = 0) {
    iscsi_set_targetname(context, kTargetName);
    iscsi_set_session_type(context, ISCSI_SESSION_NORMAL);
    INFO(error());
    REQUIRE(iscsi_full_connect_sync(context, target.portal.c_str(), lun) == 0);
  }
};

using TaskPtr = std::unique_ptr<scsi_task, decltype(&scsi_free_scsi_task)>;
TaskPtr own(scsi_task* task) { return TaskPtr(task, &scsi_free_scsi_task); }

std::vector<unsigned char> pattern(std::size_t size, unsigned seed) {
  std::vector<unsigned char> data(size);
  std::mt19937 random(seed);
  for (auto& byte : data) byte = static_cast<unsigned char>(random());
  return data;
}

// Clears the power-on unit attention of a new I_T nexus (SAM-5 5.14).
void clear_unit_attention(Initiator& initiator, int lun) {
  for (int i = 0; i < 3; ++i) {
    auto task = own(iscsi_testunitready_sync(initiator.context, lun));
    REQUIRE(task != nullptr);
    if (task->status == SCSI_STATUS_GOOD) return;
  }
  FAIL("TEST UNIT READY never returned GOOD: " << initiator.error());
}

}  // namespace

TEST_CASE("Discovery session: SendTargets=All lists the target at its portal (RFC 7143 13.3)",
          "[target]") {
  TargetUnderTest target;
  Initiator initiator;
  iscsi_set_session_type(initiator.context, ISCSI_SESSION_DISCOVERY);
  REQUIRE(iscsi_connect_sync(initiator.context, target.portal.c_str()) == 0);
  REQUIRE(iscsi_login_sync(initiator.context) == 0);
  iscsi_discovery_address* found = iscsi_discovery_sync(initiator.context);
  REQUIRE(found != nullptr);
  CHECK(std::string(found->target_name) == kTargetName);
  REQUIRE(found->portals != nullptr);
  CHECK(std::string(found->portals->portal) == target.portal + ",1");
  CHECK(found->next == nullptr);
  iscsi_free_discovery_data(initiator.context, found);
  CHECK(iscsi_logout_sync(initiator.context) == 0);
}

TEST_CASE("Normal session: INQUIRY, READ CAPACITY(16), WRITE(10)/READ(10) round trip",
          "[target]") {
  TargetUnderTest target;
  Initiator initiator;
  initiator.login(target);
  clear_unit_attention(initiator, 0);

  auto inquiry = own(iscsi_inquiry_sync(initiator.context, 0, 0, 0, 255));
  REQUIRE(inquiry != nullptr);
  REQUIRE(inquiry->status == SCSI_STATUS_GOOD);
  auto* standard = static_cast<scsi_inquiry_standard*>(scsi_datain_unmarshall(inquiry.get()));
  REQUIRE(standard != nullptr);
  CHECK(standard->device_type == SCSI_INQUIRY_PERIPHERAL_DEVICE_TYPE_DIRECT_ACCESS);
  CHECK(std::string(standard->vendor_identification).starts_with("XGATE"));

  auto capacity = own(iscsi_readcapacity16_sync(initiator.context, 0));
  REQUIRE(capacity != nullptr);
  REQUIRE(capacity->status == SCSI_STATUS_GOOD);
  auto* rc16 = static_cast<scsi_readcapacity16*>(scsi_datain_unmarshall(capacity.get()));
  REQUIRE(rc16 != nullptr);
  CHECK(rc16->returned_lba == 131071);
  CHECK(rc16->block_length == 512);

  // 1 MiB: more than FirstBurstLength, so immediate data, R2T bursts and, on the way back,
  // several Data-In PDUs.
  auto data = pattern(1 << 20, 1);
  auto write = own(iscsi_write10_sync(initiator.context, 0, 2048, data.data(),
                                      static_cast<std::uint32_t>(data.size()), 512, 0, 0, 0, 0,
                                      0));
  REQUIRE(write != nullptr);
  INFO(initiator.error());
  REQUIRE(write->status == SCSI_STATUS_GOOD);
  auto read = own(iscsi_read10_sync(initiator.context, 0, 2048,
                                    static_cast<std::uint32_t>(data.size()), 512, 0, 0, 0, 0, 0));
  REQUIRE(read != nullptr);
  REQUIRE(read->status == SCSI_STATUS_GOOD);
  REQUIRE(read->datain.size == static_cast<int>(data.size()));
  CHECK(std::memcmp(read->datain.data, data.data(), data.size()) == 0);

  // The other LUN is another namespace: untouched.
  clear_unit_attention(initiator, 1);
  auto other = own(iscsi_read10_sync(initiator.context, 1, 2048, 4096, 512, 0, 0, 0, 0, 0));
  REQUIRE(other != nullptr);
  REQUIRE(other->status == SCSI_STATUS_GOOD);
  CHECK(std::vector<unsigned char>(other->datain.data, other->datain.data + 4096) ==
        std::vector<unsigned char>(4096, 0));
  CHECK(iscsi_logout_sync(initiator.context) == 0);
}

TEST_CASE("Normal session with CRC32C header and data digests moves data intact (RFC 7143 13.1)",
          "[target]") {
  TargetUnderTest target;
  Initiator initiator;
  iscsi_set_header_digest(initiator.context, ISCSI_HEADER_DIGEST_CRC32C);
  initiator.login(target);
  clear_unit_attention(initiator, 0);
  auto data = pattern(300 * 1024, 2);
  auto write = own(iscsi_write10_sync(initiator.context, 0, 0, data.data(),
                                      static_cast<std::uint32_t>(data.size()), 512, 0, 0, 0, 0,
                                      0));
  REQUIRE(write != nullptr);
  REQUIRE(write->status == SCSI_STATUS_GOOD);
  auto read = own(iscsi_read10_sync(initiator.context, 0, 0,
                                    static_cast<std::uint32_t>(data.size()), 512, 0, 0, 0, 0, 0));
  REQUIRE(read != nullptr);
  REQUIRE(read->status == SCSI_STATUS_GOOD);
  CHECK(std::memcmp(read->datain.data, data.data(), data.size()) == 0);
}

TEST_CASE("Login to a target that is not served fails, the target keeps serving others",
          "[target]") {
  TargetUnderTest target;
  Initiator wrong;
  iscsi_set_targetname(wrong.context, "iqn.2026-12.org.xgate.test:absent");
  iscsi_set_session_type(wrong.context, ISCSI_SESSION_NORMAL);
  iscsi_set_noautoreconnect(wrong.context, 1);
  CHECK(iscsi_full_connect_sync(wrong.context, target.portal.c_str(), 0) != 0);

  Initiator right;
  right.login(target);
  clear_unit_attention(right, 0);
}

TEST_CASE("Garbage and truncated headers drop only that connection", "[target][robustness]") {
  TargetUnderTest target;
  Initiator survivor;
  survivor.login(target);
  clear_unit_attention(survivor, 0);

  const auto port = target.server->bound_ports().at(0);
  for (int round = 0; round < 3; ++round) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    std::vector<unsigned char> junk = pattern(round == 0 ? 20 : 4096, 10 + round);
    if (round == 2) junk[0] = 0x01;  // a SCSI Command before login: protocol error
    (void)::send(fd, junk.data(), junk.size(), MSG_NOSIGNAL);
    ::shutdown(fd, SHUT_WR);
    char sink[256];
    while (::recv(fd, sink, sizeof sink, 0) > 0) {
    }
    ::close(fd);
  }
  auto task = own(iscsi_testunitready_sync(survivor.context, 0));
  REQUIRE(task != nullptr);
  CHECK(task->status == SCSI_STATUS_GOOD);
}

TEST_CASE("LUN RESET and REPORT LUNS on a live session", "[target]") {
  TargetUnderTest target;
  Initiator initiator;
  initiator.login(target);
  clear_unit_attention(initiator, 0);
  auto luns = own(iscsi_reportluns_sync(initiator.context, 0, 256));
  REQUIRE(luns != nullptr);
  REQUIRE(luns->status == SCSI_STATUS_GOOD);
  auto* list = static_cast<scsi_reportluns_list*>(scsi_datain_unmarshall(luns.get()));
  REQUIRE(list != nullptr);
  REQUIRE(list->num == 2);
  CHECK(list->luns[0] == 0);
  CHECK(list->luns[1] == 1);
  CHECK(iscsi_task_mgmt_lun_reset_sync(initiator.context, 0) == 0);
}

namespace {

// The next TEST UNIT READY gets CHECK CONDITION, UNIT ATTENTION `ascq` (ASC << 8 | ASCQ),
// and the one after it GOOD: the condition is reported once.
void expect_unit_attention_once(Initiator& initiator, int lun, int ascq) {
  INFO("LUN " << lun << ": " << initiator.error());
  auto first = own(iscsi_testunitready_sync(initiator.context, lun));
  REQUIRE(first != nullptr);
  REQUIRE(first->status == SCSI_STATUS_CHECK_CONDITION);
  CHECK(first->sense.key == SCSI_SENSE_UNIT_ATTENTION);
  CHECK(first->sense.ascq == ascq);
  auto second = own(iscsi_testunitready_sync(initiator.context, lun));
  REQUIRE(second != nullptr);
  CHECK(second->status == SCSI_STATUS_GOOD);
}

}  // namespace

TEST_CASE("Task management: LUN RESET from one session -> BUS DEVICE RESET FUNCTION OCCURRED "
          "once on that LU for both sessions, TARGET WARM RESET -> 29/00 on every LU "
          "(SAM-5 6.3)", "[target][tmf]") {
  TargetUnderTest target;
  Initiator a("iqn.2026-12.org.xgate.test:path-a");
  Initiator b("iqn.2026-12.org.xgate.test:path-b");
  a.login(target);
  b.login(target);
  for (Initiator* initiator : {&a, &b}) {
    for (int lun : {0, 1}) clear_unit_attention(*initiator, lun);
  }
  REQUIRE(iscsi_task_mgmt_lun_reset_sync(a.context, 0) == 0);
  auto inquiry = own(iscsi_inquiry_sync(b.context, 0, 0, 0, 64));
  REQUIRE(inquiry != nullptr);
  CHECK(inquiry->status == SCSI_STATUS_GOOD);  // INQUIRY neither reports nor clears it
  expect_unit_attention_once(b, 0, SCSI_SENSE_ASCQ_BUS_DEVICE_RESET_FUNCTION_OCCURED);
  expect_unit_attention_once(a, 0, SCSI_SENSE_ASCQ_BUS_DEVICE_RESET_FUNCTION_OCCURED);
  for (Initiator* initiator : {&a, &b}) {
    auto tur = own(iscsi_testunitready_sync(initiator->context, 1));
    REQUIRE(tur != nullptr);
    CHECK(tur->status == SCSI_STATUS_GOOD);  // LUN 1 was not reset
  }
  REQUIRE(iscsi_task_mgmt_target_warm_reset_sync(b.context) == 0);
  for (Initiator* initiator : {&a, &b}) {
    for (int lun : {0, 1}) {
      expect_unit_attention_once(*initiator, lun, SCSI_SENSE_ASCQ_BUS_RESET);
    }
  }
}

// ---- Robustness: a hand-driven initiator that can send what libiscsi never would -------

#include <fcntl.h>
#include <poll.h>

#include "gateway/iscsi/bhs.h"
#include "gateway/iscsi/digest.h"
#include "gateway/iscsi/pdu_reader.h"
#include "gateway/iscsi/pdu_writer.h"
#include "gateway/iscsi/text_keys.h"

namespace {

namespace iscsi = xg::iscsi;

class RawInitiator {
 public:
  explicit RawInitiator(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  }
  ~RawInitiator() {
    if (fd_ >= 0) ::close(fd_);
  }

  void send_bytes(std::span<const std::uint8_t> bytes) { REQUIRE(try_send_bytes(bytes)); }
  // false if the connection failed first. No assertion inside: it may run on a thread of
  // the test's own, and Catch2's assertion macros belong to the test's thread only.
  bool try_send_bytes(std::span<const std::uint8_t> bytes) {
    std::size_t sent = 0;
    while (sent < bytes.size()) {
      const ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return false;
      sent += static_cast<std::size_t>(n);
    }
    return true;
  }
  void send(const iscsi::Bhs& bhs, std::span<const std::uint8_t> data = {}) {
    send_bytes(iscsi::write_pdu(bhs, {}, data, digests_));
  }

  // The next PDU, or nullopt when the target closed the connection or timed out.
  std::optional<iscsi::Pdu> receive(int timeout_ms = 5000) {
    for (;;) {
      while (!pending_.empty()) {
        auto fed = reader_.feed(pending_);
        pending_.erase(pending_.begin(), pending_.begin() + static_cast<long>(fed.consumed));
        if (fed.outcome) {
          REQUIRE(fed.outcome->has_value());
          return **fed.outcome;
        }
      }
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, timeout_ms) <= 0) {
        closed_ = false;  // timed out: the connection may still be open
        return std::nullopt;
      }
      std::uint8_t buffer[65536];
      const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) {
        closed_ = true;  // end of stream (or reset): the target closed it
        return std::nullopt;
      }
      pending_.insert(pending_.end(), buffer, buffer + n);
    }
  }

  // True only when the target closed the connection within the timeout (PDUs it sends
  // before closing are skipped); a silent but open connection is false.
  bool closed_by_target(int timeout_ms = 5000) {
    for (;;) {
      auto pdu = receive(timeout_ms);
      if (!pdu) return closed_;
    }
  }

  // A Normal session login in one operational-stage request (AuthMethod None).
  // `isid_low`: the ISID's last byte; by default every RawInitiator gets its own.
  void login(bool header_digest, bool data_digest, bool initial_r2t = false,
             std::optional<std::uint8_t> isid_low = std::nullopt) {
    iscsi::LoginRequest request;
    request.transit = true;
    request.csg = iscsi::LoginStage::kLoginOperationalNegotiation;
    request.nsg = iscsi::LoginStage::kFullFeaturePhase;
    request.isid = {0x80, 0, 0, 0x42, 0,
                    isid_low.value_or(static_cast<std::uint8_t>(++isid_seq))};
    request.cmd_sn = cmd_sn_;
    iscsi::Bhs bhs;
    bhs.initiator_task_tag = 0;
    bhs.fields = request;
    const iscsi::TextKeyList keys = {
        {"InitiatorName", "iqn.2026-12.org.xgate.test:raw"},
        {"TargetName", kTargetName},
        {"SessionType", "Normal"},
        {"HeaderDigest", header_digest ? "CRC32C" : "None"},
        {"DataDigest", data_digest ? "CRC32C" : "None"},
        {"InitialR2T", initial_r2t ? "Yes" : "No"},
        {"ImmediateData", "Yes"},
        {"MaxBurstLength", "262144"},
        {"FirstBurstLength", "65536"},
        {"MaxRecvDataSegmentLength", "65536"},
        {"ErrorRecoveryLevel", "0"},
        {"MaxOutstandingR2T", "1"},
        {"DataPDUInOrder", "Yes"},
        {"DataSequenceInOrder", "Yes"},
        {"DefaultTime2Wait", "0"},
        {"DefaultTime2Retain", "0"},
        {"MaxConnections", "1"}};
    send(bhs, iscsi::encode_text(keys));
    for (int i = 0; i < 4; ++i) {
      auto pdu = receive();
      REQUIRE(pdu.has_value());
      const auto& response = std::get<iscsi::LoginResponse>(pdu->bhs.fields);
      REQUIRE(response.status_class == 0);
      if (response.transit && response.nsg == iscsi::LoginStage::kFullFeaturePhase) {
        exp_stat_sn_ = response.stat_sn + 1;
        digests_ = {header_digest, data_digest};
        reader_.set_digests(digests_);
        return;
      }
      send(bhs, {});  // the target still waits for answers: ask again
    }
    FAIL("login did not reach Full Feature Phase");
  }

  iscsi::Bhs nop_out(std::uint32_t itt, bool immediate = true) {
    iscsi::NopOut nop;
    nop.immediate = immediate;
    nop.cmd_sn = cmd_sn_;
    nop.exp_stat_sn = exp_stat_sn_;
    if (!immediate) ++cmd_sn_;
    iscsi::Bhs bhs;
    bhs.initiator_task_tag = itt;
    bhs.fields = nop;
    return bhs;
  }

  iscsi::Bhs write10(std::uint32_t itt, std::uint32_t lba, std::uint16_t blocks, bool final) {
    iscsi::ScsiCommand command;
    command.final = final;
    command.write = true;
    command.expected_data_transfer_length = blocks * 512U;
    command.cmd_sn = cmd_sn_++;
    command.exp_stat_sn = exp_stat_sn_;
    command.cdb = {0x2A, 0, static_cast<std::uint8_t>(lba >> 24), static_cast<std::uint8_t>(lba >> 16),
                   static_cast<std::uint8_t>(lba >> 8), static_cast<std::uint8_t>(lba), 0,
                   static_cast<std::uint8_t>(blocks >> 8), static_cast<std::uint8_t>(blocks), 0};
    iscsi::Bhs bhs;
    bhs.initiator_task_tag = itt;
    bhs.fields = command;
    return bhs;
  }

  int fd() const { return fd_; }

 private:
  int fd_ = -1;
  iscsi::PduReader reader_{iscsi::Role::kInitiator, {1 << 20, 1 << 20}};
  std::vector<std::uint8_t> pending_;
  iscsi::DigestSettings digests_;
  std::uint32_t cmd_sn_ = 1;
  std::uint32_t exp_stat_sn_ = 0;
  bool closed_ = false;
  static inline int isid_seq = 0;
};

// Proves the target still serves a session that logged in before the abuse.
void still_serving(Initiator& survivor) {
  auto task = own(iscsi_testunitready_sync(survivor.context, 0));
  REQUIRE(task != nullptr);
  CHECK(task->status == SCSI_STATUS_GOOD);
}

}  // namespace

TEST_CASE("Robustness: a data segment above MaxRecvDataSegmentLength gets Reject 04h and the "
          "connection is dropped (RFC 7143 13.12)",
          "[target][robustness]") {
  TargetUnderTest target;
  Initiator survivor;
  survivor.login(target);
  clear_unit_attention(survivor, 0);
  RawInitiator raw(target.server->bound_ports().at(0));
  raw.login(false, false);
  auto bhs = raw.nop_out(7);
  auto bytes = iscsi::write_pdu(bhs, {}, {});
  bytes[5] = 0x10;  // DataSegmentLength 1 MiB + ..., far above the 256 KiB declared
  raw.send_bytes(bytes);
  auto reject = raw.receive();
  REQUIRE(reject.has_value());
  REQUIRE(std::holds_alternative<iscsi::Reject>(reject->bhs.fields));
  CHECK(std::get<iscsi::Reject>(reject->bhs.fields).reason == 0x04);
  CHECK(raw.closed_by_target());
  still_serving(survivor);
}

TEST_CASE("Robustness: a header digest error drops the connection, a data digest error gets "
          "Reject 02h and the connection lives on (RFC 7143 7.8, 11.17.1)",
          "[target][robustness]") {
  TargetUnderTest target;
  Initiator survivor;
  survivor.login(target);
  clear_unit_attention(survivor, 0);
  SECTION("header digest") {
    RawInitiator raw(target.server->bound_ports().at(0));
    raw.login(true, true);
    auto bytes = iscsi::write_pdu(raw.nop_out(1), {}, {}, {true, true});
    bytes[48] ^= 0xFF;  // the header digest
    raw.send_bytes(bytes);
    CHECK(raw.closed_by_target());
  }
  SECTION("data digest") {
    RawInitiator raw(target.server->bound_ports().at(0));
    raw.login(true, true);
    const std::vector<std::uint8_t> ping = {1, 2, 3, 4, 5, 6, 7, 8};
    auto bytes = iscsi::write_pdu(raw.nop_out(2), {}, ping, {true, true});
    bytes.back() ^= 0xFF;  // the data digest
    raw.send_bytes(bytes);
    auto reject = raw.receive();
    REQUIRE(reject.has_value());
    REQUIRE(std::holds_alternative<iscsi::Reject>(reject->bhs.fields));
    CHECK(std::get<iscsi::Reject>(reject->bhs.fields).reason == 0x02);
    raw.send(raw.nop_out(3), ping);
    auto answer = raw.receive();
    REQUIRE(answer.has_value());
    REQUIRE(std::holds_alternative<iscsi::NopIn>(answer->bhs.fields));
    CHECK(answer->bhs.initiator_task_tag == 3);
    CHECK(answer->data == ping);
  }
  still_serving(survivor);
}

TEST_CASE("Robustness: a connection lost in the middle of Data-Out leaves the target serving, "
          "the data that did arrive is not written",
          "[target][robustness]") {
  TargetUnderTest target;
  Initiator survivor;
  survivor.login(target);
  clear_unit_attention(survivor, 0);
  {
    RawInitiator raw(target.server->bound_ports().at(0));
    raw.login(false, false, /*initial_r2t=*/true);
    // WRITE(10) of 256 blocks at LBA 9000: the target asks for the data with an R2T.
    raw.send(raw.write10(0x100, 9000, 256, true));
    auto r2t = raw.receive();
    REQUIRE(r2t.has_value());
    REQUIRE(std::holds_alternative<iscsi::ReadyToTransfer>(r2t->bhs.fields));
    const auto& ready = std::get<iscsi::ReadyToTransfer>(r2t->bhs.fields);
    CHECK(ready.buffer_offset == 0);
    CHECK(ready.desired_data_transfer_length == 128 * 1024);
    iscsi::ScsiDataOut data_out;
    data_out.target_transfer_tag = ready.target_transfer_tag;
    data_out.data_sn = 0;
    data_out.buffer_offset = 0;
    iscsi::Bhs bhs;
    bhs.initiator_task_tag = 0x100;
    bhs.fields = data_out;
    const std::vector<std::uint8_t> half(65536, 0xEE);
    raw.send(bhs, half);
  }  // the socket closes here, the burst half sent
  still_serving(survivor);
  auto read = own(iscsi_read10_sync(survivor.context, 0, 9000, 65536, 512, 0, 0, 0, 0, 0));
  REQUIRE(read != nullptr);
  REQUIRE(read->status == SCSI_STATUS_GOOD);
  CHECK(std::vector<unsigned char>(read->datain.data, read->datain.data + 65536) ==
        std::vector<unsigned char>(65536, 0));
}

TEST_CASE("Robustness: a flood of 20000 NOP-Outs is answered one by one and other sessions "
          "keep working",
          "[target][robustness]") {
  TargetUnderTest target;
  Initiator survivor;
  survivor.login(target);
  clear_unit_attention(survivor, 0);
  RawInitiator raw(target.server->bound_ports().at(0));
  raw.login(false, false);
  constexpr std::uint32_t kNops = 20000;
  std::vector<std::uint8_t> burst;
  for (std::uint32_t i = 0; i < kNops; ++i) {
    auto bytes = iscsi::write_pdu(raw.nop_out(i + 1), {}, {});
    burst.insert(burst.end(), bytes.begin(), bytes.end());
  }
  bool sent = false;  // read after join()
  std::thread sender([&] { sent = raw.try_send_bytes(burst); });
  std::uint32_t answered = 0;
  while (answered < kNops) {
    auto pdu = raw.receive();
    REQUIRE(pdu.has_value());
    REQUIRE(std::holds_alternative<iscsi::NopIn>(pdu->bhs.fields));
    CHECK(pdu->bhs.initiator_task_tag == answered + 1);
    ++answered;
  }
  sender.join();
  REQUIRE(sent);
  still_serving(survivor);
}

TEST_CASE("Robustness: a peer that never reads its responses cannot make the target buffer "
          "without bound (reading pauses)",
          "[target][robustness]") {
  TargetUnderTest target;
  Initiator survivor;
  survivor.login(target);
  clear_unit_attention(survivor, 0);
  RawInitiator raw(target.server->bound_ports().at(0));
  raw.login(false, false);
  // NOP-Outs with 64 KiB of ping data, each echoed back: sent without ever reading.
  const std::vector<std::uint8_t> ping(65536, 0x5A);
  std::vector<std::uint8_t> one;
  std::uint64_t accepted = 0;
  ::fcntl(raw.fd(), F_SETFL, ::fcntl(raw.fd(), F_GETFL) | O_NONBLOCK);
  std::uint32_t itt = 1;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    one = iscsi::write_pdu(raw.nop_out(itt++), {}, ping);
    std::size_t sent = 0;
    int stalls = 0;
    while (sent < one.size() && stalls < 50) {
      const ssize_t n = ::send(raw.fd(), one.data() + sent, one.size() - sent, MSG_NOSIGNAL);
      if (n > 0) {
        sent += static_cast<std::size_t>(n);
        stalls = 0;
      } else {
        ++stalls;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    }
    accepted += sent;
    if (sent < one.size()) break;  // the target stopped reading: backpressure works
  }
  // 16 MiB of queued output, plus what the kernel's socket buffers hold both ways.
  INFO("bytes the target accepted: " << accepted);
  CHECK(accepted < 96ULL * 1024 * 1024);
  still_serving(survivor);
}

namespace {

iscsi::Bhs task_management(std::uint32_t itt, std::uint8_t function, std::uint32_t cmd_sn) {
  iscsi::TaskManagementRequest tmf;
  tmf.immediate = true;
  tmf.function = function;
  tmf.cmd_sn = cmd_sn;
  iscsi::Bhs bhs;
  bhs.initiator_task_tag = itt;
  bhs.fields = tmf;
  return bhs;
}

}  // namespace

TEST_CASE("Session reinstatement: a new login with the same initiator, ISID and target closes "
          "the old session (RFC 7143 6.3.5)",
          "[target][session]") {
  TargetUnderTest target;
  const auto port = target.server->bound_ports().at(0);
  // Two logins with the same initiator name and ISID: the second reinstates the first.
  RawInitiator a(port), b(port);
  a.login(false, false, false, 0x77);
  b.login(false, false, false, 0x77);
  CHECK(a.closed_by_target());          // the old session is gone
  b.send(b.nop_out(5));                 // the new one serves
  auto answer = b.receive();
  REQUIRE(answer.has_value());
  CHECK(std::holds_alternative<iscsi::NopIn>(answer->bhs.fields));
}

TEST_CASE("Keepalive: the target pings an idle initiator with NOP-In and drops one that never "
          "answers (RFC 7143 11.19)",
          "[target][session]") {
  xg::gateway::ServerOptions options;
  TargetUnderTest target(options);
  // TargetUnderTest turns keepalive off; this case builds its own server with a 1 s ping.
  target.server->stop();
  target.thread.join();
  target.server.reset();
  options.portals = {xg::gateway::Portal{"127.0.0.1", 0}};
  options.nop_interval_seconds = 1;
  auto scsi = std::make_shared<xg::translate::ScsiTarget>();
  scsi->add_lun(0, xg::translate::make_nvme_logical_unit(*target.device, 1, {}));
  target.server = std::make_unique<xg::gateway::Server>(
      options, std::vector<xg::gateway::TargetDefinition>{{kTargetName, "", scsi}});
  std::string why;
  REQUIRE(target.server->listen(why));
  target.thread = std::thread([&] { target.server->run(); });
  const auto port = target.server->bound_ports().at(0);

  RawInitiator silent(port);
  silent.login(false, false);
  auto ping = silent.receive(3000);
  REQUIRE(ping.has_value());
  REQUIRE(std::holds_alternative<iscsi::NopIn>(ping->bhs.fields));
  CHECK(ping->bhs.initiator_task_tag == iscsi::kReservedTag);
  CHECK(std::get<iscsi::NopIn>(ping->bhs.fields).target_transfer_tag != iscsi::kReservedTag);
  CHECK(silent.closed_by_target(5000));  // never answered: dropped

  RawInitiator polite(port);
  polite.login(false, false);
  for (int round = 0; round < 3; ++round) {
    auto nop = polite.receive(3000);
    REQUIRE(nop.has_value());
    const auto& in = std::get<iscsi::NopIn>(nop->bhs.fields);
    iscsi::NopOut out;
    out.immediate = true;
    out.target_transfer_tag = in.target_transfer_tag;
    iscsi::Bhs bhs;
    bhs.initiator_task_tag = iscsi::kReservedTag;  // an answer, not a new ping
    bhs.fields = out;
    polite.send(bhs);
  }
  polite.send(polite.nop_out(9));  // still connected after three rounds
  bool answered = false;
  for (int i = 0; i < 3 && !answered; ++i) {
    auto pdu = polite.receive(3000);
    REQUIRE(pdu.has_value());
    answered = pdu->bhs.initiator_task_tag == 9;
  }
  CHECK(answered);
  scsi.reset();
}

TEST_CASE("Task management: TARGET WARM RESET answers and keeps the connection, TARGET COLD "
          "RESET answers, then closes it, unknown functions are rejected (RFC 7143 11.5)",
          "[target][tmf]") {
  TargetUnderTest target;
  const auto port = target.server->bound_ports().at(0);
  RawInitiator raw(port);
  raw.login(false, false);
  auto answer_to = [&](std::uint8_t function) {
    raw.send(task_management(0x900 + function, function, 1));
    auto pdu = raw.receive();
    REQUIRE(pdu.has_value());
    REQUIRE(std::holds_alternative<iscsi::TaskManagementResponse>(pdu->bhs.fields));
    CHECK(pdu->bhs.initiator_task_tag == 0x900U + function);
    return std::get<iscsi::TaskManagementResponse>(pdu->bhs.fields).response;
  };
  CHECK(answer_to(6) == 0);    // TARGET WARM RESET: function complete
  CHECK(answer_to(3) == 5);    // CLEAR ACA: not supported (NormACA=0)
  CHECK(answer_to(8) == 4);    // TASK REASSIGN: needs ERL 2
  CHECK(answer_to(42) == 255);  // not a function: rejected
  CHECK(answer_to(7) == 0);    // TARGET COLD RESET: function complete...
  CHECK(raw.closed_by_target());  // ...then the connection closes
}
