# SPDX-License-Identifier: Apache-2.0
# Debian packages with CPack (`cpack -G DEB` in a build directory), one per install component of
# cmake/HmxInstall.cmake:
#   hmx-dev    headers, the static reference core, the CMake package and pkg-config files
#   hmx-tools  hmx-kvm, hmx-conformance, hmx-specgen, hmx-bench, guest images, their data, man pages
#   hmx-doc    the spec site and the guides
# docs/guide-packaging.md explains the lintian tags that remain (ctest package.deb checks that
# every tag lintian reports is explained there).
include_guard(GLOBAL)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME hmx)
set(CPACK_PACKAGE_VENDOR "The HMX Authors")
set(CPACK_PACKAGE_CONTACT "The HMX Authors <hmx@example.org>")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "hypervisor-mediated data exchange between virtual machines")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_RESOURCE_FILE_LICENSE ${CMAKE_SOURCE_DIR}/LICENSE)
set(CPACK_COMPONENTS_ALL dev tools doc)
# Strip the programs (Debian policy 10.1); the guest images are installed as files, unstripped.
set(CPACK_STRIP_FILES ON)

set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://example.org/hmx")

set(CPACK_DEBIAN_DEV_PACKAGE_NAME hmx-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS "libprotobuf-dev")
set(CPACK_COMPONENT_DEV_DESCRIPTION
  "HMX development files: ABI headers, libhmx, reference core
 The generated C11/C++20 ABI headers of HMX (hypervisor-mediated data
 exchange), libhmx (the header-only guest library: probe, conduits, rings,
 batches, events) and the reference core (a static host library with the HMX
 semantics and MAC policy), with a CMake package and pkg-config files.")

set(CPACK_DEBIAN_TOOLS_PACKAGE_NAME hmx-tools)
set(CPACK_DEBIAN_TOOLS_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_TOOLS_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_TOOLS_PACKAGE_SUGGESTS "qemu-system-x86, hmx-doc")
set(CPACK_COMPONENT_TOOLS_DESCRIPTION
  "HMX tools: KVM monitor, conformance suite, spec generator, benchmarks
 hmx-kvm serves HMX to virtual machines on KVM; hmx-conformance certifies a
 hypervisor against the HMX requirements (reports in text, TAP, JUnit, JSON
 and HTML); hmx-specgen generates the ABI headers from the spec data; hmx-bench
 measures HMX against raw exits. Includes the guest images they run.")

set(CPACK_DEBIAN_DOC_PACKAGE_NAME hmx-doc)
set(CPACK_DEBIAN_DOC_PACKAGE_SECTION doc)
set(CPACK_DEBIAN_DOC_PACKAGE_ARCHITECTURE all)
set(CPACK_COMPONENT_DOC_DESCRIPTION
  "HMX documentation: the specification site and guides
 The HMX specification rendered as HTML, and the guides for guest driver
 authors and hypervisor vendors.")

# Debian policy 12.5: every package carries its copyright file; LICENSE names every license.
foreach(component dev tools doc)
  install(FILES ${CMAKE_SOURCE_DIR}/LICENSE DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/hmx-${component}
          RENAME copyright COMPONENT ${component})
endforeach()

include(CPack)
