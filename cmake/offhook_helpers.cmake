# Shared CMake helpers for offhook's own targets.

# Warnings (as errors when OFFHOOK_WERROR) apply to offhook's code only, never to dependencies.
function(offhook_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wshadow -Wnon-virtual-dtor -Wold-style-cast
                                           -Wcast-align -Wunused -Woverloaded-virtual -Wnull-dereference
                                           -Wimplicit-fallthrough
                                           -Wno-missing-field-initializers)  # designated initializers with defaults are idiomatic here
  if(OFFHOOK_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

# offhook_library(NAME SOURCES ... DEPS ...): one layer's static library; the repository root is
# its include root, so code includes "core/result.hpp", "rtp/rtp_packet.hpp" and so on.
function(offhook_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}>
                                            $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>)
  target_link_libraries(${name} PUBLIC ${ARG_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
  target_compile_features(${name} PUBLIC cxx_std_20)
  offhook_warnings(${name})
endfunction()

# offhook_test(NAME SOURCES ... DEPS ... [LABELS ...]): a GoogleTest binary in bin/, each TEST a ctest entry.
function(offhook_test name)
  cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main Threads::Threads)
  offhook_warnings(${name})
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60
                       PROPERTIES LABELS "${ARG_LABELS}" TIMEOUT ${ARG_TIMEOUT})
endfunction()
