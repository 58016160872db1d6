# aec_bench: dsp::EchoCanceller (delay estimation + speexdsp MDF + suppression) against speexdsp's
# raw canceller (and canceller + preprocessor) per 10 ms frame at 16 kHz with a 200 ms tail.
pkg_check_modules(SPEEXDSP_AEC_BENCH IMPORTED_TARGET speexdsp)
if(NOT SPEEXDSP_AEC_BENCH_FOUND)
  message(WARNING "speexdsp not found: aec_bench is not built")
  return()
endif()
add_executable(aec_bench ${CMAKE_CURRENT_LIST_DIR}/aec_bench.cc)
target_link_libraries(aec_bench PRIVATE offhook_dsp benchmark::benchmark PkgConfig::SPEEXDSP_AEC_BENCH)
offhook_warnings(aec_bench)
