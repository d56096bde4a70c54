#include <QtTest>

#include <fstream>
#include <string>

#include "msformer/memory_check.h"
#include "msformer/metrics.h"
#include "msformer/segmenter.h"
#include "msformer/target_selection.h"
#include "synthetic_support.h"

class TestKMeans : public QObject {
    Q_OBJECT
private slots:
    void separatesTwoFlatRegions() {
        msf::ImageBuffer img{20, 10, 1, std::vector<float>(200, 0.1f)};
        for (int y = 0; y < 10; ++y)
            for (int x = 12; x < 20; ++x) img.data[y * 20 + x] = 0.9f;
        msf::KMeansConfig c;
        c.size = 20;
        c.k = 2;
        const auto r = msf::runKMeans(img, c);
        QCOMPARE(r.clusterCount, 2);
        QCOMPARE(r.original.width, 20);
        QCOMPARE(r.original.height, 10);
        // Larger region (left, 12 columns) is label 0 after renumbering.
        QCOMPARE(r.original.at(0, 0), 0);
        QCOMPARE(r.original.at(19, 9), 1);
        QCOMPARE(r.parameters.at("k"), std::string("2"));
        QCOMPARE(r.parameters.at("device"), r.device);  // resolved from auto: cpu or cuda
        QVERIFY(r.device == "cpu" || r.device == "cuda");
    }
    void seededAndDeterministic() {
        const auto img = bufferOf(msf::phantom::skinLesion(64, 3));
        msf::KMeansConfig c;
        c.size = 64;
        c.seed = 5;
        const auto a = msf::runKMeans(img, c), b = msf::runKMeans(img, c);
        QVERIFY(a.working.labels == b.working.labels);
        QCOMPARE(a.clusterCount, 3);
    }
    void findsTheLungsInTheNoisySlice() {
        const auto ph = msf::phantom::lungCt(128, 4);
        msf::KMeansConfig c;
        c.size = 128;
        c.k = 2;
        const auto r = msf::runKMeans(bufferOf(ph), c);
        const auto s = msf::selectByTruthClicks(msf::toMat(r.original), ph.mask);
        QVERIFY(msf::scoreMasks(s.mask, ph.mask).dsc > 0.9);
    }
    void flatImageDoesNotCrash() {
        msf::ImageBuffer img{16, 16, 3, std::vector<float>(16 * 16 * 3, 0.5f)};
        msf::KMeansConfig c;
        c.size = 16;
        const auto r = msf::runKMeans(img, c);
        QCOMPARE(r.clusterCount, 1);
    }
    void aTinyImageCountsTheLabelsItKeeps() {
        // 2 x 1 pixels, black and white: the working map (S x S, a ramp between
        // them) has 3 clusters, the 2 x 1 map at most 2. Its labels are
        // 0..count-1 and the count is its own.
        msf::ImageBuffer img{2, 1, 1, {0.0f, 1.0f}};
        msf::KMeansConfig c;
        c.k = 3;
        for (int seed = 0; seed < 5; ++seed) {
            c.seed = seed;
            const auto r = msf::runKMeans(img, c);
            QCOMPARE(r.clusterCount, r.original.count());
            for (int v : r.original.labels) QVERIFY(v >= 0 && v < r.clusterCount);
        }
    }
    void invalidConfigIsAnError() {
        msf::KMeansConfig c;
        c.k = 1;
        QVERIFY_THROWS_EXCEPTION(msf::SegmentationError, msf::runKMeans(bufferOf(msf::phantom::lungCt(32, 1)), c));
    }
    void theMemoryEstimateCoversARunsPeak() {
        // The estimate the run is refused by covers what a run adds at its peak (VmHWM, reset before the run),
        // grey and colour; the figures are printed.
        const auto status = [](const char* key) -> long {  // kB
            std::ifstream in("/proc/self/status");
            std::string k;
            long v = -1;
            while (in >> k)
                if (k == key) return in >> v, v;
            return -1;
        };
        for (const int channels : {1, 3}) {
            msf::ImageBuffer img{3000, 2000, channels, std::vector<float>(size_t(3000) * 2000 * channels)};
            for (size_t i = 0; i < img.data.size(); ++i) img.data[i] = float((i * 2654435761u) % 1000) / 1000.f;
            if (!(std::ofstream("/proc/self/clear_refs") << "5")) QSKIP("no /proc/self/clear_refs to reset the peak");
            const long before = status("VmRSS:");
            msf::KMeansConfig c;
            c.size = 129;
            const auto r = msf::runKMeans(img, c);
            const long added = status("VmHWM:") - before;
            QVERIFY(before > 0 && added > 0);
            const int64_t estimate = msf::estimatedKMeansBytes(img.width, img.height, channels);
            qInfo("k-means on 3000 x 2000 x %d: adds %.0f MB at its peak (%.1f B per pixel), estimate %.0f MB", channels,
                  added / 1024.0, added * 1024.0 / (3000.0 * 2000), estimate / 1e6);
            QVERIFY2(added * 1024 <= estimate, qPrintable(QString::number(added)));
            QCOMPARE(r.original.width, 3000);
        }
        // Refused by what it names, when it does not fit; unknown memory (-1) is not refused.
        const QString problem = QString::fromStdString(msf::kmeansMemoryProblem(30000, 30000, 3, int64_t(12e9)));
        QVERIFY2(problem.startsWith("k-means on the 30000 x 30000 image needs about 31.6 GB of memory and 12.0 GB is "
                                    "available: downscale or crop the image"),
                 qPrintable(problem));
        QVERIFY(msf::kmeansMemoryProblem(30000, 30000, 1, int64_t(12e9)).empty());  // 8.2 GB: grey fits
        QVERIFY(msf::kmeansMemoryProblem(30000, 30000, 3, -1).empty());
        // A run is refused before it reads its input (a 30000 x 30000 colour buffer, declared, not filled: 10.8 GB
        // that the test need not hold).
        if (msf::estimatedKMeansBytes(30000, 30000, 3) <= msf::availableMemoryBytes()) QSKIP("this machine has the memory");
        try {
            msf::runKMeans(msf::ImageBuffer{30000, 30000, 3, {}}, msf::KMeansConfig{});
            QFAIL("the run was not refused");
        } catch (const msf::SegmentationError& e) {
            QVERIFY2(QString(e.what()).startsWith("k-means on the 30000 x 30000 image needs about 31.6 GB"), e.what());
        }
    }
};

QTEST_GUILESS_MAIN(TestKMeans)
#include "test_kmeans.moc"
