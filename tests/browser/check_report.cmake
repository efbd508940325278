# SPDX-License-Identifier: Apache-2.0
# ctest browser.report: hmx-conformance --target reference writes report.json and report.html;
# headless Chromium then renders report.html and the spec site (check_pages.cmake): no broken
# internal link (the report's links into the site's requirement anchors included), no script
# error, a screenshot of each in SHOT_DIR.
# Arguments: -DCONFORMANCE -DCHROMIUM -DWORK_DIR -DSHOT_DIR -DSITE (the site's index.html, or "")
cmake_minimum_required(VERSION 3.25)
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR}/report)
set(args --target reference --json ${WORK_DIR}/report/report.json)
if(SITE)
  list(APPEND args --spec-site ${SITE})
endif()
execute_process(COMMAND ${CONFORMANCE} ${args} --summary RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}")
# A failing requirement still makes a report to render (conformance.reference judges the verdict).
if(NOT (rc EQUAL 0 OR rc EQUAL 1) OR NOT EXISTS ${WORK_DIR}/report/report.html)
  message(FATAL_ERROR "hmx-conformance --target reference wrote no report (exit ${rc}):\n${err}")
endif()
set(PAGES ${WORK_DIR}/report/report.html)
if(SITE)
  file(READ ${WORK_DIR}/report/report.html html)
  string(FIND "${html}" "site/index.html#HMX-" at)
  if(at LESS 0)
    message(FATAL_ERROR "report.html does not link its requirements into the spec site ${SITE}")
  endif()
  list(APPEND PAGES ${SITE})
endif()
set(WORK_DIR ${WORK_DIR}/chromium)
include(${CMAKE_CURRENT_LIST_DIR}/check_pages.cmake)
