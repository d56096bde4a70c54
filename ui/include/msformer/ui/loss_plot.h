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

private:
    void setIterationRange(int last);
    void setLossRange();
    QLineSeries *ce_, *inter_, *intra_;
    QValueAxis *x_, *y_;
    double yMax_ = 0.1;
};

}  // namespace msf::ui
