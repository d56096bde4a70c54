#include <QtTest>

#include <algorithm>
#include <cmath>

#include "msformer/config.h"
#include "msformer/image_buffer.h"
#include "msformer/segmenter.h"

class TestLabelMap : public QObject {
    Q_OBJECT
private slots:
    void renumbersByDecreasingSize() {
        msf::LabelMap m{4, 2, {7, 7, 3, 3, 3, 9, 3, 7}};  // 3: 4 px, 7: 3 px, 9: 1 px
        const auto r = msf::renumberBySize(m);
        QCOMPARE(r.labels, (std::vector<int32_t>{1, 1, 0, 0, 0, 2, 0, 1}));
        QCOMPARE(r.count(), 3);
    }
    void tiesKeepLowerIdFirst() {
        msf::LabelMap m{2, 1, {5, 2}};
        QCOMPARE(msf::renumberBySize(m).labels, (std::vector<int32_t>{1, 0}));
    }
    void resizeNearestUpAndDown() {
        msf::LabelMap m{2, 2, {0, 1, 2, 3}};
        const auto up = msf::resizeNearest(m, 4, 4);
        QCOMPARE(up.labels, (std::vector<int32_t>{0, 0, 1, 1, 0, 0, 1, 1, 2, 2, 3, 3, 2, 2, 3, 3}));
        const auto odd = msf::resizeNearest(m, 3, 1);
        QCOMPARE(odd.labels, (std::vector<int32_t>{2, 3, 3}));  // pixel centres: row 1, columns 0,1,1
        // One pixel of the resized map, read without resizing (the GUI's hover over a preview).
        msf::LabelMap small{5, 3, {}};
        for (int i = 0; i < 15; ++i) small.labels.push_back(i);
        for (auto [w, h] : {std::pair{17, 11}, {4, 2}, {160, 90}}) {
            const auto big = msf::resizeNearest(small, w, h);
            for (int y = 0; y < h; ++y)
                for (int x = 0; x < w; ++x) QCOMPARE(msf::labelAtResized(small, w, h, x, y), big.at(x, y));
        }
    }
    void countsOnlyLargeLabels() {
        msf::LabelMap m{5, 1, {0, 0, 0, 1, 2}};
        QCOMPARE(msf::countLabelsAtLeast(m, 2), 1);
        QCOMPARE(msf::countLabelsAtLeast(m, 1), 3);
    }
    void mergesSmallRegionsIntoTheirSurroundings() {
        // 6x4 of label 0 with a 1-pixel speck of 5 and a 2-pixel region of 3 inside,
        // and a 2x4 block of label 1 on the right.
        msf::LabelMap m{8, 4, {0, 0, 0, 0, 0, 0, 1, 1,
                               0, 5, 0, 0, 0, 0, 1, 1,
                               0, 0, 0, 3, 3, 0, 1, 1,
                               0, 0, 0, 0, 0, 0, 1, 1}};
        const auto r = msf::mergeSmallRegions(m, 3);
        QCOMPARE(r.count(), 2);
        QCOMPARE(r.at(1, 1), r.at(0, 0));
        QCOMPARE(r.at(3, 2), r.at(0, 0));
        QVERIFY(r.at(7, 3) != r.at(0, 0));
        // A checkerboard has no region of 2 pixels: nothing to grow from, kept as is.
        msf::LabelMap board{2, 2, {0, 1, 1, 0}};
        QCOMPARE(msf::mergeSmallRegions(board, 2).labels, board.labels);
    }
    void refineSnapsBoundariesToTheImage() {
        // Image: left 5 columns dark, right 5 bright. Labels: boundary off by 2 columns.
        msf::ImageBuffer img{10, 3, 1, std::vector<float>(30, 0.1f)};
        msf::LabelMap m{10, 3, std::vector<int32_t>(30, 0)};
        for (int y = 0; y < 3; ++y)
            for (int x = 0; x < 10; ++x) {
                if (x >= 5) img.data[y * 10 + x] = 0.9f;
                if (x >= 7) m.labels[y * 10 + x] = 1;
            }
        const auto r = msf::refineBoundaries(m, img, 4);
        for (int y = 0; y < 3; ++y)
            for (int x = 0; x < 10; ++x) QCOMPARE(r.at(x, y) == r.at(9, 0), x >= 5);
        // One pass moves a boundary by one pixel at most.
        const auto once = msf::refineBoundaries(m, img, 1);
        QCOMPARE(once.at(5, 1), once.at(4, 1));
        QVERIFY(once.at(6, 1) != once.at(4, 1));
        // A pixel far from any boundary never changes, whatever its colour.
        msf::ImageBuffer odd = img;
        odd.data[0] = 0.9f;
        QCOMPARE(msf::refineBoundaries(m, odd, 1).at(0, 0), msf::refineBoundaries(m, img, 1).at(0, 0));
    }
    void benchmarkFinishingAPhotosMap() {
        // Figures only: the default mode's post-steps on a 6000 x 4000 photo's map (a dark ellipse on a
        // noisy light ground, its 129 x 129 working map a blocky ellipse), step by step, median of 3.
        const int w = 6000, h = 4000, side = 129;
        msf::ImageBuffer photo{w, h, 3, std::vector<float>(size_t(w) * h * 3)};
        uint32_t state = 1;
        for (int y = 0; y < h; ++y)
            for (int x = 0; x < w; ++x) {
                const double e = std::pow((x - 3000) / 900.0, 2) + std::pow((y - 2000) / 600.0, 2);
                for (int k = 0; k < 3; ++k) {
                    state = state * 1664525u + 1013904223u;
                    photo.data[(size_t(y) * w + x) * 3 + k] = float((e <= 1 ? 0.25 : 0.65) + (state >> 24) / 255.0 * 0.08);
                }
            }
        // A final map (the ellipse, the ground, specks) and an early iteration's (30 labels in 3 x 3 blocks,
        // as the untrained network's argmax fragments the image).
        msf::LabelMap finalMap{side, side, std::vector<int32_t>(size_t(side) * side)}, earlyMap = finalMap;
        for (int y = 0; y < side; ++y)
            for (int x = 0; x < side; ++x) {
                const double e = std::pow((x * w / double(side) - 3000) / 900.0, 2) + std::pow((y * h / double(side) - 2000) / 600.0, 2);
                finalMap.labels[size_t(y) * side + x] = e <= 1 ? 1 : (x + y) % 23 == 0 ? 2 : 0;  // with specks
                earlyMap.labels[size_t(y) * side + x] = (x / 3 * 7 + y / 3 * 13) % 30;
            }
        auto config = msf::interactiveConfig();
        config.size = side;
        auto median = [](std::vector<double> v) { std::sort(v.begin(), v.end()); return v[v.size() / 2]; };
        for (const auto& [name, working] : {std::pair{"final", finalMap}, std::pair{"early", earlyMap}}) {
        std::vector<double> resize, merge, refine, small, all;
        for (int run = 0; run < 3; ++run) {
            QElapsedTimer t;
            t.start();
            auto m = msf::resizeNearest(working, w, h);
            resize.push_back(t.nsecsElapsed() / 1e6);
            t.restart();
            m = msf::mergeSimilarNeighbours(m, photo, config.mergeColourTolerance);
            merge.push_back(t.nsecsElapsed() / 1e6);
            t.restart();
            const int passes = int(std::ceil(config.refineRadius * double(w) / side));
            m = msf::refineBoundaries(m, photo, passes);
            refine.push_back(t.nsecsElapsed() / 1e6);
            t.restart();
            m = msf::mergeSmallRegions(m, int(config.mergeRegionsBelowFraction * side * side * double(w) * h / (side * side)));
            small.push_back(t.nsecsElapsed() / 1e6);
            t.restart();
            const auto finished = msf::finishWorkingMap(working, photo, config);
            all.push_back(t.nsecsElapsed() / 1e6);
            QVERIFY(finished.count() >= 1 && finished.width == w);
        }
        qInfo("6000 x 4000, %s map finished: resize %.0f ms, colour merging %.0f ms, boundary refinement %.0f ms (%d "
              "passes at most), small regions %.0f ms; finishWorkingMap %.0f ms (medians of 3)", name,
              median(resize), median(merge), median(refine), int(std::ceil(config.refineRadius * double(w) / side)),
              median(small), median(all));
        }
    }
};

QTEST_APPLESS_MAIN(TestLabelMap)
#include "test_label_map.moc"
