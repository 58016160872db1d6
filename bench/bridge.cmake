# bridge_bench: Bridge::mix() for full-mesh conferences of 2, 3, 8 and 16 ports at 16 kHz, against a
# naive float per-link mixing loop measured in the same run.
add_executable(bridge_bench ${CMAKE_CURRENT_LIST_DIR}/bridge_bench.cc)
target_link_libraries(bridge_bench PRIVATE offhook_engine benchmark::benchmark)
offhook_warnings(bridge_bench)
