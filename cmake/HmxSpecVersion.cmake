# SPDX-License-Identifier: Apache-2.0
# HMX_SPEC_VERSION_MAJOR, HMX_SPEC_VERSION_MINOR and HMX_SPEC_VERSION_WORD (the VERSION word,
# major << 16 | minor, as "0x..."): the spec version the generated ABI carries
# (abi/include/hmx/abi/version.h, written by hmx-specgen from spec/), for tests that expect it in
# what a guest prints. Read from the committed header at configure time: the header is what the
# guests compile against.
include_guard(DIRECTORY)  # variables are per directory: each directory that needs them reads them

set(_hmx_version_h ${PROJECT_SOURCE_DIR}/abi/include/hmx/abi/version.h)
file(STRINGS ${_hmx_version_h} _hmx_version_lines REGEX "^#define HMX_VERSION_(MAJOR|MINOR) ")
foreach(_line IN LISTS _hmx_version_lines)
  if(_line MATCHES "^#define HMX_VERSION_(MAJOR|MINOR) ([0-9]+)u?$")
    set(HMX_SPEC_VERSION_${CMAKE_MATCH_1} ${CMAKE_MATCH_2})
  endif()
endforeach()
if(NOT DEFINED HMX_SPEC_VERSION_MAJOR OR NOT DEFINED HMX_SPEC_VERSION_MINOR)
  message(FATAL_ERROR "HmxSpecVersion: no HMX_VERSION_MAJOR/MINOR in ${_hmx_version_h}")
endif()
math(EXPR HMX_SPEC_VERSION_WORD "(${HMX_SPEC_VERSION_MAJOR} << 16) | ${HMX_SPEC_VERSION_MINOR}"
     OUTPUT_FORMAT HEXADECIMAL)
