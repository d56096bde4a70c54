#pragma once
// Shows an image with the cluster map and the mask over it. Wheel zooms about
// the cursor, middle-drag pans, right-drag sets window/level, left-click picks
// (or paints in brush mode). Holds no segmentation logic.
#include <QImage>
#include <QPointF>
#include <QStringList>
#include <QTransform>
#include <QWidget>

namespace msf::ui {

// A mask drawn as layers over its bounding box only: a fill and a one-pixel
// outline (the mask pixels with a 4-neighbour outside it). Empty mask: null images.
struct MaskLayers {
    QPoint origin;  // where the box sits in the image
    QImage fill, outline;
};
// From a Format_Grayscale8 mask (non-zero = inside); any thread. No fill when `fill` is 0.
MaskLayers maskLayers(const QImage& mask, QRgb fill, QRgb line);

class ImageView : public QWidget {
    Q_OBJECT
public:
    explicit ImageView(QWidget* parent = nullptr);
    void setImage(const QImage& image);          // base (windowed) image, original size
    void setClusters(const QImage& colours);     // colour cluster map (any size; scaled to the image)
    const QImage& clusters() const { return clusters_; }
    const QImage& image() const { return image_; }  // the frame as drawn (through its window)
    void setMask(const QImage& mask);            // Format_Grayscale8, image size
    // The same, drawn from layers built once for several views by maskOverlay.
    void setMaskLayers(const MaskLayers& layers);
    static MaskLayers maskOverlay(const QImage& mask);  // the mask's fill and outline colours
    // A reference (ground-truth) mask's outline, drawn while shown; built with
    // maskLayers off the UI thread. Cleared by a new image size or a null outline.
    void setReference(const MaskLayers& layers);
    bool hasReference() const { return !reference_.outline.isNull(); }
    void setReferenceVisible(bool on);
    bool referenceVisible() const { return referenceVisible_; }
    void setClustersVisible(bool on);
    bool clustersVisible() const { return clustersVisible_; }
    void setMaskOpacity(double o);
    // Patient-direction letters at the middle of the left, top, right and
    // bottom edges ("R", "A", "L", "P"); empty strings: none drawn.
    void setOrientationLabels(const QStringList& leftTopRightBottom);
    QStringList orientationLabels() const { return orientationLabels_; }
    // Which map the colours are (top-left; empty: none drawn).
    void setCaption(const QString& caption);
    QString caption() const { return caption_; }
    // erases: the stroke being drawn is shown as erasing, not painting.
    void setBrushMode(bool on, bool erases = false) { brushMode_ = on, brushErases_ = erases; }
    bool brushMode() const { return brushMode_; }
    void setBrushRadius(int r) { brushRadius_ = r; update(); }
    int brushRadius() const { return brushRadius_; }
    double zoom() const { return zoom_; }  // screen pixels per image column
    // A pixel's height over its width (row spacing / column spacing): a row is drawn zoom() * pixelAspect() high.
    void setPixelAspect(double heightOverWidth);
    double pixelAspect() const { return aspect_; }
    QTransform imageToWidget() const;  // image pixel coordinates to the widget's
    void fitToWindow();
    QPointF toImage(const QPointF& widgetPos) const;  // continuous: pixel (x, y) spans [x, x + 1) x [y, y + 1)
    QPoint pixelAt(const QPointF& widgetPos) const;   // the pixel under a widget position
    // Zoom and pan copied from a twin view, so that both show the same part of
    // the image alike; viewMoved is not emitted. fitted: refit on a resize.
    void setView(double zoom, QPointF offset, bool fitted);
    QPointF offset() const { return offset_; }
    bool fitted() const { return fitted_; }  // refits on a resize until zoomed or panned

signals:
    void clicked(QPoint imagePos, Qt::KeyboardModifiers modifiers);
    void stroke(QList<QPoint> imagePoints);  // brush mode: a finished stroke (on release)
    void windowLevelDrag(int dx, int dy);
    void hovered(QPoint imagePos);
    void viewMoved(double zoom, QPointF offset);  // by the wheel, a pan or fitting to the window

protected:
    void paintEvent(QPaintEvent*) override;
    void wheelEvent(QWheelEvent*) override;
    void mousePressEvent(QMouseEvent*) override;
    void mouseMoveEvent(QMouseEvent*) override;
    void mouseReleaseEvent(QMouseEvent*) override;
    void resizeEvent(QResizeEvent*) override;

private:
    QImage image_, clusters_;
    MaskLayers mask_, reference_;
    QStringList orientationLabels_;
    QString caption_;
    double zoom_ = 1.0, aspect_ = 1.0, clusterOpacity_ = 0.35, maskOpacity_ = 0.4;
    QPointF offset_;
    bool brushMode_ = false, brushErases_ = false, fitted_ = false, clustersVisible_ = true, referenceVisible_ = true;
    int brushRadius_ = 8;
    Qt::MouseButton dragButton_ = Qt::NoButton;
    QPoint lastPos_;
    QList<QPoint> strokePoints_;
};

}  // namespace msf::ui
