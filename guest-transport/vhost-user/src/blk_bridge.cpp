// SPDX-License-Identifier: Apache-2.0
#include "hmx/vhost_user/blk_bridge.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <deque>
#include <new>

#include "hmx/virtio_argo/wire.h"

namespace hmx::vhost_user {

namespace v = virtio_argo::virtio;
using virtio_argo::split_virtqueue;

namespace {

// Device-specific virtio-blk bits the bridge relays (virtio 1.2 5.2.3): requests pass through
// unchanged, so the back-end serves them. Left out: SIZE_MAX (the shadow data descriptor is one
// contiguous piece of any size) and CONFIG_WCE (the config space is read-only here).
constexpr unsigned kRelayedBits[] = {v::BLK_F_SEG_MAX, 4 /* GEOMETRY */, v::BLK_F_RO, v::BLK_F_BLK_SIZE,
                                     v::BLK_F_FLUSH, 10 /* TOPOLOGY */, v::BLK_F_MQ, 13 /* DISCARD */,
                                     14 /* WRITE_ZEROES */};
constexpr uint32_t kFullConfig = 60;  // struct virtio_blk_config up to write_zeroes_may_unmap
constexpr size_t kBufferAlign = 64;

uint64_t relayed_mask() {
  uint64_t m = 0;
  for (unsigned b : kRelayedBits) m |= v::bit(b);
  return m;
}

}  // namespace

// One request handed to the back-end: the shadow buffer holds its readable bytes, then room
// for the writable ones. `r` is null once the device was reset (the request is forgotten, but
// the buffer stays until the back-end gives the chain back: it may still write there).
struct blk_bridge::inflight {
  virtio_argo::device::request* r = nullptr;
  uint8_t* buf = nullptr;
  size_t bytes = 0;
  uint32_t readable = 0, writable = 0;
};

struct blk_bridge::shadow_queue {
  uint16_t index = 0;
  void* ring = nullptr;
  std::vector<split_virtqueue::slot> slots;
  split_virtqueue vq;
  int kick = -1, call = -1;
  bool started = false;
  bool kick_due = false;
  std::deque<inflight*> waiting;  // did not fit in the ring yet
};

blk_bridge::blk_bridge(std::unique_ptr<frontend> fe, shared_memory& memory, std::pmr::memory_resource* buffers,
                       const blk_bridge_options& options)
    : fe_(std::move(fe)), mem_(memory), buffers_(buffers), opt_(options) {}

std::unique_ptr<blk_bridge> blk_bridge::connect(std::unique_ptr<frontend> fe, shared_memory& memory,
                                                std::pmr::memory_resource* buffers, const blk_bridge_options& options,
                                                std::string& error) {
  if (fe == nullptr || buffers == nullptr || options.queues == 0 || options.ring_size == 0 ||
      (options.ring_size & (options.ring_size - 1)) != 0 || options.ring_size > 32768) {
    error = "vhost-user-blk: bad options";
    return nullptr;
  }
  std::unique_ptr<blk_bridge> b(new blk_bridge(std::move(fe), memory, buffers, options));
  if (!b->setup(error)) return nullptr;
  return b;
}

uint64_t blk_bridge::gpa_of(const void* p) const {
  uint64_t off = 0;
  (void)mem_.offset_of(p, 0, off);
  return off;
}

bool blk_bridge::setup(std::string& error) {
  auto bad = [&](const std::string& why) {
    error = "vhost-user-blk: " + why;
    return false;
  };
  if (!fe_->ok() || !fe_->handshake()) return bad(fe_->error());
  const uint64_t f = fe_->features();
  if ((f & v::bit(v::F_VERSION_1)) == 0) return bad("the back-end does not offer VIRTIO_F_VERSION_1");
  if (!fe_->has_protocol_feature(kPfConfig)) return bad("the back-end does not offer PROTOCOL_F_CONFIG");
  config_.assign(kFullConfig, 0);
  if (!fe_->get_config(0, config_)) return bad(fe_->error());
  // How many queues: what we want, what GET_QUEUE_NUM and the config space say.
  uint32_t nq = opt_.queues;
  if (nq > fe_->queue_num()) nq = fe_->queue_num();
  if ((f & v::bit(v::BLK_F_MQ)) != 0) {
    const uint16_t cfg_q = virtio_argo::wire::load_le16(config_.data() + v::BLK_CFG_NUM_QUEUES);
    if (cfg_q != 0 && nq > cfg_q) nq = cfg_q;
  } else {
    nq = 1;
  }
  queues_ = static_cast<uint16_t>(nq);
  device_features_ = f & relayed_mask();
  if (queues_ == 1) device_features_ &= ~v::bit(v::BLK_F_MQ);
  virtio_argo::wire::store_le16(config_.data() + v::BLK_CFG_NUM_QUEUES, queues_);

  const size_t ring_bytes = split_virtqueue::ring_bytes(opt_.ring_size);
  for (uint16_t q = 0; q < queues_; ++q) {
    auto s = std::make_unique<shadow_queue>();
    s->index = q;
    s->slots.resize(opt_.ring_size);
    try {
      s->ring = buffers_->allocate(ring_bytes, 4096);
    } catch (const std::bad_alloc&) {
      return bad("no memory for the shadow rings");
    }
    s->kick = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    s->call = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    sq_.push_back(std::move(s));
    if (sq_.back()->kick < 0 || sq_.back()->call < 0) return bad("eventfd: " + std::string(std::strerror(errno)));
  }
  stop_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (stop_fd_ < 0) return bad("eventfd");
  // The back-end maps the device domain's memory, all of it and nothing else: one region, GPA 0.
  const mem_region region{0, mem_.size(), reinterpret_cast<uintptr_t>(mem_.data()), 0};
  const int fds[1] = {mem_.fd()};
  if (!fe_->set_mem_table({&region, 1}, fds)) return bad(fe_->error());
  watcher_ = std::thread([this] { watch(); });
  return true;
}

blk_bridge::~blk_bridge() {
  stopping_ = true;
  if (stop_fd_ >= 0) {
    const uint64_t one = 1;
    (void)!::write(stop_fd_, &one, sizeof one);
  }
  if (watcher_.joinable()) watcher_.join();
  for (auto& s : sq_) {
    if (s->kick >= 0) ::close(s->kick);
    if (s->call >= 0) ::close(s->call);
  }
  if (stop_fd_ >= 0) ::close(stop_fd_);
  // Shadow buffers and rings stay in the domain's memory, which goes with the domain: a back-end
  // that is still alive may write there until it unmaps it.
}

// The watcher: call eventfds and the socket's hang-up wake the service thread, which does the
// work (pump()).
void blk_bridge::watch() {
  std::vector<pollfd> p;
  p.push_back({stop_fd_, POLLIN, 0});
  p.push_back({fe_->fd(), POLLRDHUP, 0});
  for (auto& s : sq_) p.push_back({s->call, POLLIN, 0});
  while (!stopping_.load()) {
    const int n = ::poll(p.data(), p.size(), 1000);
    if (n < 0 && errno != EINTR) break;
    if (n <= 0) continue;
    if (p[0].revents != 0) break;
    bool signal = false;
    if (p[1].revents != 0) {
      dead_ = true;  // pump() turns this into failed requests on the service thread
      p[1].fd = -1;  // stays signalled: stop watching it
      signal = true;
    }
    for (size_t i = 2; i < p.size(); ++i) {
      if ((p[i].revents & POLLIN) == 0) continue;
      uint64_t count;
      (void)!::read(p[i].fd, &count, sizeof count);
      ++calls_;
      signal = true;
    }
    if (signal && opt_.wake) opt_.wake();
  }
}

void blk_bridge::read_config(uint32_t offset, void* dst, uint32_t len) const {
  std::memcpy(dst, config_.data() + offset, len);  // device_core bounded offset + len
}

// DRIVER_OK: the features the driver accepted go to the back-end, then every shadow queue starts
// (vhost-user.rst "Starting and stopping rings": NUM, BASE, ADDR, KICK, CALL, then ENABLE).
void blk_bridge::activate(uint64_t negotiated) {
  if (dead_.load()) return;
  if (!start_queues(negotiated)) die(fe_->error());
}

bool blk_bridge::start_queues(uint64_t negotiated) {
  uint64_t f = (negotiated & device_features_) | v::bit(v::F_VERSION_1);
  const bool ring_states = (fe_->features() >> kFProtocolFeatures) & 1;
  if (ring_states) f |= uint64_t{1} << kFProtocolFeatures;
  if (!fe_->set_features(f)) return false;
  for (auto& s : sq_) {
    // A ring with chains the back-end never returned (reset while busy) is left to it.
    if (s->started || s->vq.outstanding() != 0) {
      try {
        s->ring = buffers_->allocate(split_virtqueue::ring_bytes(opt_.ring_size), 4096);
      } catch (const std::bad_alloc&) {
        fe_->fail("no memory for a fresh shadow ring");
        return false;
      }
    }
    // The shadow ring is the back-end's view only: no event index, no indirect tables.
    if (s->vq.init(s->index, opt_.ring_size, s->ring, s->slots.data(),
                   virtio_argo::address_space{this,
                                              [](void* ctx, const void* p) {
                                                return static_cast<blk_bridge*>(ctx)->gpa_of(p);
                                              },
                                              nullptr}) != virtio_argo::result::ok) {
      fe_->fail("shadow ring set-up");
      return false;
    }
    const virtio_argo::split_ring& r = s->vq.ring();
    const vring_addr a{s->index, 0, reinterpret_cast<uintptr_t>(r.desc), reinterpret_cast<uintptr_t>(r.used),
                       reinterpret_cast<uintptr_t>(r.avail), 0};
    if (!fe_->set_vring_num(s->index, opt_.ring_size) || !fe_->set_vring_base(s->index, 0) ||
        !fe_->set_vring_addr(a) || !fe_->set_vring_kick(s->index, s->kick) || !fe_->set_vring_call(s->index, s->call))
      return false;
  }
  for (auto& s : sq_) {
    if (ring_states && !fe_->set_vring_enable(s->index, true)) return false;
    s->started = true;
  }
  active_ = true;
  return true;
}

// Reset: the requests are forgotten (the host forgets them too, virtio_device::reset), the
// back-end finishes what it holds, then stops every ring (GET_VRING_BASE). Waiting for the chains
// to come back keeps the back-end from completing into rings and eventfds we are about to hand
// it again (qemu-storage-daemon 7.2 panics when SET_VRING_CALL replaces the call eventfd of a
// request in flight); one that does not give them back within the reply time limit keeps them,
// and the next activation starts on fresh rings.
void blk_bridge::reset() {
  for (auto& s : sq_) {
    for (inflight* f : s->waiting) {
      if (f->buf != nullptr) buffers_->deallocate(f->buf, f->bytes, kBufferAlign);
      delete f;
    }
    s->waiting.clear();
    for (auto& slot : s->slots)
      if (slot.token != nullptr) static_cast<inflight*>(slot.token)->r = nullptr;
  }
  if (active_ && !dead_.load()) {
    drain();
    stop_queues();
  }
  active_ = false;
}

void blk_bridge::drain() {
  const auto end = std::chrono::steady_clock::now() + opt_.reply_timeout;
  for (;;) {
    bool busy = false;
    for (auto& s : sq_) {
      if (!s->started) continue;
      uint32_t len = 0;
      while (void* t = s->vq.get_used(len)) finish(static_cast<inflight*>(t), len);
      if (s->vq.broken()) return die("queue " + std::to_string(s->index) + ": the back-end's used ring names no outstanding chain");
      busy = busy || s->vq.outstanding() != 0;
    }
    if (!busy || dead_.load() || std::chrono::steady_clock::now() >= end) return;
    std::this_thread::sleep_for(std::chrono::microseconds(100));
  }
}

void blk_bridge::stop_queues() {
  for (auto& s : sq_) {
    if (!s->started) continue;
    uint32_t base = 0;
    if (!fe_->get_vring_base(s->index, base)) return die(fe_->error());
    s->started = false;
  }
}

void blk_bridge::fail_request(virtio_argo::device::request& r) {
  ++stats_.failed;
  if (r.writable().size() == 0) return r.complete(0);
  const uint8_t status = v::BLK_S_IOERR;
  r.writable().write(r.writable().size() - 1, &status, 1);
  r.complete(static_cast<uint32_t>(r.writable().size()));
}

void blk_bridge::process(virtio_argo::device::request& r) {
  ++stats_.requests;
  if (dead_.load() || !active_ || r.queue() >= sq_.size() || !sq_[r.queue()]->started) return fail_request(r);
  const uint64_t rd = r.readable().size(), wr = r.writable().size();
  auto* f = new inflight;
  f->r = &r;
  f->readable = static_cast<uint32_t>(rd);
  f->writable = static_cast<uint32_t>(wr);
  f->bytes = rd + wr;
  try {
    f->buf = static_cast<uint8_t*>(buffers_->allocate(f->bytes, kBufferAlign));
  } catch (const std::bad_alloc&) {
    delete f;
    return fail_request(r);
  }
  // The back-end reads a private copy; the writable part starts zeroed so nothing of an earlier
  // request can travel back if the back-end writes less than it reports (HMX-VTA-036).
  (void)r.readable().read(0, f->buf, rd);
  std::memset(f->buf + rd, 0, wr);
  if (rd >= v::BLK_REQ_HEADER) {
    const uint32_t type = virtio_argo::wire::load_le32(f->buf);
    if (type == v::BLK_T_OUT) ++stats_.writes, stats_.bytes_written += rd - v::BLK_REQ_HEADER;
    else if (type == v::BLK_T_IN && wr > 0) ++stats_.reads, stats_.bytes_read += wr - 1;
    else if (type == v::BLK_T_FLUSH) ++stats_.flushes;
  }
  shadow_queue& q = *sq_[r.queue()];
  if (!q.waiting.empty() || !submit(q, f)) q.waiting.push_back(f);
}

bool blk_bridge::submit(shadow_queue& q, inflight* f) {
  const split_virtqueue::buf out{f->buf, f->readable};
  const split_virtqueue::buf in{f->buf + f->readable, f->writable};
  const virtio_argo::result res =
      q.vq.add(&out, f->readable != 0 ? 1 : 0, &in, f->writable != 0 ? 1 : 0, f);
  if (res == virtio_argo::result::no_space) return false;
  if (res != virtio_argo::result::ok) {  // an empty request: nothing to offer
    if (f->r != nullptr) fail_request(*f->r);
    buffers_->deallocate(f->buf, f->bytes, kBufferAlign);
    delete f;
    return true;
  }
  q.kick_due = true;
  return true;
}

// The back-end's used element: `len` bytes written (virtio 1.2 2.7.8), clamped to what it was
// offered; only those bytes travel back.
void blk_bridge::finish(inflight* f, uint32_t len) {
  if (len > f->writable) {
    ++stats_.clamped_lengths;
    len = f->writable;
  }
  if (f->r != nullptr) {
    ++stats_.completed;
    if (len != 0) (void)f->r->writable().write(0, f->buf + f->readable, len);
    f->r->complete(len);
  }
  buffers_->deallocate(f->buf, f->bytes, kBufferAlign);
  delete f;
}

bool blk_bridge::pump() {
  if (dead_.load()) {
    if (failure_.empty()) die("the back-end closed its socket");
    return false;
  }
  for (auto& s : sq_) {
    if (!s->started) continue;
    uint32_t len = 0;
    while (void* t = s->vq.get_used(len)) finish(static_cast<inflight*>(t), len);
    if (s->vq.broken()) {
      die("queue " + std::to_string(s->index) + ": the back-end's used ring names no outstanding chain");
      return false;
    }
    while (!s->waiting.empty() && submit(*s, s->waiting.front())) s->waiting.pop_front();
    if (s->kick_due) {
      s->kick_due = false;
      if (s->vq.kick_prepare()) {
        const uint64_t one = 1;
        (void)!::write(s->kick, &one, sizeof one);
        ++stats_.kicks;
      }
    }
  }
  if (!fe_->ok()) {
    die(fe_->error());
    return false;
  }
  return true;
}

// The back-end is gone or broke a rule: every request it held and every one waiting fails with
// IOERR; nothing it did not complete is reported written. Its buffers are never reused (it may
// still be mapping them).
void blk_bridge::die(const std::string& why) {
  if (!failure_.empty()) return;
  failure_ = why;
  dead_ = true;
  fe_->fail(why);
  if (opt_.log) opt_.log("vhost-user back-end failed: " + why);
  for (auto& s : sq_) {
    for (inflight* f : s->waiting) {
      if (f->r != nullptr) fail_request(*f->r);
      delete f;
    }
    s->waiting.clear();
    for (auto& slot : s->slots) {
      if (slot.token == nullptr) continue;
      auto* f = static_cast<inflight*>(slot.token);
      if (f->r != nullptr) fail_request(*f->r);
      f->r = nullptr;
    }
  }
}

}  // namespace hmx::vhost_user
