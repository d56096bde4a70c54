#pragma once

#include <opencv2/core.hpp>

#include <string>

#include "msformer/io/image.h"

namespace msf::io {

// A palette (indexed-colour) PNG read as a label map: its colour indices, not its colours, as the labels
// (Pascal VOC's SegmentationClass, LabelMe's label.png: index 1 is dark red, 16 dark green, whose greys are
// both 38). CV_8U, one index per pixel whatever the bit depth; where `turned` (an eXIf chunk), turned as the decoder
// turns the file's colours.
// Empty where the file is no palette PNG, where its palette's entry 0 is not black (index 0 and black are
// then not both "outside": its colours are read), or where libpng cannot read it (the decoder's error stands).
cv::Mat paletteIndices(const std::string& path, bool turned);

// `img`, the file at `path` as readRaster read it, read as a mask: a palette PNG's frame replaced by its indices
// (said in its reader notes), any other file left as it is.
void readPaletteIndicesAsLabels(const std::string& path, Image& img);

}  // namespace msf::io
