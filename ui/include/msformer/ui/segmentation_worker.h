#pragma once
// Runs MS-Former or k-means on a worker thread (a QObject living on its own
// QThread). Per-iteration previews cross to the UI as implicitly shared
// QImages; when the UI falls behind, only the newest preview is delivered.
#include <QImage>
#include <QMutex>
#include <QObject>
#include <QThread>

#include <opencv2/core.hpp>

#include <atomic>

#include "msformer/config.h"
#include "msformer/image_buffer.h"
#include "msformer/segmenter.h"

Q_DECLARE_METATYPE(msf::IterationStats)
Q_DECLARE_METATYPE(msf::SegmentationResult)
Q_DECLARE_METATYPE(cv::Mat)
Q_DECLARE_METATYPE(msf::MsFormerConfig)
Q_DECLARE_METATYPE(msf::KMeansConfig)

namespace msf::ui {

class SegmentationWorker : public QObject {
    Q_OBJECT
public:
    SegmentationWorker();
    // Thread-safe: stops the running job within one iteration.
    void cancel() { cancel_.cancel(); }
    // For good (the window closing): a run stops within its iteration and makes no map, sends nothing.
    void abandon() { cancel_.abandon(); }
    // The UI calls this after drawing a preview; until then newer previews
    // replace the pending one instead of queueing up.
    void previewConsumed() { previewPending_ = false; }
    // The newest preview not yet taken (thread-safe).
    bool takePreview(QImage* labels, IterationStats* stats);

public slots:
    // `job` comes back with every signal so the UI can ignore a cancelled run's late results.
    // `image`: the shown frame through the window, CV_32F in [0, 1] (1 or 3
    // channels, BGR), shared with the UI, which never writes into it; the
    // segmenter's copy is made here, off the UI thread.
    void runMsFormer(const cv::Mat& image, const msf::MsFormerConfig& config, int job);
    void runKMeans(const cv::Mat& image, const msf::KMeansConfig& config, int job);

signals:
    void previewReady(int job);  // call takePreview()
    // `colours`: the result's cluster map in colour at the image's size, made
    // here so that a large photo's map is not coloured on the UI thread.
    void finished(int job, const QString& method, const msf::SegmentationResult& result, const QImage& colours);
    void failed(int job, const QString& method, const QString& message);

private:
    CancelFlag cancel_;
    std::atomic<bool> previewPending_{false};
    QMutex previewMutex_;
    QImage preview_;  // Format_Grayscale16 label ids (S x S)
    IterationStats previewStats_;
};

// Owns a worker and its thread; destroying it cancels and joins cleanly.
class WorkerThread : public QObject {
    Q_OBJECT
public:
    explicit WorkerThread(QObject* parent = nullptr);
    ~WorkerThread() override;
    SegmentationWorker* worker() const { return worker_; }

private:
    QThread thread_;
    SegmentationWorker* worker_;
};

QImage toQImage(const cv::Mat& m);                // CV_8UC1 or CV_8UC3 (BGR) -> a deep copy
QImage labelMapToImage(const LabelMap& labels);   // Grayscale16 of label ids
QImage clusterColours(const LabelMap& labels);    // each cluster in its colour
LabelMap imageToLabelMap(const QImage& image);

}  // namespace msf::ui
