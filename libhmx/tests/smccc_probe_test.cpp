// SPDX-License-Identifier: MIT
// hmx::probe_smccc() (spec `smccc`; Arm DEN0028 (SMCCC)) over a fake SMCCC responder, on the host: the
// probe is plain C++ over the environment's smccc() primitive.
#include <map>

#include "test_support.h"

namespace hmx {
namespace {

constexpr uint64_t kNotSupported = ~uint64_t{0};

// A fake EL2: answers PSCI_FEATURES, SMCCC_VERSION and HMX's functions.
struct fake_el2 {
  uint64_t psci_features_smccc = 0;  // PSCI_FEATURES(SMCCC_VERSION)
  uint64_t smccc_version = 0x10002;  // v1.2
  uint32_t uid[4] = {HMX_SMCCC_UID_W0, HMX_SMCCC_UID_W1, HMX_SMCCC_UID_W2, HMX_SMCCC_UID_W3};
  uint64_t version = HMX_VERSION;
  uint64_t revision[2] = {HMX_SMCCC_REVISION_MAJOR, HMX_SMCCC_REVISION_MINOR};
  // FEATURES result registers X0..X3: status, mechanisms, features, max batch.
  uint64_t features[4] = {0, HMX_MECH_ARM_SMCCC_HVC_BIT | HMX_MECH_ARM_PPI_BIT,
                          HMX_FEATURE_BATCH_BIT | HMX_FEATURE_VECTOR_BIT, 64};
  uint64_t vcpu_index = 1;
  uint64_t domain_id = 9;
  bool features_supported = true;
  std::vector<uint32_t> fns;
  uint64_t call_gpa = 0;
  uint64_t call_x0 = 0;

  static void hook(void* ctx, smccc_regs& r) {
    auto* s = static_cast<fake_el2*>(ctx);
    const auto fn = static_cast<uint32_t>(r.x[0]);
    s->fns.push_back(fn);
    smccc_regs out;
    switch (fn) {
      case 0x8400000Au: out.x[0] = r.x[1] == 0x80000000u ? s->psci_features_smccc : kNotSupported; break;
      case 0x80000000u: out.x[0] = s->smccc_version; break;
      case HMX_SMCCC_FN_CALL_UID:
        for (int i = 0; i < 4; ++i) out.x[i] = s->uid[i];
        break;
      case HMX_SMCCC_FN_REVISION:
        out.x[0] = s->revision[0];
        out.x[1] = s->revision[1];
        break;
      case HMX_SMCCC_FN_VERSION:
        out.x[0] = s->version;
        out.x[1] = s->vcpu_index;
        out.x[2] = s->domain_id;
        break;
      case HMX_SMCCC_FN_FEATURES:
        if (!s->features_supported) {
          out.x[0] = kNotSupported;
          break;
        }
        for (int i = 0; i < 4; ++i) out.x[i] = s->features[i];
        out.x[4] = 0x5a5a;  // beyond X3: never read (SMCCC v1.1 results are X0..X3)
        break;
      case HMX_SMCCC_FN_CALL:
        s->call_gpa = r.x[1];
        out.x[0] = s->call_x0;
        break;
      default: out.x[0] = kNotSupported;
    }
    r = out;
  }
};

struct smccc_test : ::testing::Test {
  test::test_env t;
  fake_el2 el2;
  void SetUp() override { t.env.set_smccc_hook(&fake_el2::hook, &el2); }
};

// covers: HMX-LIB-019 HMX-LIB-020
TEST_F(smccc_test, FindsHmxThroughVersionUidAndFeatures) {
  const probe_result p = probe_smccc(t.env);
  ASSERT_TRUE(p.hmx_present()) << describe(p.hmx_status);
  EXPECT_EQ(p.arch, arch_kind::aarch64);
  EXPECT_EQ(p.smccc_version, 0x10002u);
  EXPECT_EQ(p.version_major, HMX_VERSION_MAJOR);
  EXPECT_EQ(p.version_minor, HMX_VERSION_MINOR);
  EXPECT_TRUE(p.has_mechanism(HMX_MECH_ARM_SMCCC_HVC));
  EXPECT_TRUE(p.has_mechanism(HMX_MECH_ARM_PPI));
  EXPECT_TRUE(p.has_feature(HMX_FEATURE_VECTOR));
  EXPECT_EQ(p.max_batch, 64u);
  EXPECT_EQ(p.domain_id, 9);
  EXPECT_EQ(p.vcpu_index, 1u);
  // In this order: PSCI_FEATURES, SMCCC_VERSION, HMX's CALL_UID and REVISION (never the vendor
  // service's own Call UID 0x8600FF01), then VERSION and FEATURES.
  const std::vector<uint32_t> expect = {0x8400000Au, 0x80000000u, HMX_SMCCC_FN_CALL_UID, HMX_SMCCC_FN_REVISION,
                                        HMX_SMCCC_FN_VERSION, HMX_SMCCC_FN_FEATURES};
  EXPECT_EQ(el2.fns, expect);
}

// covers: HMX-LIB-019 HMX-LIB-020
TEST_F(smccc_test, NoSmcccVersionMeansAbsent) {
  el2.smccc_version = kNotSupported;  // SMCCC v1.0 has no SMCCC_VERSION
  const probe_result p = probe_smccc(t.env);
  EXPECT_EQ(p.hmx_status, probe_status::smccc_absent);
  EXPECT_FALSE(p.present());
  EXPECT_EQ(el2.fns.size(), 2u);
}

// covers: HMX-LIB-019 HMX-LIB-020
TEST_F(smccc_test, PsciWithoutSmcccVersionStopsBeforeIt) {
  el2.psci_features_smccc = kNotSupported;  // e.g. PSCI emulated with no EL2 behind it
  EXPECT_EQ(probe_smccc(t.env).hmx_status, probe_status::smccc_absent);
  EXPECT_EQ(el2.fns, std::vector<uint32_t>{0x8400000Au});
}

// covers: HMX-LIB-019 HMX-LIB-020
TEST_F(smccc_test, SmcccOnePointZeroIsTooOld) {
  el2.smccc_version = 0x10000;
  EXPECT_EQ(probe_smccc(t.env).hmx_status, probe_status::smccc_absent);
}

// covers: HMX-LIB-019 HMX-LIB-020 HMX-LIB-006
TEST_F(smccc_test, AnotherVendorsUidIsNotHmx) {
  // KVM's vendor hypervisor UID (Linux include/linux/arm-smccc.h (KVM vendor hypervisor service)).
  const uint32_t kvm[4] = {0xb66fb428, 0xe911c52e, 0x564bcaa9, 0x743a004d};
  std::copy(kvm, kvm + 4, el2.uid);
  const probe_result p = probe_smccc(t.env);
  EXPECT_EQ(p.hmx_status, probe_status::uid_mismatch);
  EXPECT_EQ(el2.fns.size(), 3u);  // never calls HMX's other function ids
}

// covers: HMX-LIB-019 HMX-LIB-020
TEST_F(smccc_test, OtherServiceRevisionMajorStopsBeforeHmxFunctionIds) {
  el2.revision[0] = HMX_SMCCC_REVISION_MAJOR + 1;
  EXPECT_EQ(probe_smccc(t.env).hmx_status, probe_status::revision_mismatch);
  EXPECT_EQ(el2.fns.size(), 4u);
  el2.fns.clear();
  el2.revision[0] = kNotSupported;
  EXPECT_EQ(probe_smccc(t.env).hmx_status, probe_status::revision_mismatch);
}

// covers: HMX-LIB-019 HMX-LIB-020
TEST_F(smccc_test, UnknownCallUidIsNotHmx) {
  el2.uid[0] = 0xFFFFFFFF;
  EXPECT_EQ(probe_smccc(t.env).hmx_status, probe_status::uid_mismatch);
}

TEST_F(smccc_test, FeaturesNotSupportedIsAFailureNotABitmap) {
  el2.features_supported = false;
  EXPECT_EQ(probe_smccc(t.env).hmx_status, probe_status::smccc_failed);
}

// covers: HMX-LIB-008
TEST_F(smccc_test, OtherMajorVersionIsNotPresent) {
  el2.version = (HMX_VERSION_MAJOR + 1) << 16;
  EXPECT_EQ(probe_smccc(t.env).hmx_status, probe_status::version_mismatch);
}

TEST_F(smccc_test, NoHypervisorAtAllIsAbsent) {
  t.env.set_smccc_hook(nullptr, nullptr);  // host env answers NOT_SUPPORTED to everything
  EXPECT_EQ(probe_smccc(t.env).hmx_status, probe_status::smccc_absent);
}

TEST_F(smccc_test, ConduitPutsFunctionIdInX0AndCallBlockInX1) {
  smccc_conduit c(t.env);
  EXPECT_TRUE(c.invoke(0x1230).ok());
  EXPECT_EQ(el2.fns.back(), HMX_SMCCC_FN_CALL);
  EXPECT_EQ(el2.call_gpa, 0x1230u);
  el2.call_x0 = kNotSupported;
  EXPECT_EQ(c.invoke(0x1240), errc::nosys);
  el2.call_x0 = static_cast<uint64_t>(-3);  // INVALID_PARAMETER
  EXPECT_EQ(c.invoke(0x1250), errc::inval);
}

}  // namespace
}  // namespace hmx
