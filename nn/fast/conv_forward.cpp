// Fast convolution forward: Z = act(A_prev * W + b) by packed planes and
// register tiles (the planes and the kernel are in conv_planes.cpp).
//
//   Z[i,y,x,c] = act(b[c] + sum_{p,q,k} A_pad[i, y sh + p, x sw + q, k] W[p,q,k,c])
//   A_prev (m, h_prev, w_prev, c_prev), W (kh, kw, c_prev, c_new), Z (m, h, w, c_new)
//
// Each thread takes a share of the samples. With one input channel (C1) a
// sample is packed into its planes and correlated by wide rows. With several
// (C3), wide rows waste lanes, so the batch goes in the lanes instead: one
// vector holds one pixel of 16 samples (see correlate_lanes); the taps are
// summed in W's order either way, so both give the same bits.
#include "nn/fast/conv_forward.hpp"

#include <algorithm>
#include <cstddef>

#include "nn/fast/conv_planes.hpp"
#include "nn/fast/simd.hpp"

namespace nn::fast {

namespace {

using simd::kLanes;
using simd::Vec;

// The forward pass with the batch in the lanes, for inputs of several
// channels (LeNet's C3). There, wide rows waste lanes: a 10-wide output row
// is computed 14 wide, and 100 of every 144 pixels a tile sums are kept. Here
// a vector holds one pixel of kLanes samples instead, so every lane is used:
// the block's input is copied to in16[y][x][k][lane] (zero-padded), and a
// tile of CB channels x NP pixels of one output row sums over the taps in
// W.s order, as correlate_tile (conv_planes.cpp) does, so both give the same bits. The price
// is the copy in and the scatter of each lane back to its sample's NHWC
// output. With a single input channel (C1, the course's example) that costs
// more than the lanes save: C1 took 190-230 us this way, 150 with the planes.

// Z[i0 + l, y, x0 + j, c0 + c] = bias[c0 + c] + sum over taps, for c < CB, j < NP, l < n.
template <int CB, int NP>
void lanes_tile(const float* in16, int Wp, const Geometry& g, const float* W, int C_new, int c0, const float* bias,
                int y, int x0, int n, float* Z, Index out_size) {
    const int K = g.c_prev;
    Vec acc[CB][NP];
    for (int c = 0; c < CB; ++c)
        for (int j = 0; j < NP; ++j) acc[c][j] = simd::zero();
    for (int p = 0; p < g.kh; ++p)
        for (int q = 0; q < g.kw; ++q) {
            const float* a_pq = in16 + ((Index{y} * g.sh + p) * Wp + Index{x0} * g.sw + q) * K * kLanes;
            const float* w_pq = W + Index{p * g.kw + q} * K * C_new + c0;
            for (int k = 0; k < K; ++k) {
                Vec a[NP];  // input channel k under the NP output pixels, one vector of samples each
                for (int j = 0; j < NP; ++j) {
                    a[j] = simd::load(a_pq + (Index{j} * g.sw * K + k) * kLanes);
                    simd::keep_in_register(a[j]);  // or GCC reloads it for each of the CB multiplies
                }
                for (int c = 0; c < CB; ++c) {
                    const float w = w_pq[Index{k} * C_new + c];
                    for (int j = 0; j < NP; ++j) acc[c][j] += a[j] * w;
                }
            }
        }
    for (int c = 0; c < CB; ++c) {
        const float b_c = bias[c0 + c];
        for (int j = 0; j < NP; ++j) {
            float sums[kLanes];  // one value per sample, each stored into its own sample
            simd::store(sums, acc[c][j] + b_c);
            float* z = Z + (Index{y} * g.w + x0 + j) * C_new + c0 + c;
            for (int l = 0; l < n; ++l) z[l * out_size] = sums[l];
        }
    }
}

// At most 4 channels x 6 pixels: 24 sums and 6 inputs in 32 vector
// registers; 3 x 3 (9 sums, 3 inputs) where there are 16.
constexpr int kLanesCB = simd::kRegisters >= 32 ? 4 : 3, kLanesNP = simd::kRegisters >= 32 ? 6 : 3;
static_assert(kLanesCB <= 4 && kLanesNP <= 6, "correlate_lanes' switches have cases for at most 4 x 6");

template <int CB>
void lanes_tile_np(int np, const float* in16, int Wp, const Geometry& g, const float* W, int C_new, int c0,
                   const float* bias, int y, int x0, int n, float* Z, Index out_size) {
    switch (np) {
        case 1: lanes_tile<CB, 1>(in16, Wp, g, W, C_new, c0, bias, y, x0, n, Z, out_size); break;
        case 2: lanes_tile<CB, 2>(in16, Wp, g, W, C_new, c0, bias, y, x0, n, Z, out_size); break;
        case 3: lanes_tile<CB, 3>(in16, Wp, g, W, C_new, c0, bias, y, x0, n, Z, out_size); break;
        case 4: lanes_tile<CB, 4>(in16, Wp, g, W, C_new, c0, bias, y, x0, n, Z, out_size); break;
        case 5: lanes_tile<CB, 5>(in16, Wp, g, W, C_new, c0, bias, y, x0, n, Z, out_size); break;
        default: lanes_tile<CB, kLanesNP>(in16, Wp, g, W, C_new, c0, bias, y, x0, n, Z, out_size); break;
    }
}

// One block of n <= kLanes samples (its first input and output floats at a and z).
void correlate_lanes(const float* a, int n, const Geometry& g, const float* W, int C_new, const float* bias, float* z,
                     float* in16) {
    const int Hp = g.h_prev + g.pad_top + g.pad_bottom, Wp = g.w_prev + g.pad_left + g.pad_right;
    pack_lanes(a, n, g, Hp, Wp, in16);
    const Index out_size = Index{g.h} * g.w * C_new;
    // Tiles of equal width along a row where possible (a 10-wide row: 5 + 5, not 6 + 4).
    const int row_tiles = (g.w + kLanesNP - 1) / kLanesNP, width = (g.w + row_tiles - 1) / row_tiles;
    for (int y = 0; y < g.h; ++y)
        for (int x0 = 0; x0 < g.w; x0 += width)
            for (int c0 = 0; c0 < C_new; c0 += kLanesCB) {  // channels innermost: the inputs stay in L1
                const int np = std::min(width, g.w - x0);
                switch (std::min(kLanesCB, C_new - c0)) {
                    case 1: lanes_tile_np<1>(np, in16, Wp, g, W, C_new, c0, bias, y, x0, n, z, out_size); break;
                    case 2: lanes_tile_np<2>(np, in16, Wp, g, W, C_new, c0, bias, y, x0, n, z, out_size); break;
                    case 3: lanes_tile_np<3>(np, in16, Wp, g, W, C_new, c0, bias, y, x0, n, z, out_size); break;
                    default: lanes_tile_np<kLanesCB>(np, in16, Wp, g, W, C_new, c0, bias, y, x0, n, z, out_size); break;
                }
            }
}

}  // namespace

Tensor conv_forward(const Tensor& A_prev, const Tensor& W, const Tensor& b, Activation activation, Padding padding,
                    Stride stride, ThreadPool& pool) {
    const Geometry g = make_conv_geometry("fast::conv_forward", A_prev, W, b, padding, stride);
    const int c_new = W.dim(3);
    Tensor Z({g.m, g.h, g.w, c_new});
    if (Z.size() == 0) return Z;

    // One sample's planes, reused by a thread for each of its samples.
    const Planes P = plan_planes(1, g.c_prev, g.h_prev + g.pad_top + g.pad_bottom, g.w_prev + g.pad_left + g.pad_right,
                                 g.kh, g.kw, g.sh, g.sw);
    const Index in_size = Index{g.h_prev} * g.w_prev * g.c_prev;
    const Index out_size = Index{g.h} * g.w * c_new;
    const double work = static_cast<double>(g.m) * g.h * P.Wq * c_new * static_cast<double>(P.off.size());
    // One channel, stride 1, no padding: a sample is its own plane, and the
    // copy can be skipped while the tile's reads past it stay inside A_prev.
    const bool own_plane = g.c_prev == 1 && g.sh == 1 && g.sw == 1 && g.pad_top == 0 && g.pad_left == 0 &&
                           g.pad_bottom == 0 && g.pad_right == 0;
    const int threads = pool.threads_for(work, g.m, kConvWorkPerThread);
    // Several input channels, and enough blocks of kLanes samples for every thread: the batch in the lanes.
    const int blocks = (g.m + kLanes - 1) / kLanes;
    if (g.c_prev >= 2 && blocks >= threads) {
        const Index in16_size = Index{g.h_prev + g.pad_top + g.pad_bottom} * (g.w_prev + g.pad_left + g.pad_right) *
                                g.c_prev * kLanes;
        pool.run(blocks, threads, [&](int, int first, int last) {
            Buffer in16(in16_size, false);  // pack_lanes writes all of it
            for (int block = first; block < last; ++block) {
                const int i0 = block * kLanes, n = std::min(kLanes, g.m - i0);
                float* z = Z.data.data() + i0 * out_size;
                correlate_lanes(A_prev.data.data() + i0 * in_size, n, g, W.data.data(), c_new, b.data.data(), z,
                                in16.data());
                if (activation.kind != Activation::Kind::linear) activation.apply(z, zu(n * out_size));
            }
        });
        return Z;
    }
    pool.run(g.m, threads, [&](int, int begin, int end) {
        Buffer planes(P.size, true);
        for (int i = begin; i < end; ++i) {
            const float* a_i = A_prev.data.data() + i * in_size;
            const float* src = a_i;
            if (!own_plane || static_cast<std::size_t>(i * in_size + P.size) > A_prev.size()) {
                pack_sample(a_i, g.h_prev, g.w_prev, g.pad_top, g.pad_left, P, planes.data());
                src = planes.data();
            }
            float* z_i = Z.data.data() + i * out_size;
            correlate(src, P, W.data.data(), c_new, b.data.data(), g.h, g.w, z_i);
            if (activation.kind != Activation::Kind::linear) activation.apply(z_i, zu(out_size));
        }
    });
    return Z;
}

}  // namespace nn::fast
