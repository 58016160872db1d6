# dtmf_bench: offhook's DTMF detector against spandsp's dtmf_rx, per 10 ms of 8 kHz audio.
if(NOT TARGET PkgConfig::SPANDSP)
  message(WARNING "spandsp not found: dtmf_bench (which compares against it) is not built")
  return()
endif()
add_executable(dtmf_bench ${CMAKE_CURRENT_LIST_DIR}/dtmf_bench.cc)
target_link_libraries(dtmf_bench PRIVATE offhook_dsp benchmark::benchmark PkgConfig::SPANDSP)
offhook_warnings(dtmf_bench)
