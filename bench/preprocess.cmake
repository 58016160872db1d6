# preprocess_bench: dsp::Preprocessor (NS + VAD) per 10 ms frame at 16 kHz against the raw
# speex_preprocess_run call with the same settings, in the same binary (wrapper overhead ratio).
pkg_check_modules(SPEEXDSP_PRE_BENCH IMPORTED_TARGET speexdsp)
if(NOT SPEEXDSP_PRE_BENCH_FOUND)
  message(WARNING "speexdsp not found: preprocess_bench is not built")
  return()
endif()
add_executable(preprocess_bench ${CMAKE_CURRENT_LIST_DIR}/preprocess_bench.cc)
target_link_libraries(preprocess_bench PRIVATE offhook_dsp benchmark::benchmark PkgConfig::SPEEXDSP_PRE_BENCH)
offhook_warnings(preprocess_bench)
