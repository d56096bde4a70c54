// Reads each file with ITK (its own NIfTI, MetaImage and NRRD readers; a folder as its DICOM series through ITK's
// GDCM reader) and prints what ITK sees: size, spacing, origin, direction, and the non-zero voxels with their mean
// LPS position. A check that the masks this project writes lie where ITK puts their image (scripts/itk_read_check.sh).
#include <itkImage.h>
#include <itkImageFileReader.h>
#include <itkImageRegionConstIterator.h>
#include <itkImageSeriesReader.h>
#include <itkGDCMImageIO.h>
#include <itkGDCMSeriesFileNames.h>
#include <itksys/SystemTools.hxx>
#include <iostream>
int main(int argc, char** argv) {
  using Image = itk::Image<unsigned char, 3>;
  for (int a = 1; a < argc; ++a) {
    Image::Pointer im;
    try {
      if (itksys::SystemTools::FileIsDirectory(argv[a])) {  // a DICOM series, as ITK's GDCM reader sorts and places it
        auto names = itk::GDCMSeriesFileNames::New();
        names->SetDirectory(argv[a]);
        auto reader = itk::ImageSeriesReader<Image>::New();
        reader->SetImageIO(itk::GDCMImageIO::New());
        reader->SetFileNames(names->GetFileNames(names->GetSeriesUIDs().front()));
        reader->Update();
        im = reader->GetOutput();
      } else {
        auto reader = itk::ImageFileReader<Image>::New();
        reader->SetFileName(argv[a]);
        reader->Update();
        im = reader->GetOutput();
      }
    } catch (const itk::ExceptionObject& e) { std::cout << argv[a] << ": " << e.GetDescription() << "\n"; continue; }
    size_t on = 0; double sx = 0, sy = 0, sz = 0;
    for (itk::ImageRegionConstIterator<Image> it(im, im->GetLargestPossibleRegion()); !it.IsAtEnd(); ++it)
      if (it.Get()) { ++on; itk::Point<double,3> p; im->TransformIndexToPhysicalPoint(it.GetIndex(), p); sx += p[0]; sy += p[1]; sz += p[2]; }
    std::cout << argv[a] << "\n  size " << im->GetLargestPossibleRegion().GetSize() << " spacing " << im->GetSpacing()
              << " origin " << im->GetOrigin() << "\n  direction " << im->GetDirection()[0][0] << " " << im->GetDirection()[0][1] << " " << im->GetDirection()[0][2]
              << " | " << im->GetDirection()[1][0] << " " << im->GetDirection()[1][1] << " " << im->GetDirection()[1][2]
              << " | " << im->GetDirection()[2][0] << " " << im->GetDirection()[2][1] << " " << im->GetDirection()[2][2]
              << "\n  voxels on " << on << ", their mean LPS position (" << (on ? sx/on : 0) << ", " << (on ? sy/on : 0) << ", " << (on ? sz/on : 0) << ")\n";
  }
}
