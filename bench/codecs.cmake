# codecs_bench: each codec through offhook's wrapper against the raw library call (libopus, spandsp
# G.722, bcg729, the G.711 kernels) and the resampler against raw speexdsp, per 20 ms frame.
pkg_check_modules(OPUS_BENCH IMPORTED_TARGET opus)
pkg_check_modules(SPEEXDSP_BENCH IMPORTED_TARGET speexdsp)
pkg_check_modules(SPANDSP_CODECS_BENCH IMPORTED_TARGET spandsp)
if(NOT OPUS_BENCH_FOUND OR NOT SPEEXDSP_BENCH_FOUND OR NOT SPANDSP_CODECS_BENCH_FOUND)
  message(WARNING "opus, speexdsp or spandsp not found: codecs_bench is not built")
  return()
endif()
add_executable(codecs_bench ${CMAKE_CURRENT_LIST_DIR}/codecs_bench.cc)
target_link_libraries(codecs_bench PRIVATE offhook_codecs offhook_dsp benchmark::benchmark PkgConfig::OPUS_BENCH
                                           PkgConfig::SPEEXDSP_BENCH PkgConfig::SPANDSP_CODECS_BENCH)
if(OFFHOOK_G729)
  pkg_check_modules(BCG729_BENCH REQUIRED IMPORTED_TARGET libbcg729)
  target_link_libraries(codecs_bench PRIVATE PkgConfig::BCG729_BENCH)
endif()
offhook_warnings(codecs_bench)
