// SPDX-License-Identifier: Apache-2.0
// --uml NAME=KERNEL,initrd=FILE[,mem=SIZE][,arg=WORD]...: one User-Mode Linux guest.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace hmx::hostd {

struct guest_spec {
  std::string name;
  std::string kernel;              // the UML kernel binary (build/linux/<version>/um/linux)
  std::string initrd;              // the initramfs
  std::string mem = "256M";        // UML's mem= (K/M/G suffix)
  std::vector<std::string> args;   // extra kernel command-line words
};

// Throws std::invalid_argument naming the bad part.
guest_spec parse_guest_spec(std::string_view spec);

}  // namespace hmx::hostd
