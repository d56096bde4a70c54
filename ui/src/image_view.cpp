#include "msformer/ui/image_view.h"

#include <QMouseEvent>
#include <QPainter>
#include <QWheelEvent>

#include <algorithm>

namespace msf::ui {

ImageView::ImageView(QWidget* parent) : QWidget(parent) {
    setMouseTracking(true);
    setMinimumSize(200, 200);
    setFocusPolicy(Qt::StrongFocus);
}

void ImageView::setImage(const QImage& image) {
    const bool newSize = image.size() != image_.size();
    image_ = image;
    if (newSize) {
        clusters_ = QImage();
        mask_ = QImage();
        fitted_ = false;
        fitToWindow();
    }
    update();
}

void ImageView::setClusters(const QImage& colours) {
    clusters_ = colours;
    update();
}

void ImageView::setMask(const QImage& mask) {
    bool empty = true;  // nothing to draw: no two full-size layers to fill (96 MB each for a 24-MP photo)
    for (int y = 0; y < mask.height() && empty; ++y) {
        const uchar* row = mask.constScanLine(y);
        empty = std::all_of(row, row + mask.width(), [](uchar v) { return v == 0; });
    }
    if (empty) {
        mask_ = maskOutline_ = QImage();
        update();
        return;
    }
    mask_ = QImage(mask.size(), QImage::Format_ARGB32_Premultiplied);
    maskOutline_ = QImage(mask.size(), QImage::Format_ARGB32_Premultiplied);
    mask_.fill(Qt::transparent);
    maskOutline_.fill(Qt::transparent);
    const QRgb fill = qRgba(255, 215, 0, 255), line = qRgba(255, 255, 0, 255);
    for (int y = 0; y < mask.height(); ++y) {
        const uchar* row = mask.constScanLine(y);
        const uchar* up = y > 0 ? mask.constScanLine(y - 1) : nullptr;
        const uchar* down = y + 1 < mask.height() ? mask.constScanLine(y + 1) : nullptr;
        auto* out = reinterpret_cast<QRgb*>(mask_.scanLine(y));
        auto* edge = reinterpret_cast<QRgb*>(maskOutline_.scanLine(y));
        for (int x = 0; x < mask.width(); ++x) {
            if (!row[x]) continue;
            out[x] = fill;
            const bool border = x == 0 || x + 1 == mask.width() || !row[x - 1] || !row[x + 1] || !up || !down ||
                                !up[x] || !down[x];
            if (border) edge[x] = line;
        }
    }
    update();
}

void ImageView::setClustersVisible(bool on) {
    clustersVisible_ = on;
    update();
}

void ImageView::setMaskOpacity(double o) {
    maskOpacity_ = o;
    update();
}

void ImageView::setOrientationLabels(const QStringList& leftTopRightBottom) {
    orientationLabels_ = leftTopRightBottom;
    update();
}

void ImageView::fitToWindow() {
    if (image_.isNull()) return;
    zoom_ = std::min(width() / double(image_.width()), height() / double(image_.height()));
    offset_ = QPointF((width() - image_.width() * zoom_) / 2, (height() - image_.height() * zoom_) / 2);
    fitted_ = true;
    update();
}

QPointF ImageView::toImage(const QPointF& p) const { return (p - offset_) / zoom_; }

void ImageView::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.fillRect(rect(), Qt::black);
    if (image_.isNull()) {
        p.setPen(Qt::gray);
        p.drawText(rect(), Qt::AlignCenter, tr("File > Open (Ctrl+O) or drop an image here"));
        return;
    }
    const QRectF target(offset_, QSizeF(image_.width() * zoom_, image_.height() * zoom_));
    p.drawImage(target, image_);
    if (!clusters_.isNull() && clustersVisible_) {
        p.setOpacity(clusterOpacity_);
        p.drawImage(target, clusters_);
    }
    if (!mask_.isNull()) {
        p.setOpacity(maskOpacity_);
        p.drawImage(target, mask_);
        p.setOpacity(1.0);
        p.drawImage(target, maskOutline_);
    }
    if (orientationLabels_.size() == 4) {
        p.setOpacity(1.0);
        p.setPen(Qt::yellow);
        const QRect r = rect().adjusted(6, 4, -6, -4);
        const Qt::Alignment at[4] = {Qt::AlignLeft | Qt::AlignVCenter, Qt::AlignTop | Qt::AlignHCenter,
                                     Qt::AlignRight | Qt::AlignVCenter, Qt::AlignBottom | Qt::AlignHCenter};
        for (int i = 0; i < 4; ++i) p.drawText(r, at[i], orientationLabels_[i]);
    }
    if (brushMode_ && underMouse()) {
        p.setOpacity(1.0);
        p.setPen(QPen(Qt::cyan, 1));
        p.drawEllipse(QPointF(mapFromGlobal(QCursor::pos())), brushRadius_ * zoom_, brushRadius_ * zoom_);
    }
}

void ImageView::wheelEvent(QWheelEvent* e) {
    const QPointF before = toImage(e->position());
    const double factor = e->angleDelta().y() > 0 ? 1.25 : 0.8;
    zoom_ = std::clamp(zoom_ * factor, 0.05, 64.0);
    offset_ = e->position() - before * zoom_;
    update();
}

void ImageView::mousePressEvent(QMouseEvent* e) {
    dragButton_ = e->button();
    lastPos_ = e->pos();
    if (e->button() == Qt::LeftButton && brushMode_) {
        strokePoints_ = {toImage(e->position()).toPoint()};
        emit stroke(strokePoints_, false);
    }
}

void ImageView::mouseMoveEvent(QMouseEvent* e) {
    const QPoint delta = e->pos() - lastPos_;
    lastPos_ = e->pos();
    emit hovered(toImage(e->position()).toPoint());
    if (dragButton_ == Qt::MiddleButton) {
        offset_ += delta;
        update();
    } else if (dragButton_ == Qt::RightButton) {
        emit windowLevelDrag(delta.x(), delta.y());
    } else if (dragButton_ == Qt::LeftButton && brushMode_) {
        strokePoints_.append(toImage(e->position()).toPoint());
        emit stroke(strokePoints_, false);
    } else if (brushMode_) {
        update();
    }
}

void ImageView::mouseReleaseEvent(QMouseEvent* e) {
    if (e->button() == Qt::LeftButton && dragButton_ == Qt::LeftButton) {
        if (brushMode_) emit stroke(strokePoints_, true);
        else if ((e->pos() - lastPos_).manhattanLength() < 4) emit clicked(toImage(e->position()).toPoint(), e->modifiers());
    }
    dragButton_ = Qt::NoButton;
}

void ImageView::resizeEvent(QResizeEvent*) {
    if (fitted_) fitToWindow();
}

}  // namespace msf::ui
