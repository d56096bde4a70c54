#pragma once
// JPEG 2000 pixel data (transfer syntaxes 1.2.840.10008.1.2.4.90 to .93, and High-Throughput JPEG 2000,
// .201 to .203), which none of DCMTK's free codecs decodes: each frame's codestream is decoded with OpenJPEG
// and the data set's Pixel Data replaced by the native (uncompressed) pixels, so the reader goes on as for an
// uncompressed file.
#include <string>
#include <vector>

class DcmDataset;

namespace msf::io {

// Replaces `ds`'s encapsulated JPEG 2000 Pixel Data by its decoded pixels (interleaved samples, Photometric
// Interpretation YBR_RCT / YBR_ICT as RGB, which the codestream's own colour transform gives). Throws IoError
// naming `path` and the problem where a frame cannot be decoded or does not match the image's attributes.
// What the reader should tell the user goes to `notes`.
void decodeJpeg2000Pixels(const std::string& path, DcmDataset* ds, std::vector<std::string>* notes);

// The name of a High-Throughput JPEG 2000 transfer syntax UID (DCMTK 3.6.7 knows none); empty for any other.
std::string highThroughputJpeg2000Name(const std::string& uid);

}  // namespace msf::io
