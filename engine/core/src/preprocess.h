#pragma once
#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include "msformer/config.h"
#include "msformer/image_buffer.h"

namespace msf::detail {

// HWC buffer -> 1 x C x S x S float tensor on `device` (bilinear, antialiased
// when shrinking). Throws SegmentationError on an empty or inconsistent buffer.
at::Tensor toWorkingTensor(const ImageBuffer& image, int size, const c10::Device& device);

c10::Device torchDevice(DeviceChoice resolved);

// 1 x H x W (or H x W) integer tensor -> LabelMap renumbered by size.
LabelMap toLabelMap(const at::Tensor& labels);

}  // namespace msf::detail
