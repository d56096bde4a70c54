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
    }
    void countsOnlyLargeLabels() {
        msf::LabelMap m{5, 1, {0, 0, 0, 1, 2}};
        QCOMPARE(msf::countLabelsAtLeast(m, 2), 1);
        QCOMPARE(msf::countLabelsAtLeast(m, 1), 3);
    }
};

QTEST_APPLESS_MAIN(TestLabelMap)
#include "test_label_map.moc"
