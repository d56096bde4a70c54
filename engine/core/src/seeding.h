#pragma once
// LibTorch initialises parameters from one global generator: seed it and hold
// a process-wide lock while a seeded model or seeded draw is made, so that two
// runs on different threads cannot interleave their draws.
#include <cstdint>
#include <mutex>

namespace msf::detail {

class SeedGuard {
public:
    explicit SeedGuard(uint64_t seed);
private:
    std::lock_guard<std::mutex> lock_;
};

}  // namespace msf::detail
