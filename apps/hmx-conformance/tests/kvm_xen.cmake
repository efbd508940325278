# SPDX-License-Identifier: Apache-2.0
# --target kvm-xen (issue 11): the tester as an abi=xen domain of hmx-kvm, and its results side by
# side with real Xen's (--target xen). Included by tests/CMakeLists.txt after conformance.xen.
if(HMX_BUILD_GUESTS AND HMX_CONFORMANCE_WITH_KVM)
  add_test(NAME conformance.kvm_xen
    COMMAND ${CMAKE_COMMAND} -DRUNNER=$<TARGET_FILE:hmx-conformance> -DTARGET=kvm-xen -DOUT=${_out}/kvm-xen.json
            -DLOG=${_out}/kvm-xen.log -DMIN_PASS=30 "-DPASS_TESTS=sendv_full_ring;notify_flags;sendv_concurrent;hostile_ranges"
            -P ${CMAKE_CURRENT_SOURCE_DIR}/check_xen.cmake)
  set_tests_properties(conformance.kvm_xen PROPERTIES LABELS "vm;kvm" TIMEOUT 400
    SKIP_REGULAR_EXPRESSION "SKIPPED:" FIXTURES_SETUP kvm_xen_report)
  if(_xen_x86)  # conformance.xen exists (tests/CMakeLists.txt)
    set_tests_properties(conformance.xen PROPERTIES FIXTURES_SETUP xen_report)
    add_test(NAME conformance.kvm_xen_vs_xen
      COMMAND ${CMAKE_COMMAND} -DXEN=${_out}/xen.json -DKVM_XEN=${_out}/kvm-xen.json
              -P ${CMAKE_CURRENT_SOURCE_DIR}/compare_kvm_xen.cmake)
    set_tests_properties(conformance.kvm_xen_vs_xen PROPERTIES LABELS "vm;xen" TIMEOUT 60
      SKIP_REGULAR_EXPRESSION "SKIPPED:" FIXTURES_REQUIRED "xen_report;kvm_xen_report")
  endif()
endif()
