#include "layer_norm_kernels.h"

#ifndef MSFORMER_SYNTAX_CHECK
#include <cuda_runtime.h>
#endif

#include <algorithm>
#include <stdexcept>
#include <string>

namespace msf::cuda {

namespace {

constexpr int kWarp = 32;
constexpr int kWarpsPerBlock = 8;
constexpr int kThreads = kWarp * kWarpsPerBlock;
constexpr int kMaxVectorsPerLane = 4;  // 4 x 32 float4 = 512 channels

void check(cudaError_t status, const char* what) {
    if (status != cudaSuccess) throw std::runtime_error(std::string(what) + ": " + cudaGetErrorString(status));
}

__device__ __forceinline__ float warpSum(float v) {
#pragma unroll
    for (int offset = kWarp / 2; offset > 0; offset /= 2) v += __shfl_xor_sync(0xffffffffu, v, offset);
    return v;
}

__device__ __forceinline__ float sum4(const float4& a) { return a.x + a.y + a.z + a.w; }
__device__ __forceinline__ float4 zero4() { return make_float4(0.f, 0.f, 0.f, 0.f); }

// One warp per row; lane l holds the row's float4 number l + 32 i, i < V.
template <int V>
__global__ void __launch_bounds__(kThreads)
    forwardKernel(const float4* __restrict__ x, const float4* __restrict__ gamma, const float4* __restrict__ beta,
                  float4* __restrict__ y, float* __restrict__ mean, float* __restrict__ rstd, long long rows,
                  int vectors, float eps) {
    const int lane = threadIdx.x % kWarp;
    const long long row = static_cast<long long>(blockIdx.x) * kWarpsPerBlock + threadIdx.x / kWarp;
    if (row >= rows) return;  // the whole warp: `row` is the same for its lanes
    const float4* in = x + row * vectors;
    float4 v[V];
    float sum = 0.f;
#pragma unroll
    for (int i = 0; i < V; ++i) {
        const int c = lane + kWarp * i;
        v[i] = c < vectors ? in[c] : zero4();
        sum += sum4(v[i]);
    }
    const float inverseCount = 1.f / (4.f * vectors);
    const float mu = warpSum(sum) * inverseCount;
    float squares = 0.f;
#pragma unroll
    for (int i = 0; i < V; ++i) {
        if (lane + kWarp * i < vectors) {
            const float a = v[i].x - mu, b = v[i].y - mu, c = v[i].z - mu, d = v[i].w - mu;
            squares += a * a + b * b + c * c + d * d;
        }
    }
    const float r = rsqrtf(warpSum(squares) * inverseCount + eps);
    float4* out = y + row * vectors;
#pragma unroll
    for (int i = 0; i < V; ++i) {
        const int c = lane + kWarp * i;
        if (c < vectors) {
            const float4 g = gamma[c], b = beta[c];
            out[c] = make_float4((v[i].x - mu) * r * g.x + b.x, (v[i].y - mu) * r * g.y + b.y,
                                 (v[i].z - mu) * r * g.z + b.z, (v[i].w - mu) * r * g.w + b.w);
        }
    }
    if (lane == 0) {
        mean[row] = mu;
        rstd[row] = r;
    }
}

// A fixed grid; each warp takes rows blockIdx * 8 + warp, then every
// gridDim * 8th row after it, and keeps its lanes' gamma/beta sums in
// registers; the block adds its warps' sums in shared memory and writes one
// row of partials.
template <int V>
__global__ void __launch_bounds__(kThreads)
    backwardKernel(const float4* __restrict__ x, const float4* __restrict__ dy, const float4* __restrict__ gamma,
                   const float* __restrict__ mean, const float* __restrict__ rstd, float4* __restrict__ dx,
                   float4* __restrict__ partialGamma, float4* __restrict__ partialBeta, long long rows, int vectors) {
    __shared__ float4 sharedGamma[kWarpsPerBlock][kWarp * V];
    __shared__ float4 sharedBeta[kWarpsPerBlock][kWarp * V];
    const int lane = threadIdx.x % kWarp, warp = threadIdx.x / kWarp;
    float4 g[V], dGamma[V], dBeta[V];
#pragma unroll
    for (int i = 0; i < V; ++i) {
        const int c = lane + kWarp * i;
        g[i] = c < vectors ? gamma[c] : zero4();
        dGamma[i] = zero4();
        dBeta[i] = zero4();
    }
    const float inverseCount = 1.f / (4.f * vectors);
    const long long stride = static_cast<long long>(gridDim.x) * kWarpsPerBlock;
    for (long long row = static_cast<long long>(blockIdx.x) * kWarpsPerBlock + warp; row < rows; row += stride) {
        const float mu = mean[row], r = rstd[row];
        float4 xhat[V], gdy[V];
        float a = 0.f, b = 0.f;
#pragma unroll
        for (int i = 0; i < V; ++i) {
            const int c = lane + kWarp * i;
            if (c < vectors) {
                const float4 xv = x[row * vectors + c], d = dy[row * vectors + c];
                xhat[i] = make_float4((xv.x - mu) * r, (xv.y - mu) * r, (xv.z - mu) * r, (xv.w - mu) * r);
                gdy[i] = make_float4(d.x * g[i].x, d.y * g[i].y, d.z * g[i].z, d.w * g[i].w);
                a += sum4(gdy[i]);
                b += gdy[i].x * xhat[i].x + gdy[i].y * xhat[i].y + gdy[i].z * xhat[i].z + gdy[i].w * xhat[i].w;
                dGamma[i].x += d.x * xhat[i].x;
                dGamma[i].y += d.y * xhat[i].y;
                dGamma[i].z += d.z * xhat[i].z;
                dGamma[i].w += d.w * xhat[i].w;
                dBeta[i].x += d.x;
                dBeta[i].y += d.y;
                dBeta[i].z += d.z;
                dBeta[i].w += d.w;
            } else {
                xhat[i] = zero4();
                gdy[i] = zero4();
            }
        }
        a = warpSum(a) * inverseCount;
        b = warpSum(b) * inverseCount;
#pragma unroll
        for (int i = 0; i < V; ++i) {
            const int c = lane + kWarp * i;
            if (c < vectors)
                dx[row * vectors + c] = make_float4(r * (gdy[i].x - a - xhat[i].x * b), r * (gdy[i].y - a - xhat[i].y * b),
                                                    r * (gdy[i].z - a - xhat[i].z * b), r * (gdy[i].w - a - xhat[i].w * b));
        }
    }
#pragma unroll
    for (int i = 0; i < V; ++i) {
        sharedGamma[warp][lane + kWarp * i] = dGamma[i];
        sharedBeta[warp][lane + kWarp * i] = dBeta[i];
    }
    __syncthreads();
    for (int c = threadIdx.x; c < vectors; c += kThreads) {
        float4 tg = zero4(), tb = zero4();
#pragma unroll
        for (int w = 0; w < kWarpsPerBlock; ++w) {
            const float4 pg = sharedGamma[w][c], pb = sharedBeta[w][c];
            tg.x += pg.x;
            tg.y += pg.y;
            tg.z += pg.z;
            tg.w += pg.w;
            tb.x += pb.x;
            tb.y += pb.y;
            tb.z += pb.z;
            tb.w += pb.w;
        }
        partialGamma[static_cast<long long>(blockIdx.x) * vectors + c] = tg;
        partialBeta[static_cast<long long>(blockIdx.x) * vectors + c] = tb;
    }
}

int vectorsPerLane(int64_t cols) { return static_cast<int>((cols / 4 + kWarp - 1) / kWarp); }

}  // namespace

bool layerNormSupports(int64_t cols) {
    return cols > 0 && cols % 4 == 0 && vectorsPerLane(cols) <= kMaxVectorsPerLane;
}

void layerNormForward(const float* x, const float* gamma, const float* beta, float* y, float* mean, float* rstd,
                      int64_t rows, int64_t cols, float eps, void* stream) {
    if (!layerNormSupports(cols)) throw std::invalid_argument("layerNormForward: unsupported channel count");
    if (rows == 0) return;
    const int vectors = static_cast<int>(cols / 4);
    const dim3 grid(static_cast<unsigned>((rows + kWarpsPerBlock - 1) / kWarpsPerBlock));
    const auto s = static_cast<cudaStream_t>(stream);
    const auto* x4 = reinterpret_cast<const float4*>(x);
    const auto* g4 = reinterpret_cast<const float4*>(gamma);
    const auto* b4 = reinterpret_cast<const float4*>(beta);
    auto* y4 = reinterpret_cast<float4*>(y);
    switch (vectorsPerLane(cols)) {
        case 1: forwardKernel<1><<<grid, kThreads, 0, s>>>(x4, g4, b4, y4, mean, rstd, rows, vectors, eps); break;
        case 2: forwardKernel<2><<<grid, kThreads, 0, s>>>(x4, g4, b4, y4, mean, rstd, rows, vectors, eps); break;
        case 3: forwardKernel<3><<<grid, kThreads, 0, s>>>(x4, g4, b4, y4, mean, rstd, rows, vectors, eps); break;
        default: forwardKernel<4><<<grid, kThreads, 0, s>>>(x4, g4, b4, y4, mean, rstd, rows, vectors, eps); break;
    }
    check(cudaGetLastError(), "layerNormForward");
}

namespace {
// Blocks of backwardKernel<V> that fit on the GPU at once (the grid-stride
// loop needs no more).
template <int V>
int residentBlocks() {
    static const int blocks = [] {
        int device = 0, multiprocessors = 0, perMultiprocessor = 0;
        check(cudaGetDevice(&device), "cudaGetDevice");
        check(cudaDeviceGetAttribute(&multiprocessors, cudaDevAttrMultiProcessorCount, device), "cudaDeviceGetAttribute");
        check(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&perMultiprocessor, backwardKernel<V>, kThreads, 0),
              "cudaOccupancyMaxActiveBlocksPerMultiprocessor");
        return std::max(1, multiprocessors * perMultiprocessor);
    }();
    return blocks;
}
}  // namespace

int layerNormBackwardBlocks(int64_t rows, int64_t cols) {
    if (!layerNormSupports(cols)) throw std::invalid_argument("layerNormBackwardBlocks: unsupported channel count");
    int resident = 0;
    switch (vectorsPerLane(cols)) {
        case 1: resident = residentBlocks<1>(); break;
        case 2: resident = residentBlocks<2>(); break;
        case 3: resident = residentBlocks<3>(); break;
        default: resident = residentBlocks<4>(); break;
    }
    const int64_t needed = (rows + kWarpsPerBlock - 1) / kWarpsPerBlock;
    return static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(needed, resident)));
}

void layerNormBackward(const float* x, const float* dy, const float* gamma, const float* mean, const float* rstd,
                       float* dx, float* partialGamma, float* partialBeta, int64_t rows, int64_t cols, void* stream) {
    if (!layerNormSupports(cols)) throw std::invalid_argument("layerNormBackward: unsupported channel count");
    const int vectors = static_cast<int>(cols / 4);
    const dim3 grid(static_cast<unsigned>(layerNormBackwardBlocks(rows, cols)));
    const auto s = static_cast<cudaStream_t>(stream);
    const auto* x4 = reinterpret_cast<const float4*>(x);
    const auto* d4 = reinterpret_cast<const float4*>(dy);
    const auto* g4 = reinterpret_cast<const float4*>(gamma);
    auto* dx4 = reinterpret_cast<float4*>(dx);
    auto* pg4 = reinterpret_cast<float4*>(partialGamma);
    auto* pb4 = reinterpret_cast<float4*>(partialBeta);
    switch (vectorsPerLane(cols)) {
        case 1: backwardKernel<1><<<grid, kThreads, 0, s>>>(x4, d4, g4, mean, rstd, dx4, pg4, pb4, rows, vectors); break;
        case 2: backwardKernel<2><<<grid, kThreads, 0, s>>>(x4, d4, g4, mean, rstd, dx4, pg4, pb4, rows, vectors); break;
        case 3: backwardKernel<3><<<grid, kThreads, 0, s>>>(x4, d4, g4, mean, rstd, dx4, pg4, pb4, rows, vectors); break;
        default: backwardKernel<4><<<grid, kThreads, 0, s>>>(x4, d4, g4, mean, rstd, dx4, pg4, pb4, rows, vectors); break;
    }
    check(cudaGetLastError(), "layerNormBackward");
}

}  // namespace msf::cuda
