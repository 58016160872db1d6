# jitter_buffer_bench: AdaptiveJitterBuffer insert+pull per packet against speexdsp's jitter buffer.
pkg_check_modules(SPEEXDSP_BENCH IMPORTED_TARGET speexdsp)
if(NOT TARGET PkgConfig::SPEEXDSP_BENCH)
  message(WARNING "speexdsp not found: jitter_buffer_bench (which compares against it) is not built")
  return()
endif()
add_executable(jitter_buffer_bench ${CMAKE_CURRENT_LIST_DIR}/jitter_buffer_bench.cc)
target_link_libraries(jitter_buffer_bench PRIVATE offhook_rtp benchmark::benchmark PkgConfig::SPEEXDSP_BENCH)
offhook_warnings(jitter_buffer_bench)
