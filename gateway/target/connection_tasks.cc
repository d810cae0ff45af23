// Connection: SCSI tasks (RFC 7143 §3.2.1, §11.3-§11.8) and task management (§11.5).
//
// A write gathers its Data-Out in this order: immediate data in the command PDU, then
// unsolicited Data-Out (TTT FFFFFFFFh) up to FirstBurstLength when InitialR2T=No, then
// solicited bursts, one R2T at a time (MaxOutstandingR2T=1), each at most MaxBurstLength.
// DataPDUInOrder and DataSequenceInOrder are Yes, so every Data-Out must continue exactly
// where the previous one ended, with DataSN counting from 0 in each sequence. A Data-Out
// that breaks this ends its task with CHECK CONDITION, ABORTED COMMAND and the SPC-4
// sense the transport error names (4Bh family), which ERL 0 allows (RFC 7143 §7.1.4).
#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>

#include "gateway/target/connection.h"
#include "gateway/target/lun.h"
#include "gateway/target/server_context.h"
#include "translate/scsi_target.h"

namespace xg::gateway {
namespace asio = boost::asio;

namespace {

// RFC 7143 §11.6.1 Response values.
constexpr std::uint8_t kTmfComplete = 0;
constexpr std::uint8_t kTmfTaskDoesNotExist = 1;
constexpr std::uint8_t kTmfLunDoesNotExist = 2;
constexpr std::uint8_t kTmfReassignNotSupported = 4;
constexpr std::uint8_t kTmfNotSupported = 5;
constexpr std::uint8_t kTmfRejected = 255;

}  // namespace

void Connection::on_scsi_command(iscsi::Pdu pdu, const iscsi::ScsiCommand& command) {
  const std::uint32_t itt = pdu.bhs.initiator_task_tag;
  if (target_ == nullptr) {
    // A Discovery session carries only Text, NOP and Logout (RFC 7143 §4.3).
    reject(pdu.bhs_bytes, iscsi::RejectReason::kProtocolError);
    return;
  }
  if (tasks_.contains(itt)) {
    reject(pdu.bhs_bytes, iscsi::RejectReason::kTaskInProgress);
    return;
  }
  Task& task = tasks_[itt];
  task.header = command;
  task.itt = itt;
  task.cdb = iscsi::full_cdb(command, pdu.ahs);

  const bool writes = command.write && command.expected_data_transfer_length > 0;
  if (command.read && command.write) {
    // Bidirectional commands exist in SBC-4 only as XDWRITEREAD, which is not offered.
    fail_task(itt, scsi::Sense::invalid_field_in_cdb(scsi::FieldRef::cdb(0)));
    return;
  }
  if (!pdu.data.empty() && (!command.write || !params_.session.immediate_data)) {
    // Immediate data without W, or when ImmediateData=No (RFC 7143 §13.11).
    tasks_.erase(itt);
    reject(pdu.bhs_bytes, iscsi::RejectReason::kProtocolError);
    return;
  }
  if (pdu.data.size() > command.expected_data_transfer_length) {
    fail_task(itt, scsi::Sense::too_much_write_data());
    return;
  }
  if (writes) {
    const std::uint64_t limit = target_->scsi->max_transfer_bytes(
        decode_lun(command.logical_unit_number).value_or(kNoSuchLun));
    if (limit != 0 && command.expected_data_transfer_length > limit) {
      // Refused before any data is gathered, so memory stays bounded; SBC-4 5.x MAXIMUM
      // TRANSFER LENGTH in VPD B0h tells the initiator the limit.
      fail_task(itt, scsi::Sense::invalid_field_in_cdb());
      return;
    }
    task.data_out = std::move(pdu.data);
    task.received = static_cast<std::uint32_t>(task.data_out.size());
    // Unsolicited data may follow the command only when InitialR2T=No (§13.10), and
    // none follows a command PDU with F=1 (§11.3.4).
    task.unsolicited_limit =
        params_.session.initial_r2t || command.final
            ? task.received
            : std::min(command.expected_data_transfer_length,
                       params_.session.first_burst_length);
    task.unsolicited_limit = std::max(task.unsolicited_limit, task.received);
  }
  maybe_execute(itt);
}

void Connection::on_data_out(const iscsi::Pdu& pdu, const iscsi::ScsiDataOut& data_out) {
  const std::uint32_t itt = pdu.bhs.initiator_task_tag;
  auto it = tasks_.find(itt);
  if (it == tasks_.end() || it->second.executing || !it->second.header.write) {
    // A task already ended (or never known): its remaining Data-Out is dropped. Nothing
    // can be answered for it at ERL 0.
    spdlog::debug("connection {}: Data-Out for unknown or finished ITT {:#x}", id_, itt);
    return;
  }
  Task& task = it->second;
  const bool solicited = data_out.target_transfer_tag != iscsi::kReservedTag;
  if (solicited && data_out.target_transfer_tag != task.r2t_ttt) {
    fail_task(itt, scsi::Sense::invalid_target_port_transfer_tag_received());
    return;
  }
  if (data_out.data_sn != task.next_data_sn) {
    fail_task(itt, scsi::Sense::data_phase_error());  // DataSN out of order
    return;
  }
  if (data_out.buffer_offset != task.received) {
    fail_task(itt, scsi::Sense::data_offset_error());
    return;
  }
  const std::uint64_t end = std::uint64_t{task.received} + pdu.data.size();
  const std::uint64_t allowed = solicited ? task.r2t_end : task.unsolicited_limit;
  if (end > allowed) {
    fail_task(itt, scsi::Sense::too_much_write_data());
    return;
  }
  if (task.data_out.size() < end) task.data_out.resize(end);
  std::copy(pdu.data.begin(), pdu.data.end(),
            task.data_out.begin() + static_cast<std::ptrdiff_t>(task.received));
  task.received = static_cast<std::uint32_t>(end);
  ++task.next_data_sn;
  if (data_out.final) {
    // The sequence ended: the next one (a new R2T) counts DataSN from 0 (§11.7.4).
    task.next_data_sn = 0;
    if (solicited) task.r2t_ttt.reset();
    if (!solicited) task.unsolicited_limit = task.received;  // no more unsolicited data
    maybe_execute(itt);
  }
}

// Runs the command once its data is complete, else solicits the next burst.
void Connection::maybe_execute(std::uint32_t itt) {
  auto it = tasks_.find(itt);
  if (it == tasks_.end()) return;
  Task& task = it->second;
  const std::uint32_t expected =
      task.header.write ? task.header.expected_data_transfer_length : 0;
  if (task.received >= expected) {
    execute(task);
    return;
  }
  // Unsolicited data may still be on its way: wait for its F bit.
  if (task.received < task.unsolicited_limit) return;
  if (task.r2t_ttt) return;  // an R2T is outstanding
  solicit(task);
}

void Connection::solicit(Task& task) {
  const std::uint32_t expected = task.header.expected_data_transfer_length;
  if (task.budget == 0) {
    const std::uint64_t need = expected;
    if (need > budget_available_) {
      // Bounded memory: wait until other writes return their buffers.
      if (std::find(waiting_for_budget_.begin(), waiting_for_budget_.end(), task.itt) ==
          waiting_for_budget_.end()) {
        waiting_for_budget_.push_back(task.itt);
      }
      return;
    }
    budget_available_ -= need;
    task.budget = need;
    task.data_out.reserve(expected);
  }
  const std::uint32_t length =
      std::min(expected - task.received, params_.session.max_burst_length);
  iscsi::ReadyToTransfer r2t;
  r2t.logical_unit_number = task.header.logical_unit_number;
  r2t.target_transfer_tag = next_ttt_++;
  if (r2t.target_transfer_tag == iscsi::kReservedTag) r2t.target_transfer_tag = next_ttt_++;
  // R2T carries the current StatSN without advancing it (RFC 7143 §11.8).
  r2t.stat_sn = stat_sn_;
  r2t.exp_cmd_sn = window_->exp_cmd_sn();
  r2t.max_cmd_sn = window_->max_cmd_sn();
  r2t.r2t_sn = task.r2t_sn++;
  r2t.buffer_offset = task.received;
  r2t.desired_data_transfer_length = length;
  task.r2t_ttt = r2t.target_transfer_tag;
  task.r2t_end = task.received + length;
  iscsi::Bhs bhs;
  bhs.initiator_task_tag = task.itt;
  bhs.fields = r2t;
  send_pdu(bhs);
}

void Connection::solicit_waiting() {
  while (!waiting_for_budget_.empty()) {
    const std::uint32_t itt = waiting_for_budget_.front();
    auto it = tasks_.find(itt);
    if (it == tasks_.end()) {
      waiting_for_budget_.pop_front();
      continue;
    }
    if (it->second.header.expected_data_transfer_length > budget_available_) return;
    waiting_for_budget_.pop_front();
    solicit(it->second);
  }
}

void Connection::execute(Task& task) {
  task.executing = true;
  translate::ScsiCommand command;
  command.cdb = task.cdb;
  command.lun = decode_lun(task.header.logical_unit_number).value_or(kNoSuchLun);
  command.direction = task.header.write  ? translate::DataDirection::kToDevice
                      : task.header.read ? translate::DataDirection::kFromDevice
                                         : translate::DataDirection::kNone;
  command.expected_transfer_length = task.header.expected_data_transfer_length;
  command.data_out = std::move(task.data_out);
  command.nexus = nexus_;
  command.task_tag = task.itt;
  // The completion may run on a device thread: hop back onto the strand. The work guard
  // keeps the io_context running until it has.
  auto guard = asio::make_work_guard(context_.io());
  target_->scsi->execute(std::move(command),
                         [self = shared_from_this(), itt = task.itt,
                          guard = std::move(guard)](translate::ScsiResponse response) mutable {
                           asio::post(self->strand_, [self, itt, guard = std::move(guard),
                                                      response = std::move(response)]() mutable {
                             self->complete(itt, std::move(response));
                           });
                         });
}

void Connection::complete(std::uint32_t itt, translate::ScsiResponse response) {
  auto it = tasks_.find(itt);
  if (it == tasks_.end()) return;
  if (!it->second.aborted && !closed_) send_response(it->second, response);
  finish_task(itt);
  flush_pending_tmf();
}

void Connection::send_response(Task& task, const translate::ScsiResponse& response) {
  const std::uint32_t expected = task.header.expected_data_transfer_length;
  const bool reads = task.header.read;
  const std::size_t data_length =
      reads ? std::min<std::size_t>(response.data_in.size(), expected) : 0;
  // Residuals (RFC 7143 §11.4.5): overflow when the command wanted more than the
  // initiator expected, underflow when fewer bytes moved than expected.
  bool overflow = false, underflow = false;
  std::uint32_t residual = 0;
  const std::uint64_t wanted = response.transfer_length;
  if (wanted > expected) {
    overflow = true;
    residual = static_cast<std::uint32_t>(std::min<std::uint64_t>(wanted - expected, 0xFFFFFFFF));
  } else if (reads ? data_length < expected : wanted < expected) {
    underflow = true;
    residual = static_cast<std::uint32_t>(expected - (reads ? data_length : wanted));
  }
  const bool good = response.status == scsi::Status::kGood && response.sense.empty();

  // Data-In PDUs: each at most the initiator's MaxRecvDataSegmentLength (§13.12), with F
  // at the end of every MaxBurstLength sequence. The status rides on the last one when
  // it is GOOD (phase collapse, §11.7.4); otherwise a SCSI Response follows.
  const std::size_t segment =
      std::max<std::uint32_t>(512, params_.connection.initiator_max_recv_data_segment_length);
  const std::size_t burst = std::max<std::uint32_t>(segment, params_.session.max_burst_length);
  std::size_t offset = 0;
  while (offset < data_length) {
    const std::size_t in_burst = burst - (offset % burst);
    const std::size_t length = std::min({segment, data_length - offset, in_burst});
    const bool last = offset + length == data_length;
    iscsi::ScsiDataIn data_in;
    data_in.final = last || length == in_burst;
    data_in.logical_unit_number = task.header.logical_unit_number;
    data_in.exp_cmd_sn = window_->exp_cmd_sn();
    data_in.max_cmd_sn = window_->max_cmd_sn();
    data_in.data_sn = task.data_in_pdus++;
    data_in.buffer_offset = static_cast<std::uint32_t>(offset);
    if (last && good) {
      data_in.final = true;
      data_in.status_present = true;
      data_in.status = static_cast<std::uint8_t>(response.status);
      data_in.stat_sn = next_stat_sn();
      data_in.residual_overflow = overflow;
      data_in.residual_underflow = underflow;
      data_in.residual_count = residual;
    }
    iscsi::Bhs bhs;
    bhs.initiator_task_tag = task.itt;
    bhs.fields = data_in;
    send_pdu(bhs, std::span(response.data_in).subspan(offset, length));
    offset += length;
  }
  if (data_length > 0 && good) return;

  iscsi::ScsiResponse scsi_response;
  scsi_response.status = static_cast<std::uint8_t>(response.status);
  scsi_response.residual_overflow = overflow;
  scsi_response.residual_underflow = underflow;
  scsi_response.residual_count = residual;
  scsi_response.stat_sn = next_stat_sn();
  scsi_response.exp_cmd_sn = window_->exp_cmd_sn();
  scsi_response.max_cmd_sn = window_->max_cmd_sn();
  scsi_response.exp_data_sn = reads ? task.data_in_pdus : task.r2t_sn;
  iscsi::Bhs bhs;
  bhs.initiator_task_tag = task.itt;
  bhs.fields = scsi_response;
  // The sense data segment: SenseLength (2 bytes, big-endian) then the sense (§11.4.7).
  std::vector<std::uint8_t> segment_data;
  if (!response.sense.empty()) {
    segment_data.reserve(2 + response.sense.size());
    segment_data.push_back(static_cast<std::uint8_t>(response.sense.size() >> 8));
    segment_data.push_back(static_cast<std::uint8_t>(response.sense.size()));
    segment_data.insert(segment_data.end(), response.sense.begin(), response.sense.end());
  }
  send_pdu(bhs, segment_data);
}

// Ends a task that has not reached the device with CHECK CONDITION and `sense`.
void Connection::fail_task(std::uint32_t itt, const scsi::Sense& sense) {
  auto it = tasks_.find(itt);
  if (it == tasks_.end() || it->second.executing) return;
  spdlog::debug("connection {}: task {:#x} failed: {}", id_, itt, scsi::describe(sense));
  // The transport sends fixed-format sense here: the LU's D_SENSE is not known to it, and
  // fixed format is what every initiator reads (SPC-4 4.5.1).
  translate::ScsiResponse response =
      translate::ScsiResponse::check_condition(sense, /*descriptor_format=*/false);
  send_response(it->second, response);
  finish_task(itt);
}

void Connection::finish_task(std::uint32_t itt) {
  auto it = tasks_.find(itt);
  if (it == tasks_.end()) return;
  budget_available_ += it->second.budget;
  tasks_.erase(it);
  solicit_waiting();
}

// ---- Task management (RFC 7143 §11.5, SAM-5 7) ----------------------------------------

void Connection::on_task_management(const iscsi::Pdu& pdu,
                                    const iscsi::TaskManagementRequest& tmf) {
  const std::uint32_t itt = pdu.bhs.initiator_task_tag;
  if (target_ == nullptr) {
    answer_task_management(itt, kTmfRejected);
    return;
  }
  // Aborts the tasks `match` selects: those not on the device end now, silently
  // (SAM-5 7.2: an aborted task gets no response); the TMF answer waits for the rest. The
  // caller then tells the device server and calls flush_pending_tmf(): the answer must not
  // leave before the device server has acted (SAM-5 7.7: FUNCTION COMPLETE only after the
  // reset, whose unit attentions another session may ask for as soon as it sees it).
  auto abort_where = [&](auto match) {
    PendingTmf pending{itt, kTmfComplete, {}};
    std::vector<std::uint32_t> now;
    for (auto& [task_itt, task] : tasks_) {
      if (task_itt == itt || !match(task)) continue;
      task.aborted = true;
      if (task.executing) {
        pending.waiting_for.push_back(task_itt);
      } else {
        now.push_back(task_itt);
      }
    }
    for (auto task_itt : now) finish_task(task_itt);
    pending_tmf_.push_back(std::move(pending));
  };
  const std::uint64_t lun = decode_lun(tmf.logical_unit_number).value_or(kNoSuchLun);
  switch (tmf.function) {
    case 1: {  // ABORT TASK
      auto it = tasks_.find(tmf.referenced_task_tag);
      if (it == tasks_.end()) {
        answer_task_management(itt, kTmfTaskDoesNotExist);
        return;
      }
      const std::uint32_t ref = tmf.referenced_task_tag;
      abort_where([ref](const Task& task) { return task.itt == ref; });
      // A copy runs on the device until told: stop it, so the answer comes soon.
      target_->scsi->abort_task(*nexus_, ref);
      flush_pending_tmf();
      return;
    }
    case 2:  // ABORT TASK SET
    case 4:  // CLEAR TASK SET
    case 5:  // LOGICAL UNIT RESET
      if (target_->scsi->max_transfer_bytes(lun) == 0) {
        answer_task_management(itt, kTmfLunDoesNotExist);
        return;
      }
      abort_where([lun](const Task& task) {
        return decode_lun(task.header.logical_unit_number) == lun;
      });
      if (tmf.function == 5) {
        // Every copy on the LU, any nexus; a unit attention for every nexus.
        target_->scsi->reset_logical_unit(lun);
      } else {
        target_->scsi->abort_task_set(*nexus_, lun);
      }
      flush_pending_tmf();
      return;
    case 6:  // TARGET WARM RESET
    case 7:  // TARGET COLD RESET: the connection closes after the answer (§11.5.1)
      abort_where([](const Task&) { return true; });
      // Warm: a hard reset (SAM-5 6.3.2). Cold: a power on (6.3.1) - RFC 7143 11.5.1 ends
      // every session; this connection closes after the answer, other sessions stay.
      target_->scsi->reset_target(tmf.function == 7 ? translate::ResetEvent::kPowerOn
                                                    : translate::ResetEvent::kHardReset);
      if (tmf.function == 7) close_after_flush_ = true;
      flush_pending_tmf();
      return;
    case 3:  // CLEAR ACA: NACA is not supported (standard INQUIRY NormACA=0)
      answer_task_management(itt, kTmfNotSupported);
      return;
    case 8:  // TASK REASSIGN needs ErrorRecoveryLevel 2
      answer_task_management(itt, kTmfReassignNotSupported);
      return;
    default:
      answer_task_management(itt, kTmfRejected);
      return;
  }
}

void Connection::flush_pending_tmf() {
  for (auto it = pending_tmf_.begin(); it != pending_tmf_.end();) {
    std::erase_if(it->waiting_for, [this](std::uint32_t t) { return !tasks_.contains(t); });
    if (it->waiting_for.empty()) {
      answer_task_management(it->itt, it->response);
      it = pending_tmf_.erase(it);
    } else {
      ++it;
    }
  }
}

void Connection::answer_task_management(std::uint32_t itt, std::uint8_t response) {
  iscsi::TaskManagementResponse answer;
  answer.response = response;
  answer.stat_sn = next_stat_sn();
  answer.exp_cmd_sn = window_->exp_cmd_sn();
  answer.max_cmd_sn = window_->max_cmd_sn();
  iscsi::Bhs bhs;
  bhs.initiator_task_tag = itt;
  bhs.fields = answer;
  send_pdu(bhs);
  if (close_after_flush_ && !writing_) close_on_strand("target cold reset");
}

}  // namespace xg::gateway
