// nn::Adam::step on a ThreadPool: the parameters' values laid end to end and
// split into contiguous ranges (the pool's chunks, taken by whichever thread
// is free); each range is updated by Adam's own loop (Adam::update), so the
// numbers are step()'s.
#include "nn/fast/adam.hpp"

#include <algorithm>
#include <cstddef>

namespace nn::fast {

namespace {

// Values below which one thread updates everything: a kept pool costs about
// 1 us per loop, and a thread updates about 4,000 values per microsecond.
constexpr std::size_t kMinValuesPerThread = 16384;

}  // namespace

void adam_step(Adam& adam, const std::vector<Tensor*>& params, const std::vector<const Tensor*>& grads,
               ThreadPool& pool) {
    const float lr_t = adam.start_step(params, grads);
    std::size_t total = 0;  // values in all the parameters
    for (const Tensor* theta : params) total += theta->size();

    // Values [begin, end) of the parameters laid end to end.
    auto update = [&](std::size_t begin, std::size_t end) {
        std::size_t first = 0;  // where params[k] starts in the end-to-end numbering
        for (std::size_t k = 0; k < params.size() && first < end; first += params[k]->size(), ++k) {
            const std::size_t n = params[k]->size();
            const std::size_t j0 = std::max(begin, first) - first, j1 = std::min(end, first + n) - first;
            if (j0 < std::min(n, j1)) adam.update(k, *params[k], *grads[k], j0, j1, lr_t);
        }
    };
    if (pool.size() == 1 || total < kMinValuesPerThread) {  // one range, a loop of one on the caller
        pool.run(1, 1, [&](int, int, int) { update(0, total); });  // for the pool's loop_time
        return;
    }
    // Split into whole multiples of 16 values, so each range's vector loop starts aligned to the same lanes.
    const int chunks = static_cast<int>((total + 15) / 16);
    pool.run(chunks, pool.size(), [&](int, int begin, int end) {
        update(static_cast<std::size_t>(begin) * 16, std::min(total, static_cast<std::size_t>(end) * 16));
    });
}

}  // namespace nn::fast
