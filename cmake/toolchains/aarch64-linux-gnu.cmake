# Cross-build for aarch64-linux-gnu with Debian's cross compiler (g++-aarch64-linux-gnu) and multiarch libraries
# (/usr/lib/aarch64-linux-gnu). Tests run under qemu-user through CMAKE_CROSSCOMPILING_EMULATOR. See docs/arm.md.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)

# -L: the loader and libc of the cross toolchain; the multiarch libraries in /usr/lib/aarch64-linux-gnu are
# found by the target's ld.so through its default search path (qemu falls back to the host tree).
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64 -L /usr/aarch64-linux-gnu)

# pkg-config sees only the target's .pc files (never the host's x86-64 ones), plus the dependencies
# scripts/test_arm unpacks into OFFHOOK_CROSS_DEPS when Debian cannot install them side by side.
set(OFFHOOK_CROSS_DEPS "${CMAKE_CURRENT_LIST_DIR}/../../build/cross-deps/aarch64-linux-gnu" CACHE PATH
    "Unpacked target packages that multiarch cannot install next to the host's (scripts/test_arm)")
set(ENV{PKG_CONFIG_LIBDIR} "${OFFHOOK_CROSS_DEPS}/pkgconfig:/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_PATH} "")

set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
