// Reads each file with ITK (its own NIfTI, MetaImage and NRRD readers) and prints what ITK sees: size, spacing,
// origin, direction, and the non-zero voxels with their mean LPS position. A check that the masks this project
// writes are placed by ITK where its NIfTI twin is (scripts/itk_read_check.sh).
#include <itkImage.h>
#include <itkImageFileReader.h>
#include <itkImageRegionConstIterator.h>
#include <iostream>
int main(int argc, char** argv) {
  using Image = itk::Image<unsigned char, 3>;
  for (int a = 1; a < argc; ++a) {
    auto reader = itk::ImageFileReader<Image>::New();
    reader->SetFileName(argv[a]);
    try { reader->Update(); } catch (const itk::ExceptionObject& e) { std::cout << argv[a] << ": " << e.GetDescription() << "\n"; continue; }
    Image::Pointer im = reader->GetOutput();
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
