/* SPDX-License-Identifier: Apache-2.0 */
// Xen's public headers (Debian's libxen-dev), the only source of the Xen numbers and layouts the
// guest ABI serves (issue 11: the same headers the guests are written against).
#pragma once

#include <stdint.h>  // <xen/xen.h> uses the fixed-width types without including them

#ifndef __XEN_INTERFACE_VERSION__
#define __XEN_INTERFACE_VERSION__ 0x00040e00  // __XEN_LATEST_INTERFACE_VERSION__ of Xen 4.17's headers
#endif
#include <xen/xen.h>
#include <xen/argo.h>
#include <xen/event_channel.h>
#include <xen/features.h>
#include <xen/hvm/hvm_op.h>
// __XEN_TOOLS__: the numbers of the deprecated HVM params, which Xen still answers (EINVAL).
#define __XEN_TOOLS__ 1
#include <xen/hvm/params.h>
#undef __XEN_TOOLS__
#include <xen/memory.h>
#include <xen/sched.h>
#include <xen/version.h>
#include <xen/arch-x86/cpuid.h>

namespace hmx::xen::pub {

// XEN_EPERM, XEN_EINVAL...: pasted, so <cerrno>'s macros of the same names do not expand.
#define XEN_ERRNO(name, value) XEN_##name = value,
enum errno_value : int64_t {
#include <xen/errno.h>
};
#undef XEN_ERRNO

}  // namespace hmx::xen::pub
