// The optimisation loop through the public API: observer, early stop, cancel,
// determinism, errors, and quality on a generated lesion.
#include <QtTest>

#include <cmath>
#include <thread>
#include <utility>

#include <opencv2/imgproc.hpp>

#include "msformer/evaluation.h"
#include "msformer/mask_ops.h"
#include "msformer/memory_check.h"
#include "msformer/runtime_info.h"
#include "msformer/segmenter.h"
#include "synthetic_support.h"

namespace {
msf::MsFormerConfig smallConfig(int size = 48, int iterations = 4) {
    msf::MsFormerConfig c;
    c.size = size;
    c.maxIterations = iterations;
    c.minLabels = 0;
    c.device = msf::DeviceChoice::Cpu;
    return c;
}
}  // namespace

class TestSegmenter : public QObject {
    Q_OBJECT
private slots:
    void observerSeesEveryIterationAndResultHasBothSizes() {
        const auto lesion = bufferOf(msf::phantom::skinLesion(96, 1));
        msf::Segmenter seg(smallConfig());
        int calls = 0;
        bool ok = true;
        seg.setObserver([&](const msf::IterationStats& s, const msf::LabelMap& m) {
            ++calls;
            ok = ok && s.iteration == calls && m.width == 48 && m.height == 48;
            return true;
        });
        const auto r = seg.run(lesion);
        QCOMPARE(calls, 4);
        QVERIFY(ok);
        QCOMPARE(int(r.history.size()), 4);
        QVERIFY(!r.cancelled);
        QCOMPARE(r.working.width, 48);
        QCOMPARE(r.original.width, 96);
        QCOMPARE(r.original.height, 96);
        QCOMPARE(r.clusterCount, r.original.count());
        for (const auto& h : r.history) {
            QVERIFY(std::isfinite(h.lossTotal));
            QVERIFY(std::abs(h.lossTotal - (h.lossCe + 2.0 * h.lossInter + 1.2 * h.lossIntra)) < 1e-4);
            QVERIFY(h.labelCount >= 1 && h.labelCount <= 100);
            QVERIFY(h.milliseconds > 0);
        }
    }
    void everyIterationsMapIsKeptWhenAskedAndFinishesAsARunThatStoppedThere() {
        // Default mode (colour merging, boundary refinement, small regions merged) at a working size
        // smaller than the image, so finishing resizes and refines.
        const auto lesion = bufferOf(msf::phantom::skinLesion(96, 1));
        auto c = msf::interactiveConfig();
        c.size = 33;
        c.maxIterations = 5;
        c.minLabels = 0;
        c.stableIterations = 0;
        c.device = msf::DeviceChoice::Cpu;
        {  // not asked: none kept
            const auto r = msf::Segmenter(c).run(lesion);
            QVERIFY(r.iterationMaps.empty());
        }
        msf::Segmenter seg(c);
        seg.setKeepIterationMaps(true);
        std::vector<msf::LabelMap> observed;
        seg.setObserver([&](const msf::IterationStats&, const msf::LabelMap& m) {
            observed.push_back(m);
            return true;
        });
        const auto r = seg.run(lesion);
        QCOMPARE(int(r.iterationMaps.size()), 5);
        QCOMPARE(int(r.history.size()), 5);
        for (size_t i = 0; i < observed.size(); ++i) QVERIFY(r.iterationMaps[i].labels == observed[i].labels);
        // The first iteration's map (random weights) is finer than the last.
        QVERIFY2(r.iterationMaps.front().count() > r.iterationMaps.back().count(),
                 qPrintable(QString("%1 vs %2").arg(r.iterationMaps.front().count()).arg(r.iterationMaps.back().count())));
        // The final map is finishWorkingMap of the run's working map.
        QVERIFY(msf::finishWorkingMap(r.working, lesion, c).labels == r.original.labels);
        // Iteration k's map is the argmax after k - 1 steps: finished, it is the map of a run of k - 1
        // iterations (the same regions; numbered by size, so the same numbers unless two sizes tie).
        for (int k : {2, 4}) {
            auto shorter = c;
            shorter.maxIterations = k - 1;
            const auto stopped = msf::Segmenter(shorter).run(lesion);
            const auto finished = msf::finishWorkingMap(r.iterationMaps[k - 1], lesion, c);
            QCOMPARE(finished.width, 96);
            QCOMPARE(finished.height, 96);
            QCOMPARE(finished.count(), stopped.clusterCount);
            QVERIFY2(finished.labels == stopped.original.labels, qPrintable(QString("iteration %1").arg(k)));
        }
        // With a byte limit: the first iterations' maps that fit in it.
        msf::Segmenter limited(c);
        limited.setKeepIterationMaps(true, 2 * 33 * 33 * sizeof(int32_t) + 100);
        const auto few = limited.run(lesion);
        QCOMPARE(int(few.history.size()), 5);
        QCOMPARE(int(few.iterationMaps.size()), 2);
        QVERIFY(few.iterationMaps[1].labels == r.iterationMaps[1].labels);
        // A map that is not at the working size is refused, not resized.
        QVERIFY_THROWS_EXCEPTION(msf::SegmentationError, msf::finishWorkingMap(r.original, lesion, c));
    }
    void labelsAreRenumberedBySize() {
        msf::Segmenter seg(smallConfig(40, 2));
        const auto r = seg.run(bufferOf(msf::phantom::lungCt(64, 2)));
        for (const auto* map : {&r.working, &r.original}) {
            std::vector<int> counts(map->count(), 0);
            for (int v : map->labels) ++counts.at(v);
            for (size_t i = 1; i < counts.size(); ++i) QVERIFY(counts[i - 1] >= counts[i]);
        }
    }
    void theClusterCountIsTheDeliveredMaps() {
        // A uniform image, a single pixel and a 3 x 3 image, where the working
        // map keeps labels that merging or resizing removes from the delivered
        // one: the count reported (and accepted by --target ID) is the map's own,
        // and its labels are 0..count-1.
        cv::Mat noise3(3, 3, CV_8UC1);
        cv::randu(noise3, 0, 255);
        const std::vector<std::pair<const char*, cv::Mat>> images = {
            {"uniform 64 x 64", cv::Mat(64, 64, CV_8UC1, cv::Scalar(0))},
            {"1 x 1", cv::Mat(1, 1, CV_8UC1, cv::Scalar(128))},
            {"3 x 3 noise", noise3}};
        for (const auto& [name, image] : images) {
            msf::ImageBuffer buffer{image.cols, image.rows, 1, {}};
            for (int i = 0; i < image.cols * image.rows; ++i) buffer.data.push_back(image.data[i] / 255.0f);
            msf::Segmenter seg(msf::interactiveConfig());
            const auto r = seg.run(buffer);
            QVERIFY2(r.clusterCount == r.original.count(),
                     qPrintable(QString("%1: reported %2 clusters, the map has %3 (working map %4)")
                                    .arg(name).arg(r.clusterCount).arg(r.original.count()).arg(r.working.count())));
            for (int v : r.original.labels) QVERIFY(v >= 0 && v < r.clusterCount);
        }
    }
    void stopsEarlyAtMinLabels() {
        auto c = smallConfig(40, 50);
        c.minLabels = 100;  // any label count is <= 100: stop after the first iteration
        msf::Segmenter seg(c);
        const auto r = seg.run(bufferOf(msf::phantom::skinLesion(64, 3)));
        QVERIFY(r.stoppedEarly);
        QCOMPARE(int(r.history.size()), 1);
    }
    void stopsOnceTheMapHasSettled() {
        auto c = smallConfig(40, 50);
        c.stableIterations = 2;
        c.stableChangeFraction = 1.01;  // every iteration counts as settled: stop at the 3rd
        const auto r = msf::Segmenter(c).run(bufferOf(msf::phantom::skinLesion(64, 3)));
        QVERIFY(r.stoppedEarly);
        QCOMPARE(int(r.history.size()), 3);  // the first has no previous map to compare with
        QVERIFY(r.history[1].changedFraction >= 0 && r.history[1].changedFraction <= 1);
        QCOMPARE(r.history[0].changedFraction, 1.0);
    }
    void cancelFromAnotherThreadStopsWithinOneIteration() {
        auto c = smallConfig(48, 50);
        msf::Segmenter seg(c);
        msf::CancelFlag cancel;
        std::atomic<int> seen{0};
        seg.setObserver([&](const msf::IterationStats& s, const msf::LabelMap&) {
            seen = s.iteration;
            return true;
        });
        std::thread canceller([&] {
            while (seen.load() < 2) std::this_thread::sleep_for(std::chrono::milliseconds(1));
            cancel.cancel();
        });
        const auto r = seg.run(bufferOf(msf::phantom::skinLesion(64, 4)), &cancel);
        canceller.join();
        QVERIFY(r.cancelled);
        QVERIFY(int(r.history.size()) <= 3);  // the iteration in flight may finish
        QVERIFY(!r.working.empty());          // still a usable map
    }
    void anAbandonedRunStopsWithinOneIterationAndMakesNoMap() {
        // The window closing: nobody takes the map, whose making at a photo's size took seconds.
        msf::Segmenter seg(smallConfig(48, 50));
        msf::CancelFlag cancel;
        seg.setObserver([&cancel](const msf::IterationStats& s, const msf::LabelMap&) {
            if (s.iteration == 2) cancel.abandon();
            return true;
        });
        const auto r = seg.run(bufferOf(msf::phantom::skinLesion(64, 4)), &cancel);
        QVERIFY(r.cancelled);
        QCOMPARE(int(r.history.size()), 2);
        QVERIFY(r.working.empty() && r.original.empty());
        QCOMPARE(r.clusterCount, 0);
        // For good: a reset clears a cancel, not an abandon (a run queued after it stops before its first step).
        cancel.reset();
        QVERIFY(cancel.cancelled() && cancel.abandoned());
        QCOMPARE(int(seg.run(bufferOf(msf::phantom::skinLesion(64, 4)), &cancel).history.size()), 0);
        msf::CancelFlag plain;
        plain.cancel();
        plain.reset();
        QVERIFY(!plain.cancelled());
    }
    void observerReturningFalseCancels() {
        msf::Segmenter seg(smallConfig(40, 10));
        seg.setObserver([](const msf::IterationStats& s, const msf::LabelMap&) { return s.iteration < 3; });
        const auto r = seg.run(bufferOf(msf::phantom::lungCt(64, 5)));
        QVERIFY(r.cancelled);
        QCOMPARE(int(r.history.size()), 3);
    }
    void sameSeedSameResultOtherSeedDiffers() {
        const auto img = bufferOf(msf::phantom::skinLesion(64, 6));
        auto c = smallConfig(40, 3);
        c.seed = 11;
        const auto a = msf::Segmenter(c).run(img);
        const auto b = msf::Segmenter(c).run(img);
        QVERIFY(a.working.labels == b.working.labels);
        QCOMPARE(a.history.back().lossTotal, b.history.back().lossTotal);
        c.seed = 12;
        const auto d = msf::Segmenter(c).run(img);
        QVERIFY(d.history.back().lossTotal != a.history.back().lossTotal);
    }
    void runningAheadGivesTheSameResultAsInOrder() {
        // The CUDA loop queues iteration i + 1 before it reads iteration i and,
        // when it stops at i, takes the final map from i + 1's forward pass.
        // The same order on the CPU must give the in-order result exactly:
        // early stop, the iteration limit, and a cancel from the observer.
        const auto img = bufferOf(msf::phantom::skinLesion(64, 9));
        auto early = msf::interactiveConfig();  // stops on its own (min labels / settled map)
        early.size = 48;
        early.device = msf::DeviceChoice::Cpu;
        auto limit = smallConfig(40, 4);
        for (const auto& [config, cancelAt] : {std::pair{early, 0}, std::pair{limit, 0}, std::pair{limit, 2}}) {
            msf::SegmentationResult results[2];
            for (const bool ahead : {false, true}) {
                msf::Segmenter seg(config);
                seg.setRunAhead(ahead);
                if (cancelAt)
                    seg.setObserver([&](const msf::IterationStats& s, const msf::LabelMap&) { return s.iteration < cancelAt; });
                results[ahead] = seg.run(img);
            }
            const auto& [inOrder, ahead] = results;
            QCOMPARE(ahead.history.size(), inOrder.history.size());
            QCOMPARE(ahead.stoppedEarly, inOrder.stoppedEarly);
            QCOMPARE(ahead.cancelled, inOrder.cancelled);
            for (size_t i = 0; i < inOrder.history.size(); ++i) {
                QCOMPARE(ahead.history[i].lossTotal, inOrder.history[i].lossTotal);
                QCOMPARE(ahead.history[i].labelCount, inOrder.history[i].labelCount);
            }
            QVERIFY(ahead.working.labels == inOrder.working.labels);
            QVERIFY(ahead.original.labels == inOrder.original.labels);
            // Each case ends the way it is meant to (so the final map of the
            // early stop and the cancel comes from the iteration run ahead).
            if (cancelAt) QVERIFY(inOrder.cancelled && int(inOrder.history.size()) == cancelAt);
            else if (config.maxIterations == 4) QVERIFY(!inOrder.stoppedEarly && inOrder.history.size() == 4);
            else QVERIFY(inOrder.stoppedEarly && int(inOrder.history.size()) < config.maxIterations);
        }
    }
    void greyscaleRunsWithOneChannel() {
        const auto ct = bufferOf(msf::phantom::lungCt(64, 7));
        QCOMPARE(ct.channels, 1);
        const auto r = msf::Segmenter(smallConfig(40, 2)).run(ct);
        QCOMPARE(r.original.width, 64);
    }
    void precisionAutoResolvesPerDeviceAndIsReported() {
        using msf::Precision;
        QCOMPARE(msf::resolvePrecision(Precision::Auto, msf::DeviceChoice::Cuda), Precision::TF32);
        const Precision cpu = msf::cpuHasNativeBfloat16() ? Precision::BFloat16 : Precision::Float32;
        QCOMPARE(msf::resolvePrecision(Precision::Auto, msf::DeviceChoice::Cpu), cpu);
        for (auto p : {Precision::Float32, Precision::BFloat16}) {
            QCOMPARE(msf::resolvePrecision(p, msf::DeviceChoice::Cpu), p);
            QCOMPARE(msf::resolvePrecision(p, msf::DeviceChoice::Cuda), p);
        }
        QCOMPARE(msf::resolvePrecision(Precision::TF32, msf::DeviceChoice::Cuda), Precision::TF32);
        QCOMPARE(msf::resolvePrecision(Precision::TF32, msf::DeviceChoice::Cpu), Precision::Float32);
        const auto img = bufferOf(msf::phantom::lungCt(64, 3));
        auto c = smallConfig(40, 2);
        c.precision = Precision::Auto;
        const auto autoRun = msf::Segmenter(c).run(img);
        QCOMPARE(autoRun.precision, cpu);
        // Its provenance parameters: what ran, not what was asked for (auto).
        QCOMPARE(autoRun.parameters.at("precision"), std::string(msf::precisionName(cpu)));
        QCOMPARE(autoRun.parameters.at("device"), autoRun.device);
        QCOMPARE(autoRun.parameters.at("size"), std::string("40"));
        QCOMPARE(autoRun.parameters.at("weights"), std::string("1,2,1.2"));
        // On the CPU tf32 is float32: the same map as fp32, bit for bit.
        c.precision = Precision::TF32;
        const auto tf32 = msf::Segmenter(c).run(img);
        c.precision = Precision::Float32;
        const auto fp32 = msf::Segmenter(c).run(img);
        QCOMPARE(tf32.precision, Precision::Float32);  // reported as what the CPU computed
        QCOMPARE(tf32.working.labels, fp32.working.labels);
        QCOMPARE(tf32.history.back().lossTotal, fp32.history.back().lossTotal);
        // bf16 runs to a finite loss and a map of the right size, with losses near float32's.
        c.precision = Precision::BFloat16;
        const auto bf16 = msf::Segmenter(c).run(img);
        QCOMPARE(bf16.precision, Precision::BFloat16);
        QCOMPARE(bf16.working.labels.size(), fp32.working.labels.size());
        QVERIFY(std::isfinite(bf16.history.back().lossTotal));
        QVERIFY(std::abs(bf16.history.front().lossTotal - fp32.history.front().lossTotal) <
                0.05 * std::abs(fp32.history.front().lossTotal));
    }
    void threadsBeyondTheCoresAreCutToThem() {
        // OpenMP threads spin while they wait for a core: more threads than cores slow a run down.
        const int cores = msf::availableCores();
        QVERIFY(cores >= 1);
        QCOMPARE(msf::threadsFor(cores + 6), cores);
        QCOMPARE(msf::threadsFor(0), cores);
        QCOMPARE(msf::threadsFor(1), 1);
        // What runtimeInfo reports is what a run with that setting uses.
        QCOMPARE(msf::runtimeInfo(msf::DeviceChoice::Cpu, cores + 6).threads, cores);
        QCOMPARE(msf::runtimeInfo(msf::DeviceChoice::Cpu, 1).threads, 1);
        QCOMPARE(msf::runtimeInfo().threads, cores);
    }
    void cudaPathMatchesTheCpuWhenAGpuIsPresent() {
        if (!msf::runtimeInfo(msf::DeviceChoice::Auto).cudaAvailable) {
            // Forcing CUDA without a device is a clear error, not a crash.
            auto c = smallConfig(40, 1);
            c.device = msf::DeviceChoice::Cuda;
            QVERIFY_THROWS_EXCEPTION(msf::SegmentationError, msf::Segmenter(c).run(bufferOf(msf::phantom::lungCt(32, 1))));
            QSKIP("no CUDA device here (the GPU figures are in docs/benchmarks.md)");
        }
        auto c = msf::interactiveConfig();
        c.size = 65;
        const auto img = bufferOf(msf::phantom::lungCt(96, 2));
        c.device = msf::DeviceChoice::Cpu;
        const auto cpu = msf::Segmenter(c).run(img);
        c.device = msf::DeviceChoice::Cuda;
        const auto gpu = msf::Segmenter(c).run(img);
        QCOMPARE(gpu.device, std::string("cuda"));
        size_t same = 0;
        for (size_t i = 0; i < cpu.original.labels.size(); ++i) same += cpu.original.labels[i] == gpu.original.labels[i];
        QVERIFY(same > 0.95 * cpu.original.labels.size());

        // Iterations 3 onwards are replayed from a CUDA graph; the same run
        // fully eager gives the same losses (to float rounding).
        c.minLabels = 0;
        c.stableIterations = 0;
        c.maxIterations = 6;
        const auto graphed = msf::Segmenter(c).run(img);
        QVERIFY2(graphed.cudaGraph, graphed.cudaGraphProblem.c_str());
        c.cudaGraphs = false;
        const auto eager = msf::Segmenter(c).run(img);
        QVERIFY(!eager.cudaGraph);
        QCOMPARE(graphed.history.size(), eager.history.size());
        for (size_t i = 0; i < eager.history.size(); ++i)
            QVERIFY(std::abs(graphed.history[i].lossTotal - eager.history[i].lossTotal) <
                    1e-3 * std::abs(eager.history[i].lossTotal) + 1e-5);
    }
    void badInputAndConfigAreErrors() {
        msf::ImageBuffer empty;
        QVERIFY_THROWS_EXCEPTION(msf::SegmentationError, msf::Segmenter(smallConfig()).run(empty));
        msf::ImageBuffer nan{8, 8, 1, std::vector<float>(64, NAN)};
        QVERIFY_THROWS_EXCEPTION(msf::SegmentationError, msf::Segmenter(smallConfig()).run(nan));
        msf::ImageBuffer twoChannels{8, 8, 2, std::vector<float>(128, 0.5f)};
        QVERIFY_THROWS_EXCEPTION(msf::SegmentationError, msf::Segmenter(smallConfig()).run(twoChannels));
        auto c = smallConfig();
        c.size = 3;
        QVERIFY_THROWS_EXCEPTION(msf::SegmentationError, msf::Segmenter(c).run(bufferOf(msf::phantom::lungCt(32, 1))));
        c = smallConfig();
        c.useCe = c.useInter = c.useIntra = false;
        QVERIFY(!c.validate().empty());
    }
    void aWorkingSizeTooLargeForTheMemoryIsRefusedBeforeTheRun() {
        // The estimate grows with S x S (a quarter at half the side), the faithful mode's recomputing
        // blocks need less, and the default S = 129 needs about a gigabyte.
        const auto interactive = msf::interactiveConfig();
        auto big = interactive;
        big.size = 1024;
        const int64_t at129 = msf::estimatedRunBytes(interactive, 320, 320);
        QVERIFY2(at129 > 0.5e9 && at129 < 1.5e9, qPrintable(QString::number(at129)));
        QVERIFY(msf::estimatedRunBytes(big, 320, 320) > 50 * (at129 - int64_t(0.3e9)));
        auto faithfulBig = msf::faithfulConfig();
        faithfulBig.size = 1024;
        QVERIFY(msf::estimatedRunBytes(faithfulBig, 320, 320) < msf::estimatedRunBytes(big, 320, 320));
        QVERIFY(msf::estimatedRunBytes(interactive, 6000, 4000) > at129 + int64_t(0.5e9));  // the full-size map
        QVERIFY(msf::memoryProblem(interactive, 320, 320, int64_t(8e9)).empty());
        QVERIFY(msf::memoryProblem(big, 320, 320, -1).empty());  // unknown: not refused
        const QString problem = QString::fromStdString(msf::memoryProblem(big, 320, 320, int64_t(8e9)));
        QVERIFY2(problem.contains(QRegularExpression("^working size S = 1024 needs about \\d+\\.\\d GB of memory and "
                                                     "8\\.0 GB is available: choose a smaller working size")),
                 qPrintable(problem));
        // The working size it offers is the largest that fits.
        const auto offered = QRegularExpression("S = (\\d+) fits, about (\\d+\\.\\d) GB\\)$").match(problem);
        QVERIFY2(offered.hasMatch(), qPrintable(problem));
        auto fits = big;
        fits.size = offered.captured(1).toInt();
        QVERIFY(fits.size > 129 && fits.size < 1024);
        QVERIFY(msf::estimatedRunBytes(fits, 320, 320) <= int64_t(8e9));
        ++fits.size;
        QVERIFY(msf::estimatedRunBytes(fits, 320, 320) > int64_t(8e9));
        QVERIFY(offered.captured(2).toDouble() <= 8.0);
        // Where the full-size map of a huge image alone does not fit, no working size helps: it says so.
        const QString tooLarge = QString::fromStdString(msf::memoryProblem(interactive, 30000, 30000, int64_t(20e9)));
        QVERIFY2(tooLarge.contains(QRegularExpression("^the 30000 x 30000 image needs about 3\\d\\.\\d GB of memory for "
                                                      "its full-size label map alone and 20\\.0 GB is available: "
                                                      "downscale or crop the image")),
                 qPrintable(tooLarge));
        QVERIFY(!tooLarge.contains("working size"));
        // Where not even the smallest S fits a small image, it asks for memory, not for a smaller image.
        const QString noRoom = QString::fromStdString(msf::memoryProblem(interactive, 320, 320, int64_t(0.2e9)));
        QVERIFY2(noRoom.endsWith("0.2 GB is available: even S = 16 does not fit; free memory (close other programs) "
                                 "and run again"),
                 qPrintable(noRoom));
        // This machine's figure, and a run that cannot fit it refused before its first iteration.
        const int64_t available = msf::availableMemoryBytes();
        QVERIFY2(available > 0, "no MemAvailable in /proc/meminfo");
        auto huge = smallConfig(2048, 2);
        huge.embedDim = huge.clusters = 1024;
        const auto image = bufferOf(msf::phantom::lungCt(32, 1));
        if (msf::estimatedRunBytes(huge, image.width, image.height) <= available) QSKIP("this machine has the memory");
        msf::Segmenter s(huge);
        int iterations = 0;
        s.setObserver([&](const msf::IterationStats&, const msf::LabelMap&) { return ++iterations, true; });
        try {
            s.run(image);
            QFAIL("the run was not refused");
        } catch (const msf::SegmentationError& e) {
            QVERIFY2(QString(e.what()).startsWith("working size S = 2048 needs about "), e.what());
        }
        QCOMPARE(iterations, 0);
    }
    void divergenceIsReportedNotDrawn() {
        auto c = smallConfig(40, 30);
        c.learningRate = 1e10;  // blows up within a few steps
        bool threw = false;
        try {
            msf::Segmenter(c).run(bufferOf(msf::phantom::skinLesion(64, 8)));
        } catch (const msf::SegmentationError& e) {
            threw = true;
            QVERIFY(QString(e.what()).contains("non-finite"));
        }
        QVERIFY(threw);
    }
    void lesionClickDiceAboveThreshold() {
        // The default mode (MS-Former's network and losses with the fixes of
        // docs/method.md) on the dermoscopy-like lesion with hairs and dark corners.
        const auto ph = msf::phantom::skinLesion(128, 21);
        auto c = msf::interactiveConfig();
        c.size = 97;
        const auto r = msf::Segmenter(c).run(bufferOf(ph));
        const auto s = msf::evaluateAllProtocols(msf::toMat(r.original), ph.mask, msf::toGrey(bufferOf(ph)));
        qInfo("synthetic lesion, default mode, S=97: %d iterations, %d clusters; best-overlap DSC %.3f, click DSC "
              "%.3f, auto DSC %.3f", int(r.history.size()), r.clusterCount, s.bestOverlap.dsc, s.click.dsc,
              s.automatic.dsc);
        QVERIFY2(s.click.dsc > 0.85, qPrintable(QString("click DSC %1").arg(s.click.dsc)));
        // Better than chance: a random mask of the same area scores about the area fraction.
        const double fraction = cv::countNonZero(ph.mask) / double(ph.mask.total());
        QVERIFY(s.click.dsc > 2 * fraction);
    }
    void faithfulModeOnTheLesionIsRecorded() {
        // The published method on the same image, seeds 0 and 1: recorded, not
        // asserted beyond completing (its result depends on the seed; see
        // docs/benchmarks.md).
        const auto ph = msf::phantom::skinLesion(128, 21);
        for (uint64_t seed : {0, 1}) {
            auto c = msf::faithfulConfig();
            c.size = 97;
            c.seed = seed;
            const auto r = msf::Segmenter(c).run(bufferOf(ph));
            const auto s = msf::evaluateAllProtocols(msf::toMat(r.original), ph.mask, msf::toGrey(bufferOf(ph)));
            qInfo("synthetic lesion, faithful mode, S=97, seed %d: %d iterations, %d clusters; best-overlap DSC %.3f, "
                  "click DSC %.3f", int(seed), int(r.history.size()), r.clusterCount, s.bestOverlap.dsc, s.click.dsc);
            QVERIFY(r.clusterCount >= 2);
            QVERIFY(!r.history.empty() && std::isfinite(r.history.back().lossTotal));
        }
    }
    void defaultModeLeavesAFlatRegionOneConnectedLabel() {
        // The window-clipped lung slice: air and lungs are exactly 0. In the
        // default mode the saturated air outside the body must end as a single
        // connected label (no checkerboard from the x2 upsampling).
        const auto ph = msf::phantom::lungCtClipped(128, 3);
        auto c = msf::interactiveConfig();
        c.size = 65;
        const auto r = msf::Segmenter(c).run(bufferOf(ph));
        const cv::Mat labels = msf::toMat(r.original);
        cv::Mat air = labels == labels.at<int32_t>(0, 0), cc;
        cv::connectedComponents(air, cc, 4);
        const cv::Mat outside = cc == cc.at<int32_t>(0, 0);  // the corner's connected region
        // Every pixel of the flat air away from the body is in that one region.
        cv::Mat body;
        cv::dilate(msf::mask::fillHoles(ph.image > 0), body, cv::Mat::ones(9, 9, CV_8U));  // body with lungs
        const cv::Mat flatAir = ~body;
        QVERIFY(cv::countNonZero(flatAir) > 1000);
        QCOMPARE(cv::countNonZero(flatAir & ~outside), 0);
    }
    void defaultModePreviewsDrawNoFrameAlongTheImageEdges() {
        // Dark air around a body, as in a CT or MR slice: standardised, the air
        // is far below 0, and a zero-padded patch embedding saw a bright frame
        // around the image; the previews then showed a band of another label
        // along the edges (on Colin27 slice 90 it outlived the run, as a block
        // of the head's label in the air). Counted: edge pixels of the flat air
        // whose label differs from the air's 3 pixels further in, over the
        // previews of the first 4 iterations (working size = the image's), 3 seeds.
        auto count = [](bool replicateEdges) {
            int framed = 0, edgeAir = 0;
            for (uint64_t seed : {0, 1, 2}) {
                const auto ph = msf::phantom::lungCt(97, seed);
                auto c = msf::interactiveConfig();
                c.size = 97;
                c.seed = seed;
                c.maxIterations = 4;
                c.minLabels = 0;
                c.replicateEdges = replicateEdges;
                msf::Segmenter s(c);
                const cv::Mat& img = ph.image;
                s.setObserver([&](const msf::IterationStats&, const msf::LabelMap& m) {
                    const int n = m.width, in = 3;
                    auto compare = [&](int x, int y, int xi, int yi) {
                        if (img.at<uchar>(y, x) > 80 || img.at<uchar>(yi, xi) > 80) return;  // air: 0.02 + noise
                        ++edgeAir;
                        if (m.at(x, y) != m.at(xi, yi)) ++framed;
                    };
                    for (int i = 0; i < n; ++i) {
                        compare(i, 0, i, in);
                        compare(i, n - 1, i, n - 1 - in);
                        compare(0, i, in, i);
                        compare(n - 1, i, n - 1 - in, i);
                    }
                    return true;
                });
                s.run(bufferOf(ph));
            }
            return std::pair{framed, edgeAir};
        };
        const auto [framed, edgeAir] = count(true);
        const auto [framedWithZeros, edgeAirWithZeros] = count(false);
        qInfo("edge pixels of the air labelled apart from the air within: %d of %d; with zero padding %d of %d", framed,
              edgeAir, framedWithZeros, edgeAirWithZeros);
        QVERIFY(edgeAir > 1000);
        // Measured on this CPU: 84 of 4656 (1.8%, mostly the first iteration's
        // map of one seed), 695 (15%) with zero padding.
        QVERIFY2(framed <= edgeAir / 20, qPrintable(QString("%1 of %2").arg(framed).arg(edgeAir)));
        QVERIFY(framedWithZeros > 3 * framed);  // the failure mode this departure removes, documented
    }
    void faithfulModeShowsTheCheckerboardTheDefaultRemoves() {
        // Documents failure mode 1 of the published method on the same input:
        // count 1-pixel regions in the flat air at working size.
        const auto ph = msf::phantom::lungCtClipped(128, 3);
        auto c = msf::faithfulConfig();
        c.size = 65;
        c.maxIterations = 20;
        const auto r = msf::Segmenter(c).run(bufferOf(ph));
        const auto merged = msf::mergeSmallRegions(r.working, 2);
        const int specks = r.working.count() - merged.count();
        qInfo("faithful mode: %d labels, %d of them only in 1-pixel regions", r.working.count(), specks);
        QVERIFY(specks > 0);
    }
    void defaultModeSeedSpreadIsSmall() {
        const auto ph = msf::phantom::skinLesion(128, 21);
        const cv::Mat grey = msf::toGrey(bufferOf(ph));
        std::vector<double> dsc;
        for (uint64_t seed : {0, 1, 2}) {
            auto c = msf::interactiveConfig();
            c.size = 97;
            c.seed = seed;
            const auto r = msf::Segmenter(c).run(bufferOf(ph));
            dsc.push_back(msf::evaluateAllProtocols(msf::toMat(r.original), ph.mask, grey).click.dsc);
        }
        const auto [lo, hi] = std::minmax_element(dsc.begin(), dsc.end());
        qInfo("default mode click DSC over seeds 0,1,2: %.4f %.4f %.4f", dsc[0], dsc[1], dsc[2]);
        QVERIFY(*lo > 0.9);
        QVERIFY2(*hi - *lo <= 0.02, qPrintable(QString("spread %1").arg(*hi - *lo)));
    }
};

QTEST_GUILESS_MAIN(TestSegmenter)
#include "test_segmenter.moc"
