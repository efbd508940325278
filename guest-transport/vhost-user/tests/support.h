// SPDX-License-Identifier: Apache-2.0
// Test support for the vhost-user front-end: a request the tests hand to the bridge as the
// virtio-argo host would (readable and writable bytes), a memory resource carving from the
// shared memory, virtio-blk request builders, and qemu-storage-daemon started with a time limit.
#pragma once

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <memory_resource>
#include <string>
#include <thread>
#include <vector>

#include "hmx/vhost_user/backend_process.h"
#include "hmx/vhost_user/blk_bridge.h"
#include "hmx/virtio_argo/device/virtio_device.h"
#include "hmx/virtio_argo/wire.h"

namespace hmx::vhost_user::test {

namespace v = virtio_argo::virtio;

class test_request final : public virtio_argo::device::request, private virtio_argo::device::request_sink {
 public:
  test_request(uint16_t queue, std::vector<uint8_t> readable, uint32_t writable)
      : rd_(std::move(readable)), wr_(writable, 0xee) {
    ri_ = {rd_.data(), rd_.size()};
    wi_ = {wr_.data(), wr_.size()};
    bind(this, queue, virtio_argo::device::sg_view({&ri_, 1}), virtio_argo::device::sg_view({&wi_, 1}));
  }
  bool done() const { return done_; }
  uint32_t written() const { return written_; }
  const std::vector<uint8_t>& out() const { return wr_; }
  uint8_t status() const { return wr_.empty() ? 0xff : wr_.back(); }

 private:
  void complete(virtio_argo::device::request&, uint32_t written) override {
    EXPECT_FALSE(done_) << "completed twice";
    done_ = true;
    written_ = written;
  }
  std::vector<uint8_t> rd_, wr_;
  iovec ri_{}, wi_{};
  bool done_ = false;
  uint32_t written_ = 0;
};

// virtio-blk request header (virtio 1.2 5.2.6) followed by `data`.
inline std::vector<uint8_t> blk_header(uint32_t type, uint64_t sector, const std::vector<uint8_t>& data = {}) {
  std::vector<uint8_t> b(v::BLK_REQ_HEADER + data.size(), 0);
  virtio_argo::wire::store_le32(b.data(), type);
  virtio_argo::wire::store_le64(b.data() + 8, sector);
  std::memcpy(b.data() + v::BLK_REQ_HEADER, data.data(), data.size());
  return b;
}

inline std::vector<uint8_t> pattern(size_t n, uint32_t seed) {
  std::vector<uint8_t> b(n);
  uint32_t x = seed * 2654435761u + 1;
  for (auto& c : b) {
    x ^= x << 13, x ^= x >> 17, x ^= x << 5;
    c = static_cast<uint8_t>(x);
  }
  return b;
}

// Pumps until `pred` holds or the time limit passes.
template <class P>
bool pump_until(blk_bridge& b, P pred, std::chrono::milliseconds limit = std::chrono::milliseconds(5000)) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    (void)b.pump();
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  return true;
}

// A scratch directory with a disk image and a socket path; removed at the end.
class scratch_dir {
 public:
  scratch_dir() {
    char t[] = "/tmp/hmx-vhost-XXXXXX";
    path_ = ::mkdtemp(t);
  }
  ~scratch_dir() { (void)std::system(("rm -rf '" + path_ + "'").c_str()); }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline bool have_program(const char* name) {
  return std::system((std::string("command -v ") + name + " >/dev/null 2>&1").c_str()) == 0;
}

// qemu-storage-daemon serving `image` (format raw or qcow2) over vhost-user-blk at `socket`.
inline std::string qsd_command(const std::string& image, const std::string& format, const std::string& socket,
                               unsigned queues) {
  const std::string file = "driver=file,node-name=file0,filename=" + image;
  const std::string fmt = format == "raw" ? "" : " --blockdev driver=" + format + ",node-name=fmt0,file=file0";
  const std::string node = format == "raw" ? "file0" : "fmt0";
  return "qemu-storage-daemon --blockdev " + file + fmt + " --export type=vhost-user-blk,id=exp0,node-name=" + node +
         ",addr.type=unix,addr.path=" + socket + ",writable=on,num-queues=" + std::to_string(queues);
}

}  // namespace hmx::vhost_user::test
