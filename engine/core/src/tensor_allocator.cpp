#include "tensor_allocator.h"

#include <torch/version.h>

#if TORCH_VERSION_MAJOR == 1
#include <c10/core/Allocator.h>
#include <c10/core/CPUAllocator.h>
#include <c10/core/impl/alloc_cpu.h>

#include <sys/mman.h>

#include <algorithm>
#include <mutex>
#include <new>
#include <map>
#include <unordered_map>
#include <vector>
#endif

namespace msf::detail {

#if TORCH_VERSION_MAJOR == 1

namespace {

constexpr size_t kLarge = size_t{1} << 20;  // below: LibTorch's default allocator
constexpr size_t kChunk = size_t{2} << 20;  // sizes are rounded up to this
// What may stay mapped beyond the most that was ever live at once. Measured at
// S = 257 (faithful, checkpointed small branch): 0 -> 1535 ms per iteration,
// 1423 MB peak RSS (blocks unmapped and faulted in again every iteration);
// 64 MB -> 1365 ms, 1411 MB; 128 MB -> 1430 ms, 1492 MB.
constexpr size_t kSlack = size_t{64} << 20;

class CachingAllocator final : public c10::Allocator {
public:
    c10::DataPtr allocate(size_t bytes) const override {
        if (bytes < kLarge) {
            void* small = c10::alloc_cpu(bytes);
            return {small, small, &CachingAllocator::release, c10::Device(c10::DeviceType::CPU)};
        }
        const size_t size = (bytes + kChunk - 1) / kChunk * kChunk;
        void* block = take(size);
        if (!block) block = map(size);
        return {block, block, &CachingAllocator::release, c10::Device(c10::DeviceType::CPU)};
    }

    // oneDNN allocates through raw_allocate()/raw_deallocate(), which need this.
    c10::DeleterFnPtr raw_deleter() const override { return &CachingAllocator::release; }

    TensorMemoryStats stats() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return stats_;
    }
    void resetPeak() {
        std::lock_guard<std::mutex> lock(mutex_);
        stats_.peakLiveBytes = stats_.liveBytes;
    }
    void trim() const {
        std::lock_guard<std::mutex> lock(mutex_);
        for (auto& [size, blocks] : free_) {
            for (void* block : blocks) {
                munmap(block, size);
                sizes_.erase(block);
            }
            stats_.cachedBytes -= size * blocks.size();
            blocks.clear();
        }
    }

    static CachingAllocator& instance() {
        static auto* allocator = new CachingAllocator;  // outlives every tensor
        return *allocator;
    }

private:
    void* take(size_t size) const {
        std::lock_guard<std::mutex> lock(mutex_);
        // The same size, else the smallest larger cached block up to 4x the
        // size: using an idle block costs nothing, mapping a new one costs
        // page faults and memory.
        auto it = free_.lower_bound(size);
        while (it != free_.end() && it->second.empty()) ++it;
        if (it == free_.end() || it->first > 4 * size) return nullptr;
        size = it->first;
        void* block = it->second.back();
        it->second.pop_back();
        stats_.cachedBytes -= size;
        countLive(size);
        return block;
    }

    void* map(size_t size) const {
        evictFor(size);
        void* block = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (block == MAP_FAILED) {
            // Out of memory or address space: give back what is cached and try once more.
            trim();
            block = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            if (block == MAP_FAILED) throw std::bad_alloc();
        }
        std::lock_guard<std::mutex> lock(mutex_);
        sizes_[block] = size;
        countLive(size);
        return block;
    }

    // Before mapping a new block: unmap cached blocks (largest first) so that
    // what is mapped stays within the most that was ever live at once, plus
    // kSlack. The cache then holds the iteration's working set, not the sum
    // over sizes of each size's own peak (530 MB more at S = 257).
    void evictFor(size_t size) const {
        std::vector<std::pair<void*, size_t>> victims;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            const size_t bound = std::max(stats_.peakLiveBytes, stats_.liveBytes + size) + kSlack;
            for (auto it = free_.rbegin(); it != free_.rend() && stats_.liveBytes + stats_.cachedBytes + size > bound; ++it) {
                auto& blocks = it->second;
                while (!blocks.empty() && stats_.liveBytes + stats_.cachedBytes + size > bound) {
                    victims.push_back({blocks.back(), it->first});
                    sizes_.erase(blocks.back());
                    blocks.pop_back();
                    stats_.cachedBytes -= it->first;
                }
            }
        }
        for (const auto& [block, bytes] : victims) munmap(block, bytes);
    }

    static void release(void* block) {
        if (!block) return;
        auto& self = instance();
        {
            std::lock_guard<std::mutex> lock(self.mutex_);
            const auto it = self.sizes_.find(block);
            if (it != self.sizes_.end()) {
                const size_t size = it->second;
                self.free_[size].push_back(block);
                self.stats_.liveBytes -= size;
                self.stats_.cachedBytes += size;
                return;
            }
        }
        c10::free_cpu(block);  // a small block
    }

    void countLive(size_t size) const {
        stats_.liveBytes += size;
        stats_.peakLiveBytes = std::max(stats_.peakLiveBytes, stats_.liveBytes);
    }

    mutable std::mutex mutex_;
    mutable std::unordered_map<void*, size_t> sizes_;                 // every mapped block
    mutable std::map<size_t, std::vector<void*>> free_;               // cached, by size
    mutable TensorMemoryStats stats_;
};

bool installed = false;

}  // namespace

void installTensorAllocator() {
    static const bool once = [] {
        c10::SetCPUAllocator(&CachingAllocator::instance(), /*priority=*/1);
        installed = true;
        return true;
    }();
    (void)once;
}
bool tensorAllocatorInstalled() { return installed; }
TensorMemoryStats tensorMemoryStats() { return installed ? CachingAllocator::instance().stats() : TensorMemoryStats{}; }
void resetTensorMemoryPeak() {
    if (installed) CachingAllocator::instance().resetPeak();
}
void releaseCachedTensorMemory() {
    if (installed) CachingAllocator::instance().trim();
}

#else  // LibTorch 2.x changed the allocator interface; its CUDA machines keep the default.

void installTensorAllocator() {}
bool tensorAllocatorInstalled() { return false; }
TensorMemoryStats tensorMemoryStats() { return {}; }
void resetTensorMemoryPeak() {}
void releaseCachedTensorMemory() {}

#endif

}  // namespace msf::detail
