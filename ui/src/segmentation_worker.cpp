#include "msformer/ui/segmentation_worker.h"

#include <QMetaType>

#include "msformer/cluster_colours.h"
#include "msformer/mat_convert.h"

namespace msf::ui {

QImage labelMapToImage(const LabelMap& labels) {
    QImage img(labels.width, labels.height, QImage::Format_Grayscale16);
    for (int y = 0; y < labels.height; ++y) {
        auto* row = reinterpret_cast<quint16*>(img.scanLine(y));
        for (int x = 0; x < labels.width; ++x) row[x] = static_cast<quint16>(std::max(0, labels.at(x, y)));
    }
    return img;
}

QImage toQImage(const cv::Mat& m) {
    if (m.channels() == 3) {
        return QImage(m.data, m.cols, m.rows, static_cast<int>(m.step), QImage::Format_BGR888).copy();
    }
    return QImage(m.data, m.cols, m.rows, static_cast<int>(m.step), QImage::Format_Grayscale8).copy();
}

QImage clusterColours(const LabelMap& labels) {
    return labels.empty() ? QImage() : toQImage(colourizeLabels(toMat(labels)));
}

LabelMap imageToLabelMap(const QImage& img) {
    LabelMap m{img.width(), img.height(), std::vector<int32_t>(static_cast<size_t>(img.width()) * img.height())};
    for (int y = 0; y < img.height(); ++y) {
        const auto* row = reinterpret_cast<const quint16*>(img.constScanLine(y));
        for (int x = 0; x < img.width(); ++x) m.labels[static_cast<size_t>(y) * img.width() + x] = row[x];
    }
    return m;
}

SegmentationWorker::SegmentationWorker() {
    qRegisterMetaType<msf::IterationStats>();
    qRegisterMetaType<msf::SegmentationResult>();
    qRegisterMetaType<cv::Mat>();
    qRegisterMetaType<msf::MsFormerConfig>();
    qRegisterMetaType<msf::KMeansConfig>();
}

bool SegmentationWorker::takePreview(QImage* labels, IterationStats* stats) {
    QMutexLocker lock(&previewMutex_);
    if (preview_.isNull()) return false;
    *labels = preview_;
    *stats = previewStats_;
    preview_ = QImage();
    return true;
}

void SegmentationWorker::runMsFormer(const cv::Mat& image, const msf::MsFormerConfig& config, int job) {
    cancel_.reset();
    previewPending_ = false;
    try {
        Segmenter segmenter(config);
        // The UI steps back through them once the run has finished (the first iterations' within 512 MB:
        // 50 iterations at S = 129 take 3.3 MB, at S = 1025 210 MB).
        segmenter.setKeepIterationMaps(true, std::size_t{512} << 20);
        segmenter.setObserver([this, job](const IterationStats& stats, const LabelMap& map) {
            {
                QMutexLocker lock(&previewMutex_);
                preview_ = labelMapToImage(map);
                previewStats_ = stats;
            }
            if (!previewPending_.exchange(true)) emit previewReady(job);
            return !cancel_.cancelled();
        });
        const auto result = segmenter.run(toImageBuffer(image), &cancel_);
        if (cancel_.abandoned()) return;
        emit finished(job, "msformer", result, clusterColours(result.original));
    } catch (const std::exception& e) {
        emit failed(job, "msformer", QString::fromStdString(e.what()));
    }
}

void SegmentationWorker::runKMeans(const cv::Mat& image, const msf::KMeansConfig& config, int job) {
    if (cancel_.abandoned()) return;  // queued before the window closed: nobody takes it
    cancel_.reset();
    try {
        const auto result = msf::runKMeans(toImageBuffer(image), config);
        emit finished(job, "kmeans", result, clusterColours(result.original));
    } catch (const std::exception& e) {
        emit failed(job, "kmeans", QString::fromStdString(e.what()));
    }
}

WorkerThread::WorkerThread(QObject* parent) : QObject(parent), worker_(new SegmentationWorker) {
    worker_->moveToThread(&thread_);
    connect(&thread_, &QThread::finished, worker_, &QObject::deleteLater);
    thread_.setObjectName("segmentation");
    thread_.start();
}

WorkerThread::~WorkerThread() {
    worker_->abandon();
    thread_.quit();
    thread_.wait();
}

}  // namespace msf::ui
