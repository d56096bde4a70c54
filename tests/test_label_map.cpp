#include <QtTest>

#include "msformer/image_buffer.h"

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
};

QTEST_APPLESS_MAIN(TestLabelMap)
#include "test_label_map.moc"
