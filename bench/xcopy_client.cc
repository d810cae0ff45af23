// A small libiscsi client for bench/xcopy_vs_host_copy.sh: copies a block range within one
// LU either by EXTENDED COPY(LID1) (the copy manager moves the data) or by the host reading
// and writing it over iSCSI, and prints the elapsed seconds on stdout.
//
//   xcopy_client params URL
//       RECEIVE COPY OPERATING PARAMETERS (84h/03h): prints "max_segment_length=N
//       max_segment_descriptors=N block_size=N blocks=N"
//   xcopy_client xcopy URL SRC_LBA DST_LBA BLOCKS [SEGS_PER_CMD [QD [SEG_BLOCKS]]]
//       EXTENDED COPY(LID1), one E4h CSCD (the LU's highest-type VPD 83h designator with
//       association 0, as QEMU and libiscsi pick it) used as source and destination; 02h
//       segments of the advertised MAXIMUM SEGMENT LENGTH (capped at 65535 blocks), up to
//       SEGS_PER_CMD (default: the advertised MAXIMUM SEGMENT DESCRIPTOR COUNT) per
//       command, QD commands outstanding (default 1), all LIST IDENTIFIER 0 with LIST ID
//       USAGE 11b (no RECEIVE COPY RESULTS; 11b requires identifier 0). SEG_BLOCKS (if
//       non-zero and smaller) replaces the advertised segment length, e.g. 65528 blocks
//       to keep every segment 4 KiB aligned.
//   xcopy_client rw URL SRC_LBA DST_LBA BLOCKS [CHUNK_BYTES [QD]]
//       READ(16) CHUNK_BYTES (default 1 MiB), then WRITE(16) it, QD chunks in flight
//       (default 8); a final SYNCHRONIZE CACHE(10) is included in the time.
//
// URL: iscsi://HOST:PORT/IQN/LUN. Exit 0 on success, 1 on any SCSI or transport error.
#include <iscsi/iscsi.h>
#include <iscsi/scsi-lowlevel.h>
#include <poll.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

[[noreturn]] void die(iscsi_context* iscsi, const std::string& what) {
  std::fprintf(stderr, "xcopy_client: %s: %s\n", what.c_str(), iscsi ? iscsi_get_error(iscsi) : "");
  std::exit(1);
}

struct Lu {
  iscsi_context* iscsi = nullptr;
  int lun = 0;
  std::uint32_t block_size = 0;
  std::uint64_t blocks = 0;
};

Lu connect(const char* url_text) {
  Lu lu;
  lu.iscsi = iscsi_create_context("iqn.2026-12.org.xgate.bench:xcopy-client");
  if (!lu.iscsi) die(nullptr, "iscsi_create_context");
  iscsi_url* url = iscsi_parse_full_url(lu.iscsi, url_text);
  if (!url) die(lu.iscsi, "bad URL");
  iscsi_set_targetname(lu.iscsi, url->target);
  iscsi_set_session_type(lu.iscsi, ISCSI_SESSION_NORMAL);
  iscsi_set_header_digest(lu.iscsi, ISCSI_HEADER_DIGEST_NONE);
  if (iscsi_full_connect_sync(lu.iscsi, url->portal, url->lun) != 0) die(lu.iscsi, "connect");
  lu.lun = url->lun;
  iscsi_destroy_url(url);
  scsi_task* task = iscsi_readcapacity16_sync(lu.iscsi, lu.lun);
  if (!task || task->status != SCSI_STATUS_GOOD) die(lu.iscsi, "READ CAPACITY(16)");
  auto* rc = static_cast<scsi_readcapacity16*>(scsi_datain_unmarshall(task));
  if (!rc) die(lu.iscsi, "READ CAPACITY(16) data");
  lu.block_size = rc->block_length;
  lu.blocks = rc->returned_lba + 1;
  scsi_free_scsi_task(task);
  return lu;
}

struct OpParams {
  std::uint32_t max_segment_length = 0;
  std::uint16_t max_segments = 0;
};

OpParams op_params(const Lu& lu) {
  scsi_task* task = iscsi_receive_copy_results_sync(lu.iscsi, lu.lun, SCSI_COPY_RESULTS_OP_PARAMS,
                                                    0, 1024);
  if (!task || task->status != SCSI_STATUS_GOOD) die(lu.iscsi, "RECEIVE COPY OPERATING PARAMETERS");
  auto* p = static_cast<scsi_copy_results_op_params*>(scsi_datain_unmarshall(task));
  if (!p) die(lu.iscsi, "RECEIVE COPY OPERATING PARAMETERS data");
  OpParams out{p->max_segment_length, p->max_segment_desc_count};
  scsi_free_scsi_task(task);
  return out;
}

// The 32-byte E4h CSCD naming this LU: highest designator type <= 3, association 0,
// length <= 20 (QEMU's and libiscsi's rule).
std::vector<std::uint8_t> identification_cscd(const Lu& lu) {
  scsi_task* task = iscsi_inquiry_sync(lu.iscsi, lu.lun, 1, SCSI_INQUIRY_PAGECODE_DEVICE_IDENTIFICATION,
                                       255);
  if (!task || task->status != SCSI_STATUS_GOOD) die(lu.iscsi, "INQUIRY VPD 83h");
  auto* page = static_cast<scsi_inquiry_device_identification*>(scsi_datain_unmarshall(task));
  if (!page) die(lu.iscsi, "VPD 83h data");
  scsi_inquiry_device_designator* best = nullptr;
  for (auto* d = page->designators; d; d = d->next) {
    if (d->association != 0 || d->designator_type > 3 || d->designator_length > 20) continue;
    if (!best || d->designator_type > best->designator_type) best = d;
  }
  if (!best) die(lu.iscsi, "no usable designator in VPD 83h");
  std::vector<std::uint8_t> c(32, 0);
  c[0] = 0xE4;
  c[4] = static_cast<std::uint8_t>(best->code_set & 0x0F);
  c[5] = static_cast<std::uint8_t>(best->designator_type & 0x0F);
  c[7] = static_cast<std::uint8_t>(best->designator_length);
  std::memcpy(&c[8], best->designator, best->designator_length);
  c[29] = static_cast<std::uint8_t>(lu.block_size >> 16);
  c[30] = static_cast<std::uint8_t>(lu.block_size >> 8);
  c[31] = static_cast<std::uint8_t>(lu.block_size);
  scsi_free_scsi_task(task);
  return c;
}

void put16(std::uint8_t* p, std::uint64_t v) { p[0] = std::uint8_t(v >> 8); p[1] = std::uint8_t(v); }
void put32(std::uint8_t* p, std::uint64_t v) { for (int i = 0; i < 4; ++i) p[i] = std::uint8_t(v >> (24 - 8 * i)); }
void put64(std::uint8_t* p, std::uint64_t v) { for (int i = 0; i < 8; ++i) p[i] = std::uint8_t(v >> (56 - 8 * i)); }

struct Segment { std::uint64_t src, dst, blocks; };

std::vector<std::uint8_t> lid1_list(std::uint8_t list_id, const std::vector<std::uint8_t>& cscd,
                                    const std::vector<Segment>& segs) {
  std::vector<std::uint8_t> l(16 + 32 + 28 * segs.size(), 0);
  l[0] = list_id;
  l[1] = 3 << 3;  // LIST ID USAGE 11b: no RECEIVE COPY RESULTS
  put16(&l[2], 32);
  put32(&l[8], 28 * segs.size());
  std::memcpy(&l[16], cscd.data(), 32);
  for (std::size_t i = 0; i < segs.size(); ++i) {
    std::uint8_t* s = &l[48 + 28 * i];
    s[0] = 0x02;
    put16(&s[2], 0x18);
    put16(&s[4], 0);
    put16(&s[6], 0);
    put16(&s[10], segs[i].blocks);
    put64(&s[12], segs[i].src);
    put64(&s[20], segs[i].dst);
  }
  return l;
}

struct Loop {
  iscsi_context* iscsi;
  int outstanding = 0;
  bool failed = false;
  void run_until(int at_most) {
    while (outstanding > at_most) {
      pollfd pfd{iscsi_get_fd(iscsi), static_cast<short>(iscsi_which_events(iscsi)), 0};
      if (poll(&pfd, 1, 10000) < 0) die(iscsi, "poll");
      if (iscsi_service(iscsi, pfd.revents) < 0) die(iscsi, "iscsi_service");
    }
  }
};

double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

struct XcopyCmd {
  Loop* loop;
  std::vector<std::uint8_t> list;
  iscsi_data data;
};

void xcopy_done(iscsi_context* iscsi, int status, void* command_data, void* private_data) {
  auto* cmd = static_cast<XcopyCmd*>(private_data);
  auto* task = static_cast<scsi_task*>(command_data);
  if (status != SCSI_STATUS_GOOD) {
    std::fprintf(stderr, "xcopy_client: EXTENDED COPY failed: status %d: %s\n", status,
                 iscsi_get_error(iscsi));
    cmd->loop->failed = true;
  }
  if (task) scsi_free_scsi_task(task);
  cmd->loop->outstanding--;
  delete cmd;
}

int run_xcopy(const Lu& lu, std::uint64_t src, std::uint64_t dst, std::uint64_t blocks,
              unsigned segs_per_cmd, int qd, std::uint64_t seg_override) {
  const OpParams p = op_params(lu);
  std::uint64_t seg_blocks = p.max_segment_length ? p.max_segment_length / lu.block_size : 65535;
  seg_blocks = std::min<std::uint64_t>(seg_blocks, 65535);
  if (seg_override != 0 && seg_override < seg_blocks) seg_blocks = seg_override;
  if (segs_per_cmd == 0 || segs_per_cmd > p.max_segments) segs_per_cmd = p.max_segments;
  const auto cscd = identification_cscd(lu);
  std::vector<std::vector<Segment>> commands;
  for (std::uint64_t off = 0; off < blocks;) {
    std::vector<Segment> segs;
    while (off < blocks && segs.size() < segs_per_cmd) {
      const std::uint64_t n = std::min(seg_blocks, blocks - off);
      segs.push_back({src + off, dst + off, n});
      off += n;
    }
    commands.push_back(std::move(segs));
  }
  std::fprintf(stderr, "xcopy: %llu blocks of %u B, segments of %llu blocks, %u per command, %zu commands, QD %d\n",
               (unsigned long long)blocks, lu.block_size, (unsigned long long)seg_blocks, segs_per_cmd,
               commands.size(), qd);
  Loop loop{lu.iscsi};
  const double t0 = now();
  const std::uint8_t list_id = 0;  // LIST ID USAGE 11b requires LIST IDENTIFIER 0
  for (const auto& segs : commands) {
    loop.run_until(qd - 1);
    auto* cmd = new XcopyCmd{&loop, lid1_list(list_id, cscd, segs), {}};
    cmd->data.data = cmd->list.data();
    cmd->data.size = static_cast<int>(cmd->list.size());
    if (!iscsi_extended_copy_task(lu.iscsi, lu.lun, &cmd->data, xcopy_done, cmd))
      die(lu.iscsi, "EXTENDED COPY submit");
    loop.outstanding++;
  }
  loop.run_until(0);
  const double t1 = now();
  if (loop.failed) return 1;
  std::printf("%.6f\n", t1 - t0);
  return 0;
}

struct Chunk {
  Loop* loop;
  const Lu* lu;
  std::uint64_t src, dst;
  std::uint32_t blocks;
  scsi_task* read = nullptr;
};

void write_done(iscsi_context* iscsi, int status, void* command_data, void* private_data) {
  auto* c = static_cast<Chunk*>(private_data);
  if (status != SCSI_STATUS_GOOD) {
    std::fprintf(stderr, "xcopy_client: WRITE(16) failed: %s\n", iscsi_get_error(iscsi));
    c->loop->failed = true;
  }
  scsi_free_scsi_task(static_cast<scsi_task*>(command_data));
  scsi_free_scsi_task(c->read);
  c->loop->outstanding--;
  delete c;
}

void read_done(iscsi_context* iscsi, int status, void* command_data, void* private_data) {
  auto* c = static_cast<Chunk*>(private_data);
  c->read = static_cast<scsi_task*>(command_data);
  if (status != SCSI_STATUS_GOOD ||
      c->read->datain.size != static_cast<int>(c->blocks * c->lu->block_size)) {
    std::fprintf(stderr, "xcopy_client: READ(16) failed: %s\n", iscsi_get_error(iscsi));
    c->loop->failed = true;
    scsi_free_scsi_task(c->read);
    c->loop->outstanding--;
    delete c;
    return;
  }
  if (!iscsi_write16_task(iscsi, c->lu->lun, c->dst, c->read->datain.data, c->read->datain.size,
                          c->lu->block_size, 0, 0, 0, 0, 0, write_done, c))
    die(iscsi, "WRITE(16) submit");
}

int run_rw(const Lu& lu, std::uint64_t src, std::uint64_t dst, std::uint64_t blocks,
           std::uint64_t chunk_bytes, int qd) {
  const std::uint32_t chunk = static_cast<std::uint32_t>(chunk_bytes / lu.block_size);
  std::fprintf(stderr, "rw: %llu blocks of %u B, chunks of %u blocks, QD %d\n",
               (unsigned long long)blocks, lu.block_size, chunk, qd);
  Loop loop{lu.iscsi};
  const double t0 = now();
  for (std::uint64_t off = 0; off < blocks;) {
    loop.run_until(qd - 1);
    if (loop.failed) break;
    const auto n = static_cast<std::uint32_t>(std::min<std::uint64_t>(chunk, blocks - off));
    auto* c = new Chunk{&loop, &lu, src + off, dst + off, n};
    if (!iscsi_read16_task(lu.iscsi, lu.lun, c->src, n * lu.block_size, lu.block_size, 0, 0, 0, 0, 0,
                           read_done, c))
      die(lu.iscsi, "READ(16) submit");
    loop.outstanding++;
    off += n;
  }
  loop.run_until(0);
  scsi_task* task = iscsi_synchronizecache10_sync(lu.iscsi, lu.lun, 0, 0, 0, 0);
  if (!task || task->status != SCSI_STATUS_GOOD) die(lu.iscsi, "SYNCHRONIZE CACHE(10)");
  scsi_free_scsi_task(task);
  const double t1 = now();
  if (loop.failed) return 1;
  std::printf("%.6f\n", t1 - t0);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: xcopy_client params|xcopy|rw URL [SRC DST BLOCKS [A [QD]]]\n");
    return 2;
  }
  const std::string mode = argv[1];
  Lu lu = connect(argv[2]);
  int rc = 0;
  if (mode == "params") {
    const OpParams p = op_params(lu);
    std::printf("max_segment_length=%u max_segment_descriptors=%u block_size=%u blocks=%llu\n",
                p.max_segment_length, p.max_segments, lu.block_size, (unsigned long long)lu.blocks);
  } else if ((mode == "xcopy" || mode == "rw") && argc >= 6) {
    const std::uint64_t src = std::strtoull(argv[3], nullptr, 0);
    const std::uint64_t dst = std::strtoull(argv[4], nullptr, 0);
    const std::uint64_t blocks = std::strtoull(argv[5], nullptr, 0);
    if (mode == "xcopy") {
      rc = run_xcopy(lu, src, dst, blocks, argc > 6 ? std::atoi(argv[6]) : 0,
                     argc > 7 ? std::atoi(argv[7]) : 1,
                     argc > 8 ? std::strtoull(argv[8], nullptr, 0) : 0);
    } else {
      rc = run_rw(lu, src, dst, blocks, argc > 6 ? std::strtoull(argv[6], nullptr, 0) : (1u << 20),
                  argc > 7 ? std::atoi(argv[7]) : 8);
    }
  } else {
    std::fprintf(stderr, "xcopy_client: bad arguments\n");
    rc = 2;
  }
  iscsi_logout_sync(lu.iscsi);
  iscsi_destroy_context(lu.iscsi);
  return rc;
}
