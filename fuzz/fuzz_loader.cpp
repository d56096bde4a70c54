// libFuzzer target, compiled once per loader: FUZZ_LOADER(path) must return an
// image or throw IoError, never crash. FUZZ_EXTENSION selects the loader's file type.
#include "fuzz_input_file.h"
#include "msformer/io/dicom_reader.h"
#include "msformer/io/image.h"
#include "msformer/io/image_loader.h"
#include "msformer/io/io_error.h"
#include "msformer/io/metaimage_reader.h"
#include "msformer/io/nifti_io.h"
#include "msformer/io/nrrd_reader.h"

namespace {
// The mask readers: a label map's labels, a palette PNG's indices, a mask of the whole file.
[[maybe_unused]] msf::io::Image readAsMask(const std::string& path) {
    (void)msf::io::maskLabels(path);
    (void)msf::io::loadMask(path);
    msf::io::LoadOptions o;
    o.asMask = true;
    return msf::io::loadImage(path, o);
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string path = writeFuzzInput(data, size, FUZZ_EXTENSION);
    try {
        const msf::io::Image img = FUZZ_LOADER(path);
        if (!img.frames.empty()) (void)msf::io::normalizedForSegmentation(img);
    } catch (const msf::io::IoError&) {
    }
    return 0;
}
