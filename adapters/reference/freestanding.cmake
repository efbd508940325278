# SPDX-License-Identifier: Apache-2.0
# The reference core as a bare-metal monitor builds it (README.md "Freestanding"): portable
# containers and spin locks over a Platform (platform.h), a policy compiled at build time
# (policy_table.h), no exceptions, no RTTI, no hosted C++ library. Included by the aarch64
# sub-build of adapters/arm-smccc, which compiles these files into the EL2 monitor, and by the
# ctest reference.freestanding.aarch64 (tests/CMakeLists.txt, cmake/HmxFreestanding.cmake).
set(_hmx_ref ${CMAKE_CURRENT_LIST_DIR})
set(HMX_REFERENCE_FREESTANDING_SOURCES
  ${_hmx_ref}/src/batch.cpp
  ${_hmx_ref}/src/core.cpp
  ${_hmx_ref}/src/domain_table.cpp
  ${_hmx_ref}/src/events.cpp
  ${_hmx_ref}/src/exposure.cpp
  ${_hmx_ref}/src/guest_memory.cpp
  ${_hmx_ref}/src/notify.cpp
  ${_hmx_ref}/src/register.cpp
  ${_hmx_ref}/src/ring.cpp
  ${_hmx_ref}/src/sendv.cpp
  ${_hmx_ref}/src/submit_queue.cpp
  ${_hmx_ref}/src/submit_poll.cpp
  ${_hmx_ref}/src/port.cpp
  ${_hmx_ref}/src/region_arena.cpp
  ${_hmx_ref}/src/policy_table.cpp
  ${_hmx_ref}/src/policy_engine.cpp
  ${_hmx_ref}/src/policy_freestanding.cpp)
set(HMX_REFERENCE_FREESTANDING_DEFINITIONS HMX_REFERENCE_PORTABLE=1 HMX_REFERENCE_FREESTANDING=1)
set(HMX_REFERENCE_FREESTANDING_INCLUDES ${_hmx_ref}/include ${_hmx_ref}/src ${_hmx_ref}/../../abi/include)
# What the objects may still need from the monitor that links them: the C functions a compiler
# emits calls to (memcpy, memmove, memset) and those std::string_view's traits call (memcmp,
# memchr, strlen), the C++ ABI's pure-virtual handler, and operator delete (referenced, never
# called, by the deleting destructors of the abstract GuestMemory and Notifier).
set(HMX_REFERENCE_FREESTANDING_IMPORTS memcpy memmove memset memcmp memchr strlen __cxa_pure_virtual _ZdlPv
    _ZdlPvm)
