// The copy manager (translate/copy_manager.h) behind a ScsiTarget with two LUs on one
// emulated controller, a fault injector in front: EXTENDED COPY(LID1) data, every error
// path's sense, and RECEIVE COPY RESULTS.
#include <future>

#include "scsi/receive_copy_results.h"
#include "scsi/vpd_third_party_copy.h"
#include "scsi/xcopy_params.h"
#include "tests/translate/copy_test_support.h"

namespace xg::test {

TEST_CASE("XCOPY: three segments in one LU land byte for byte, RECEIVE COPY STATUS says so",
          "[translate][xcopy]") {
  CopyHarness h;
  Bytes a = pattern(1, 300, 512), b = pattern(2, 100, 512), c = pattern(3, 7, 512);
  h.io(1).write(0, a);
  h.io(1).write(1000, b);
  h.io(1).write(2000, c);
  const auto list = list_of({cscd_for(h.naa(0))},
                            {segment(0, 0, 0, 3000, 300), segment(0, 0, 1000, 3300, 100),
                             segment(0, 0, 2000, 3400, 7)});
  check_good(xcopy(h, 0, list));
  CHECK(h.io(1).read(3000, 300) == a);
  CHECK(h.io(1).read(3300, 100) == b);
  CHECK(h.io(1).read(3400, 7) == c);
  CHECK(h.faults->commands_seen(nvme::kOpcodeCopy) > 0);
  const scsi::CopyStatusLid1 status = copy_status(h, 0, 1);
  CHECK(status.copy_command_status == scsi::CopyCommandStatus::kCompletedWithoutErrors);
  CHECK(status.segments_processed == 3);
  CHECK(status.transfer_count == 407 * 512);
}

TEST_CASE("XCOPY: across LUs without cross-namespace Copy the data mover does it, with "
          "TP4130 it is NVMe Copy format 2h", "[translate][xcopy]") {
  for (bool cross : {false, true}) {
    INFO("cross-namespace copy " << cross);
    CopyHarness h(cross);
    Bytes data = pattern(4, 200, 512);
    h.io(1).write(64, data);
    const auto list =
        list_of({cscd_for(h.naa(0)), cscd_for(h.naa(1))}, {segment(0, 1, 64, 512, 200)});
    check_good(xcopy(h, 1, list));  // sent to the destination LU, as QEMU does
    CHECK(h.io(2).read(512, 200) == data);
    CHECK((h.faults->commands_seen(nvme::kOpcodeCopy) > 0) == cross);
    CHECK((h.faults->commands_seen(nvme::kOpcodeRead) > 0) == !cross);
  }
}

// The data mover's Reads and Writes obey the host path's per-command limit as the LU's own
// I/O does (nvme/device.h max_host_transfer_bytes): QEMU's 512 KiB MDTS under Linux
// passthrough carries at most 504 KiB per command, and a mover that cut by MDTS alone
// failed between two LUs with COPY ABORTED 0D/01.
TEST_CASE("XCOPY: across LUs the data mover cuts by the host path limit below MDTS "
          "(8195 blocks, 504 KiB commands under a 512 KiB MDTS), data intact",
          "[translate][xcopy]") {
  CopyDeviceLimits limits;
  limits.capacity = 16384;
  limits.mdts = 7;                              // 512 KiB = 1024 blocks
  limits.host_max_transfer_bytes = 126 * 4096;  // 1008 blocks
  CopyHarness h(limits);
  const Bytes data = pattern(8, 8195, 512);
  for (std::uint64_t done = 0; done < 8195; done += 1000) {
    const std::size_t n = std::min<std::uint64_t>(1000, 8195 - done);
    Bytes piece(data.begin() + done * 512, data.begin() + (done + n) * 512);
    h.io(1).write(7 + done, piece);
  }
  const auto list =
      list_of({cscd_for(h.naa(0)), cscd_for(h.naa(1))}, {segment(0, 1, 7, 4099, 8195)});
  check_good(xcopy(h, 0, list));
  Bytes landed;
  for (std::uint64_t done = 0; done < 8195; done += 1000) {
    const Bytes piece = h.io(2).read(4099 + done, std::min<std::uint64_t>(1000, 8195 - done));
    landed.insert(landed.end(), piece.begin(), piece.end());
  }
  CHECK(first_difference(landed, data) == -1);
  CHECK(h.faults->commands_seen(nvme::kOpcodeRead) == 9);  // ceil(8195 / 1008)
}

TEST_CASE("XCOPY: processing errors are COPY ABORTED with the segment number, after the "
          "earlier segments were copied (SPC-4 5.17.7.4)", "[translate][xcopy]") {
  CopyHarness h;
  Bytes data = pattern(5, 10, 512);
  h.io(1).write(0, data);
  SECTION("CSCD index beyond the list -> 0D/02 at the segment's DESTINATION ID") {
    auto list = list_of({cscd_for(h.naa(0))}, {segment(0, 0, 0, 100, 10), segment(0, 1, 0, 200, 10)});
    const ScsiResponse r = xcopy(h, 0, list);
    // 16-byte header, one 32-byte CSCD, the first segment (28 bytes) -> the second at 76.
    check_sense(r, Sense::copy_target_not_reachable(1, FieldRef::param(76 + 6)));
    CHECK(h.io(1).read(100, 10) == data);  // segment 0 was done first
    CHECK(h.io(1).read(200, 10) == Bytes(5120, 0));
    const scsi::CopyStatusLid1 status = copy_status(h, 0, 1);
    CHECK(status.copy_command_status == scsi::CopyCommandStatus::kCompletedWithErrors);
    CHECK(status.segments_processed == 1);
  }
  SECTION("no LU with the designator -> 0D/02 at the CSCD") {
    scsi::Designator unknown = h.naa(0);
    unknown.value.back() ^= 0xFF;
    const ScsiResponse r = xcopy(h, 0, list_of({cscd_for(unknown)}, {segment(0, 0, 0, 100, 10)}));
    check_sense(r, Sense::copy_target_not_reachable(0, FieldRef::param(16)));
  }
  SECTION("DISK BLOCK LENGTH other than the LU's -> 0D/03 at byte 29 of the CSCD") {
    auto cscd = cscd_for(h.naa(0));
    cscd.device_parameters.disk_block_length = 4096;
    const ScsiResponse r = xcopy(h, 0, list_of({cscd}, {segment(0, 0, 0, 100, 10)}));
    check_sense(r, Sense::incorrect_copy_target_device_type(0, FieldRef::param(16 + 29)));
  }
  SECTION("a range past the last LBA -> 00/00 with the destination's 21/00 forwarded") {
    const ScsiResponse r = xcopy(h, 0, list_of({cscd_for(h.naa(0))}, {segment(0, 0, 0, 4090, 10)}));
    Sense expected = Sense::copy_aborted(0, 0x00, 0x00);
    scsi::ForwardedSense f;
    f.source = scsi::ForwardedSense::Source::kCopyDestination;
    f.status = 0x02;
    f.sense = scsi::encode_fixed(Sense::lba_out_of_range());
    expected.forwarded.push_back(f);
    check_sense(r, expected);
  }
  SECTION("a duplicate of a running list ID -> 00/16; a finished one is reused at once") {
    h.faults->add_rule(nvme::FaultRule::hold(1, nvme::kOpcodeCopy));
    const auto list = list_of({cscd_for(h.naa(0))}, {segment(0, 0, 0, 100, 10)});
    auto first = std::async(std::launch::async, [&] { return xcopy(h, 0, list); });
    while (h.faults->held_count() == 0) std::this_thread::yield();
    check_sense(xcopy(h, 0, list), Sense::operation_in_progress());
    CHECK(copy_status(h, 0, 1).copy_command_status == scsi::CopyCommandStatus::kInProgress);
    h.faults->clear_rules();
    h.faults->release_held();  // the held Copy ends with 0x0007 Command Abort Requested
    CHECK(first.get().status == scsi::Status::kCheckCondition);
    check_good(xcopy(h, 0, list));
    CHECK(h.io(1).read(100, 10) == data);
  }
}

TEST_CASE("XCOPY: an NVMe failure at every command index of a multi-segment copy -> COPY "
          "ABORTED 0D/01, the segment, forwarded sense, exact progress, data before it lands",
          "[translate][xcopy][faults]") {
  // Three segments of 150 blocks: with MSSRL 64 / MCL 128 each needs two Copy commands.
  const std::uint64_t src[3] = {0, 500, 1000};
  const std::uint64_t dst[3] = {2000, 2500, 3000};
  std::size_t commands = 0;
  {
    CopyHarness clean;
    std::vector<scsi::SegmentDescriptor> segments;
    for (int i = 0; i < 3; ++i) segments.push_back(segment(0, 0, src[i], dst[i], 150));
    check_good(xcopy(clean, 0, list_of({cscd_for(clean.naa(0))}, segments)));
    commands = clean.faults->commands_seen(nvme::kOpcodeCopy);
  }
  REQUIRE(commands == 6);
  for (std::size_t k = 1; k <= commands; ++k) {
    INFO("failing Copy command " << k);
    CopyHarness h;
    Bytes data[3];
    std::vector<scsi::SegmentDescriptor> segments;
    for (int i = 0; i < 3; ++i) {
      data[i] = pattern(static_cast<std::uint32_t>(10 + i), 150, 512);
      h.io(1).write(src[i], data[i]);
      segments.push_back(segment(0, 0, src[i], dst[i], 150));
    }
    h.faults->add_rule(nvme::FaultRule::fail_command(
        k, nvme::Status::media(0x81, true), 0, nvme::kOpcodeCopy));  // Unrecovered Read Error
    const ScsiResponse r = xcopy(h, 0, list_of({cscd_for(h.naa(0))}, segments));
    const Sense s = sense_of(r);
    CHECK(s.key == scsi::SenseKey::kCopyAborted);
    CHECK(s.asc == 0x0D);
    CHECK(s.ascq == 0x01);
    REQUIRE(s.copy_segment.has_value());
    const std::uint16_t failed = *s.copy_segment;
    CHECK(failed <= 2);
    // The read side failed: the source's MEDIUM ERROR 11/00 is forwarded.
    REQUIRE(s.forwarded.size() == 1);
    CHECK(s.forwarded[0].source == scsi::ForwardedSense::Source::kCopySource);
    auto forwarded = scsi::decode_sense(s.forwarded[0].sense);
    REQUIRE(forwarded.has_value());
    CHECK(forwarded->key == scsi::SenseKey::kMediumError);
    CHECK(forwarded->asc == 0x11);
    // RECEIVE COPY STATUS / FAILURE DETAILS agree with the sense.
    const scsi::CopyStatusLid1 status = copy_status(h, 0, 1);
    CHECK(status.copy_command_status == scsi::CopyCommandStatus::kCompletedWithErrors);
    CHECK(status.segments_processed == failed);
    const std::uint64_t done_in_failed = s.information ? 150 - *s.information : 0;
    CHECK(status.transfer_count == (failed * 150 + done_in_failed) * 512);
    const ScsiResponse details = h.run(0, rcr_cdb(0x04, 1));
    check_good(details);
    auto decoded = scsi::decode_failure_details_lid1(details.data_in);
    REQUIRE(decoded.has_value());
    REQUIRE(decoded->has_value());
    CHECK(decoded->value().sense_data == r.sense);
    // Every segment before the failing one landed exactly, and so did the part of the
    // failing one the sense reports as done.
    for (std::uint16_t i = 0; i < failed; ++i) CHECK(h.io(1).read(dst[i], 150) == data[i]);
    if (done_in_failed > 0) {
      CHECK(h.io(1).read(dst[failed], done_in_failed) ==
            Bytes(data[failed].begin(), data[failed].begin() + done_in_failed * 512));
    }
  }
}

TEST_CASE("XCOPY: 3PC, VPD 8Fh and RECEIVE COPY OPERATING PARAMETERS agree (SPC-4 7.8.17)",
          "[translate][xcopy]") {
  CopyHarness h;
  const ScsiResponse inquiry = h.run(0, hex("12 00 00 00 24 00"));
  check_good(inquiry);
  CHECK((inquiry.data_in.at(5) & 0x08) != 0);  // 3PC
  const ScsiResponse pages = h.run(0, hex("12 01 00 00 FF 00"));
  check_good(pages);
  CHECK(std::find(pages.data_in.begin() + 4, pages.data_in.end(), 0x8F) != pages.data_in.end());
  const ScsiResponse vpd = h.run(0, hex("12 01 8F 04 00 00"));
  check_good(vpd);
  auto page = scsi::decode_third_party_copy(vpd.data_in);
  REQUIRE(page.has_value());
  REQUIRE(page->parameter_data.has_value());
  REQUIRE(page->general_copy_operations.has_value());
  const ScsiResponse op = h.run(0, rcr_cdb(0x03, 0));
  check_good(op);
  auto limits = scsi::decode_operating_parameters(op.data_in);
  REQUIRE(limits.has_value());
  CHECK(page->parameter_data->maximum_cscd_descriptor_count == limits->max_cscd_descriptors);
  CHECK(page->general_copy_operations->maximum_segment_length == limits->max_segment_length);
  // 65535 blocks rounded down to whole 4 KiB units (65528 x 512 bytes).
  CHECK(limits->max_segment_length == 65528U * 512U);
  CHECK(limits->max_segment_length % 4096 == 0);
  CHECK(limits->implemented_descriptor_types == std::vector<std::uint8_t>{0x02, 0xE4});
  // RECEIVE COPY STATUS for a list ID never used -> 24/00 at the LIST IDENTIFIER.
  check_sense(h.run(0, rcr_cdb(0x00, 9)), Sense::invalid_field_in_cdb(FieldRef::cdb(2)));
}

}  // namespace xg::test
