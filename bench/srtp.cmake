# srtp_bench: SrtpSession protect+unprotect per 172-byte packet and suite, against raw libsrtp calls.
add_executable(srtp_bench ${CMAKE_CURRENT_LIST_DIR}/srtp_bench.cc)
target_link_libraries(srtp_bench PRIVATE offhook_rtp benchmark::benchmark PkgConfig::SRTP2)
offhook_warnings(srtp_bench)
