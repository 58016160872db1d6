# g711_bench: G.711 and sample kernels per SIMD target, against spandsp and a lookup-table G.711.
if(NOT TARGET PkgConfig::SPANDSP)
  message(WARNING "spandsp not found: g711_bench (which compares against it) is not built")
  return()
endif()
add_executable(g711_bench ${CMAKE_CURRENT_LIST_DIR}/g711_bench.cc)
target_link_libraries(g711_bench PRIVATE offhook_dsp benchmark::benchmark PkgConfig::SPANDSP)
offhook_warnings(g711_bench)
