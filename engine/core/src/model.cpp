#include "model.h"

#include <ATen/ATen.h>
#include <torch/nn/functional/activation.h>

namespace msf::detail {

namespace F = torch::nn::functional;
using torch::nn::Conv2dOptions;

namespace {
torch::nn::Conv2d pointwise(int64_t in, int64_t out, bool bias = true) {
    return torch::nn::Conv2d(Conv2dOptions(in, out, 1).bias(bias));
}
}  // namespace

ChannelLayerNormImpl::ChannelLayerNormImpl(int64_t channels, double eps_) : eps(eps_) {
    weight = register_parameter("weight", torch::ones({channels}));
    bias = register_parameter("bias", torch::zeros({channels}));
}

torch::Tensor ChannelLayerNormImpl::forward(const torch::Tensor& x) {
    auto mean = x.mean(1, true);
    auto centred = x - mean;
    auto var = centred.pow(2).mean(1, true);
    return centred * torch::rsqrt(var + eps) * weight.view({1, -1, 1, 1}) + bias.view({1, -1, 1, 1});
}

EfficientAttentionImpl::EfficientAttentionImpl(int64_t dim) {
    query = register_module("query", pointwise(dim, dim));
    key = register_module("key", pointwise(dim, dim));
    value = register_module("value", pointwise(dim, dim));
    reproject = register_module("reproject", pointwise(dim, dim));
}

std::pair<torch::Tensor, torch::Tensor> EfficientAttentionImpl::forward(const torch::Tensor& x) {
    const auto b = x.size(0), d = x.size(1), h = x.size(2), w = x.size(3);
    auto q = query(x).view({b, d, h * w}).softmax(1);   // over channels
    auto k = key(x).view({b, d, h * w}).softmax(2);     // over tokens
    auto v = value(x).view({b, d, h * w});
    auto context = torch::bmm(k, v.transpose(1, 2));    // b x D x D
    auto attended = torch::bmm(context.transpose(1, 2), q);  // b x D x n
    return {reproject(attended.view({b, d, h, w})), context};
}

MixFfnImpl::MixFfnImpl(int64_t dim, int64_t hidden) {
    fc1 = register_module("fc1", pointwise(dim, hidden));
    dwconv = register_module("dwconv", torch::nn::Conv2d(Conv2dOptions(hidden, hidden, 3).padding(1).groups(hidden)));
    norm = register_module("norm", ChannelLayerNorm(hidden));
    fc2 = register_module("fc2", pointwise(hidden, dim));
}

torch::Tensor MixFfnImpl::forward(const torch::Tensor& x) {
    auto h = fc1(x);  // computed once (the published code evaluates it twice)
    h = F::gelu(norm(dwconv(h) + h));
    return fc2(h);
}

TransformerBlockImpl::TransformerBlockImpl(int64_t dim, int64_t hidden) {
    norm1 = register_module("norm1", ChannelLayerNorm(dim));
    attention = register_module("attention", EfficientAttention(dim));
    norm2 = register_module("norm2", ChannelLayerNorm(dim));
    ffn = register_module("ffn", MixFfn(dim, hidden));
}

std::pair<torch::Tensor, torch::Tensor> TransformerBlockImpl::forward(torch::Tensor x) {
    auto [attended, context] = attention(norm1(x));
    x = x + attended;
    x = x + ffn(norm2(x));
    return {x, context};
}

BranchImpl::BranchImpl(int64_t inChannels, int64_t dim, int64_t hidden, int64_t stride, int blocks) {
    embed = register_module("embed", torch::nn::Conv2d(Conv2dOptions(inChannels, dim, 3).stride(stride).padding(1)));
    embedNorm = register_module("embed_norm", torch::nn::BatchNorm2d(dim));
    for (int i = 0; i < blocks; ++i) {
        blockList.push_back(register_module("block" + std::to_string(i), TransformerBlock(dim, hidden)));
        blockNorms.push_back(register_module("block_norm" + std::to_string(i), torch::nn::BatchNorm2d(dim)));
    }
}

std::pair<torch::Tensor, torch::Tensor> BranchImpl::forward(const torch::Tensor& x) {
    auto tokens = embedNorm(embed(x));
    torch::Tensor context;
    for (size_t i = 0; i < blockList.size(); ++i) {
        auto out = blockList[i](tokens);
        tokens = blockNorms[i](out.first);
        context = out.second;
    }
    return {tokens, context};
}

int64_t intraPatchFor(int64_t size, int64_t shift, int64_t configured) {
    const int64_t side = size - shift;
    int64_t patch = std::min(configured, side / 2);
    return std::max<int64_t>(patch, 1);
}

MsFormerNetImpl::MsFormerNetImpl(const MsFormerConfig& c, int64_t inChannels)
    : size_(c.size), stride_(c.largeStride), shift_(c.intraShift), temperature_(c.intraTemperature) {
    const int64_t d = c.embedDim, hidden = c.ffnRatio * c.embedDim, k = c.clusters;
    small = register_module("small", Branch(inChannels, d, hidden, 1, c.blocks));
    large = register_module("large", Branch(inChannels, d, hidden, stride_, c.blocks));
    upsample = register_module("upsample", pointwise(d, stride_ * stride_ * d, false));
    fuse = register_module("fuse", pointwise(2 * d, k, false));
    patch_ = intraPatchFor(size_, shift_, c.intraPatch);
    tokensPerSide_ = (size_ - shift_) / patch_;
    intraNorm = register_module("intra_norm", torch::nn::BatchNorm2d(k));
    intraProject = register_module("intra_project", torch::nn::Linear(k * patch_ * patch_, d));
}

ForwardOutput MsFormerNetImpl::forward(const torch::Tensor& x) {
    auto [smallTokens, contextSmall] = small(x);
    auto [largeTokens, contextLarge] = large(x);
    auto up = at::pixel_shuffle(upsample(largeTokens), stride_);
    up = up.narrow(2, 0, size_).narrow(3, 0, size_);
    auto logits = fuse(torch::cat({smallTokens, up.contiguous()}, 1));
    return {logits, contextSmall, contextLarge};
}

torch::Tensor MsFormerNetImpl::intraAttention(const torch::Tensor& logits) {
    auto y = intraNorm(logits);
    const int64_t k = y.size(1), n = tokensPerSide_, p = patch_, side = n * p;
    auto tokens = [&](int64_t offset) {
        auto crop = y.narrow(2, offset, side).narrow(3, offset, side);  // 1 x K x side x side
        auto patches = crop.reshape({k, n, p, n, p}).permute({1, 3, 0, 2, 4}).reshape({n * n, k * p * p});
        return intraProject(patches);  // n^2 x D
    };
    auto shifted = tokens(shift_);
    auto unshifted = tokens(0);
    return torch::softmax(torch::mm(shifted, unshifted.t()) / temperature_, 1);
}

}  // namespace msf::detail
