#include "jpeg2000_pixels.h"

#include <dcmtk/dcmdata/dctk.h>
#include <dcmtk/dcmdata/dcpixseq.h>
#include <dcmtk/dcmdata/dcpxitem.h>
#include <openjpeg.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <thread>

#include "msformer/io/io_error.h"

namespace msf::io {

namespace {

using Bytes = std::vector<unsigned char>;

// A codestream (SOC then SIZ markers) or a JP2 file (its signature box), as frames may be stored.
bool startsCodestream(const Bytes& b) {
    static const unsigned char soc[] = {0xFF, 0x4F, 0xFF, 0x51};
    static const unsigned char jp2[] = {0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20};
    return (b.size() >= 4 && std::memcmp(b.data(), soc, 4) == 0) || (b.size() >= 8 && std::memcmp(b.data(), jp2, 8) == 0);
}

// Each frame's bytes: where the Basic Offset Table says each frame starts, else one fragment per frame,
// or a frame over several fragments (each frame's first fragment starts a codestream), or a single frame
// over all of them.
std::vector<Bytes> frameCodestreams(const std::string& path, DcmPixelSequence* seq, long frames) {
    std::vector<Bytes> fragments;
    std::vector<Uint32> offsets;  // of each fragment's item, from the first fragment's (as the table counts)
    Uint32 offset = 0;
    std::vector<Uint32> table;
    for (unsigned long i = 0; i < seq->card(); ++i) {
        DcmPixelItem* item = nullptr;
        Uint8* bytes = nullptr;
        if (seq->getItem(item, i).bad() || !item) continue;
        const Uint32 length = item->getLength();
        if (length > 0 && (item->getUint8Array(bytes).bad() || !bytes))
            throw IoError(path, "its JPEG 2000 fragment " + std::to_string(i) + " cannot be read");
        if (i == 0) {  // the Basic Offset Table: little-endian 32-bit offsets, one per frame, or empty
            for (Uint32 k = 0; k + 4 <= length; k += 4)
                table.push_back(Uint32(bytes[k]) | Uint32(bytes[k + 1]) << 8 | Uint32(bytes[k + 2]) << 16 | Uint32(bytes[k + 3]) << 24);
            continue;
        }
        offsets.push_back(offset);
        offset += 8 + length;  // the item's tag and length, then its bytes
        fragments.emplace_back(bytes, bytes + length);
    }
    if (fragments.empty()) throw IoError(path, "its JPEG 2000 Pixel Data holds no fragment");
    std::vector<bool> starts(fragments.size(), false);
    bool fromTable = long(table.size()) == frames && table.front() == 0;
    for (size_t f = 0; fromTable && f < table.size(); ++f) {
        const auto at = std::find(offsets.begin(), offsets.end(), table[f]);
        fromTable = at != offsets.end() && (f == 0 || table[f] > table[f - 1]);
        if (fromTable) starts[size_t(at - offsets.begin())] = true;
    }
    for (size_t k = 0; !fromTable && k < fragments.size(); ++k)
        starts[k] = k == 0 || (frames > 1 && (long(fragments.size()) == frames || startsCodestream(fragments[k])));
    std::vector<Bytes> out;
    for (size_t k = 0; k < fragments.size(); ++k) {
        if (starts[k]) out.push_back(std::move(fragments[k]));
        else out.back().insert(out.back().end(), fragments[k].begin(), fragments[k].end());
    }
    if (long(out.size()) != frames)
        throw IoError(path, "its JPEG 2000 Pixel Data holds " + std::to_string(out.size()) + " codestreams in " +
                                std::to_string(fragments.size()) + " fragments for " + std::to_string(frames) + " frames");
    return out;
}

// OpenJPEG reads the codestream from memory through these.
struct MemoryStream {
    const Bytes* bytes;
    size_t pos = 0;
};
OPJ_SIZE_T readFrom(void* buffer, OPJ_SIZE_T n, void* user) {
    auto* s = static_cast<MemoryStream*>(user);
    if (s->pos >= s->bytes->size()) return static_cast<OPJ_SIZE_T>(-1);
    n = std::min<OPJ_SIZE_T>(n, s->bytes->size() - s->pos);
    std::memcpy(buffer, s->bytes->data() + s->pos, n);
    s->pos += n;
    return n;
}
OPJ_OFF_T skipIn(OPJ_OFF_T n, void* user) {
    auto* s = static_cast<MemoryStream*>(user);
    if (n < 0) return -1;
    n = std::min<OPJ_OFF_T>(n, static_cast<OPJ_OFF_T>(s->bytes->size() - s->pos));
    s->pos += static_cast<size_t>(n);
    return n;
}
OPJ_BOOL seekIn(OPJ_OFF_T n, void* user) {
    auto* s = static_cast<MemoryStream*>(user);
    if (n < 0 || static_cast<size_t>(n) > s->bytes->size()) return OPJ_FALSE;
    s->pos = static_cast<size_t>(n);
    return OPJ_TRUE;
}
void keepError(const char* msg, void* user) {
    auto* text = static_cast<std::string*>(user);
    if (text->empty()) *text = msg;
    while (!text->empty() && (text->back() == '\n' || text->back() == ' ')) text->pop_back();
}
void ignore(const char*, void*) {}

struct ImageDeleter {
    void operator()(opj_image_t* i) const { opj_image_destroy(i); }
};
using DecodedImage = std::unique_ptr<opj_image_t, ImageDeleter>;

// The header is checked against the image's attributes before anything is decoded: a codestream that
// declares another size (a damaged or hostile one: 60000 x 60000) is refused before OpenJPEG allocates it.
DecodedImage decodeCodestream(const std::string& path, const Bytes& bytes, long frame, unsigned cols, unsigned rows,
                              unsigned spp) {
    const std::string which = "its JPEG 2000 frame " + std::to_string(frame);
    if (!startsCodestream(bytes)) throw IoError(path, which + " is not a JPEG 2000 codestream");
    const bool jp2 = bytes[0] == 0x00;
    std::unique_ptr<opj_codec_t, void (*)(opj_codec_t*)> codec(opj_create_decompress(jp2 ? OPJ_CODEC_JP2 : OPJ_CODEC_J2K),
                                                               opj_destroy_codec);
    std::unique_ptr<opj_stream_t, void (*)(opj_stream_t*)> stream(opj_stream_create(OPJ_J2K_STREAM_CHUNK_SIZE, OPJ_TRUE),
                                                                  opj_stream_destroy);
    if (!codec || !stream) throw IoError(path, which + ": the JPEG 2000 decoder could not be set up");
    std::string error;
    opj_set_error_handler(codec.get(), keepError, &error);
    opj_set_warning_handler(codec.get(), ignore, nullptr);
    opj_set_info_handler(codec.get(), ignore, nullptr);
    MemoryStream source{&bytes};
    opj_stream_set_user_data(stream.get(), &source, nullptr);
    opj_stream_set_user_data_length(stream.get(), bytes.size());
    opj_stream_set_read_function(stream.get(), readFrom);
    opj_stream_set_skip_function(stream.get(), skipIn);
    opj_stream_set_seek_function(stream.get(), seekIn);
    opj_dparameters_t parameters;
    opj_set_default_decoder_parameters(&parameters);
    opj_image_t* raw = nullptr;
    bool ok = opj_setup_decoder(codec.get(), &parameters);
    // Code-blocks decoded on every core (a large radiograph's one frame), where OpenJPEG has threads; between
    // the set-up and the header, as OpenJPEG asks.
    if (ok && opj_has_thread_support()) opj_codec_set_threads(codec.get(), std::max(1, int(std::thread::hardware_concurrency())));
    ok = ok && opj_read_header(stream.get(), codec.get(), &raw);
    DecodedImage image(raw);
    if (ok && image) {
        if (image->numcomps < spp)
            throw IoError(path, which + " holds " + std::to_string(image->numcomps) + " components, Samples per Pixel says " +
                                    std::to_string(spp));
        for (unsigned c = 0; c < spp; ++c) {
            const opj_image_comp_t& comp = image->comps[c];
            if (comp.w != cols || comp.h != rows || comp.dx != 1 || comp.dy != 1)
                throw IoError(path, which + " is " + std::to_string(comp.w) + " x " + std::to_string(comp.h) +
                                        (comp.dx != 1 || comp.dy != 1 ? " (subsampled)" : "") + ", the image " +
                                        std::to_string(cols) + " x " + std::to_string(rows));
        }
    }
    if (!ok || !image || !opj_decode(codec.get(), stream.get(), image.get()) ||
        !opj_end_decompress(codec.get(), stream.get()))
        throw IoError(path, which + " cannot be decoded" + (error.empty() ? "" : ": " + error));
    return image;
}

}  // namespace

std::string highThroughputJpeg2000Name(const std::string& uid) {
    if (uid == "1.2.840.10008.1.2.4.201") return "High-Throughput JPEG 2000 (Lossless Only)";
    if (uid == "1.2.840.10008.1.2.4.202") return "High-Throughput JPEG 2000 with RPCL Options (Lossless Only)";
    if (uid == "1.2.840.10008.1.2.4.203") return "High-Throughput JPEG 2000";
    return {};
}

void decodeJpeg2000Pixels(const std::string& path, DcmDataset* ds, std::vector<std::string>* notes) {
    DcmElement* element = nullptr;
    if (ds->findAndGetElement(DCM_PixelData, element).bad() || !element) throw IoError(path, "has no Pixel Data");
    auto* pixels = static_cast<DcmPixelData*>(element);
    DcmPixelSequence* seq = nullptr;
    if (pixels->getEncapsulatedRepresentation(ds->getOriginalXfer(), nullptr, seq).bad() || !seq)
        throw IoError(path, "its JPEG 2000 Pixel Data is not encapsulated");
    Uint16 rows = 0, cols = 0, spp = 1, allocated = 0, stored = 0;
    ds->findAndGetUint16(DCM_Rows, rows);
    ds->findAndGetUint16(DCM_Columns, cols);
    ds->findAndGetUint16(DCM_SamplesPerPixel, spp);
    ds->findAndGetUint16(DCM_BitsAllocated, allocated);
    ds->findAndGetUint16(DCM_BitsStored, stored);
    Sint32 frameCount = 1;
    if (ds->findAndGetSint32(DCM_NumberOfFrames, frameCount).bad() || frameCount < 1) frameCount = 1;
    if (allocated != 8 && allocated != 16)
        throw IoError(path, "JPEG 2000 pixel data of " + std::to_string(allocated) + " bits allocated (8 or 16 are read)");
    if (spp != 1 && spp != 3)
        throw IoError(path, "JPEG 2000 pixel data of " + std::to_string(spp) + " samples per pixel (1 or 3 are read)");

    const std::vector<Bytes> codestreams = frameCodestreams(path, seq, frameCount);
    const size_t perFrame = size_t(rows) * cols * spp;
    std::vector<Uint16> words(allocated == 16 ? perFrame * frameCount : 0);
    std::vector<Uint8> bytes(allocated == 8 ? perFrame * frameCount : 0);
    int precision = 0;
    for (long f = 0; f < frameCount; ++f) {
        const DecodedImage image = decodeCodestream(path, codestreams[size_t(f)], f, cols, rows, spp);
        const std::string which = "its JPEG 2000 frame " + std::to_string(f);
        for (Uint16 c = 0; c < spp; ++c) {
            const opj_image_comp_t& comp = image->comps[c];
            if (!comp.data) throw IoError(path, which + " decoded to no pixels");  // its size was checked from the header
            if (comp.prec > allocated)
                throw IoError(path, which + " holds " + std::to_string(comp.prec) + "-bit values in " +
                                        std::to_string(allocated) + " bits allocated");
            // The values' bit patterns as the data set stores them; Bits Stored and Pixel Representation say
            // how they are read (an unsigned codestream of a signed image is read as two's complement).
            const size_t n = size_t(rows) * cols;
            const auto [lo, hi] = std::minmax_element(comp.data, comp.data + n);
            const double top = std::ldexp(1.0, stored - (comp.sgnd ? 1 : 0));
            if (*hi >= top || (comp.sgnd && *lo < -top)) precision = std::max<int>(precision, int(comp.prec));
            for (size_t i = 0; i < n; ++i) {
                const size_t at = (size_t(f) * n + i) * spp + c;
                if (allocated == 16) words[at] = static_cast<Uint16>(comp.data[i]);
                else bytes[at] = static_cast<Uint8>(comp.data[i]);
            }
        }
    }
    // Values of more bits than Bits Stored names (a codestream's precision above it) would lose their top
    // bits: read all of the codestream's.
    if (precision > stored) {
        notes->push_back("its JPEG 2000 codestream holds " + std::to_string(precision) + "-bit values, its Bits Stored says " +
                         std::to_string(stored) + ": read as " + std::to_string(precision) + "-bit");
        ds->putAndInsertUint16(DCM_BitsStored, Uint16(precision));
        ds->putAndInsertUint16(DCM_HighBit, Uint16(precision - 1));
    }
    const OFCondition put = allocated == 16 ? pixels->putUint16Array(words.data(), words.size())
                                            : pixels->putUint8Array(bytes.data(), bytes.size());
    if (put.bad()) throw IoError(path, std::string("its decoded JPEG 2000 pixels cannot be stored: ") + put.text());
    if (spp == 3) {
        OFString photometric;
        ds->findAndGetOFString(DCM_PhotometricInterpretation, photometric);
        if (photometric == "YBR_RCT" || photometric == "YBR_ICT") ds->putAndInsertString(DCM_PhotometricInterpretation, "RGB");
        ds->putAndInsertUint16(DCM_PlanarConfiguration, 0);  // written interleaved above
    }
}

}  // namespace msf::io
