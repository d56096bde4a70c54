#pragma once
// LayerNorm over the channels of n x C float32 tokens, C a multiple of 4 and at
// most 512: one warp per row, 16-byte loads (LibTorch's kernel gives each row
// of 100 channels a block of 128 threads, most of them idle: 106 us for
// 66049 x 100 on an H100, a fifth of the memory bandwidth, and its backward's
// gamma/beta reduction runs 4 blocks for 16641 rows). Plain CUDA: no LibTorch
// headers, built by nvcc where one is found (engine/core/CMakeLists.txt).
// Pointers must be 16-byte aligned; `stream` is a cudaStream_t.
#include <cstdint>

namespace msf::cuda {

bool layerNormSupports(int64_t cols);

// y = (x - mean) * rstd * gamma + beta per row; writes each row's mean and rstd.
void layerNormForward(const float* x, const float* gamma, const float* beta, float* y, float* mean, float* rstd,
                      int64_t rows, int64_t cols, float eps, void* stream);

// Rows of partial sums the backward pass writes (one per thread block).
int layerNormBackwardBlocks(int64_t rows, int64_t cols);

// dx per row, and partialGamma/partialBeta (layerNormBackwardBlocks(rows, cols) x
// cols): sums over each block's rows of dy * xhat and dy; their column sums
// are the gamma and beta gradients.
void layerNormBackward(const float* x, const float* dy, const float* gamma, const float* mean, const float* rstd,
                       float* dx, float* partialGamma, float* partialBeta, int64_t rows, int64_t cols, void* stream);

}  // namespace msf::cuda
