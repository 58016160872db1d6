# Cross-build for arm-linux-gnueabihf with Debian's cross compiler (g++-arm-linux-gnueabihf) and multiarch libraries
# (/usr/lib/arm-linux-gnueabihf). Tests run under qemu-user through CMAKE_CROSSCOMPILING_EMULATOR. See docs/arm.md.
# Debian armhf: ARMv7-A, VFPv3-D16, Thumb-2, hard-float. No -mfpu=neon here: only dsp/kernels_neon.cc
# gets it (dsp/CMakeLists.txt), so the library still runs on an ARMv7 CPU without NEON.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR arm)
set(CMAKE_C_COMPILER arm-linux-gnueabihf-gcc)
set(CMAKE_CXX_COMPILER arm-linux-gnueabihf-g++)
set(CMAKE_LIBRARY_ARCHITECTURE arm-linux-gnueabihf)

# -L: the loader and libc of the cross toolchain; the multiarch libraries in /usr/lib/arm-linux-gnueabihf are
# found by the target's ld.so through its default search path (qemu falls back to the host tree).
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-arm -L /usr/arm-linux-gnueabihf)

# pkg-config sees only the target's .pc files (never the host's x86-64 ones), plus the dependencies
# scripts/test_arm unpacks into OFFHOOK_CROSS_DEPS when Debian cannot install them side by side.
set(OFFHOOK_CROSS_DEPS "${CMAKE_CURRENT_LIST_DIR}/../../build/cross-deps/arm-linux-gnueabihf" CACHE PATH
    "Unpacked target packages that multiarch cannot install next to the host's (scripts/test_arm)")
set(ENV{PKG_CONFIG_LIBDIR} "${OFFHOOK_CROSS_DEPS}/pkgconfig:/usr/lib/arm-linux-gnueabihf/pkgconfig:/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_PATH} "")

set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
