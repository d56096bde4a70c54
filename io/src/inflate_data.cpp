#include "inflate_data.h"

#include <zlib.h>

#include <algorithm>
#include <memory>
#include <vector>

#include "msformer/io/io_error.h"

namespace msf::io {

namespace {

bool gzipSignature(const unsigned char* b) { return b[0] == 0x1f && b[1] == 0x8b; }
bool zlibSignature(const unsigned char* b) { return (b[0] & 0x0f) == 8 && ((b[0] << 8) | b[1]) % 31 == 0; }

}  // namespace

void inflateData(const std::string& path, std::FILE* file, void* out, size_t bytes, Compression kind,
                 const std::string& claim, const CancelCheck& cancelled) {
    const std::string name = kind == Compression::Gzip ? "gzip" : "zlib";
    std::vector<unsigned char> in(1 << 16);
    size_t got = std::fread(in.data(), 1, in.size(), file);
    const bool signed_ = got >= 2 && (gzipSignature(in.data()) || (kind == Compression::Zlib && zlibSignature(in.data())));
    if (!signed_)
        throw IoError(path, claim + ", but its data is not " + name + "-compressed (no " + name + " signature)");
    z_stream z{};
    if (inflateInit2(&z, kind == Compression::Gzip ? 15 + 16 : 15 + 32) != Z_OK)
        throw IoError(path, "cannot start " + name + " decompression");
    const std::unique_ptr<z_stream, int (*)(z_stream*)> end(&z, inflateEnd);
    size_t produced = 0;
    while (produced < bytes) {
        if (z.avail_in == 0) {
            stopIfCancelled(cancelled, path);
            if (got == 0) got = std::fread(in.data(), 1, in.size(), file);
            if (got == 0) break;
            z.next_in = in.data();
            z.avail_in = static_cast<uInt>(got);
            got = 0;
        }
        const size_t want = std::min<size_t>(bytes - produced, 1u << 30);
        z.next_out = static_cast<Bytef*>(out) + produced;
        z.avail_out = static_cast<uInt>(want);
        const int rc = inflate(&z, Z_NO_FLUSH);
        produced += want - z.avail_out;
        if (rc == Z_STREAM_END && produced < bytes) {  // another gzip member follows (files may be concatenated)
            if (inflateReset(&z) != Z_OK) break;
        } else if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
            throw IoError(path, "its " + name + " data is corrupt (" + (z.msg ? z.msg : "zlib error") + ")");
        } else if (rc == Z_BUF_ERROR && z.avail_in != 0) {
            break;
        }
    }
    if (produced < bytes)
        throw IoError(path, "its " + name + " data is truncated: " + std::to_string(produced) + " of " +
                                std::to_string(bytes) + " bytes");
}

}  // namespace msf::io
