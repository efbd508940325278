# SPDX-License-Identifier: Apache-2.0
# Cross toolchain of the aarch64 sub-build: freestanding images, no host libraries.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
if(NOT HMX_AARCH64_PREFIX)
  set(HMX_AARCH64_PREFIX aarch64-linux-gnu-)
endif()
set(CMAKE_C_COMPILER ${HMX_AARCH64_PREFIX}gcc)
set(CMAKE_CXX_COMPILER ${HMX_AARCH64_PREFIX}g++)
set(CMAKE_ASM_COMPILER ${HMX_AARCH64_PREFIX}gcc)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
