# SPDX-License-Identifier: Apache-2.0
# What `cmake --install` puts under a prefix, in three components (the Debian packages of
# cmake/HmxPackaging.cmake carry one each):
#   dev    the ABI headers, libhmx, the reference core (static, with its policy schema library),
#          the CMake package (find_package(hmx CONFIG): hmx::abi, hmx::libhmx, hmx::reference)
#          and the pkg-config files hmx-abi.pc, libhmx.pc, hmx-reference.pc
#   tools  hmx-kvm, hmx-conformance, hmx-specgen, hmx-bench, the guest images
#          (share/hmx/guests) and the data the programs read at run time (share/hmx/spec,
#          share/hmx/conformance/policy.textproto)
#   doc    the spec site (share/doc/hmx/site) and the guides
# Included once from the top-level CMakeLists.txt, after every folder, so every target exists.
# The programs find their data relative to their own location (apps/hmx-conformance
# src/install_layout.cpp), so the prefix can move (dpkg -x into any root).
include_guard(GLOBAL)
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(HMX_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/hmx)
set(HMX_INSTALL_DATADIR ${CMAKE_INSTALL_DATADIR}/hmx)

# --- dev: headers and libraries ---------------------------------------------------------------
# Exported names: hmx::abi, hmx::libhmx, hmx::reference (and the policy schema library the static
# core links, hmx::reference_policy_proto).
set_target_properties(hmx_abi PROPERTIES EXPORT_NAME abi)
set_target_properties(hmx PROPERTIES EXPORT_NAME libhmx)
set_target_properties(hmx_reference PROPERTIES EXPORT_NAME reference)
set_target_properties(hmx_reference_policy_proto PROPERTIES EXPORT_NAME reference_policy_proto)

install(TARGETS hmx_abi hmx hmx_reference hmx_reference_policy_proto
  EXPORT hmxTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${CMAKE_SOURCE_DIR}/abi/include/ ${CMAKE_SOURCE_DIR}/libhmx/include/
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT dev
  FILES_MATCHING PATTERN "*.h")
# The production core's headers; test_switches.h belongs to hmx_reference_testable only.
install(DIRECTORY ${CMAKE_SOURCE_DIR}/adapters/reference/include/
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT dev
  FILES_MATCHING PATTERN "*.h" PATTERN "test_switches.h" EXCLUDE)
install(FILES ${CMAKE_SOURCE_DIR}/adapters/reference/policy.proto
  DESTINATION ${HMX_INSTALL_DATADIR}/proto COMPONENT dev)

install(EXPORT hmxTargets NAMESPACE hmx:: FILE hmxTargets.cmake
  DESTINATION ${HMX_INSTALL_CMAKEDIR} COMPONENT dev)
configure_package_config_file(${CMAKE_SOURCE_DIR}/cmake/hmxConfig.cmake.in
  ${CMAKE_BINARY_DIR}/install/hmxConfig.cmake
  INSTALL_DESTINATION ${HMX_INSTALL_CMAKEDIR}
  PATH_VARS CMAKE_INSTALL_INCLUDEDIR)
# 0.x: a minor version may break the interface (Semantic Versioning 2.0.0, item 4).
write_basic_package_version_file(${CMAKE_BINARY_DIR}/install/hmxConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/install/hmxConfig.cmake
              ${CMAKE_BINARY_DIR}/install/hmxConfigVersion.cmake
  DESTINATION ${HMX_INSTALL_CMAKEDIR} COMPONENT dev)

# pkg-config (pkgconf): paths relative to ${pcfiledir}, so a moved prefix still works.
file(RELATIVE_PATH HMX_PC_TO_PREFIX /p/${CMAKE_INSTALL_LIBDIR}/pkgconfig /p)
string(REGEX REPLACE "/$" "" HMX_PC_TO_PREFIX "${HMX_PC_TO_PREFIX}")
foreach(pc hmx-abi libhmx hmx-reference)
  configure_file(${CMAKE_SOURCE_DIR}/cmake/pkgconfig/${pc}.pc.in
    ${CMAKE_BINARY_DIR}/install/${pc}.pc @ONLY)
  install(FILES ${CMAKE_BINARY_DIR}/install/${pc}.pc
    DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT dev)
endforeach()

# --- tools: programs, guest images, run-time data ---------------------------------------------
install(TARGETS hmx-conformance hmx-specgen
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT tools)
# The KVM programs exist on x86-64 Linux hosts only (apps/CMakeLists.txt).
if(CMAKE_SYSTEM_NAME STREQUAL "Linux" AND CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
  install(TARGETS hmx-kvm hmx-bench RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT tools)
endif()
# The spec bundle is what hmx-conformance reads (spec/CMakeLists.txt); the data files are for the
# installed hmx-specgen, their only reader.
install(FILES ${HMX_SPEC_FILES} ${HMX_SPEC_BUNDLE} DESTINATION ${HMX_INSTALL_DATADIR}/spec COMPONENT tools)
install(FILES ${CMAKE_SOURCE_DIR}/conformance/policy.textproto
  DESTINATION ${HMX_INSTALL_DATADIR}/conformance COMPONENT tools)

# Every guest image of the build (cmake/HmxGuest.cmake names them hmx_guest_image_<name>).
function(_hmx_install_guest_images dir)
  get_property(targets DIRECTORY ${dir} PROPERTY BUILDSYSTEM_TARGETS)
  foreach(t ${targets})
    if(t MATCHES "^hmx_guest_image_")
      # As files, not targets: a stripping install (CPack) must keep the images as built.
      install(FILES $<TARGET_FILE:${t}> DESTINATION ${HMX_INSTALL_DATADIR}/guests COMPONENT tools)
    endif()
  endforeach()
  get_property(subdirs DIRECTORY ${dir} PROPERTY SUBDIRECTORIES)
  foreach(sub ${subdirs})
    _hmx_install_guest_images(${sub})
  endforeach()
endfunction()
if(HMX_BUILD_GUESTS)
  _hmx_install_guest_images(${CMAKE_SOURCE_DIR})
endif()

# --- doc: the spec site and the guides --------------------------------------------------------
if(HMX_BUILD_DOCS)
  install(DIRECTORY ${CMAKE_BINARY_DIR}/site/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/site COMPONENT doc)
endif()
file(GLOB _hmx_guides ${CMAKE_SOURCE_DIR}/docs/guide-*.md)
install(FILES ${_hmx_guides} ${CMAKE_SOURCE_DIR}/docs/ARCHITECTURE.md ${CMAKE_SOURCE_DIR}/docs/STYLE.md
  DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT doc)

include(HmxManPages)
include(HmxPackaging)
