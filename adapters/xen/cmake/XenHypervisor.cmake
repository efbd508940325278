# SPDX-License-Identifier: Apache-2.0
# Xen's hypervisor with Argo, built from Debian's `xen` source package (xen-from-debian.sh).
#
#   hmx-xen-source   private apt configuration with deb-src entries under ${HMX_XEN_ROOT}/apt,
#                    picks and unpacks the newest downloadable source version (once per version)
#   hmx-xen-x86_64   ${HMX_XEN_X86_64}: the x86_64 hypervisor (multiboot ELF for QEMU -kernel)
#   hmx-xen-arm64    ${HMX_XEN_ARM64}: the arm64 hypervisor, when the cross compiler is there
#
# Each build lives in ${HMX_XEN_ROOT}/<source version>/build-<arch> and is redone only when the
# source version or the configuration changes; <arch>/version names the version installed. Both
# run in one job pool so that two Xen builds never compete for the cores at once.
include_guard(GLOBAL)

option(HMX_BUILD_XEN "Build Xen's hypervisor with Argo from Debian's source (x86_64; arm64 with the cross compiler)" ON)
set(HMX_XEN_ROOT ${CMAKE_BINARY_DIR}/xen)
set(HMX_XEN_X86_64 ${HMX_XEN_ROOT}/x86_64/xen)
set(HMX_XEN_ARM64 ${HMX_XEN_ROOT}/arm64/xen)
set(HMX_XEN_CROSS_PREFIX aarch64-linux-gnu- CACHE STRING "Cross toolchain prefix for the arm64 Xen build")

find_program(HMX_XEN_FLEX flex)
find_program(HMX_XEN_BISON bison)
find_program(HMX_XEN_APT_GET apt-get)
find_program(HMX_XEN_DPKG_SOURCE dpkg-source)
find_program(HMX_XEN_MAKE make)
find_program(HMX_XEN_CROSS_GCC ${HMX_XEN_CROSS_PREFIX}gcc)

set(HMX_XEN_X86_64_AVAILABLE OFF)
set(HMX_XEN_ARM64_AVAILABLE OFF)
if(NOT HMX_BUILD_XEN)
  message(STATUS "adapters/xen: HMX_BUILD_XEN is OFF, Xen is not built")
  return()
endif()
set(_missing "")
foreach(tool HMX_XEN_FLEX HMX_XEN_BISON HMX_XEN_APT_GET HMX_XEN_DPKG_SOURCE HMX_XEN_MAKE)
  if(NOT ${tool})
    string(REPLACE "HMX_XEN_" "" _name ${tool})
    string(TOLOWER ${_name} _name)
    string(REPLACE "_" "-" _name ${_name})
    list(APPEND _missing ${_name})
  endif()
endforeach()
if(_missing)
  message(WARNING "adapters/xen: cannot build Xen, missing: ${_missing} (scripts/deps.sh installs them)")
  return()
endif()

set_property(GLOBAL APPEND PROPERTY JOB_POOLS hmx_xen=1)
cmake_host_system_information(RESULT _cores QUERY NUMBER_OF_LOGICAL_CORES)
set(_script ${CMAKE_CURRENT_LIST_DIR}/xen-from-debian.sh)

add_custom_target(hmx-xen-source
  COMMAND ${_script} source --root ${HMX_XEN_ROOT}
  BYPRODUCTS ${HMX_XEN_ROOT}/source.env
  COMMENT "Xen: Debian source package (private apt configuration)"
  JOB_POOL hmx_xen
  VERBATIM)

add_custom_target(hmx-xen-x86_64 ALL
  COMMAND ${_script} build --root ${HMX_XEN_ROOT} --arch x86_64 --jobs ${_cores}
  BYPRODUCTS ${HMX_XEN_X86_64} ${HMX_XEN_ROOT}/x86_64/version
  COMMENT "Xen: x86_64 hypervisor with Argo"
  JOB_POOL hmx_xen
  VERBATIM)
add_dependencies(hmx-xen-x86_64 hmx-xen-source)
set(HMX_XEN_X86_64_AVAILABLE ON)

if(HMX_XEN_CROSS_GCC)
  add_custom_target(hmx-xen-arm64 ALL
    COMMAND ${_script} build --root ${HMX_XEN_ROOT} --arch arm64 --cross ${HMX_XEN_CROSS_PREFIX} --jobs ${_cores}
    BYPRODUCTS ${HMX_XEN_ARM64} ${HMX_XEN_ROOT}/arm64/version
    COMMENT "Xen: arm64 hypervisor with Argo (cross)"
    JOB_POOL hmx_xen
    VERBATIM)
  add_dependencies(hmx-xen-arm64 hmx-xen-source)
  set(HMX_XEN_ARM64_AVAILABLE ON)
else()
  message(WARNING "adapters/xen: ${HMX_XEN_CROSS_PREFIX}gcc not found: the arm64 Xen is not built")
endif()
