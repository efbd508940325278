// SPDX-License-Identifier: Apache-2.0
// argo_op (hypercall 39) onto the reference core (docs/ARCHITECTURE.md decision 1: the core's
// operations, numbers and errors are Argo's; this is a conduit swap), with Xen's own encoding of
// sendv's late errors (adapters/xen profile.h, HMX-MECH-017 HMX-MECH-018 HMX-MECH-019 HMX-MECH-020).
#include "hmx/xen/guest_abi.h"
#include "xen_public.h"

namespace hmx::xen {

namespace {

using namespace pub;

// Xen 4.17 argo.c sendv() ends `return (ret < 0) ? ret : len;` with `int ret` and `unsigned int
// len`: every error found once the destination domain is known (no Argo on either side, no
// matching ring, the iov checks, a full ring) leaves the hypercall zero-extended from 32 bits.
// The earlier ones (padding, a foreign source, no such domain, the XSM/MAC denial) and those of
// do_argo_op's own checks keep their sign.
bool sendv_error_is_zero_extended(int64_t rc) {
  switch (rc) {
    case -XEN_ENODEV:
    case -XEN_ECONNREFUSED:
    case -XEN_EMSGSIZE:
    case -XEN_EAGAIN:
      return true;
    default:
      return false;
  }
}

}  // namespace

int64_t guest_domain::argo_op(uint32_t vcpu, const hypercall_args& a) {
  const uint64_t cmd = a.arg[0];
  if (cmd >> 32) return -XEN_EOPNOTSUPP;  // do_argo_op takes `unsigned int cmd`: no such op
  // Xen's register_ring refuses flags beyond XEN_ARGO_REGISTER_FLAG_FAIL_EXIST, its only one (argo.c register_ring,
  // after do_argo_op's width and page-count checks, which give EINVAL too): HMX's additive flags
  // (NOTIFY_VCPU) are for guests that found HMX's RING_VCPU feature, which a Xen guest cannot.
  if (cmd == XEN_ARGO_OP_register_ring && (a.arg[4] >> 32) == 0 && (a.arg[4] & ~uint64_t{XEN_ARGO_REGISTER_FLAG_FAIL_EXIST}))
    return -XEN_EINVAL;
  int64_t rc = core_.argo_op(id_, vcpu, uint32_t(cmd), a.arg[1], a.arg[2], a.arg[3], a.arg[4]);
  if (cmd == XEN_ARGO_OP_sendv && rc < 0 && sendv_error_is_zero_extended(rc)) rc = int64_t(uint32_t(rc));
  return rc;
}

}  // namespace hmx::xen
