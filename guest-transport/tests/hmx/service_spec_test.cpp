// SPDX-License-Identifier: Apache-2.0
// hmx-kvm's --service NAME=virtio-blk,file=PATH[,...] and NAME=vhost-user-blk,socket=PATH[,...] (service_set.h).
#include <gtest/gtest.h>

#include <stdexcept>

#include "hmx/virtio_argo/service/service_set.h"

namespace hmx::virtio_argo::service {
namespace {

TEST(ServiceSpec, ParsesEveryOption) {
  const service_spec s = parse_service_spec("vta-blk=virtio-blk,file=/tmp/d.img,queues=2,queue-size=128,die-after=21,mem=32M");
  EXPECT_EQ(s.name, "vta-blk");
  EXPECT_EQ(s.kind, "virtio-blk");
  EXPECT_EQ(s.file, "/tmp/d.img");
  EXPECT_EQ(s.queues, 2);
  EXPECT_EQ(s.queue_size, 128);
  EXPECT_EQ(s.die_after, 21u);
  EXPECT_EQ(s.memory_bytes, 32ull << 20);
  const service_spec d = parse_service_spec("disk=virtio-blk,file=x");
  EXPECT_EQ(d.queues, 1);
  EXPECT_EQ(d.die_after, 0u);
}

TEST(ServiceSpec, RejectsWhatItCannotServe) {
  for (const char* bad : {"", "=virtio-blk,file=x", "a", "a=virtio-net,file=x", "a=virtio-blk", "a=virtio-blk,file=",
                          "a=virtio-blk,file=x,queues=0", "a=virtio-blk,file=x,queues=two", "a=virtio-blk,file=x,frob=1",
                          "a=virtio-blk,file=x,queue-size=100", "a b=virtio-blk,file=x", "a=virtio-blk,file=x,mem=1M"})
    EXPECT_THROW(parse_service_spec(bad), std::invalid_argument) << bad;
}

TEST(ServiceSpec, VhostUserBlkTakesASocketAndACommandWithCommas) {
  const service_spec s = parse_service_spec(
      "disk=vhost-user-blk,socket=/tmp/q.sock,queues=2,exec=qemu-storage-daemon --blockdev driver=file,node-name=f,"
      "filename=/tmp/d.img --export type=vhost-user-blk,id=e,node-name=f,addr.type=unix,addr.path=/tmp/q.sock");
  EXPECT_EQ(s.kind, "vhost-user-blk");
  EXPECT_EQ(s.socket, "/tmp/q.sock");
  EXPECT_EQ(s.queues, 2);
  EXPECT_EQ(s.exec,
            "qemu-storage-daemon --blockdev driver=file,node-name=f,filename=/tmp/d.img --export "
            "type=vhost-user-blk,id=e,node-name=f,addr.type=unix,addr.path=/tmp/q.sock");
  EXPECT_TRUE(s.file.empty());
  EXPECT_TRUE(parse_service_spec("d=vhost-user-blk,socket=/s").exec.empty());
  for (const char* bad : {"d=vhost-user-blk", "d=vhost-user-blk,exec=x", "d=vhost-user-blk,socket=/s,file=x",
                          "d=vhost-user-blk,socket=/s,die-after=3", "d=vhost-user-blk,socket=/s,exec=",
                          "d=virtio-blk,file=x,socket=/s", "d=virtio-blk,file=x,exec=y"})
    EXPECT_THROW(parse_service_spec(bad), std::invalid_argument) << bad;
}

}  // namespace
}  // namespace hmx::virtio_argo::service
