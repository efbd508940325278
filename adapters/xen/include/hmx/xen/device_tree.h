/* SPDX-License-Identifier: Apache-2.0 */
// The device tree that boots Xen/Arm with domUs and no dom0 ("dom0less", Xen
// docs/misc/arm/device-tree/booting.txt and docs/features/dom0less.pandoc).
//
// The machine part comes from QEMU itself (`-machine dumpdtb=`), so it always matches the QEMU
// that runs it; dtc (Debian device-tree-compiler) turns it into source, the dom0less part is
// appended (dtc merges a second `/ { ... };` into the first) and dtc compiles the whole.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace hmx::xen {

// One domU: a `compatible = "xen,domain"` node under /chosen with its kernel as a boot module.
struct dom0less_domain {
  std::string node_name;        // DT node name: letters, digits and ,._+- only
  uint64_t module_address = 0;  // where the image was loaded (QEMU -device loader)
  uint64_t module_size = 0;
  uint32_t memory_kib = 64 * 1024;
  uint32_t vcpus = 1;
  bool vpl011 = true;  // an emulated PL011 at GUEST_PL011_BASE, printed on Xen's console
  // `xen,enhanced = "no-xenstore"`: Xen writes a /hypervisor node (`compatible = "xen,xen"`,
  // the event channel PPI) into the domU's tree, how a guest finds Xen on Arm; "enabled" would
  // need xenstore and so a dom0 (xen/arch/arm/domain_build.c construct_domU).
  bool hypervisor_node = true;
  std::string bootargs;  // the domU's /chosen/bootargs
};

// The DTS text merged into QEMU's tree: /chosen gets xen,xen-bootargs and one node per domain.
// Throws std::invalid_argument for a node name DT does not allow or a domain without a module.
std::string dom0less_fragment(const std::string& xen_bootargs, const std::vector<dom0less_domain>& domains);

// A DTS string literal: quotes and backslashes escaped.
std::string dts_string(const std::string& s);

// Where the images go: from `base`, each aligned up to `align`, in order; returns the addresses.
// Throws std::invalid_argument when they do not fit below `limit`.
std::vector<uint64_t> place_modules(const std::vector<uint64_t>& sizes, uint64_t base, uint64_t limit,
                                    uint64_t align = uint64_t{2} << 20);

// Runs `qemu_argv` with -machine dumpdtb=, decompiles it with `dtc`, appends `fragment`, compiles
// it to `out_dtb`. The DTS is kept beside it (out_dtb + ".dts"). Throws std::runtime_error with
// the tool's output when a step fails.
void build_dom0less_dtb(const std::vector<std::string>& qemu_argv, const std::string& dtc,
                        const std::string& fragment, const std::string& out_dtb);

}  // namespace hmx::xen
