# SPDX-License-Identifier: Apache-2.0
# Man pages of the installed programs: docs/man/<program>.1.adoc rendered by Asciidoctor's
# manpage backend into build/man/<program>.1 (and .1.gz, which is what gets installed, Debian
# policy 12.1). The ctest man.options holds each page to its program: the long options of
# `<program> --help` and of the page's OPTIONS section must be the same set, and `man -l`
# must render the page.
include_guard(GLOBAL)
if(NOT HMX_BUILD_DOCS)
  return()
endif()
find_program(HMX_ASCIIDOCTOR asciidoctor REQUIRED)
find_program(HMX_GZIP gzip REQUIRED)

set(_hmx_man_programs hmx-conformance hmx-specgen)
if(CMAKE_SYSTEM_NAME STREQUAL "Linux" AND CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
  list(APPEND _hmx_man_programs hmx-kvm hmx-bench)
endif()

set(_hmx_man_outputs "")
set(_hmx_man_check "")
foreach(prog ${_hmx_man_programs})
  set(src ${CMAKE_SOURCE_DIR}/docs/man/${prog}.1.adoc)
  set(page ${CMAKE_BINARY_DIR}/man/${prog}.1)
  add_custom_command(
    OUTPUT ${page} ${page}.gz
    COMMAND ${HMX_ASCIIDOCTOR} -b manpage --failure-level WARN -a hmx-version=${PROJECT_VERSION}
            -D ${CMAKE_BINARY_DIR}/man ${src}
    COMMAND ${HMX_GZIP} -9nkf ${page}
    DEPENDS ${src}
    COMMENT "Rendering the man page ${prog}(1)"
    VERBATIM)
  list(APPEND _hmx_man_outputs ${page} ${page}.gz)
  install(FILES ${page}.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT tools)
  list(APPEND _hmx_man_check "$<TARGET_FILE:${prog}>=${src}=${page}")
endforeach()
add_custom_target(man ALL DEPENDS ${_hmx_man_outputs})

string(REPLACE ";" "|" _hmx_man_check "${_hmx_man_check}")
add_test(NAME man.options
  COMMAND ${CMAKE_COMMAND} "-DPAGES=${_hmx_man_check}" -P ${CMAKE_SOURCE_DIR}/tests/man/check_man.cmake)
add_test(NAME man.options.can_fail
  COMMAND ${CMAKE_COMMAND}
          "-DPAGES=${CMAKE_SOURCE_DIR}/tests/man/can_fail/fake-help.sh=${CMAKE_SOURCE_DIR}/tests/man/can_fail/fake.1.adoc="
          -P ${CMAKE_SOURCE_DIR}/tests/man/check_man.cmake)
set_tests_properties(man.options.can_fail PROPERTIES
  PASS_REGULAR_EXPRESSION "--only-in-help is in --help but not in the man page.*--only-in-page is in the man page but not in --help")
