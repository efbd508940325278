# SPDX-License-Identifier: Apache-2.0
# ctest docs.site: (re)build the spec site and check the HTML.
#   cmake [-DBUILD_DIR=<build>] -DSITE=<build/site/index.html>
#         -DBUNDLE=<build/spec-gen/spec.json> [-DSOURCE_FROM_SITE=<relative path>] -P check_site.cmake
#
# With BUILD_DIR it first builds the target `site` there. It then checks that the HTML
# - has a table of contents,
# - holds every requirement id of the data, as an anchor (the requirement index) and as a link
#   (the statement in the prose),
# - resolves every internal link (href="#x" has a matching id="x"),
# - with SOURCE_FROM_SITE, links into the source tree (the requirement index's code and tests), each
#   naming a file that exists.
# It lists everything missing before it fails.
cmake_minimum_required(VERSION 3.25)

foreach(v SITE BUNDLE)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "check_site.cmake: -D${v}=... is required")
  endif()
endforeach()

if(DEFINED BUILD_DIR)
  execute_process(COMMAND ${CMAKE_COMMAND} --build "${BUILD_DIR}" --target site
                  RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "docs.site: building the target 'site' failed (${rc})")
  endif()
endif()

if(NOT EXISTS "${SITE}")
  message(FATAL_ERROR "docs.site: ${SITE} does not exist")
endif()
file(READ "${SITE}" html)
set(problems "")

if(NOT html MATCHES "<div id=\"toc\" class=\"toc2?\">")
  list(APPEND problems "no table of contents (<div id=\"toc\">)")
endif()

# The requirement ids of the spec bundle (hmx-specgen --bundle-out).
include(${CMAKE_CURRENT_LIST_DIR}/spec_bundle.cmake)
hmx_bundle_requirement_ids("${BUNDLE}" ids)
list(LENGTH ids nids)
if(nids EQUAL 0)
  list(APPEND problems "no requirement ids found in ${BUNDLE}")
endif()
set(missing "")
foreach(id IN LISTS ids)
  string(FIND "${html}" "id=\"${id}\"" anchor_at)
  string(FIND "${html}" "href=\"#${id}\"" link_at)
  if(anchor_at EQUAL -1 OR link_at EQUAL -1)
    list(APPEND missing "${id}")
  endif()
endforeach()
list(LENGTH missing nmissing)
if(nmissing GREATER 0)
  list(JOIN missing ", " missing_text)
  list(APPEND problems "${nmissing} requirement id(s) missing from the HTML (as anchor or as link): ${missing_text}")
endif()

# Internal links. Asciidoctor reports an unresolved cross reference only in verbose mode, as
# information, so the check is made here.
string(REGEX MATCHALL "href=\"#[^\"]+\"" hrefs "${html}")
list(REMOVE_DUPLICATES hrefs)
string(REGEX MATCHALL " id=\"[^\"]+\"" id_attrs "${html}")
set(defined "")
foreach(a IN LISTS id_attrs)
  string(REGEX REPLACE "^ id=\"(.*)\"$" "\\1" a "${a}")
  list(APPEND defined "${a}")
endforeach()
set(dangling "")
foreach(h IN LISTS hrefs)
  string(REGEX REPLACE "^href=\"#(.*)\"$" "\\1" target "${h}")
  if(NOT target IN_LIST defined)
    list(APPEND dangling "${target}")
  endif()
endforeach()
list(LENGTH dangling ndangling)
if(ndangling GREATER 0)
  list(JOIN dangling ", " dangling_text)
  list(APPEND problems "${ndangling} link(s) to no anchor: ${dangling_text}")
endif()

# Links into the source tree (the requirement index's code and test columns, SOURCE_FROM_SITE
# being the tree as seen from the site): each names a file that exists.
set(nsource 0)
if(DEFINED SOURCE_FROM_SITE)
  get_filename_component(site_dir "${SITE}" DIRECTORY)
  string(REPLACE "." "\\." source_re "${SOURCE_FROM_SITE}")
  string(REGEX MATCHALL "href=\"${source_re}/[^\"#]+(#L[0-9]+)?\"" source_links "${html}")
  list(REMOVE_DUPLICATES source_links)
  set(broken "")
  foreach(l IN LISTS source_links)
    string(REGEX REPLACE "^href=\"([^\"#]+).*$" "\\1" path "${l}")
    if(NOT EXISTS "${site_dir}/${path}")
      list(APPEND broken "${path}")
    endif()
    math(EXPR nsource "${nsource} + 1")
  endforeach()
  list(LENGTH broken nbroken)
  if(nbroken GREATER 0)
    list(JOIN broken ", " broken_text)
    list(APPEND problems "${nbroken} link(s) into the source tree name no file: ${broken_text}")
  endif()
  if(nsource EQUAL 0)
    list(APPEND problems "no link into the source tree (${SOURCE_FROM_SITE}/...): the requirement index links no code")
  endif()
endif()

list(LENGTH problems nproblems)
if(nproblems GREATER 0)
  foreach(p IN LISTS problems)
    message("  ${p}")
  endforeach()
  message(FATAL_ERROR "docs.site: ${nproblems} problem(s) in ${SITE}")
endif()
list(LENGTH hrefs nlinks)
message(STATUS "docs.site: table of contents, ${nids} requirement ids, ${nlinks} internal link targets, ${nsource} links into the source tree: all present")
