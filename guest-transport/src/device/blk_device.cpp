// SPDX-License-Identifier: Apache-2.0
#include "hmx/virtio_argo/device/blk_device.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "hmx/virtio_argo/wire.h"

namespace hmx::virtio_argo::device {

namespace v = virtio;

std::unique_ptr<blk_device> blk_device::open(const blk_options& options, result& error) {
  if (options.num_queues == 0 || options.queue_size == 0 || (options.queue_size & (options.queue_size - 1)) != 0 ||
      options.serial.size() > v::BLK_ID_BYTES) {
    error = result::invalid;
    return nullptr;
  }
  const int fd = ::open(options.path.c_str(), (options.read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC);
  if (fd < 0) {
    error = result::no_device;
    return nullptr;
  }
  struct stat st{};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    error = result::io;
    return nullptr;
  }
  const uint64_t capacity = options.capacity_sectors != 0 ? options.capacity_sectors
                                                          : static_cast<uint64_t>(st.st_size) / v::BLK_SECTOR_SIZE;
  error = result::ok;
  return std::unique_ptr<blk_device>(new blk_device(options, fd, capacity));
}

blk_device::blk_device(const blk_options& options, int fd, uint64_t capacity)
    : opt_(options), fd_(fd), capacity_(capacity) {}

blk_device::~blk_device() { ::close(fd_); }

uint64_t blk_device::device_features() const {
  uint64_t f = v::bit(v::BLK_F_BLK_SIZE) | v::bit(v::BLK_F_FLUSH);
  if (opt_.read_only) f |= v::bit(v::BLK_F_RO);
  if (opt_.num_queues > 1) f |= v::bit(v::BLK_F_MQ);
  return f;
}

void blk_device::read_config(uint32_t offset, void* dst, uint32_t len) const {
  uint8_t cfg[v::BLK_CFG_SIZE] = {};
  wire::store_le64(cfg + v::BLK_CFG_CAPACITY, capacity_);
  wire::store_le32(cfg + v::BLK_CFG_BLK_SIZE, v::BLK_SECTOR_SIZE);
  wire::store_le16(cfg + v::BLK_CFG_NUM_QUEUES, opt_.num_queues);
  std::memcpy(dst, cfg + offset, len);  // device_core bounded offset + len by config_size()
}

void blk_device::resize(uint64_t sectors) {
  capacity_ = sectors;
  notify_config_changed();
}

// 5.2.6: header {le32 type, le32 reserved, le64 sector} readable; data; status byte last and
// writable. The used length covers the whole writable part, status included.
void blk_device::process(request& r) {
  const uint8_t status = serve(r);
  if (r.writable().size() == 0) return r.complete(0);  // nowhere to put a status: nothing written
  const uint64_t status_at = r.writable().size() - 1;
  r.writable().write(status_at, &status, 1);
  if (status != v::BLK_S_OK) ++stats_.errors;
  r.complete(static_cast<uint32_t>(r.writable().size()));
}

uint8_t blk_device::serve(request& r) {
  const sg_view& in = r.readable();
  const sg_view& out = r.writable();
  uint8_t hdr[v::BLK_REQ_HEADER];
  if (in.size() < v::BLK_REQ_HEADER || out.size() < 1 || in.read(0, hdr, sizeof hdr) != sizeof hdr)
    return v::BLK_S_IOERR;
  const uint32_t type = wire::load_le32(hdr);
  const uint64_t sector = wire::load_le64(hdr + 8);
  std::vector<iovec> iov(out.segments().size() + in.segments().size() + 1);

  // Checks [sector, sector + bytes / 512) against the capacity without overflow.
  auto in_range = [&](uint64_t bytes) {
    if (bytes % v::BLK_SECTOR_SIZE != 0) return false;
    const uint64_t n = bytes / v::BLK_SECTOR_SIZE;
    return sector <= capacity_ && n <= capacity_ - sector;
  };

  switch (type) {
    case v::BLK_T_IN: {
      const uint64_t len = out.size() - 1;
      if (!in_range(len)) return v::BLK_S_IOERR;
      const size_t n = out.slice(0, len, iov);
      if (len != 0 && n == 0) return v::BLK_S_IOERR;
      const ssize_t got = len != 0 ? ::preadv(fd_, iov.data(), static_cast<int>(n), static_cast<off_t>(sector * 512)) : 0;
      if (got < 0 || static_cast<uint64_t>(got) != len) return v::BLK_S_IOERR;
      ++stats_.reads;
      stats_.bytes_read += len;
      return v::BLK_S_OK;
    }
    case v::BLK_T_OUT: {
      const uint64_t len = in.size() - v::BLK_REQ_HEADER;
      if (opt_.read_only || !in_range(len)) return v::BLK_S_IOERR;
      const size_t n = in.slice(v::BLK_REQ_HEADER, len, iov);
      if (len != 0 && n == 0) return v::BLK_S_IOERR;
      const ssize_t put = len != 0 ? ::pwritev(fd_, iov.data(), static_cast<int>(n), static_cast<off_t>(sector * 512)) : 0;
      if (put < 0 || static_cast<uint64_t>(put) != len) return v::BLK_S_IOERR;
      ++stats_.writes;
      stats_.bytes_written += len;
      return v::BLK_S_OK;
    }
    case v::BLK_T_FLUSH:
      if ((negotiated_ & v::bit(v::BLK_F_FLUSH)) == 0) break;
      ++stats_.flushes;
      return ::fdatasync(fd_) == 0 ? v::BLK_S_OK : v::BLK_S_IOERR;
    case v::BLK_T_GET_ID: {
      if (out.size() < v::BLK_ID_BYTES + 1) return v::BLK_S_IOERR;
      char id[v::BLK_ID_BYTES] = {};
      std::memcpy(id, opt_.serial.data(), opt_.serial.size());
      out.write(0, id, sizeof id);
      ++stats_.get_ids;
      return v::BLK_S_OK;
    }
    default:
      break;
  }
  ++stats_.unsupported;
  return v::BLK_S_UNSUPP;
}

}  // namespace hmx::virtio_argo::device
