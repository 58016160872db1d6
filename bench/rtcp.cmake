# rtcp_bench: RTCP compound build+parse per report and RTP build+parse per packet, against oRTP
# (libortp, the RTP stack of Linphone) measured in the same run.
pkg_check_modules(ORTP IMPORTED_TARGET ortp)
pkg_check_modules(BCTOOLBOX IMPORTED_TARGET bctoolbox)  # ortp.pc does not list it, ortp's headers use it
if(NOT TARGET PkgConfig::ORTP OR NOT TARGET PkgConfig::BCTOOLBOX)
  message(WARNING "libortp not found: rtcp_bench (which compares against it) is not built")
  return()
endif()
add_executable(rtcp_bench ${CMAKE_CURRENT_LIST_DIR}/rtcp_bench.cc)
target_link_libraries(rtcp_bench PRIVATE offhook_rtp benchmark::benchmark PkgConfig::ORTP PkgConfig::BCTOOLBOX)
offhook_warnings(rtcp_bench)
