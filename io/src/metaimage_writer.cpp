#include "msformer/io/metaimage_writer.h"

#include <cmath>
#include <filesystem>
#include <fstream>

#include "file_checks.h"
#include "mask_volume.h"
#include "metaimage_parts.h"
#include "msformer/io/atomic_write.h"
#include "msformer/io/io_error.h"

namespace msf::io {

namespace {

// The letter ITK's AnatomicalOrientation gives an axis: the side it comes from, along the LPS direction it
// is closest to ("RAI" for an axial image stored from the right, anterior, inferior corner).
char fromSide(const std::array<double, 3>& lps) {
    int d = 0;
    for (int r = 1; r < 3; ++r)
        if (std::abs(lps[r]) > std::abs(lps[d])) d = r;
    static constexpr char positive[3] = {'R', 'A', 'I'}, negative[3] = {'L', 'P', 'S'};
    return lps[d] >= 0 ? positive[d] : negative[d];
}

}  // namespace

bool looksLikeMetaImageMask(const std::string& path) {
    return path.size() > 4 && hasSuffix(path, ".mha");
}

void checkMetaImageVolume(const std::string& path, const Image& source) {
    checkMaskVolume(path, source, "MetaImage");
}

void writeMetaImageMask(const std::string& path, const cv::Mat& mask, const Image& source, bool overwrite) {
    writeMetaImageMask(path, std::vector<FrameMask>{{source.current, mask}}, source, overwrite);
}

void writeMetaImageMask(const std::string& path, const std::vector<FrameMask>& masks, const Image& source,
                        bool overwrite) {
    if (!looksLikeMetaImageMask(path))
        throw IoError(path, "a MetaImage mask is written as one .mha file (header and data together; a .mhd "
                            "header would need a data file beside it)");
    MaskVolume v = maskVolumeToWrite(path, masks, source, "MetaImage", overwrite);  // MetaIO wraps its voxels

    // ITK's world is LPS in mm: the axes' lengths are the spacing, their directions the matrix's rows.
    const LpsGrid g = lpsGrid(v, source);
    double spacing[3], matrix[9], offset[3];
    std::string letters;
    for (int c = 0; c < 3; ++c) {
        const auto& lps = g.axes[c];
        const double length = std::sqrt(lps[0] * lps[0] + lps[1] * lps[1] + lps[2] * lps[2]);
        spacing[c] = length > 0 ? length : 1.0;
        // Without a place in patient space (a photo), the axes are the file's own, as ITK gives such an image.
        for (int r = 0; r < 3; ++r) matrix[c * 3 + r] = v.placed && length > 0 ? lps[r] / length : (r == c ? 1 : 0);
        offset[c] = g.origin[c];
        letters += fromSide({matrix[c * 3], matrix[c * 3 + 1], matrix[c * 3 + 2]});
    }
    const int dims[3] = {static_cast<int>(v.nx), static_cast<int>(v.ny), static_cast<int>(v.nz)};

    const std::string tmp = temporaryPathBeside(path, ".mha");
    bool written = false;
    {
        const std::lock_guard<std::mutex> lock(metaimage::metaIoMutex());
        MetaImage mi(3, dims, spacing, MET_UCHAR, 1, v.voxels.data());
        mi.TransformMatrix(matrix);
        mi.Position(offset);
        mi.AnatomicalOrientation(letters.c_str());
        mi.BinaryData(true);
        mi.BinaryDataByteOrderMSB(false);
        mi.CompressedData(true);
        // zlib's default level, as nifticlib's gzip: MetaIO's own wrote a 20-slice series mask in 6926 bytes, this 2244.
        mi.CompressionLevel(6);
        mi.ElementDataFileName("LOCAL");
        // Written to a stream opened here, so MetaIO sees no file name (it copies names into fixed buffers).
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        if (out.is_open()) {
            written = mi.WriteStream(&out, true, v.voxels.data());
            out.flush();
            written = written && out.good();
        }
    }
    std::error_code ec;
    if (!written || !std::filesystem::exists(tmp, ec)) {
        std::filesystem::remove(tmp, ec);
        throw IoError(path, "writing the MetaImage file failed (folder not writable or disk full?)");
    }
    moveIntoPlace(tmp, path, overwrite);
}

}  // namespace msf::io
