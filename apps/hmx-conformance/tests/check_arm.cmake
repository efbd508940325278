# SPDX-License-Identifier: Apache-2.0
# conformance.arm: the aarch64 tester and peer images under the HMX EL2 monitor (adapters/arm-smccc)
# in qemu-system-aarch64. The runner must exit 0 (every applicable requirement passed, the run
# complete, --require-hmx), HMX must have been found through SMCCC (conduit arm_smccc_hvc) and at
# least MIN_PASS requirements must PASS (a target that quietly skips most of the suite fails here).
# Skips loudly ("SKIPPED:") when the runner does (no qemu-system-aarch64).
# Args: -DRUNNER= -DOUT_DIR= -DMIN_PASS=
cmake_minimum_required(VERSION 3.25)
execute_process(
  COMMAND ${RUNNER} --target arm --require-hmx --timeout 300 --json ${OUT_DIR}/arm.json
          --junit ${OUT_DIR}/arm.xml --log ${OUT_DIR}/arm.log
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}${err}")
if(rc EQUAL 77 AND out MATCHES "SKIPPED:")
  message("conformance.arm SKIPPED: the runner skipped the Arm target (see above)")
  return()
endif()
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "hmx-conformance --target arm exited ${rc}, expected 0 (log: ${OUT_DIR}/arm.log)")
endif()
file(READ ${OUT_DIR}/arm.json json)
string(JSON conduit GET "${json}" hypervisor hmx conduit_used)
if(NOT conduit STREQUAL "arm_smccc_hvc")
  message(FATAL_ERROR "the tester used conduit '${conduit}', expected arm_smccc_hvc (HMX over SMCCC)")
endif()
string(JSON pass GET "${json}" summary pass)
string(JSON fail GET "${json}" summary fail)
if(pass LESS MIN_PASS OR NOT fail EQUAL 0)
  message(FATAL_ERROR "${pass} requirements PASS and ${fail} FAIL, expected at least ${MIN_PASS} PASS and no FAIL")
endif()
message("PASS: ${pass} requirements PASS on the EL2 monitor through ${conduit}")
