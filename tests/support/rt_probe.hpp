// RtProbe: counts heap allocations and mutex acquisitions made by the current thread while armed.
// Linking rt_probe.cc into a test binary replaces the global operator new/delete and interposes
// pthread_mutex_lock/trylock, so calls from inside libraries (libstdc++, libsrtp, its crypto
// backend) are counted too. This is how tests prove a function is [rt].
#pragma once

#include <cstdint>

namespace offhook::test {

struct RtCounts {
  uint64_t allocations = 0;
  uint64_t mutex_locks = 0;
};

// Counting is per thread: arm on the thread whose calls are to be counted.
class RtProbe {
 public:
  RtProbe();   // arms the current thread and clears its counts
  ~RtProbe();  // disarms
  RtCounts counts() const;
};

}  // namespace offhook::test
