#include "msformer/io/nifti_io.h"

#include <nifti2_io.h>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <memory>

#include "msformer/io/atomic_write.h"
#include "msformer/io/io_error.h"
#include "chunked_read.h"
#include "file_checks.h"
#include "mask_volume.h"
#include "nifti_orientation.h"

namespace msf::io {

namespace fs = std::filesystem;

namespace {

struct NiftiDeleter {
    void operator()(nifti_image* p) const { nifti_image_free(p); }
};
using NiftiPtr = std::unique_ptr<nifti_image, NiftiDeleter>;

// A file opened for reading through znzlib (plain or gzip), closed when it goes (a read stopped on the way too).
struct ZnzReader {
    explicit ZnzReader(const std::string& path) : f(znzopen(path.c_str(), "rb", nifti_is_gzfile(path.c_str()))) {}
    ~ZnzReader() {
        if (!znz_isnull(f)) znzclose(f);
    }
    ZnzReader(const ZnzReader&) = delete;
    ZnzReader& operator=(const ZnzReader&) = delete;
    znzFile f;
};

template <typename T>
void copySlice(const void* data, size_t offset, cv::Mat* out, double slope, double inter) {
    const T* src = static_cast<const T*>(data) + offset;
    float* dst = out->ptr<float>();
    for (size_t i = 0; i < out->total(); ++i) dst[i] = static_cast<float>(src[i] * slope + inter);
}

}  // namespace

bool looksLikeNifti(const std::string& path) { return hasSuffix(path, ".nii") || hasSuffix(path, ".nii.gz"); }

bool isPairImageFile(const std::string& path) {
    for (const std::string img : {".img", ".img.gz"})
        if (hasSuffix(path, img)) {
            const std::string stem = path.substr(0, path.size() - img.size());
            std::error_code ec;
            for (const std::string hdr : {".hdr", ".hdr.gz", ".HDR", ".HDR.GZ"})  // nifticlib tries both cases
                if (fs::exists(stem + hdr, ec)) return true;
            return false;
        }
    return false;
}

bool isNiftiInput(const std::string& path) {
    return looksLikeNifti(path) || hasSuffix(path, ".hdr") || hasSuffix(path, ".hdr.gz") || isPairImageFile(path);
}

Image readNifti(const std::string& path, const CancelCheck& cancelled, const LoadProgress& progress) {
    std::error_code ec;
    if (!fs::exists(path, ec)) throw IoError(path, "file not found");
    if (fs::file_size(path, ec) == 0) throw IoError(path, "file is empty (0 bytes)");
    nifti_set_debug_level(0);
    NiftiPtr nim(nifti_image_read(path.c_str(), 0));
    if (!nim) throw IoError(path, "not a readable NIfTI file (bad or truncated header)");
    const int64_t nx = nim->nx, ny = nim->ny, nz = std::max<int64_t>(1, nim->nz);
    if (nx <= 0 || ny <= 0) throw IoError(path, "NIfTI header has no valid dimensions");
    if (static_cast<double>(nx) * ny * nz > (1u << 28))
        throw IoError(path, "volume too large (" + std::to_string(nx) + " x " + std::to_string(ny) + " x " +
                                std::to_string(nz) + ")");
    // Only the first volume (brick) of a 4-D file is read: a long fMRI or
    // diffusion series would otherwise be loaded whole for one volume.
    const int64_t voxels3d = nx * ny * nz;
    // The first volume is read from the file that holds the voxels, chosen here rather than by nifticlib's
    // loaders, which look for them by the name's stem, .nii before .nii.gz and .img before .img.gz: x.nii.gz
    // opened beside an x.nii (as gunzip -k leaves them) was read with x.nii's voxels or refused as truncated,
    // and x.img.gz beside an x.img likewise. A one-file NIfTI holds its own; an opened .img/.img.gz is itself
    // the pair's image; an opened header takes nifticlib's pick, said when the other one is there too.
    const bool oneFile = nim->nifti_type == NIFTI_FTYPE_NIFTI1_1 || nim->nifti_type == NIFTI_FTYPE_NIFTI2_1;
    const bool openedImage = !oneFile && (hasSuffix(path, ".img") || hasSuffix(path, ".img.gz"));
    const std::string voxelFile = oneFile || openedImage || !nim->iname ? path : std::string(nim->iname);
    std::vector<std::string> notes;
    if (!oneFile && !openedImage) {
        const std::string stem = voxelFile.substr(0, voxelFile.size() - (hasSuffix(voxelFile, ".gz") ? 7 : 4));
        const std::string other = hasSuffix(voxelFile, ".gz") ? stem + ".img" : stem + ".img.gz";
        if (fs::exists(other, ec))
            notes.push_back("both " + fs::path(voxelFile).filename().string() + " and " +
                            fs::path(other).filename().string() + " are beside its header: " +
                            fs::path(voxelFile).filename().string() + " was read (open the other to read it)");
    }
    std::vector<unsigned char> voxels(static_cast<size_t>(voxels3d) * nim->nbyper);
    bool loaded = false;
    if (ZnzReader file(voxelFile); !znz_isnull(file.f)) {
        // In chunks (readInChunks). Read as stored, not through nifticlib's nifti_read_buffer: that sets NaN and
        // infinite values to 0 without saying where, so that a float volume holding a 0 had to be read twice to
        // put them back; here they stay, for the loader to count.
        const size_t sliceBytes = voxels.size() / size_t(nz);
        loaded = znzseek(file.f, static_cast<znz_off_t>(nim->iname_offset), SEEK_SET) >= 0 &&
                 readInChunks(
                     path, voxels.data(), voxels.size(), cancelled,
                     [&file](unsigned char* to, size_t n) { return znzread(to, 1, n, file.f); },
                     [&](size_t done) {
                         if (progress) progress(done / sliceBytes, size_t(nz));
                     }) == voxels.size();
        if (loaded && nim->swapsize > 1 && nim->byteorder != nifti_short_order())
            nifti_swap_Nbytes(static_cast<int64_t>(voxels.size()) / nim->swapsize, nim->swapsize, voxels.data());
    }
    if (!loaded) throw IoError(path, "cannot read the NIfTI voxel data (truncated or corrupt)");
    const void* data = voxels.data();
    const double slope = nim->scl_slope != 0 ? nim->scl_slope : 1.0, inter = nim->scl_slope != 0 ? nim->scl_inter : 0.0;
    Image img;
    auto& m = img.meta;
    m.hasNiftiAffine = nim->sform_code > 0 || nim->qform_code > 0;
    const nifti_dmat44& a = nim->sform_code > 0 ? nim->sto_xyz : nim->qto_xyz;
    for (int r = 0; r < 4; ++r)
        for (int c = 0; c < 4; ++c) m.niftiAffine[r][c] = a.m[r][c];
    if (m.hasNiftiAffine) {
        const NiftiOrientation o = niftiOrientation(m.niftiAffine);
        m.niftiTurn = o.turn;
        m.niftiAxes = o.axes;
    }
    // Colour volumes (ITK-SNAP's and Slicer's RGB, a photo converted): 8 bits a channel, interleaved per voxel,
    // read as a photo is (BGR); alpha is left out and the scaling does not apply to them.
    const bool colour = nim->datatype == DT_RGB24 || nim->datatype == DT_RGBA32;
    for (int64_t k = 0; k < nz; ++k) {
        const size_t offset = static_cast<size_t>(k) * nx * ny;
        if (colour) {
            const bool alpha = nim->datatype == DT_RGBA32;
            const cv::Mat stored(static_cast<int>(ny), static_cast<int>(nx), alpha ? CV_8UC4 : CV_8UC3,
                                 const_cast<uint8_t*>(static_cast<const uint8_t*>(data) + offset * (alpha ? 4 : 3)));
            cv::Mat bgr;
            cv::cvtColor(stored, bgr, alpha ? cv::COLOR_RGBA2BGR : cv::COLOR_RGB2BGR);
            img.frames.push_back(shownFromStored(bgr, m.niftiTurn));
            continue;
        }
        cv::Mat slice(static_cast<int>(ny), static_cast<int>(nx), CV_32F);
        switch (nim->datatype) {
            case DT_UINT8: copySlice<uint8_t>(data, offset, &slice, slope, inter); break;
            case DT_INT8: copySlice<int8_t>(data, offset, &slice, slope, inter); break;
            case DT_UINT16: copySlice<uint16_t>(data, offset, &slice, slope, inter); break;
            case DT_INT16: copySlice<int16_t>(data, offset, &slice, slope, inter); break;
            case DT_UINT32: copySlice<uint32_t>(data, offset, &slice, slope, inter); break;
            case DT_INT32: copySlice<int32_t>(data, offset, &slice, slope, inter); break;
            case DT_UINT64: copySlice<uint64_t>(data, offset, &slice, slope, inter); break;
            case DT_INT64: copySlice<int64_t>(data, offset, &slice, slope, inter); break;
            case DT_FLOAT32: copySlice<float>(data, offset, &slice, slope, inter); break;
            case DT_FLOAT64: copySlice<double>(data, offset, &slice, slope, inter); break;
            default:
                throw IoError(path, std::string("unsupported NIfTI data type ") + nifti_datatype_string(nim->datatype));
        }
        img.frames.push_back(shownFromStored(slice, m.niftiTurn));
    }
    m.sourcePath = path;
    m.format = "NIfTI";
    m.photometric = colour ? "RGB" : "MONOCHROME2";
    m.bitsAllocated = m.bitsStored = colour ? 8 : nim->nbyper * 8;  // a NIfTI voxel uses all its bits
    m.isSigned = nim->datatype == DT_INT8 || nim->datatype == DT_INT16 || nim->datatype == DT_INT32 ||
                 nim->datatype == DT_INT64;
    m.rescaleSlope = colour ? 1 : slope;
    m.rescaleIntercept = colour ? 0 : inter;
    m.readerNotes.insert(m.readerNotes.end(), notes.begin(), notes.end());
    if (nim->datatype == DT_RGBA32) m.readerNotes.push_back("its alpha channel is left out (RGBA voxels read as RGB)");
    // Voxel sizes in mm: a file in metres or microns (NIfTI xyz units) is converted, and said.
    const double toMm = millimetresPerUnit(nim->xyz_units);
    m.niftiXyzUnits = nim->xyz_units;
    if (toMm != 1)
        m.readerNotes.push_back(std::string("its voxel sizes are in ") + (nim->xyz_units == NIFTI_UNITS_METER ? "metres" : "microns") +
                                " (NIfTI xyz units): read in mm, x " + (toMm > 1 ? "1000" : "0.001"));
    m.spacingX = toMm * (m.niftiTurn.transpose ? nim->dy : nim->dx);  // along the shown columns
    m.spacingY = toMm * (m.niftiTurn.transpose ? nim->dx : nim->dy);
    m.sliceSpacing = toMm * nim->dz;
    m.volumeDims = {static_cast<int>(nx), static_cast<int>(ny), static_cast<int>(nz)};
    m.niftiVolumes = static_cast<int>(std::min<int64_t>(nim->nvox / voxels3d, std::numeric_limits<int>::max()));
    // nifticlib gives a NIfTI-2 file's nifti_type as NIfTI-1's: the header's own version says.
    int version = 1;
    if (void* header = nifti_read_header(nim->fname, &version, 0)) free(header);
    const bool pair = nim->nifti_type == NIFTI_FTYPE_NIFTI1_2 || nim->nifti_type == NIFTI_FTYPE_NIFTI2_2;
    m.niftiFileType = nim->nifti_type == NIFTI_FTYPE_ANALYZE
                          ? "Analyze 7.5 (header and image pair)"
                          : std::string(version == 2 ? "NIfTI-2" : "NIfTI-1") + (pair ? " (header and image pair)" : "");
    m.niftiSformCode = nim->sform_code;
    m.niftiQformCode = nim->qform_code;
    img.current = static_cast<int>(nz / 2);
    m.window = defaultWindow(img);
    return img;
}

void checkNiftiVolume(const std::string& path, const Image& source) { checkMaskVolume(path, source, "NIfTI"); }

void writeNiftiMask(const std::string& path, const cv::Mat& mask, const Image& source, bool overwrite) {
    writeNiftiMask(path, std::vector<FrameMask>{{source.current, mask}}, source, overwrite);
}

void writeNiftiMask(const std::string& path, const std::vector<FrameMask>& masks, const Image& source,
                    bool overwrite) {
    if (!looksLikeNifti(path)) throw IoError(path, "a NIfTI file name must end in .nii or .nii.gz");
    const MaskVolume v = maskVolumeToWrite(path, masks, source, "NIfTI", overwrite);
    const auto& m = source.meta;
    const int64_t dims[8] = {3, v.nx, v.ny, v.nz, 1, 1, 1, 1};
    NiftiPtr nim(nifti_make_new_nim(dims, DT_UINT8, 1));
    if (!nim) throw IoError(path, "cannot create the NIfTI image");
    std::copy(v.voxels.begin(), v.voxels.end(), static_cast<uint8_t*>(nim->data));
    nifti_dmat44 a{};
    for (int r = 0; r < 4; ++r)
        for (int c = 0; c < 4; ++c) a.m[r][c] = v.voxelToRas[r][c];
    nim->dx = v.voxelSize[0];
    nim->dy = v.voxelSize[1];
    nim->dz = v.voxelSize[2];
    nim->xyz_units = v.sourceAffine ? m.niftiXyzUnits : NIFTI_UNITS_MM;  // DICOM's and the photos' sizes are mm
    nim->pixdim[1] = nim->dx;
    nim->pixdim[2] = nim->dy;
    nim->pixdim[3] = nim->dz;
    nim->sform_code = m.hasNiftiAffine ? std::max(1, m.niftiSformCode) : (m.hasGeometry ? 1 : 0);
    nim->sto_xyz = a;
    nim->qform_code = nim->sform_code;
    nifti_dmat44_to_quatern(a, &nim->quatern_b, &nim->quatern_c, &nim->quatern_d, &nim->qoffset_x, &nim->qoffset_y,
                            &nim->qoffset_z, nullptr, nullptr, nullptr, &nim->qfac);
    nim->qto_xyz = a;

    // Written beside the target under a temporary name, then moved into place.
    const std::string tmp = temporaryPathBeside(path, hasSuffix(path, ".gz") ? ".nii.gz" : ".nii");
    if (nifti_set_filenames(nim.get(), tmp.c_str(), 0, 1) != 0) throw IoError(path, "cannot set the NIfTI file name");
    nim->nifti_type = NIFTI_FTYPE_NIFTI1_1;
    nifti_image_write(nim.get());
    std::error_code ec;
    if (!fs::exists(tmp, ec) || fs::file_size(tmp, ec) == 0) {
        fs::remove(tmp, ec);
        throw IoError(path, "writing the NIfTI file failed (folder not writable or disk full?)");
    }
    moveIntoPlace(tmp, path, overwrite);
}

}  // namespace msf::io
