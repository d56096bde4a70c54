#pragma once

#include <opencv2/core.hpp>

#include <string>
#include <vector>

#include "msformer/io/image.h"

namespace msf::io {

// A palette (indexed-colour) image read as a label map: its colour indices, not its colours, as the labels
// (Pascal VOC's SegmentationClass and LabelMe's label.png, where index 1 is dark red and 16 dark green, whose
// greys are both 38; ImageJ's label TIFFs with a LUT). A PNG's one frame (CV_8U, one index per pixel whatever
// its bit depth, turned by its eXIf orientation as the decoder turns its colours) or a TIFF's pages (8- or
// 16-bit). Empty where the file is neither, where its palette's entry 0 is not black (index 0 and black are
// then not both "outside": its colours are read), or where the indices cannot be read or lined up (the
// decoder's reading stands).
std::vector<cv::Mat> paletteIndices(const std::string& path);

// `img`, the file at `path` as readRaster read it, read as a mask: a palette image's frames replaced by its indices
// (said in its reader notes), any other file left as it is.
void readPaletteIndicesAsLabels(const std::string& path, Image& img);

}  // namespace msf::io
