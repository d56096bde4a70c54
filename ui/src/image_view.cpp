#include "msformer/ui/image_view.h"

#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <utility>

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
        mask_ = reference_ = MaskLayers{};
        fitted_ = false;
        fitToWindow();
    }
    update();
}

void ImageView::setClusters(const QImage& colours) {
    clusters_ = colours;
    update();
}

MaskLayers maskLayers(const QImage& mask, QRgb fill, QRgb line) {
    // The layers cover the mask's bounding box only: two full-size ARGB layers
    // of a 24-MP photo are 192 MB to fill on every edit.
    int top = mask.height(), bottom = -1, left = mask.width(), right = -1;
    for (int y = 0; y < mask.height(); ++y) {
        const uchar* row = mask.constScanLine(y);
        const uchar* first = std::find_if(row, row + mask.width(), [](uchar v) { return v != 0; });
        if (first == row + mask.width()) continue;
        const uchar* last = std::find_if(std::make_reverse_iterator(row + mask.width()), std::make_reverse_iterator(row),
                                         [](uchar v) { return v != 0; }).base() - 1;
        top = std::min(top, y);
        bottom = y;
        left = std::min(left, static_cast<int>(first - row));
        right = std::max(right, static_cast<int>(last - row));
    }
    MaskLayers layers;
    if (bottom < 0) return layers;
    layers.origin = QPoint(left, top);
    const QSize size(right - left + 1, bottom - top + 1);
    if (fill) {
        layers.fill = QImage(size, QImage::Format_ARGB32_Premultiplied);
        layers.fill.fill(Qt::transparent);
    }
    layers.outline = QImage(size, QImage::Format_ARGB32_Premultiplied);
    layers.outline.fill(Qt::transparent);
    for (int y = top; y <= bottom; ++y) {
        const uchar* row = mask.constScanLine(y);
        const uchar* up = y > 0 ? mask.constScanLine(y - 1) : nullptr;
        const uchar* down = y + 1 < mask.height() ? mask.constScanLine(y + 1) : nullptr;
        auto* out = fill ? reinterpret_cast<QRgb*>(layers.fill.scanLine(y - top)) - left : nullptr;
        auto* edge = reinterpret_cast<QRgb*>(layers.outline.scanLine(y - top)) - left;
        for (int x = left; x <= right; ++x) {
            if (!row[x]) continue;
            if (out) out[x] = fill;
            const bool border = x == 0 || x + 1 == mask.width() || !row[x - 1] || !row[x + 1] || !up || !down ||
                                !up[x] || !down[x];
            if (border) edge[x] = line;
        }
    }
    return layers;
}

MaskLayers ImageView::maskOverlay(const QImage& mask) {
    return maskLayers(mask, qRgba(255, 215, 0, 255), qRgba(255, 255, 0, 255));
}

void ImageView::setMask(const QImage& mask) { setMaskLayers(maskOverlay(mask)); }

void ImageView::setMaskLayers(const MaskLayers& layers) {
    mask_ = layers;
    update();
}

void ImageView::setReference(const MaskLayers& layers) {
    reference_ = layers;
    update();
}

void ImageView::setReferenceVisible(bool on) {
    referenceVisible_ = on;
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
    zoom_ = std::min(width() / double(image_.width()), height() / (image_.height() * aspect_));
    offset_ = QPointF((width() - image_.width() * zoom_) / 2, (height() - image_.height() * zoom_ * aspect_) / 2);
    fitted_ = true;
    update();
    emit viewMoved(zoom_, offset_);
}

void ImageView::setView(double zoom, QPointF offset, bool fitted) {
    zoom_ = zoom;
    offset_ = offset;
    fitted_ = fitted;
    update();
}

QPointF ImageView::toImage(const QPointF& p) const {
    return {(p.x() - offset_.x()) / zoom_, (p.y() - offset_.y()) / (zoom_ * aspect_)};
}

QPoint ImageView::pixelAt(const QPointF& widgetPos) const {
    // Pixel (x, y) covers [x, x + 1) x [y, y + 1) of the image's coordinates: the
    // one under the cursor is the floor (rounding took the right or lower
    // neighbour in half of every pixel, which shows when zoomed in).
    const QPointF q = toImage(widgetPos);
    return {static_cast<int>(std::floor(q.x())), static_cast<int>(std::floor(q.y()))};
}

QTransform ImageView::imageToWidget() const { return {zoom_, 0, 0, zoom_ * aspect_, offset_.x(), offset_.y()}; }

void ImageView::setPixelAspect(double heightOverWidth) {
    // Non-square pixels (a reformatted slice, 1 x 1.2 mm) are drawn to scale;
    // nonsense spacing is drawn square.
    const double a = std::isfinite(heightOverWidth) && heightOverWidth >= 0.05 && heightOverWidth <= 20 ? heightOverWidth : 1.0;
    if (a == aspect_) return;
    aspect_ = a;
    if (fitted_) fitToWindow();
    update();
}

void ImageView::setCaption(const QString& caption) {
    if (caption == caption_) return;
    caption_ = caption;
    update();
}

void ImageView::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.fillRect(rect(), Qt::black);
    if (image_.isNull()) {
        p.setPen(Qt::gray);
        p.drawText(rect(), Qt::AlignCenter, tr("File > Open (Ctrl+O) or drop an image here"));
        return;
    }
    const QRectF target(offset_, QSizeF(image_.width() * zoom_, image_.height() * zoom_ * aspect_));
    p.drawImage(target, image_);
    if (!clusters_.isNull() && clustersVisible_) {
        p.setOpacity(clusterOpacity_);
        p.drawImage(target, clusters_);
    }
    auto box = [&](const MaskLayers& l) { return imageToWidget().mapRect(QRectF(QPointF(l.origin), QSizeF(l.outline.size()))); };
    if (!mask_.outline.isNull()) {
        p.setOpacity(maskOpacity_);
        p.drawImage(box(mask_), mask_.fill);
        p.setOpacity(1.0);
        p.drawImage(box(mask_), mask_.outline);
    }
    if (!reference_.outline.isNull() && referenceVisible_) {
        p.setOpacity(1.0);
        p.drawImage(box(reference_), reference_.outline);
    }
    if (orientationLabels_.size() == 4) {
        p.setOpacity(1.0);
        p.setPen(Qt::yellow);
        const QRect r = rect().adjusted(6, 4, -6, -4);
        const Qt::Alignment at[4] = {Qt::AlignLeft | Qt::AlignVCenter, Qt::AlignTop | Qt::AlignHCenter,
                                     Qt::AlignRight | Qt::AlignVCenter, Qt::AlignBottom | Qt::AlignHCenter};
        for (int i = 0; i < 4; ++i) p.drawText(r, at[i], orientationLabels_[i]);
    }
    if (!caption_.isEmpty() && clustersVisible_) {
        p.setOpacity(1.0);
        const QRect box = p.fontMetrics().boundingRect(caption_).adjusted(-4, -2, 4, 2);
        const QRect at = box.translated(QPoint(6, 6) - box.topLeft());
        p.fillRect(at, QColor(0, 0, 0, 160));
        p.setPen(Qt::white);
        p.drawText(at, Qt::AlignCenter, caption_);
    }
    if (brushMode_ && dragButton_ == Qt::LeftButton && !strokePoints_.isEmpty()) {
        // The stroke so far, as it will be applied on release (the mask
        // changes once, with one undo step, when the button comes up).
        // Drawn in image pixels (the pen scales with the view, as the stroke's pixels do).
        QPainterPath path(QPointF(strokePoints_.front()) + QPointF(0.5, 0.5));
        for (const QPoint& pt : strokePoints_) path.lineTo(QPointF(pt) + QPointF(0.5, 0.5));
        p.save();
        p.setTransform(imageToWidget());
        p.setOpacity(brushErases_ ? 0.6 : maskOpacity_);
        p.setPen(QPen(brushErases_ ? QColor(0, 0, 0) : QColor(255, 215, 0), 2 * brushRadius_ + 1, Qt::SolidLine,
                      Qt::RoundCap, Qt::RoundJoin));
        p.drawPath(path);
        p.restore();
    }
    if (brushMode_ && underMouse()) {
        p.setOpacity(1.0);
        p.setPen(QPen(Qt::cyan, 1));
        p.drawEllipse(QPointF(mapFromGlobal(QCursor::pos())), brushRadius_ * zoom_, brushRadius_ * zoom_ * aspect_);
    }
}

void ImageView::wheelEvent(QWheelEvent* e) {
    const QPointF before = toImage(e->position());
    const double factor = e->angleDelta().y() > 0 ? 1.25 : 0.8;
    zoom_ = std::clamp(zoom_ * factor, 0.05, 64.0);
    offset_ = e->position() - QPointF(before.x() * zoom_, before.y() * zoom_ * aspect_);
    fitted_ = false;  // a resize keeps this zoom
    update();
    emit viewMoved(zoom_, offset_);
}

void ImageView::mousePressEvent(QMouseEvent* e) {
    dragButton_ = e->button();
    lastPos_ = e->pos();
    if (e->button() == Qt::LeftButton && brushMode_) {
        strokePoints_ = {pixelAt(e->position())};
        update();
    }
}

void ImageView::mouseMoveEvent(QMouseEvent* e) {
    const QPoint delta = e->pos() - lastPos_;
    lastPos_ = e->pos();
    emit hovered(pixelAt(e->position()));
    if (dragButton_ == Qt::MiddleButton) {
        offset_ += delta;
        fitted_ = false;
        update();
        emit viewMoved(zoom_, offset_);
    } else if (dragButton_ == Qt::RightButton) {
        emit windowLevelDrag(delta.x(), delta.y());
    } else if (dragButton_ == Qt::LeftButton && brushMode_) {
        strokePoints_.append(pixelAt(e->position()));
        update();  // the stroke so far is drawn here; the mask changes on release
    } else if (brushMode_) {
        update();
    }
}

void ImageView::mouseReleaseEvent(QMouseEvent* e) {
    if (e->button() == Qt::LeftButton && dragButton_ == Qt::LeftButton) {
        if (brushMode_) emit stroke(std::exchange(strokePoints_, {}));
        else if ((e->pos() - lastPos_).manhattanLength() < 4) emit clicked(pixelAt(e->position()), e->modifiers());
    }
    dragButton_ = Qt::NoButton;
}

void ImageView::resizeEvent(QResizeEvent*) {
    if (fitted_) fitToWindow();
}

}  // namespace msf::ui
