#pragma once
// The MS-Former network (docs/method.md): a dual-branch efficient transformer,
// fused to K logits per pixel, plus the intra-scale attention head.
//
// Two forward paths over the same parameters:
// - forward(): the one the loop uses. Token layout: an n x C matrix per branch
//   (n = H*W pixels, channels contiguous), so the per-token linear layers are
//   single GEMMs, LayerNorm is LibTorch's fused kernel, and the depthwise conv
//   reads the same memory as a channels-last image. The 1x1-conv weights are
//   used as the equivalent linear weights.
// - forwardReference(): the literal NCHW transcription (1x1 convs, LayerNorm
//   over the channel axis written out). Kept as the oracle the tests compare
//   forward() with, and for `msformer bench --reference`.
// Every gradient stays contiguous in the layout its consumer reads (LibTorch
// 1.13's GELU backward is wrong for non-contiguous gradients, pytorch#112006);
// test_engine_internals checks float32 gradients against float64.
#include <torch/nn/module.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include "msformer/config.h"

namespace msf::detail {

// LayerNorm over the channel axis of an NCHW tensor (per pixel token).
struct ChannelLayerNormImpl : torch::nn::Module {
    explicit ChannelLayerNormImpl(int64_t channels, double eps = 1e-5);
    torch::Tensor forward(const torch::Tensor& x);        // NCHW
    torch::Tensor forwardTokens(const torch::Tensor& x);  // n x C
    torch::Tensor weight, bias;
    double eps;
};
TORCH_MODULE(ChannelLayerNorm);

// Efficient attention (Shen et al. 2021), one head. Returns the output and the
// D x D context G = softmax_n(K) V^T.
struct EfficientAttentionImpl : torch::nn::Module {
    explicit EfficientAttentionImpl(int64_t dim);
    std::pair<torch::Tensor, torch::Tensor> forward(const torch::Tensor& x);         // NCHW
    std::pair<torch::Tensor, torch::Tensor> forwardTokens(const torch::Tensor& x);   // n x D; G is 1 x D x D
    torch::nn::Conv2d query{nullptr}, key{nullptr}, value{nullptr}, reproject{nullptr};
};
TORCH_MODULE(EfficientAttention);

// "Mix skip" FFN: fc1 -> GELU(LN(dwconv3x3(h) + h)) -> fc2.
struct MixFfnImpl : torch::nn::Module {
    MixFfnImpl(int64_t dim, int64_t hidden);
    torch::Tensor forward(const torch::Tensor& x);                                   // NCHW
    torch::Tensor forwardTokens(const torch::Tensor& x, int64_t height, int64_t width);  // n x D
    torch::nn::Conv2d fc1{nullptr}, dwconv{nullptr}, fc2{nullptr};
    ChannelLayerNorm norm{nullptr};
};
TORCH_MODULE(MixFfn);

// x + EA(LN(x)), then x + FFN(LN(x)); returns the block output and G.
struct TransformerBlockImpl : torch::nn::Module {
    TransformerBlockImpl(int64_t dim, int64_t hidden);
    std::pair<torch::Tensor, torch::Tensor> forward(torch::Tensor x);
    std::pair<torch::Tensor, torch::Tensor> forwardTokens(torch::Tensor x, int64_t height, int64_t width);
    // forwardTokens without checkpointing (what the checkpoint recomputes).
    std::pair<torch::Tensor, torch::Tensor> computeTokens(torch::Tensor x, int64_t height, int64_t width);
    bool checkpoint = false;  // keep only the input for backward and recompute the block there
    ChannelLayerNorm norm1{nullptr}, norm2{nullptr};
    EfficientAttention attention{nullptr};
    MixFfn ffn{nullptr};
};
TORCH_MODULE(TransformerBlock);

// Patch embedding (conv 3x3, given stride, + BN), then blocks each followed by BN.
struct BranchImpl : torch::nn::Module {
    BranchImpl(int64_t inChannels, int64_t dim, int64_t hidden, int64_t stride, int blocks, bool replicateEdges);
    std::pair<torch::Tensor, torch::Tensor> forward(const torch::Tensor& x);  // NCHW tokens, G of last block
    // n x D tokens (row-major pixels), G of last block; height/width of the grid.
    std::pair<torch::Tensor, torch::Tensor> forwardTokens(const torch::Tensor& x, int64_t* height, int64_t* width);
    torch::nn::Conv2d embed{nullptr};
    torch::nn::BatchNorm2d embedNorm{nullptr};
    std::vector<TransformerBlock> blockList;
    std::vector<torch::nn::BatchNorm2d> blockNorms;
};
TORCH_MODULE(Branch);

struct ForwardOutput {
    torch::Tensor logits;        // forward(): (S*S) x K, row-major pixels; forwardReference(): 1 x K x S x S
    torch::Tensor contextSmall;  // 1 x D x D
    torch::Tensor contextLarge;  // 1 x D x D
};

struct MsFormerNetImpl : torch::nn::Module {
    MsFormerNetImpl(const MsFormerConfig& config, int64_t inChannels);
    ForwardOutput forward(const torch::Tensor& x);           // x: 1 x C x S x S
    ForwardOutput forwardReference(const torch::Tensor& x);  // literal NCHW path
    // Intra-scale attention on BN(logits): softmax(A1 A2^T / t), tokens x tokens.
    torch::Tensor intraAttention(const torch::Tensor& tokenLogits);
    torch::Tensor intraAttentionReference(const torch::Tensor& logitsNchw);
    int64_t size() const { return size_; }

    int64_t intraPatch() const { return patch_; }
    int64_t intraTokens() const { return tokensPerSide_ * tokensPerSide_; }

    Branch small{nullptr}, large{nullptr};
    torch::nn::Conv2d upsample{nullptr};  // D -> stride^2 * D, then pixel shuffle; or D -> D after bilinear
    torch::nn::Conv2d fuse{nullptr};      // 2D -> K
    torch::nn::BatchNorm2d intraNorm{nullptr};
    torch::nn::Linear intraProject{nullptr};  // K * P * P -> D

private:
    int64_t size_, stride_, shift_, patch_, tokensPerSide_;
    bool interpolate_ = false;
    double temperature_;
};
TORCH_MODULE(MsFormerNet);

// Intra patch side actually used for working size S: the configured one,
// reduced for small S so that there are at least 2 x 2 tokens.
int64_t intraPatchFor(int64_t size, int64_t shift, int64_t configured);

}  // namespace msf::detail
