// SPDX-License-Identifier: Apache-2.0
// libhmx's exposures (hmx/exposure.h) over the loopback conduit into the reference core: the typed
// calls, their batch entries, the contiguity check the library makes itself, and a hypervisor that
// does not offer EXPOSE.
#include <cstring>

#include "loopback_support.h"

namespace hmx::loopback {
namespace {

class ExposureLibTest : public LoopbackTest {
 protected:
  ExposureLibTest() { core.offer_exposures(true); }
};

// covers: HMX-XPOSE-014 HMX-XPOSE-015 HMX-XPOSE-031
TEST_F(ExposureLibTest, ExposeFetchDepositRevokeThroughTheLibrary) {
  bound_client a(alpha), b(beta);
  exposures xa(a.c, alpha.env), xb(b.c, beta.env);
  ASSERT_TRUE(xa.init_status().ok());
  ASSERT_TRUE(xb.init_status().ok());
  unsigned char* range = alpha.pages(2);
  const std::string data = pattern(8192, 5);
  std::memcpy(range, data.data(), data.size());
  const result<uint64_t> h = xa.expose(range, 8192, beta.id, HMX_EXPOSE_READ | HMX_EXPOSE_WRITE, 3);
  ASSERT_TRUE(h.ok()) << h.error().name();
  unsigned char* dst = beta.pages(2);
  const result<uint32_t> got = xb.fetch(alpha.id, *h, 4000, dst, 4192);
  ASSERT_TRUE(got.ok()) << got.error().name();
  EXPECT_EQ(*got, 4192u);
  EXPECT_EQ(std::memcmp(dst, data.data() + 4000, 4192), 0);
  std::memset(dst, 0x7c, 64);
  ASSERT_EQ(xb.deposit(alpha.id, *h, 10, dst, 64).value_or(0), 64u);
  EXPECT_EQ(range[10], 0x7c);
  EXPECT_EQ(range[74], static_cast<unsigned char>(data[74]));
  EXPECT_TRUE(xa.revoke(*h).ok());
  EXPECT_EQ(xb.fetch(alpha.id, *h, 0, dst, 16).error(), errc::noent);
  EXPECT_EQ(xa.revoke(*h).code(), -HMX_ENOENT);
}

// covers: HMX-XPOSE-030
TEST_F(ExposureLibTest, CopiesRideABatch) {
  bound_client a(alpha), b(beta);
  exposures xa(a.c, alpha.env), xb(b.c, beta.env);
  unsigned char* range = alpha.pages(1);
  for (int i = 0; i < 4096; ++i) range[i] = static_cast<unsigned char>(i * 7);
  const result<uint64_t> h = xa.expose(range, 4096, beta.id, HMX_EXPOSE_READ, 4);
  ASSERT_TRUE(h.ok());
  unsigned char* dst = beta.pages(1);
  batch_t bt(beta.env);
  for (uint32_t k = 0; k < 4; ++k) ASSERT_TRUE(xb.add_fetch(bt, alpha.id, *h, k * 1024, dst + k * 1024, 1024).ok());
  const result<uint32_t> ran = b->run(bt);
  ASSERT_TRUE(ran.ok());
  EXPECT_EQ(*ran, 4u);
  for (uint32_t k = 0; k < 4; ++k) EXPECT_EQ(bt.entry_result(k), 1024);
  EXPECT_EQ(std::memcmp(dst, range, 4096), 0);
  xb.clear_batch_args();
  EXPECT_EQ(xa.revoke(*h).code(), -HMX_ENOENT);  // its four uses are spent
}

TEST_F(ExposureLibTest, WithoutTheFeatureTheCallsAnswerEopnotsupp) {
  core.offer_exposures(false);
  bound_client a(alpha);
  exposures xa(a.c, alpha.env);
  EXPECT_FALSE(exposures_offered(core.features()));
  EXPECT_EQ(xa.expose(alpha.pages(1), 64, beta.id, HMX_EXPOSE_READ).error(), errc::opnotsupp);
}

TEST_F(ExposureLibTest, AScatteredBufferIsRefusedBeforeAnyCall) {
  // A guest view whose pages are swapped in pairs: two virtually adjacent pages are not
  // guest-physically adjacent, and the hypervisor copies one guest-physical range.
  aliased_memory m(64, 8);
  ASSERT_EQ(core.create_domain(9, "scattered", m, 1, alpha.notifier), 0);
  auto env = m.env();
  loopback_conduit<core_call> conduit(core_call{&core, 9, 0});
  client<loopback_conduit<core_call>, aliased_memory::env_t> c(conduit, env);
  exposures x(c, env);
  ASSERT_TRUE(x.init_status().ok());
  const uint64_t calls = core.stats().calls;
  EXPECT_EQ(x.expose(m.virt() + 16 * 4096 + 100, 4096, alpha.id, HMX_EXPOSE_READ).error(), errc::fault);
  EXPECT_EQ(core.stats().calls, calls);
  EXPECT_TRUE(x.expose(m.virt() + 16 * 4096, 4096, alpha.id, HMX_EXPOSE_READ).ok());
  core.destroy_domain(9);
}

}  // namespace
}  // namespace hmx::loopback
