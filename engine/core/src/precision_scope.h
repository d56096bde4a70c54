#pragma once
// The arithmetic a segmentation run uses for its matrix products and
// convolutions (MsFormerConfig::precision), set for the lifetime of the scope
// on the calling thread and restored afterwards:
// - Float32: LibTorch's defaults.
// - TF32: CUDA matrix products may use TF32 tensor cores (cuDNN convolutions
//   already do by default). Process-wide in LibTorch; no effect on the CPU.
// - BFloat16: autocast on the run's device: matrix products and convolutions
//   take bfloat16 inputs and accumulate in float32; normalisations, softmaxes
//   and losses stay float32 (LibTorch's autocast lists). Parameters, their
//   gradients and the optimiser stay float32.
#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <memory>

#include "msformer/config.h"

namespace msf::detail {

class PrecisionScope {
public:
    PrecisionScope(Precision precision, c10::DeviceType device);
    ~PrecisionScope();
    PrecisionScope(const PrecisionScope&) = delete;
    PrecisionScope& operator=(const PrecisionScope&) = delete;

private:
    struct Saved;
    std::unique_ptr<Saved> saved_;
};

// Whether autocast is on for `device` on this thread.
bool autocastEnabled(c10::DeviceType device);

// A bfloat16 or half tensor (an autocast output) as float32; float32 and
// float64 (the gradient tests' oracle) unchanged. For the softmaxes,
// normalisations and losses that autocast keeps in float32 on CUDA but not
// on the CPU.
inline at::Tensor widened(const at::Tensor& t) {
    const auto type = t.scalar_type();
    return type == at::kBFloat16 || type == at::kHalf ? t.to(at::kFloat) : t;
}

}  // namespace msf::detail
