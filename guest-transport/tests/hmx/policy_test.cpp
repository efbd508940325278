// SPDX-License-Identifier: Apache-2.0
// The MAC policy decides who reaches the device: a domain without rules gets no bus ring from
// the device domain and cannot register or send towards it (default deny, docs/ARCHITECTURE.md decision 9).
#include "support/over_core.h"

namespace hmx::virtio_argo::overcore {
namespace {

// covers: HMX-VTA-042 HMX-VTA-043 HMX-VTA-046 HMX-VTA-047 HMX-VTA-048
TEST_F(OverCore, PolicyKeepsAnUnlistedDomainAwayFromTheDevice) {
  auto intruder = driver(kIntruder, "intruder");
  auto drv = driver(kDrv, "drv");
  auto svc = start(1);  // the domains exist: the service tries their bus rings at once
  // Its bus ring (partner: the device domain) is refused: REGISTER_SINGLE_SOURCE.
  EXPECT_EQ(intruder->open_bus(kDevice), hmx::errc::acces);
  // A send to the device domain's bus aport is refused as well: SEND.
  auto* hello = static_cast<char*>(intruder->alloc(64));
  const hmx::result<uint32_t> r =
      intruder->domain().client().send(hmx::make_addr(VTA_BUS_APORT, kDevice), hello, 16, VTA_MESSAGE_TYPE);
  EXPECT_EQ(r.error(), hmx::errc::acces);
  // The device domain served the two allowed drivers and was refused the intruder's bus ring.
  const auto st = stats_when(*svc, [](const auto& s) { return s.drivers_served + s.drivers_refused == 2; });
  EXPECT_EQ(st.drivers_served, 1u);  // drv (drv2 does not exist)
  EXPECT_EQ(st.drivers_refused, 1u);
  EXPECT_TRUE(log.contains("not serving domain 3: bus ring refused: EACCES"));
  EXPECT_FALSE(core.ring_info(kDevice, VTA_BUS_APORT, kIntruder).has_value());
  EXPECT_GE(core.stats().denials, 3u);  // the service's bus ring, the intruder's ring, its send
  // The allowed driver is unaffected.
  bring_up(*drv, 1, 16);
}

}  // namespace
}  // namespace hmx::virtio_argo::overcore
