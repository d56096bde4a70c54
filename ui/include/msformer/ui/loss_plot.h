#pragma once
// The three loss terms per iteration (Qt Charts).
#include <QtCharts/QChartView>

#include "msformer/segmenter.h"

class QLineSeries;
class QValueAxis;

namespace msf::ui {

class LossPlot : public QChartView {
    Q_OBJECT
public:
    explicit LossPlot(QWidget* parent = nullptr);
    void clear();
    void add(const IterationStats& s);
    int points() const;
    // A vertical line at the iteration whose map is shown (MainWindow::showIteration); 0 removes it.
    void markIteration(int iteration);
    int markedIteration() const { return marked_; }

private:
    void setIterationRange(int last);
    void setLossRange();
    void drawMark();
    QLineSeries *ce_, *inter_, *intra_, *mark_;
    int marked_ = 0;
    QValueAxis *x_, *y_;
    double yMax_ = 0.1;
};

}  // namespace msf::ui
