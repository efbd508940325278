# SPDX-License-Identifier: Apache-2.0
# hmx_guest_image(NAME SOURCES src... [LIBS lib...])
#
# Builds a freestanding x86-64 PVH guest image ${HMX_GUEST_OUTPUT_DIRECTORY}/NAME.elf on the HMX
# guest runtime (guest-runtime/). The image defines guest_main() (and optionally guest_ap_main());
# it may include <hmx_guest/runtime.h>, libhmx (<hmx/...>) and the generated ABI headers
# (<hmx/abi/...>). Images are built only when HMX_BUILD_GUESTS is ON (never in sanitizer trees,
# see the top-level CMakeLists.txt). The CMake target is hmx_guest_image_NAME.
include_guard(GLOBAL)

function(hmx_guest_image name)
  if(NOT HMX_BUILD_GUESTS)
    return()
  endif()
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
  if(NOT ARG_SOURCES)
    message(FATAL_ERROR "hmx_guest_image(${name}): SOURCES is required")
  endif()
  set(target hmx_guest_image_${name})
  add_executable(${target} ${ARG_SOURCES})
  target_link_libraries(${target} PRIVATE hmx_guest_runtime ${ARG_LIBS})
  get_target_property(script hmx_guest_runtime HMX_GUEST_LINKER_SCRIPT)
  set_target_properties(${target} PROPERTIES
    OUTPUT_NAME ${name}
    SUFFIX .elf
    RUNTIME_OUTPUT_DIRECTORY ${HMX_GUEST_OUTPUT_DIRECTORY}
    LINK_DEPENDS ${script})
endfunction()
