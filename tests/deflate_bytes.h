#pragma once
// Bytes compressed by zlib's deflate, for fixtures: gzip (windowBits 15 + 16, a gzip NRRD's data) or raw
// deflate (-15, DICOM's Deflated Explicit VR Little Endian).

#include <zlib.h>

#include <string>

// `plain` deflated with the given windowBits; empty where zlib fails.
inline std::string deflatedBytes(const std::string& plain, int windowBits) {
    z_stream z{};
    if (deflateInit2(&z, 6, Z_DEFLATED, windowBits, 8, Z_DEFAULT_STRATEGY) != Z_OK) return {};
    std::string packed(deflateBound(&z, uLong(plain.size())), '\0');
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(plain.data()));
    z.avail_in = uInt(plain.size());
    z.next_out = reinterpret_cast<Bytef*>(packed.data());
    z.avail_out = uInt(packed.size());
    const bool done = deflate(&z, Z_FINISH) == Z_STREAM_END;
    packed.resize(z.total_out);
    deflateEnd(&z);
    return done ? packed : std::string();
}
