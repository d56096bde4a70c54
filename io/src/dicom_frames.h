#pragma once
// A DICOM file's integer pixel data decoded into frames through DCMTK's DicomImage, some frames at a time.
#include <dcmtk/dcmdata/dcxfer.h>
#include <opencv2/core.hpp>

#include <string>
#include <vector>

#include "msformer/io/load_cancel.h"

class DcmFileFormat;
class DcmItem;

namespace msf::io {

struct DecodedFrames {
    std::vector<cv::Mat> frames;  // monochrome: CV_32F modality values (rescale applied); colour: BGR 8 or 16-bit
    bool monochrome = true;
    std::string note;  // where fewer frames than the file's Number of Frames could be decoded: how many, and why
};

// The frames of `ff` (loaded with its large elements left on disk). A multi-frame file is decoded about 16 MB of
// frames at a time through DCMTK's partial access, which reads and decompresses only those: `cancelled` is
// asked between them (LoadCancelled) and `progress` told the frames done of all; a part after the first that
// cannot be decoded (a truncated file, a damaged frame) ends the read there, said in `note`. IoError naming
// `path` (with `xferText`, the transfer syntax's name) when the first cannot.
DecodedFrames decodeFrames(const std::string& path, DcmFileFormat& ff, E_TransferSyntax xfer, const std::string& xferText,
                           int bitsStored, const CancelCheck& cancelled, const LoadProgress& progress);

// RLE pixel data that DCMTK 3.6.7's decoder would read past (a SEGV found by fuzzing): the index of the first frame
// whose fragment's 64-byte header is not 1 to 15 segments at ascending offsets from 64 inside the fragment (`why`
// says how), or -1. For `xfer` RLE Lossless only.
long firstMalformedRleFrame(DcmItem* ds, E_TransferSyntax xfer, std::string* why);

}  // namespace msf::io
