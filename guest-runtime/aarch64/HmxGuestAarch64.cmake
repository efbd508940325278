# SPDX-License-Identifier: MIT
# hmx_a64_image(NAME SOURCES src... [LIBS lib...])
#
# Builds an aarch64 guest image on the aarch64 runtime: ${HMX_A64_IMAGE_DIR}/NAME.elf (symbols,
# for debugging) and ${HMX_A64_IMAGE_DIR}/NAME.img, the arm64 Image to boot (HMX EL2 monitor
# `--domain NAME=NAME.img`, Xen dom0less `kernel`, QEMU `-kernel`). The image defines guest_main()
# and optionally guest_ap_main(); it may include <hmx_guest/runtime.h>, libhmx and the ABI
# headers. The CMake target is hmx_a64_image_NAME.
include_guard(GLOBAL)

function(hmx_a64_image name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
  if(NOT ARG_SOURCES)
    message(FATAL_ERROR "hmx_a64_image(${name}): SOURCES is required")
  endif()
  set(target hmx_a64_image_${name})
  get_target_property(script hmx_a64_runtime HMX_A64_LINKER_SCRIPT)
  add_executable(${target} ${ARG_SOURCES})
  # Objects of an OBJECT library reach only targets that link it directly: both are named.
  target_link_libraries(${target} PRIVATE hmx_a64_runtime hmx_a64_freestanding ${ARG_LIBS})
  target_link_options(${target} PRIVATE -Wl,-T,${script})
  set_target_properties(${target} PROPERTIES
    OUTPUT_NAME ${name}
    SUFFIX .elf
    RUNTIME_OUTPUT_DIRECTORY ${HMX_A64_IMAGE_DIR}
    LINK_DEPENDS ${script})
  add_custom_command(TARGET ${target} POST_BUILD
    COMMAND ${CMAKE_OBJCOPY} -O binary $<TARGET_FILE:${target}> ${HMX_A64_IMAGE_DIR}/${name}.img
    COMMENT "arm64 Image ${name}.img"
    VERBATIM)
endfunction()
