#include "dicom_frames.h"

#include <dcmtk/dcmdata/dcpixseq.h>
#include <dcmtk/dcmdata/dcpxitem.h>
#include <dcmtk/dcmdata/dctk.h>
#include <dcmtk/dcmimage/diregist.h>
#include <dcmtk/dcmimgle/dcmimage.h>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <memory>

#include "msformer/io/io_error.h"

namespace msf::io {

namespace {

cv::Mat monoFrame(const DiPixel* inter, size_t offset, int w, int h) {
    cv::Mat out(h, w, CV_32F);
    const size_t n = static_cast<size_t>(w) * h;
    float* dst = out.ptr<float>();
    auto copy = [&](auto* src) {
        for (size_t i = 0; i < n; ++i) dst[i] = static_cast<float>(src[offset + i]);
    };
    const void* data = inter->getData();
    switch (inter->getRepresentation()) {
        case EPR_Uint8: copy(static_cast<const Uint8*>(data)); break;
        case EPR_Sint8: copy(static_cast<const Sint8*>(data)); break;
        case EPR_Uint16: copy(static_cast<const Uint16*>(data)); break;
        case EPR_Sint16: copy(static_cast<const Sint16*>(data)); break;
        case EPR_Uint32: copy(static_cast<const Uint32*>(data)); break;
        case EPR_Sint32: copy(static_cast<const Sint32*>(data)); break;
    }
    return out;
}

constexpr double kPartBytes = 16.0 * (1 << 20);

}  // namespace

// DCMTK 3.6.7's RLE decoder reads wherever a frame's segment offsets point, past its fragment too (a SEGV, found
// by fuzzing: one offset of 771,752,155 in a 328-byte fragment). Each frame is one fragment (PS3.5 G.2) that starts
// with a 64-byte header: the segment count (1 to 15), then the segments' offsets, ascending from 64, each inside
// the fragment. The index of the first frame that breaks this (`why` says how), or -1.
long firstMalformedRleFrame(DcmItem* ds, E_TransferSyntax xfer, std::string* why) {
    DcmElement* e = nullptr;
    DcmPixelSequence* seq = nullptr;
    if (ds->findAndGetElement(DCM_PixelData, e).bad() || !e ||
        static_cast<DcmPixelData*>(e)->getEncapsulatedRepresentation(xfer, nullptr, seq).bad() || !seq)
        return -1;  // DCMTK says what is wrong
    for (unsigned long item = 1; item < seq->card(); ++item) {
        DcmPixelItem* fragment = nullptr;
        Uint8* bytes = nullptr;
        if (seq->getItem(fragment, item).bad() || fragment->getUint8Array(bytes).bad()) return -1;
        const Uint32 length = fragment->getLength();
        const auto word = [bytes](int i) {
            return Uint32(bytes[4 * i]) | Uint32(bytes[4 * i + 1]) << 8 | Uint32(bytes[4 * i + 2]) << 16 |
                   Uint32(bytes[4 * i + 3]) << 24;
        };
        const long frame = static_cast<long>(item) - 1;
        if (!bytes || length < 64) {
            *why = "its fragment of " + std::to_string(length) + " bytes is shorter than an RLE header (64)";
            return frame;
        }
        const Uint32 segments = word(0);
        if (segments < 1 || segments > 15) {
            *why = "its RLE header gives " + std::to_string(segments) + " segments (1 to 15 are allowed)";
            return frame;
        }
        for (Uint32 k = 0; k < segments; ++k) {
            const Uint32 offset = word(1 + int(k)), before = k ? word(int(k)) : 64;
            if ((k == 0 && offset != 64) || offset < before || offset >= length) {
                *why = "its RLE segment " + std::to_string(k + 1) + " starts at byte " + std::to_string(offset) +
                       " of its " + std::to_string(length) + "-byte fragment";
                return frame;
            }
        }
    }
    return -1;
}

DecodedFrames decodeFrames(const std::string& path, DcmFileFormat& ff, E_TransferSyntax xfer, const std::string& xferText,
                           int bitsStored, const CancelCheck& cancelled, const LoadProgress& progress) {
    DcmDataset* ds = ff.getDataset();
    long stated = 1;
    if (OFString v; ds->findAndGetOFString(DCM_NumberOfFrames, v).good()) stated = std::max(1L, std::atol(v.c_str()));
    Uint16 rows = 0, cols = 0, spp = 1;
    ds->findAndGetUint16(DCM_Rows, rows);
    ds->findAndGetUint16(DCM_Columns, cols);
    ds->findAndGetUint16(DCM_SamplesPerPixel, spp);
    // Only the first `n` frames decoded (DCMTK told so through the data set's count), said in the note.
    std::string shortData;
    const auto readFirst = [&](long n, const std::string& note) {
        shortData = note;
        ds->putAndInsertString(DCM_NumberOfFrames, std::to_string(n).c_str());
        stated = n;
    };
    // Native pixel data shorter than its Number of Frames needs (a cut transfer, a header edited): DCMTK refuses the
    // whole file ("Invalid DICOM image"); the frames it does hold are read, and said.
    DcmElement* pixelData = nullptr;
    Uint16 bitsAllocated = 0;
    ds->findAndGetUint16(DCM_BitsAllocated, bitsAllocated);
    const double storedFrame = double(rows) * cols * std::max<Uint16>(spp, 1) * bitsAllocated / 8;
    if (stated > 1 && DcmXfer(xfer).isNotEncapsulated() && storedFrame > 0 &&
        ds->findAndGetElement(DCM_PixelData, pixelData).good() && pixelData->getLength() < storedFrame * stated) {
        const long present = static_cast<long>(pixelData->getLength() / storedFrame);
        if (present >= 1)
            readFirst(present, "its Pixel Data holds " + std::to_string(present) + " of the " + std::to_string(stated) +
                                   " frames its Number of Frames gives: those are read");
    }
    if (xfer == EXS_RLELossless) {
        std::string why;
        if (const long bad = firstMalformedRleFrame(ds, xfer, &why); bad == 0) {
            throw IoError(path, "cannot decode pixel data (" + xferText + "): frame 0 is damaged: " + why);
        } else if (bad > 0 && bad < stated) {
            readFirst(bad, "frame " + std::to_string(bad) + " of its " + std::to_string(stated) + " is damaged (" + why +
                               "): the " + std::to_string(bad) + " frames before it are read");
        }
    }
    // A frame as DicomImage holds it: up to 4 bytes a sample.
    const double frameBytes = std::max(1.0, 4.0 * rows * cols * std::max<Uint16>(spp, 1));
    const unsigned long perPart = stated > 1 ? std::max(1UL, static_cast<unsigned long>(kPartBytes / frameBytes)) : 0;
    // One file in one go (its pixel data may be freed as it is decoded); several frames part by part.
    const unsigned long flags = stated > 1 ? CIF_UsePartialAccessToPixelData : CIF_MayDetachPixelData;
    DecodedFrames out;
    std::string stoppedBy;  // why a part after the first could not be decoded
    for (unsigned long first = 0; first == 0 || first < static_cast<unsigned long>(stated);) {
        DicomImage part(&ff, xfer, flags, first, perPart);
        std::string problem;
        if (part.getStatus() != EIS_Normal) problem = DicomImage::getString(part.getStatus());
        const int w = static_cast<int>(part.getWidth()), h = static_cast<int>(part.getHeight());
        const unsigned long count = problem.empty() ? part.getFrameCount() : 0;
        if (first == 0 && problem.empty()) out.monochrome = part.isMonochrome();
        size_t got = 0;
        if (problem.empty() && part.isMonochrome()) {
            const DiPixel* inter = part.getInterData();
            const size_t pixels = static_cast<size_t>(w) * h;
            got = inter && pixels ? std::min<size_t>(count, inter->getCount() / pixels) : 0;
            for (size_t f = 0; f < got; ++f) out.frames.push_back(monoFrame(inter, f * pixels, w, h));
            if (got == 0) problem = "no pixel values";
        } else if (problem.empty()) {
            const int bits = bitsStored > 8 ? 16 : 8;
            for (; got < count; ++got) {
                const void* rgb = part.getOutputData(bits, static_cast<unsigned long>(got), 0);
                if (!rgb) {
                    problem = "cannot decode colour frame " + std::to_string(first + got);
                    break;
                }
                cv::Mat view(h, w, bits == 16 ? CV_16UC3 : CV_8UC3, const_cast<void*>(rgb)), bgr;
                cv::cvtColor(view, bgr, cv::COLOR_RGB2BGR);
                out.frames.push_back(bgr);
            }
        }
        if (out.frames.empty())
            throw IoError(path, "cannot decode pixel data (" + xferText + ")" + (problem.empty() ? "" : ": " + problem));
        first += got;
        if (stated > 1 && progress) progress(out.frames.size(), static_cast<size_t>(stated));
        if (!problem.empty() || got < count || count == 0 || stated == 1) {
            stoppedBy = problem;
            break;
        }
        if (first < static_cast<unsigned long>(stated)) stopIfCancelled(cancelled, path);
    }
    if (!shortData.empty()) out.note = shortData;
    if (out.frames.size() < static_cast<size_t>(stated) && stated > 1)
        out.note = "only " + std::to_string(out.frames.size()) + " of the " + std::to_string(stated) +
                   " frames its Number of Frames gives could be decoded (" + xferText +
                   (stoppedBy.empty() ? "" : "; frame " + std::to_string(out.frames.size()) + ": " + stoppedBy) +
                   "): those are read";
    return out;
}

}  // namespace msf::io
