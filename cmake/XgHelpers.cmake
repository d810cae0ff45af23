# Helpers shared by every folder: warnings, one static library per folder, tests, fuzzers.

add_library(xg_warnings INTERFACE)
target_compile_options(xg_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow
                       $<$<BOOL:${XG_WERROR}>:-Werror>)
add_library(xg::warnings ALIAS xg_warnings)

# Narrowing bugs live in the byte-level folders, so they also get -Wconversion.
add_library(xg_strict_warnings INTERFACE)
target_compile_options(xg_strict_warnings INTERFACE -Wconversion -Wsign-conversion)
target_link_libraries(xg_strict_warnings INTERFACE xg_warnings)
add_library(xg::strict_warnings ALIAS xg_strict_warnings)

# xg_library(<name> [STRICT] [SOURCES ...] [DEPS ...])
# Builds xg_<name> (alias xg::<name>) from the given sources, or from every *.cc in the
# calling folder when SOURCES is absent. Includes are root-relative ("scsi/sense.h").
function(xg_library name)
  cmake_parse_arguments(ARG "STRICT" "" "SOURCES;DEPS" ${ARGN})
  if(NOT ARG_SOURCES)
    file(GLOB ARG_SOURCES CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cc)
  endif()
  add_library(xg_${name} STATIC ${ARG_SOURCES})
  add_library(xg::${name} ALIAS xg_${name})
  target_include_directories(xg_${name} PUBLIC ${PROJECT_SOURCE_DIR})
  target_compile_features(xg_${name} PUBLIC cxx_std_20)
  if(ARG_STRICT)
    target_link_libraries(xg_${name} PRIVATE xg::strict_warnings)
  else()
    target_link_libraries(xg_${name} PRIVATE xg::warnings)
  endif()
  target_link_libraries(xg_${name} PUBLIC ${ARG_DEPS})
endfunction()
