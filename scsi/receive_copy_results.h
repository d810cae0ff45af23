// RECEIVE COPY RESULTS family (THIRD-PARTY COPY IN, opcode 84h): the parameter data the copy
// manager returns, both directions (SPC-4 r37 6.20-6.27).
//
//   SA   response                                     encoder / decoder below
//   00h  RECEIVE COPY STATUS(LID1), 12 bytes          encode_copy_status_lid1
//   01h  RECEIVE COPY DATA(LID1)                      encode_copy_data_lid1
//   03h  RECEIVE COPY OPERATING PARAMETERS            encode_operating_parameters
//   04h  RECEIVE COPY FAILURE DETAILS(LID1)           encode_failure_details_lid1
//   05h  RECEIVE COPY STATUS(LID4)                    encode_copy_status_lid4
//   06h  RECEIVE COPY DATA(LID4)                      encode_copy_data_lid4
//   07h  RECEIVE ROD TOKEN INFORMATION (RRTI)         encode_rod_token_information
//   08h  REPORT ALL ROD TOKENS                        encode_report_all_rod_tokens
//
// ALLOCATION LENGTH: encoders always produce the whole response, with AVAILABLE DATA counting
// every byte after byte 3 (SPC-4: "not altered based on the allocation length"). Cutting it
// to min(ALLOCATION LENGTH, size) is the dispatcher's job, once, for every command (SPC-4
// 4.2.5.6, allocation length). Encoders are total: they never fail.
//
// Decoders (tests, `xgate decode`, clients) read one complete response. Errors are Sense
// values whose FieldRef (parameter-list form, C/D = 0) is the byte offset in the response:
// - fewer than 4 bytes, or AVAILABLE DATA running past the bytes given: 1A/00 at byte 0;
// - AVAILABLE DATA too small for the fixed part of the response: 26/00 at byte 0;
// - an inner length (LENGTH OF THE SENSE DATA FIELD, SENSE DATA LENGTH, HELD DATA LENGTH,
//   ROD TOKEN DESCRIPTORS LENGTH, IMPLEMENTED DESCRIPTOR LIST LENGTH) running past AVAILABLE
//   DATA: 1A/00 at that length field;
// - an inner length with an impossible value (byte 13 not a multiple of 4, byte 14 above
//   byte 13, a token descriptor list that is not whole 514-byte descriptors): 26/00 at it;
// - a reserved code in an enumerated field (status, transfer count units): 26/00 at it;
// - OPERATING PARAMETERS type codes not strictly ascending: 26/00 at the offending code.
// A response truncated by a small ALLOCATION LENGTH therefore fails with 1A/00: re-issue
// the command with ALLOCATION LENGTH >= AVAILABLE DATA + 4. Reserved fields are not
// checked (SPC-4 3.4.1), and bytes past the end that AVAILABLE DATA and the inner lengths
// describe are ignored. decode(encode(x)) == x for every x a decoder returns.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "scsi/copy_limits.h"
#include "scsi/sense.h"

namespace xg::scsi {

// ---- service actions ----

// RECEIVE COPY RESULTS / THIRD-PARTY COPY IN service actions (SPC-4 table 108).
inline constexpr std::uint8_t kRcrCopyStatusLid1 = 0x00;
inline constexpr std::uint8_t kRcrCopyDataLid1 = 0x01;
inline constexpr std::uint8_t kRcrOperatingParameters = 0x03;
inline constexpr std::uint8_t kRcrFailureDetailsLid1 = 0x04;
inline constexpr std::uint8_t kRcrCopyStatusLid4 = 0x05;
inline constexpr std::uint8_t kRcrCopyDataLid4 = 0x06;
inline constexpr std::uint8_t kRcrRodTokenInformation = 0x07;
inline constexpr std::uint8_t kRcrReportAllRodTokens = 0x08;

// Originating THIRD-PARTY COPY OUT (83h) service actions, as RESPONSE TO SERVICE ACTION
// reports them (SPC-4 6.24, table 107).
inline constexpr std::uint8_t kTpcOutExtendedCopyLid1 = 0x00;
inline constexpr std::uint8_t kTpcOutExtendedCopyLid4 = 0x01;
inline constexpr std::uint8_t kTpcOutPopulateToken = 0x10;
inline constexpr std::uint8_t kTpcOutWriteUsingToken = 0x11;

// ---- transfer counts ----

// COPY STATUS TRANSFER COUNT UNITS (SPC-4 6.24, table 251). F1h (destination logical
// blocks) is accepted only in the LID4 header: whether LID1 allows it is not settled
// (FreeBSD CTL and SCST report 00h-06h only in LID1), so the LID1 encoder never has a
// reason to send it and the LID1 decoder refuses it.
enum class TransferCountUnits : std::uint8_t {
  kBytes = 0x00,
  kKibibytes = 0x01,
  kMebibytes = 0x02,
  kGibibytes = 0x03,
  kTebibytes = 0x04,
  kPebibytes = 0x05,
  kExbibytes = 0x06,
  kDestinationBlocks = 0xF1,  // multiplier: the copy destination's logical block size
};

struct TransferCount {
  TransferCountUnits units = TransferCountUnits::kBytes;
  std::uint32_t count = 0;
  friend bool operator==(const TransferCount&, const TransferCount&) = default;
};

// The 32-bit TRANSFER COUNT of RECEIVE COPY STATUS(LID1) for `bytes` written: the smallest
// unit among bytes, KiB, MiB, ... EiB (00h-06h) in which the count fits 32 bits, the count
// rounded DOWN so it never claims data that was not written (SPC-4 6.24: only data written
// in order counts). Every 64-bit byte count fits: 2^64 - 1 bytes is FFFFFFh TiB, so PiB and
// EiB are never chosen. FreeBSD jumps straight from bytes to MiB above 4 GiB; stepping
// through KiB keeps more precision.
TransferCount transfer_count_for_bytes(std::uint64_t bytes);

// ---- 00h RECEIVE COPY STATUS(LID1) (SPC-4 6.25, tables 253/254), 12 bytes ----
//   0-3  AVAILABLE DATA = 00000008h
//   4    b7 HDD, b6:0 COPY COMMAND STATUS (SPC-3: COPY MANAGER STATUS)
//   5-6  SEGMENTS PROCESSED
//   7    TRANSFER COUNT UNITS (00h-06h)
//   8-11 TRANSFER COUNT
inline constexpr std::uint32_t kCopyStatusLid1AvailableData = 8;

// SPC-4 table 254; 03h-7Fh reserved.
enum class CopyCommandStatus : std::uint8_t {
  kInProgress = 0x00,
  kCompletedWithoutErrors = 0x01,
  kCompletedWithErrors = 0x02,
};

struct CopyStatusLid1 {
  bool hdd = false;  // held data discarded
  CopyCommandStatus copy_command_status = CopyCommandStatus::kInProgress;
  std::uint16_t segments_processed = 0;
  TransferCountUnits transfer_count_units = TransferCountUnits::kBytes;
  std::uint32_t transfer_count = 0;
  friend bool operator==(const CopyStatusLid1&, const CopyStatusLid1&) = default;
};

std::vector<std::uint8_t> encode_copy_status_lid1(const CopyStatusLid1& status);
Result<CopyStatusLid1> decode_copy_status_lid1(std::span<const std::uint8_t> bytes);

// ---- 01h RECEIVE COPY DATA(LID1) (SPC-4 6.21, table 242) ----
//   0-3  AVAILABLE DATA (n - 3), then the held data from byte 4.
// xgate advertises HELD DATA LIMIT 0 and rejects this SA (SPC-4 5.17.4.5); the pair
// exists for clients and tests. Held data is cut at kMaxHeldDataLength bytes (LID1 and
// LID4), far above any HELD DATA LIMIT, so AVAILABLE DATA always fits 32 bits.
inline constexpr std::size_t kMaxHeldDataLength = 0xFFFF'0000;
struct CopyDataLid1 {
  std::vector<std::uint8_t> held_data;
  friend bool operator==(const CopyDataLid1&, const CopyDataLid1&) = default;
};

std::vector<std::uint8_t> encode_copy_data_lid1(const CopyDataLid1& data);
Result<CopyDataLid1> decode_copy_data_lid1(std::span<const std::uint8_t> bytes);

// ---- 03h RECEIVE COPY OPERATING PARAMETERS (SPC-4 6.22, table 244) ----
//   0-3   AVAILABLE DATA = 40 + IMPLEMENTED DESCRIPTOR LIST LENGTH
//   4     b0 SNLID
//   8-9   MAXIMUM CSCD DESCRIPTOR COUNT      10-11 MAXIMUM SEGMENT DESCRIPTOR COUNT
//   12-15 MAXIMUM DESCRIPTOR LIST LENGTH     16-19 MAXIMUM SEGMENT LENGTH
//   20-23 MAXIMUM INLINE DATA LENGTH         24-27 HELD DATA LIMIT
//   28-31 MAXIMUM STREAM DEVICE TRANSFER SIZE
//   34-35 TOTAL CONCURRENT COPIES            36    MAXIMUM CONCURRENT COPIES
//   37    DATA SEGMENT GRANULARITY (log2)    38    INLINE DATA GRANULARITY (log2)
//   39    HELD DATA GRANULARITY (log2)       43    IMPLEMENTED DESCRIPTOR LIST LENGTH
//   44... implemented segment and CSCD descriptor type codes, ascending
// (5-7, 32-33, 40-42 reserved). Built from the same CopyManagerLimits as VPD 8Fh 0004h/
// 0008h/8001h so the two always agree. The encoder sends the codes sorted and without
// duplicates (at most 255 of them); it writes TOTAL CONCURRENT COPIES as given (SPC-4 wants
// 0 when SNLID is 0; that is the limits' author's choice, not silently rewritten here).
inline constexpr std::size_t kOperatingParametersFixedLength = 44;  // bytes 0-43

std::vector<std::uint8_t> encode_operating_parameters(const CopyManagerLimits& limits);
Result<CopyManagerLimits> decode_operating_parameters(std::span<const std::uint8_t> bytes);

// ---- 04h RECEIVE COPY FAILURE DETAILS(LID1) (SPC-4 6.23, table 246) ----
//   0-3   AVAILABLE DATA (n - 3) = 56 + SENSE DATA LENGTH; 0 when there is no failure
//         information, and then nothing follows (the response is 4 bytes)
//   4-55  reserved
//   56    COPY COMMAND STATUS (the SCSI status the EXTENDED COPY(LID1) returned)
//   58-59 SENSE DATA LENGTH (n - 59)
//   60... SENSE DATA (the sense the EXTENDED COPY returned)
// SCST sends AVAILABLE DATA one too large (size - 3, SCST's copy manager); this decoder reads
// that as running past the data (1A/00), which is what it is.
inline constexpr std::size_t kFailureDetailsSenseOffset = 60;

struct CopyFailureDetailsLid1 {
  Status copy_command_status = Status::kCheckCondition;
  std::vector<std::uint8_t> sense_data;  // at most FFFFh bytes are sent
  friend bool operator==(const CopyFailureDetailsLid1&, const CopyFailureDetailsLid1&) = default;
};

// nullopt: "no failure information" (AVAILABLE DATA 0).
std::vector<std::uint8_t> encode_failure_details_lid1(
    const std::optional<CopyFailureDetailsLid1>& details);
Result<std::optional<CopyFailureDetailsLid1>> decode_failure_details_lid1(
    std::span<const std::uint8_t> bytes);

// ---- 05h/06h/07h: the shared LID4 status header (SPC-4 6.24, table 248) ----
//   0-3   AVAILABLE DATA (n - 3)
//   4     b4:0 RESPONSE TO SERVICE ACTION (kTpcOut...)
//   5     b7 HDD (RCD(LID4) only), b6:0 COPY OPERATION STATUS
//   6-7   OPERATION COUNTER
//   8-11  ESTIMATED STATUS UPDATE DELAY (ms)
//   12    EXTENDED COPY COMPLETION STATUS (SCSI status; 40h TASK ABORTED with 60h)
//   13    LENGTH OF THE SENSE DATA FIELD (x - 31): 0 or a multiple of 4
//   14    SENSE DATA LENGTH (<= byte 13; Windows classpnp asserts it)
//   15    TRANSFER COUNT UNITS (00h-06h, F1h)
//   16-23 TRANSFER COUNT
//   24-25 SEGMENTS PROCESSED (0 for POPULATE TOKEN / WRITE USING TOKEN)
//   26-31 reserved
//   32-x  SENSE DATA field: SENSE DATA LENGTH bytes of sense, zero-padded to byte 13
// RCS(LID4) ends at x. The encoder makes byte 13 the sense length rounded up to a multiple
// of 4 (18-byte fixed sense -> 14h) and cuts sense beyond 252 bytes (the largest multiple
// of 4 that byte 13 holds). Windows asserts SENSE DATA LENGTH <= 18 in RRTI: callers put
// 18-byte fixed-format sense there (Windows-driver-samples classpnp). The decoder accepts a sense
// field longer than needed (byte 13 > rounded byte 14) and keeps only the SENSE DATA LENGTH bytes.
inline constexpr std::size_t kLid4StatusHeaderLength = 32;
inline constexpr std::size_t kLid4MaxSenseDataLength = 252;
// ESTIMATED STATUS UPDATE DELAY values with a meaning of their own (SPC-4 6.24).
inline constexpr std::uint32_t kStatusUpdateDelayCompleted = 0xFFFF'FFFE;
inline constexpr std::uint32_t kStatusUpdateDelayUnknown = 0xFFFF'FFFF;

// COPY OPERATION STATUS (SPC-4 table 249); all other values reserved.
enum class CopyOperationStatus : std::uint8_t {
  kCompleted = 0x01,  // without errors
  kCompletedWithErrors = 0x02,
  kCompletedPartialRodTokenUsage = 0x03,  // PT/WUT only; Windows: "with residual data"
  kCompletedWithResidualData = 0x04,
  kInProgress = 0x10,  // foreground or background unknown
  kInProgressForeground = 0x11,
  kInProgressBackground = 0x12,
  kTerminated = 0x60,  // EXTENDED COPY COMPLETION STATUS = TASK ABORTED
};

// 01h-04h and 60h: the operation is over (ESTIMATED STATUS UPDATE DELAY FFFFFFFEh).
bool is_finished(CopyOperationStatus status);
// Table 249 "operation completed without errors": 01h, 03h, 04h. Only then does RRTI carry
// ROD token descriptors.
bool completed_without_errors(CopyOperationStatus status);
// The ESTIMATED STATUS UPDATE DELAY to report: FFFFFFFEh once finished, else `in_progress_ms`.
std::uint32_t estimated_status_update_delay(CopyOperationStatus status,
                                            std::uint32_t in_progress_ms);

struct CopyStatusLid4 {
  std::uint8_t response_to_service_action = kTpcOutExtendedCopyLid4;  // 5 bits
  bool hdd = false;
  CopyOperationStatus copy_operation_status = CopyOperationStatus::kInProgress;
  std::uint16_t operation_counter = 0;
  std::uint32_t estimated_status_update_delay = kStatusUpdateDelayUnknown;
  Status extended_copy_completion_status = Status::kGood;  // reserved while in progress
  TransferCountUnits transfer_count_units = TransferCountUnits::kBytes;
  std::uint64_t transfer_count = 0;
  std::uint16_t segments_processed = 0;
  std::vector<std::uint8_t> sense_data;  // SENSE DATA LENGTH bytes, no padding
  friend bool operator==(const CopyStatusLid4&, const CopyStatusLid4&) = default;
};

// 05h RECEIVE COPY STATUS(LID4): the header and the sense field, nothing more.
std::vector<std::uint8_t> encode_copy_status_lid4(const CopyStatusLid4& status);
Result<CopyStatusLid4> decode_copy_status_lid4(std::span<const std::uint8_t> bytes);

// ---- 06h RECEIVE COPY DATA(LID4) (SPC-4 6.20, table 240) ----
// The header, then at x+1 HELD DATA LENGTH (4 bytes, n - (x + 4)) and the held data.
struct CopyDataLid4 {
  CopyStatusLid4 status;
  std::vector<std::uint8_t> held_data;
  friend bool operator==(const CopyDataLid4&, const CopyDataLid4&) = default;
};

std::vector<std::uint8_t> encode_copy_data_lid4(const CopyDataLid4& data);
Result<CopyDataLid4> decode_copy_data_lid4(std::span<const std::uint8_t> bytes);

// ---- 07h RECEIVE ROD TOKEN INFORMATION (SPC-4 6.26, tables 256/257) ----
// The header, then at x+1 ROD TOKEN DESCRIPTORS LENGTH (4 bytes, n - (x + 4)) and the ROD
// token descriptors: bytes 0-1 ID FOR CREATING ROD CSCD DESCRIPTOR (reserved, 0, unless the
// token came from an EXTENDED COPY), bytes 2-513 the ROD token. With no sense the length
// sits at 32-35 and the token at 38; in general the token of the first descriptor starts
// at 32 + byte 13 + 6 (ddpt's rule). After a successful POPULATE TOKEN there is exactly one
// descriptor: length 0202h, ID 0 (Windows classpnp asserts both).
//
// The token is 512 opaque bytes here (its format is scsi/rod_token.h's business), so the
// descriptor list must be whole 514-byte descriptors: SPC-4 ROD tokens have ROD TOKEN
// LENGTH 01F8h.
inline constexpr std::size_t kRrtiRodTokenSize = 512;  // the token, opaque here
inline constexpr std::size_t kRodTokenDescriptorLength = 2 + kRrtiRodTokenSize;  // 0202h

struct RodTokenDescriptor {
  std::uint16_t id_for_creating_rod_cscd_descriptor = 0;
  std::array<std::uint8_t, kRrtiRodTokenSize> rod_token{};
  friend bool operator==(const RodTokenDescriptor&, const RodTokenDescriptor&) = default;
};

struct RodTokenInformation {
  CopyStatusLid4 status;
  std::vector<RodTokenDescriptor> rod_tokens;  // empty unless completed without errors
  friend bool operator==(const RodTokenInformation&, const RodTokenInformation&) = default;
};

std::vector<std::uint8_t> encode_rod_token_information(const RodTokenInformation& info);
Result<RodTokenInformation> decode_rod_token_information(std::span<const std::uint8_t> bytes);

// ---- 08h REPORT ALL ROD TOKENS (SPC-4 6.27) ----
//   0-3 AVAILABLE DATA (n - 3), 4-7 reserved, 8... ROD management tokens.
// Minimal on purpose: xgate does not advertise this SA in RSOC or VPD 8Fh. A management
// token is taken to be the first 96 bytes of a ROD token, as FreeBSD CTL returns them; the
// SPC size is not confirmed, so the tokens are opaque 96-byte blocks and the decoder
// refuses a list that is not whole blocks (26/00 at AVAILABLE DATA).
inline constexpr std::size_t kRodManagementTokenLength = 96;

struct ReportAllRodTokens {
  std::vector<std::array<std::uint8_t, kRodManagementTokenLength>> rod_management_tokens;
  friend bool operator==(const ReportAllRodTokens&, const ReportAllRodTokens&) = default;
};

std::vector<std::uint8_t> encode_report_all_rod_tokens(const ReportAllRodTokens& report);
Result<ReportAllRodTokens> decode_report_all_rod_tokens(std::span<const std::uint8_t> bytes);

}  // namespace xg::scsi
