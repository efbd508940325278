/* SPDX-License-Identifier: Apache-2.0 */
// virtio-console (virtio 1.2 5.3), one port, no MULTIPORT, wired as a loopback: bytes the
// driver transmits on transmitq0 are captured (output()) and, in echo mode, come back on
// receiveq0. Receive buffers wait at the device until there is data, so this device exercises
// what the block device does not: requests completed later and out of order, holding credits
// meanwhile (HMX-VTA-023). VIRTIO_CONSOLE_F_SIZE and F_EMERG_WRITE give a config change and a
// config write to test. Hosted; host thread only.
#pragma once

#include <cstdint>
#include <deque>
#include <string>

#include "hmx/virtio_argo/device/virtio_device.h"

namespace hmx::virtio_argo::device {

class console_device final : public virtio_device {
 public:
  explicit console_device(bool echo = true, uint16_t queue_size = 64);

  uint32_t device_id() const override { return virtio::ID_CONSOLE; }
  uint64_t device_features() const override;
  uint16_t num_queues() const override { return 2; }
  uint16_t max_queue_size(uint16_t) const override { return queue_size_; }
  uint32_t config_size() const override { return virtio::CONSOLE_CFG_SIZE; }
  void read_config(uint32_t offset, void* dst, uint32_t len) const override;
  bool write_config(uint32_t offset, const void* src, uint32_t len) override;
  void process(request& r) override;
  void reset() override;
  void reset_queue(uint16_t queue) override;

  void input(const std::string& bytes);  // host-side input towards the driver
  void set_size(uint16_t cols, uint16_t rows);
  const std::string& output() const { return output_; }     // what the driver transmitted
  const std::string& emergency() const { return emerg_; }   // emerg_wr characters
  size_t waiting_rx() const { return rx_.size(); }

 private:
  void feed();

  bool echo_;
  uint16_t queue_size_;
  uint16_t cols_ = 80;
  uint16_t rows_ = 25;
  std::deque<request*> rx_;  // receive buffers waiting for data
  std::string pending_;      // data waiting for receive buffers
  std::string output_;
  std::string emerg_;
};

}  // namespace hmx::virtio_argo::device
