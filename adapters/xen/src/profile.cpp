// SPDX-License-Identifier: Apache-2.0
// The Xen profile (profile.h). Sources: Xen 4.17 as Debian ships it (xen/common/argo.c, the
// x86 and Arm guest_access.h), read beside the runs that observed each entry.
#include "hmx/xen/profile.h"

namespace hmx::xen {

namespace {

constexpr deviation kXen[] = {
    {"HMX-MECH-019", "mech_xen", "sendv to an aport without a ring: result register",
     "sendv returns the errors it finds from the destination ring on (ECONNREFUSED, the iovs' EINVAL and "
     "EMSGSIZE, EAGAIN, a buffer's EFAULT, ENOMEM) as a 32-bit value zero-extended into the 64-bit result "
     "register: -ECONNREFUSED arrives as 0xffffff91; errors found before the lookup arrive sign-extended",
     "xen/common/argo.c sendv() ends with `return (ret < 0) ? ret : len;`: ret is int and len unsigned int, so "
     "the conditional has type unsigned int; a guest that keeps the result in an int (Linux's Argo driver) "
     "never notices. libhmx's xen_conduit sign-extends sendv results (conduit/xen.h)",
     "x86_64 arm64"},
    {"HMX-MECH-008", "call_error_order", "register_ring rows 2/3: frame list not in RAM before bad flags",
     "register_ring checks its flags before it reads the frame list: invalid flags give EINVAL even when the "
     "frame list cannot be read",
     "do_argo_op() checks the frame list early with guest_handle_okay(), which is always true for HVM, PVH "
     "(paging_mode_external) and Arm guests; the list is first read in register_ring(), after the flags. A PV "
     "guest gets EFAULT first, as the spec's order has it",
     "x86_64 arm64"},
    {"HMX-MAC-010", "mac_register_hooks", "wildcard ring without an allowing rule",
     "with argo=1,mac-permissive=1 every domain may register rings whose partner is DOMID_ANY; there is no "
     "per-domain rule",
     "mac-permissive is a host-wide boot switch (docs/misc/xen-command-line.pandoc, argo) and the dummy XSM "
     "allows any-source registration; the Arm run needs it for the peer agent's wildcard command ring. The x86 "
     "run, with no peer, boots without it, and there Xen refuses the wildcard ring with EPERM, HMX's code",
     "arm64"},
    {"HMX-MAC-001", "mac_register_hooks", "wildcard ring without an allowing rule",
     "the any-source check lets the registration through (see HMX-MAC-010)",
     "mac-permissive=1 (see HMX-MAC-010)", "arm64"},
    {"HMX-RING-032", "register_ring_reregister", "after 4 re-registrations, ring",
     "each successful re-registration of an existing ring counts again towards MAX_RINGS_PER_DOMAIN (128), "
     "and unregistering gives back one: the domain loses a ring slot per re-registration",
     "xen/common/argo.c register_ring() increments ring_count (and adds another send_info on the partner) "
     "whether the ring was new or already registered",
     "x86_64 arm64"},
    {"HMX-RING-007", "register_ring_einval", "the ring still takes messages after a failed re-registration",
     "a re-registration that fails on a bad frame removes the registered ring: sendv to it then fails with "
     "ECONNREFUSED",
     "xen/common/argo.c register_ring() calls ring_remove_info() on the ring it looked up, existing or new, "
     "when find_ring_mfns() fails",
     "x86_64 arm64"},
};

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

}  // namespace

std::span<const deviation> xen_profile() { return kXen; }

const deviation* explain_failure(std::span<const deviation> profile, std::string_view test,
                                 std::string_view requirement, std::string_view check_requirement,
                                 std::string_view message) {
  if (check_requirement != requirement && check_requirement != "*") return nullptr;
  for (const deviation& d : profile)
    if (d.requirement == requirement && d.test == test && !d.check.empty() && starts_with(message, d.check)) return &d;
  return nullptr;
}

}  // namespace hmx::xen
