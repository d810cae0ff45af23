// The copy manager's EXTENDED COPY(LID4), RECEIVE COPY STATUS(LID4) and the ways a copy
// is stopped: COPY OPERATION ABORT, ABORT TASK, ABORT TASK SET, LU reset, nexus loss
// (SPC-4 5.17.4.3, 6.3, 6.4, 6.24, table 109). Copies are held mid-way with the fault
// injector, so progress at the moment of the stop is known exactly.
#include "tests/translate/copy_test_support.h"

namespace xg::test {
namespace {

Bytes tpc_out_cdb(std::uint8_t service_action, std::uint32_t list_id, std::size_t length) {
  Bytes cdb(16, 0);
  cdb[0] = 0x83;
  cdb[1] = service_action;
  if (service_action == 0x1C) {  // COPY OPERATION ABORT: LIST IDENTIFIER in bytes 2-5
    cdb[2] = std::uint8_t(list_id >> 24);
    cdb[3] = std::uint8_t(list_id >> 16);
    cdb[4] = std::uint8_t(list_id >> 8);
    cdb[5] = std::uint8_t(list_id);
  }
  cdb[10] = std::uint8_t(length >> 24);
  cdb[11] = std::uint8_t(length >> 16);
  cdb[12] = std::uint8_t(length >> 8);
  cdb[13] = std::uint8_t(length);
  return cdb;
}

Bytes copy_operation_abort_cdb(std::uint32_t list_id) { return tpc_out_cdb(0x1C, list_id, 0); }

// RECEIVE COPY STATUS(LID4), 84h/05h: LIST IDENTIFIER in bytes 2-5, ALLOCATION LENGTH 1024.
Bytes rcs_lid4_cdb(std::uint32_t list_id) {
  return Bytes{0x84,
               0x05,
               std::uint8_t(list_id >> 24),
               std::uint8_t(list_id >> 16),
               std::uint8_t(list_id >> 8),
               std::uint8_t(list_id),
               0,
               0,
               0,
               0,
               0,
               0,
               0x04,
               0,
               0,
               0};
}

scsi::ExtendedCopyList lid4(scsi::ExtendedCopyList list, bool immed = false, bool g_sense = false) {
  list.format = scsi::ListIdFormat::kLid4;
  list.immed = immed;
  list.g_sense = g_sense;
  return list;
}

std::future<ScsiResponse> start_xcopy(CopyHarness& h, std::uint64_t lun,
                                      const scsi::ExtendedCopyList& list,
                                      std::uint32_t task_tag = 0) {
  const Bytes parameters = scsi::encode_extended_copy(list);
  const std::uint8_t sa = list.format == scsi::ListIdFormat::kLid4 ? 0x01 : 0x00;
  return h.start(lun, tpc_out_cdb(sa, 0, parameters.size()), parameters, task_tag);
}

scsi::CopyStatusLid4 copy_status_lid4(CopyHarness& h, std::uint64_t lun, std::uint32_t list_id) {
  const ScsiResponse r = h.run(lun, rcs_lid4_cdb(list_id));
  check_good(r);
  auto status = scsi::decode_copy_status_lid4(r.data_in);
  REQUIRE(status.has_value());
  return status.value();
}

// Polls RECEIVE COPY STATUS(LID4) until `reached` holds. What a running copy shows depends
// on which of its NVMe commands have completed, which a loaded machine can delay by any
// amount: wait for the state, not for a time (the bound only turns a hang into a failure).
template <typename Predicate>
scsi::CopyStatusLid4 status_when(CopyHarness& h, std::uint32_t list_id, Predicate reached) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  scsi::CopyStatusLid4 status = copy_status_lid4(h, 0, list_id);
  while (!reached(status) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    status = copy_status_lid4(h, 0, list_id);
  }
  return status;
}

bool ready(std::future<ScsiResponse>& f, int ms = 0) {
  return f.wait_for(std::chrono::milliseconds(ms)) == std::future_status::ready;
}

// Three segments whose destinations are apart (no gathering): 100 blocks (one Copy),
// 200 blocks (two: 128 + 72), 50 blocks (one). Copy command 3 is the second half of
// segment 1.
struct HeldCopy {
  static constexpr std::uint64_t kSrc[3] = {0, 200, 500};
  static constexpr std::uint64_t kDst[3] = {2000, 2200, 2600};
  static constexpr std::uint16_t kBlocks[3] = {100, 200, 50};
  Bytes data[3];

  explicit HeldCopy(CopyHarness& h) {
    for (int i = 0; i < 3; ++i) {
      data[i] = pattern(static_cast<std::uint32_t>(40 + i), kBlocks[i], 512);
      h.io(1).write(kSrc[i], data[i]);
    }
  }
  scsi::ExtendedCopyList list(CopyHarness& h, std::uint32_t list_id = 7) const {
    std::vector<scsi::SegmentDescriptor> segments;
    for (int i = 0; i < 3; ++i) segments.push_back(segment(0, 0, kSrc[i], kDst[i], kBlocks[i]));
    scsi::ExtendedCopyList l = list_of({cscd_for(h.naa(0))}, segments);
    l.list_identifier = list_id;
    return l;
  }
  // After a stop while command 3 was held: segment 0 and the first 128 blocks of
  // segment 1 are exactly what landed in order.
  static Sense stopped_sense() {
    Sense s = Sense::commands_cleared_by_device_server(1);
    s.information = 72;
    return s;
  }
  void check_landed(CopyHarness& h) const {
    CHECK(h.io(1).read(kDst[0], kBlocks[0]) == data[0]);
    CHECK(h.io(1).read(kDst[1], 128) == Bytes(data[1].begin(), data[1].begin() + 128 * 512));
  }
};

}  // namespace

TEST_CASE(
    "XCOPY(LID4): a copy lands, RECEIVE COPY STATUS(LID4) reports 01h, segments and "
    "exact bytes, the LID1 service actions do not see it",
    "[translate][xcopy][lid4]") {
  CopyHarness h;
  Bytes a = pattern(21, 300, 512), b = pattern(22, 5, 512);
  h.io(1).write(0, a);
  h.io(1).write(1000, b);
  auto list = lid4(list_of({cscd_for(h.naa(0)), cscd_for(h.naa(1))},
                           {segment(0, 0, 0, 3000, 300), segment(0, 1, 1000, 64, 5)}));
  list.list_identifier = 0x12345678;
  const ScsiResponse r = start_xcopy(h, 0, list).get();
  check_good(r);
  CHECK(r.sense.empty());
  CHECK(h.io(1).read(3000, 300) == a);
  CHECK(h.io(2).read(64, 5) == b);
  const scsi::CopyStatusLid4 status = copy_status_lid4(h, 0, 0x12345678);
  CHECK(status.response_to_service_action == scsi::kTpcOutExtendedCopyLid4);
  CHECK(status.copy_operation_status == scsi::CopyOperationStatus::kCompleted);
  CHECK(status.extended_copy_completion_status == scsi::Status::kGood);
  CHECK(status.estimated_status_update_delay == scsi::kStatusUpdateDelayCompleted);
  CHECK(status.segments_processed == 2);
  CHECK(status.transfer_count_units == scsi::TransferCountUnits::kBytes);
  CHECK(status.transfer_count == 305 * 512);
  // Every NVMe command of it completed with success and is counted.
  CHECK(status.operation_counter == h.faults->commands_seen(nvme::kOpcodeCopy) +
                                        h.faults->commands_seen(nvme::kOpcodeRead) +
                                        h.faults->commands_seen(nvme::kOpcodeWrite));
  CHECK(status.operation_counter > 0);
  CHECK(status.sense_data.empty());
  // The LID1 service actions keep to LID1 records; the same ID on another LU is unknown.
  check_sense(h.run(0, rcr_cdb(0x00, 0x78)), Sense::invalid_field_in_cdb(FieldRef::cdb(2)));
  check_sense(h.run(1, rcs_lid4_cdb(0x12345678)), Sense::invalid_field_in_cdb(FieldRef::cdb(2)));
}

TEST_CASE("XCOPY(LID4): G_SENSE=1 answers GOOD with COMPLETED 00/20 and the segment count",
          "[translate][xcopy][lid4]") {
  CopyHarness h;
  const auto list =
      lid4(list_of({cscd_for(h.naa(0))}, {segment(0, 0, 0, 100, 10), segment(0, 0, 20, 200, 3)}),
           false, true);
  const ScsiResponse r = start_xcopy(h, 0, list).get();
  CHECK(r.status == scsi::Status::kGood);
  auto sense = scsi::decode_sense(r.sense);
  REQUIRE(sense.has_value());
  CHECK(sense.value() == Sense::completed_extended_copy_information(2));
  // A failing G_SENSE copy is an ordinary CHECK CONDITION.
  h.faults->add_rule(
      nvme::FaultRule::fail_command(1, nvme::Status::media(0x81, true), 0, nvme::kOpcodeCopy));
  const ScsiResponse failed = start_xcopy(h, 0, list).get();
  CHECK(failed.status == scsi::Status::kCheckCondition);
  CHECK(sense_of(failed).asc == 0x0D);
}

TEST_CASE(
    "XCOPY(LID4): IMMED=1 answers GOOD at once and copies in the background, RECEIVE "
    "COPY STATUS(LID4) shows 12h, then the outcome",
    "[translate][xcopy][lid4]") {
  CopyHarness h;
  HeldCopy copy(h);
  h.faults->add_rule(nvme::FaultRule::hold(3, nvme::kOpcodeCopy));
  const ScsiResponse r = start_xcopy(h, 0, lid4(copy.list(h), true)).get();
  check_good(r);
  CHECK(r.sense.empty());
  h.wait_held(1);
  // Command 3 is held, so the copy cannot finish; command 1 (segment 0) completes in its
  // own time and the status then counts it while the copy still runs.
  const scsi::CopyStatusLid4 running =
      status_when(h, 7, [](const auto& s) { return s.operation_counter >= 1; });
  CHECK(running.copy_operation_status == scsi::CopyOperationStatus::kInProgressBackground);
  CHECK(running.estimated_status_update_delay != scsi::kStatusUpdateDelayCompleted);
  CHECK(running.operation_counter >= 1);
  // A second list with the same ID, in either format, is a duplicate of a running one.
  check_sense(start_xcopy(h, 0, lid4(copy.list(h))).get(), Sense::operation_in_progress());
  check_sense(start_xcopy(h, 0, copy.list(h)).get(), Sense::operation_in_progress());
  // Let it finish: the held command fails (0x0007), so it completes with errors, and the
  // error is in the status, not a deferred error.
  h.faults->clear_rules();
  h.faults->release_held();
  const scsi::CopyStatusLid4 done = status_when(
      h, 7, [](const auto& s) { return scsi::is_finished(s.copy_operation_status); });
  CHECK(done.copy_operation_status == scsi::CopyOperationStatus::kCompletedWithErrors);
  CHECK(done.extended_copy_completion_status == scsi::Status::kCheckCondition);
  CHECK(done.segments_processed == 1);
  CHECK(done.transfer_count == (100 + 128) * 512);
  auto sense = scsi::decode_sense(done.sense_data);
  REQUIRE(sense.has_value());
  CHECK(sense->key == scsi::SenseKey::kCopyAborted);
  CHECK(sense->copy_segment == std::optional<std::uint16_t>(1));
  CHECK(sense->information == std::optional<std::uint64_t>(72));
  copy.check_landed(h);
}

TEST_CASE(
    "XCOPY(LID4): IMMED=1 with G_SENSE or LIST ID USAGE 11b is refused before anything "
    "moves (SPC-4 6.4.3.3)",
    "[translate][xcopy][lid4]") {
  CopyHarness h;
  // scsi/xcopy_params.h step 8: 26/00 at IMMED (byte 15 bit 0) of the 48-byte header.
  auto with_g_sense = lid4(list_of({cscd_for(h.naa(0))}, {segment(0, 0, 0, 100, 10)}), true, true);
  check_sense(start_xcopy(h, 0, with_g_sense).get(),
              Sense::invalid_field_in_param_list(FieldRef::param(15, 0)));
  auto no_list_id = lid4(list_of({cscd_for(h.naa(0))}, {segment(0, 0, 0, 100, 10)}, 0), true);
  no_list_id.list_id_usage = scsi::ListIdUsage::kNoListId;
  check_sense(start_xcopy(h, 0, no_list_id).get(),
              Sense::invalid_field_in_param_list(FieldRef::param(15, 0)));
  CHECK(h.faults->commands_seen(nvme::kOpcodeCopy) == 0);
}

TEST_CASE(
    "COPY OPERATION ABORT stops a foreground copy: the abort answers GOOD only once the "
    "copy's NVMe commands are done, the copy ends COPY ABORTED 2F/02 with exact progress",
    "[translate][xcopy][abort]") {
  for (bool lid4_format : {false, true}) {
    INFO("LID4 " << lid4_format);
    CopyHarness h;
    HeldCopy copy(h);
    h.faults->add_rule(nvme::FaultRule::hold(3, nvme::kOpcodeCopy));
    auto list = copy.list(h);
    if (lid4_format) list = lid4(list);
    auto xcopy_answer = start_xcopy(h, 0, list);
    h.wait_held(1);
    auto abort_answer = h.start(0, copy_operation_abort_cdb(7));
    // The held command is still in flight: neither command may answer yet.
    CHECK_FALSE(ready(abort_answer, 50));
    CHECK_FALSE(ready(xcopy_answer));
    h.faults->release_held();
    check_good(abort_answer.get());
    check_sense(xcopy_answer.get(), HeldCopy::stopped_sense());
    copy.check_landed(h);
    // Copy command 4 (segment 2) was never sent after the stop, or ran before it: either
    // way segment 2 is not counted (only data written in order counts).
    const scsi::CopyStatusLid4 status = copy_status_lid4(h, 0, 7);
    CHECK(status.response_to_service_action == (lid4_format ? 1 : 0));
    CHECK(status.copy_operation_status == scsi::CopyOperationStatus::kTerminated);
    CHECK(status.extended_copy_completion_status == scsi::Status::kTaskAborted);
    CHECK(status.segments_processed == 1);
    CHECK(status.transfer_count == (100 + 128) * 512);
    REQUIRE(scsi::decode_sense(status.sense_data).has_value());
    CHECK(scsi::decode_sense(status.sense_data).value() == HeldCopy::stopped_sense());
    if (!lid4_format) {
      const scsi::CopyStatusLid1 lid1 = copy_status(h, 0, 7);
      CHECK(lid1.copy_command_status == scsi::CopyCommandStatus::kCompletedWithErrors);
      CHECK(lid1.segments_processed == 1);
    }
    CHECK(h.target.copy_manager()->running_count() == 0);
    // The ID is free again, and a finished copy cannot be aborted.
    check_sense(h.run(0, copy_operation_abort_cdb(7)),
                Sense::invalid_field_in_cdb(FieldRef::cdb(2)));
    check_good(start_xcopy(h, 0, list).get());
    CHECK(h.io(1).read(HeldCopy::kDst[2], HeldCopy::kBlocks[2]) == copy.data[2]);
  }
}

TEST_CASE(
    "COPY OPERATION ABORT: an unknown list ID, or one on another LU, is 24/00 at CDB "
    "byte 2, a background copy is stopped too (status 60h)",
    "[translate][xcopy][abort]") {
  CopyHarness h;
  check_sense(h.run(0, copy_operation_abort_cdb(1)), Sense::invalid_field_in_cdb(FieldRef::cdb(2)));
  HeldCopy copy(h);
  h.faults->add_rule(nvme::FaultRule::hold(3, nvme::kOpcodeCopy));
  check_good(start_xcopy(h, 0, lid4(copy.list(h, 0xABCDEF01), true)).get());
  h.wait_held(1);
  check_sense(h.run(1, copy_operation_abort_cdb(0xABCDEF01)),
              Sense::invalid_field_in_cdb(FieldRef::cdb(2)));
  check_sense(h.run(0, copy_operation_abort_cdb(0xABCDEF02)),
              Sense::invalid_field_in_cdb(FieldRef::cdb(2)));
  auto abort_answer = h.start(0, copy_operation_abort_cdb(0xABCDEF01));
  CHECK_FALSE(ready(abort_answer, 20));
  h.faults->release_held();
  check_good(abort_answer.get());
  const scsi::CopyStatusLid4 status = copy_status_lid4(h, 0, 0xABCDEF01);
  CHECK(status.copy_operation_status == scsi::CopyOperationStatus::kTerminated);
  CHECK(status.segments_processed == 1);
  CHECK(status.transfer_count == (100 + 128) * 512);
  copy.check_landed(h);
}

TEST_CASE("ABORT TASK and ABORT TASK SET stop a foreground copy, its status stays readable",
          "[translate][xcopy][abort]") {
  for (bool whole_set : {false, true}) {
    INFO("ABORT TASK SET " << whole_set);
    CopyHarness h;
    HeldCopy copy(h);
    h.faults->add_rule(nvme::FaultRule::hold(3, nvme::kOpcodeCopy));
    auto answer = start_xcopy(h, 0, copy.list(h), /*task_tag=*/0x55);
    h.wait_held(1);
    // Another task tag, another nexus, another LU: not this copy.
    h.target.abort_task(*h.nexus, 0x56);
    h.target.abort_task_set(*nexus_named("iqn.2026-12.org.xgate.test:other"), 0);
    h.target.abort_task_set(*h.nexus, 1);
    CHECK_FALSE(ready(answer, 20));
    if (whole_set) {
      h.target.abort_task_set(*h.nexus, 0);
    } else {
      h.target.abort_task(*h.nexus, 0x55);
    }
    CHECK_FALSE(ready(answer, 20));  // the held command is still in flight
    h.faults->release_held();
    check_sense(answer.get(), HeldCopy::stopped_sense());
    const scsi::CopyStatusLid4 status = copy_status_lid4(h, 0, 7);
    CHECK(status.copy_operation_status == scsi::CopyOperationStatus::kTerminated);
    CHECK(status.transfer_count == (100 + 128) * 512);
    copy.check_landed(h);
  }
}

TEST_CASE(
    "LU reset stops every copy touching the LU and discards its status, target reset "
    "stops all",
    "[translate][xcopy][abort]") {
  for (bool target_reset : {false, true}) {
    INFO("target reset " << target_reset);
    CopyHarness h;
    HeldCopy copy(h);
    h.faults->add_rule(nvme::FaultRule::hold(3, nvme::kOpcodeCopy));
    check_good(start_xcopy(h, 0, lid4(copy.list(h), true)).get());  // background
    h.wait_held(1);
    if (target_reset) {
      h.target.reset_target();
    } else {
      h.target.reset_logical_unit(1);  // not touched by the copy
      CHECK(h.target.copy_manager()->running_count() == 1);
      h.target.reset_logical_unit(0);
    }
    h.faults->release_held();
    for (int i = 0; i < 10000 && h.target.copy_manager()->running_count() > 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    CHECK(h.target.copy_manager()->running_count() == 0);
    // The reset's unit attention comes first (SAM-5 6.3), then the status is gone.
    check_sense(h.run(0, hex("00 00 00 00 00 00")),
                target_reset ? Sense::power_on_reset_or_bus_device_reset_occurred()
                             : Sense::bus_device_reset_function_occurred());
    check_sense(h.run(0, rcs_lid4_cdb(7)), Sense::invalid_field_in_cdb(FieldRef::cdb(2)));
    copy.check_landed(h);
  }
}

TEST_CASE(
    "I_T nexus loss stops the nexus' foreground copies and leaves background copies "
    "running (SPC-4 table 109)",
    "[translate][xcopy][abort]") {
  CopyHarness h;
  HeldCopy copy(h);
  Bytes other = pattern(50, 30, 512);
  h.io(2).write(0, other);
  h.faults->add_rule(nvme::FaultRule::hold(3, nvme::kOpcodeCopy));
  auto foreground = start_xcopy(h, 0, copy.list(h));
  h.wait_held(1);
  h.faults->clear_rules();
  h.faults->add_rule(nvme::FaultRule::latency_for(std::chrono::milliseconds(100)));
  // A background copy within LU 1, slowed down so that it outlives the nexus.
  check_good(
      start_xcopy(h, 1, lid4(list_of({cscd_for(h.naa(1))}, {segment(0, 0, 0, 1000, 30)}, 9), true))
          .get());
  h.target.nexus_lost(*h.nexus);
  h.faults->release_held();
  check_sense(foreground.get(), HeldCopy::stopped_sense());
  for (int i = 0; i < 10000 && h.target.copy_manager()->running_count() > 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  CHECK(h.target.copy_manager()->running_count() == 0);
  CHECK(h.io(2).read(1000, 30) == other);  // the background copy went on and landed
  // The nexus' status is gone with it (a new nexus first sees its POWER ON unit attention).
  for (std::uint64_t lun : {0U, 1U}) h.run(lun, hex("00 00 00 00 00 00"));
  check_sense(h.run(1, rcs_lid4_cdb(9)), Sense::invalid_field_in_cdb(FieldRef::cdb(2)));
  check_sense(h.run(0, rcs_lid4_cdb(7)), Sense::invalid_field_in_cdb(FieldRef::cdb(2)));
}

TEST_CASE(
    "XCOPY: the supported service actions are what the manager executes (VPD 8Fh "
    "0001h, RSOC)",
    "[translate][xcopy][lid4]") {
  const auto commands = translate::CopyManager::supported_commands();
  REQUIRE(commands.size() == 2);
  CHECK(commands[0].operation_code == 0x83);
  CHECK(commands[0].service_actions == std::vector<std::uint8_t>{0x00, 0x01, 0x1C});
  CHECK(commands[1].operation_code == 0x84);
  CHECK(commands[1].service_actions ==
        std::vector<std::uint8_t>{0x00, 0x01, 0x03, 0x04, 0x05, 0x06});
  CopyHarness h;
  // The others answer 24/00 at the SERVICE ACTION field.
  for (std::uint8_t sa : {0x10, 0x11}) {
    check_sense(h.run(0, tpc_out_cdb(sa, 0, 0)), Sense::invalid_field_in_cdb(FieldRef::cdb(1, 4)));
  }
  for (std::uint8_t sa : {0x07, 0x08}) {
    check_sense(h.run(0, rcr_cdb(sa, 0)), Sense::invalid_field_in_cdb(FieldRef::cdb(1, 4)));
  }
}

TEST_CASE(
    "Copies from several sessions share 8 Copy slots per device, queued copies go on "
    "when slots free up, and host I/O is not blocked meanwhile",
    "[translate][xcopy][scheduler]") {
  CopyHarness h;
  const nvme::Device* device = h.target.copy_manager()->endpoint(0)->device;
  Bytes data = pattern(60, 1024, 512);
  h.io(1).write(0, data);
  h.io(2).write(0, data);
  // Each copy is 1024 blocks = 8 Copy commands of 128 (MCL); every Copy is held.
  h.faults->add_rule(nvme::FaultRule::hold(0, nvme::kOpcodeCopy));
  auto a = start_xcopy(h, 0, list_of({cscd_for(h.naa(0))}, {segment(0, 0, 0, 1024, 1024)}, 1));
  h.wait_held(8);
  auto b = start_xcopy(h, 0, list_of({cscd_for(h.naa(0))}, {segment(0, 0, 0, 2048, 1024)}, 2));
  const Bytes c_list =
      scsi::encode_extended_copy(list_of({cscd_for(h.naa(1))}, {segment(0, 0, 0, 1024, 1024)}, 3));
  const auto second = nexus_named("iqn.2026-12.org.xgate.test:second-session");
  h.start(1, hex("00 00 00 00 00 00"), {}, 0, second).get();  // its POWER ON unit attention
  auto c = h.start(1, xcopy_cdb(c_list.size()), c_list, 0, second);
  for (int i = 0; i < 1000 && h.target.copy_manager()->scheduler().waiting(device) < 16; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  CHECK(h.target.copy_manager()->scheduler().waiting(device) == 16);
  CHECK(h.faults->held_count() == 8);  // not 24: the other copies wait for slots
  CHECK(h.target.copy_manager()->scheduler().in_flight(device) == 8);
  // A READ(10) of another LU completes while every copy slot is taken.
  const ScsiResponse read = h.run(1, cdb10(0x28, 0, 0, 8));
  check_good(read);
  CHECK(read.data_in == Bytes(data.begin(), data.begin() + 8 * 512));
  // Copy A's held commands fail (0x0007); B and C get the slots and complete.
  h.faults->clear_rules();
  h.faults->release_held();
  CHECK(a.get().status == scsi::Status::kCheckCondition);
  check_good(b.get());
  check_good(c.get());
  CHECK(h.io(1).read(2048, 1024) == data);
  CHECK(h.io(2).read(1024, 1024) == data);
  CHECK(h.target.copy_manager()->scheduler().in_flight(device) == 0);
}

TEST_CASE(
    "RECEIVE COPY DATA(LID1) and (LID4) answer from the record: no held data, HDD 0, "
    "the LID4 status header as RECEIVE COPY STATUS(LID4) has it",
    "[translate][xcopy][lid4]") {
  CopyHarness h;
  auto list = lid4(list_of({cscd_for(h.naa(0))}, {segment(0, 0, 0, 100, 10)}, 0x42));
  check_good(start_xcopy(h, 0, list).get());
  check_good(xcopy(h, 0, list_of({cscd_for(h.naa(0))}, {segment(0, 0, 0, 200, 10)}, 0x43)));
  // 06h: bytes 2-5 the LIST IDENTIFIER.
  const Bytes rcd4{0x84, 0x06, 0, 0, 0, 0x42, 0, 0, 0, 0, 0, 0, 0x04, 0, 0, 0};
  const ScsiResponse r = h.run(0, rcd4);
  check_good(r);
  auto data = scsi::decode_copy_data_lid4(r.data_in);
  REQUIRE(data.has_value());
  CHECK(data->held_data.empty());
  CHECK_FALSE(data->status.hdd);
  CHECK(data->status == copy_status_lid4(h, 0, 0x42));
  // 01h: AVAILABLE DATA 0; LID1 records only.
  const ScsiResponse r1 = h.run(0, rcr_cdb(0x01, 0x43));
  check_good(r1);
  CHECK(r1.data_in == Bytes{0, 0, 0, 0});
  check_sense(h.run(0, rcr_cdb(0x01, 0x42)), Sense::invalid_field_in_cdb(FieldRef::cdb(2)));
  const Bytes rcd4_unknown{0x84, 0x06, 0, 0, 0, 0x44, 0, 0, 0, 0, 0, 0, 0x04, 0, 0, 0};
  check_sense(h.run(0, rcd4_unknown), Sense::invalid_field_in_cdb(FieldRef::cdb(2)));
  // RECEIVE COPY DATA(LID4) also reads a LID1 record.
  const Bytes rcd4_of_lid1{0x84, 0x06, 0, 0, 0, 0x43, 0, 0, 0, 0, 0, 0, 0x04, 0, 0, 0};
  const ScsiResponse r2 = h.run(0, rcd4_of_lid1);
  check_good(r2);
  auto data1 = scsi::decode_copy_data_lid4(r2.data_in);
  REQUIRE(data1.has_value());
  CHECK(data1->status.response_to_service_action == scsi::kTpcOutExtendedCopyLid1);
  CHECK(data1->status.copy_operation_status == scsi::CopyOperationStatus::kCompleted);
}

TEST_CASE(
    "A target going away stops its background copies and waits for their NVMe commands "
    "(the devices go next)",
    "[translate][xcopy][abort]") {
  CopyHarness h;
  HeldCopy copy(h);
  // Every Copy is held: the copy cannot end by itself, only by the target going away.
  h.faults->add_rule(nvme::FaultRule::hold_from(1, nvme::kOpcodeCopy));
  check_good(start_xcopy(h, 0, lid4(copy.list(h), true)).get());
  const auto manager = h.target.copy_manager();
  CHECK(manager->running_count() == 1);
  std::thread releaser = h.release_when_stopping();
  h.target = translate::ScsiTarget();  // what ~CopyHarness does before the devices go
  releaser.join();
  CHECK(manager->running_count() == 0);
}

TEST_CASE("The copy manager's observer hears every copy start and end, with its outcome",
          "[translate][xcopy][lid4]") {
  CopyHarness h;
  std::mutex mutex;
  std::vector<translate::CopyEvent> events;
  h.target.copy_manager()->set_observer([&](const translate::CopyEvent& e) {
    std::lock_guard lock(mutex);
    events.push_back(e);
  });
  check_good(xcopy(h, 0, list_of({cscd_for(h.naa(0))}, {segment(0, 0, 0, 100, 10)}, 3)));
  h.faults->add_rule(
      nvme::FaultRule::fail_command(1, nvme::Status::media(0x81, true), 0, nvme::kOpcodeCopy));
  auto failing = lid4(list_of({cscd_for(h.naa(0))}, {segment(0, 0, 0, 100, 10)}, 4));
  CHECK(start_xcopy(h, 1, failing).get().status == scsi::Status::kCheckCondition);
  std::lock_guard lock(mutex);
  REQUIRE(events.size() == 4);
  CHECK(events[0].kind == translate::CopyEvent::Kind::kStarted);
  CHECK(events[0].list_id == std::optional<std::uint32_t>(3));
  CHECK(events[0].initiator_port == h.nexus->initiator_port);
  CHECK(events[0].segments == 1);
  CHECK(events[1].kind == translate::CopyEvent::Kind::kFinished);
  CHECK(events[1].outcome.result == translate::CopyOutcome::Result::kCompleted);
  CHECK(events[1].outcome.progress.bytes == 10 * 512);
  CHECK(events[3].kind == translate::CopyEvent::Kind::kFinished);
  CHECK(events[3].lun == 1);
  CHECK(events[3].format == scsi::ListIdFormat::kLid4);
  CHECK(events[3].outcome.result == translate::CopyOutcome::Result::kCompletedWithErrors);
  REQUIRE(events[3].outcome.sense.has_value());
  CHECK(events[3].outcome.sense->asc == 0x0D);
}

}  // namespace xg::test
