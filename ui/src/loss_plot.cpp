#include "msformer/ui/loss_plot.h"

#include <QtCharts/QLegendMarker>
#include <QtCharts/QLineSeries>
#include <QtCharts/QValueAxis>

#include <algorithm>
#include <cmath>

namespace msf::ui {

namespace {
// The smallest 1, 2 or 5 times a power of ten that cuts [0, span] into at most maxIntervals.
// With p the power of ten at or below span / maxIntervals, 10 p always does.
double niceStep(double span, int maxIntervals) {
    const double p = std::pow(10.0, std::floor(std::log10(span / maxIntervals)));
    for (const double f : {1.0, 2.0, 5.0})
        if (span / (f * p) <= maxIntervals + 1e-9) return f * p;
    return 10 * p;
}
}  // namespace

LossPlot::LossPlot(QWidget* parent) : QChartView(parent) {
    auto* chart = new QChart;
    ce_ = new QLineSeries;
    ce_->setName("CE");
    inter_ = new QLineSeries;
    inter_->setName("inter");
    intra_ = new QLineSeries;
    intra_->setName("intra");
    x_ = new QValueAxis;
    y_ = new QValueAxis;
    x_->setLabelFormat("%d");
    // Ticks on whole iterations: with fixed ticks a 1..10 axis put them at
    // 3.25, 5.5, 7.75, labelled 3, 5, 7, so the points sat off their labels.
    x_->setTickType(QValueAxis::TicksDynamic);
    x_->setTickAnchor(0);
    // The loss axis likewise: ticks at round values (0, 0.5, 1, ...), not at fifths of the largest loss.
    y_->setTickType(QValueAxis::TicksDynamic);
    y_->setTickAnchor(0);
    y_->setLabelFormat("%.3g");
    chart->addAxis(x_, Qt::AlignBottom);
    chart->addAxis(y_, Qt::AlignLeft);
    for (auto* s : {ce_, inter_, intra_}) {
        chart->addSeries(s);
        s->attachAxis(x_);
        s->attachAxis(y_);
    }
    mark_ = new QLineSeries;
    mark_->setPen(QPen(Qt::gray, 1, Qt::DashLine));
    chart->addSeries(mark_);
    mark_->attachAxis(x_);
    mark_->attachAxis(y_);
    for (auto* marker : chart->legend()->markers(mark_)) marker->setVisible(false);
    chart->legend()->setAlignment(Qt::AlignBottom);
    chart->setMargins(QMargins(2, 2, 2, 2));
    setChart(chart);
    setRenderHint(QPainter::Antialiasing);
    setMinimumHeight(160);
    clear();
}

void LossPlot::clear() {
    for (auto* s : {ce_, inter_, intra_}) s->clear();
    marked_ = 0;
    yMax_ = 0.1;
    setIterationRange(10);
    setLossRange();
}

void LossPlot::add(const IterationStats& s) {
    ce_->append(s.iteration, s.lossCe);
    inter_->append(s.iteration, s.lossInter);
    intra_->append(s.iteration, s.lossIntra);
    yMax_ = std::max({yMax_, s.lossCe, s.lossInter, s.lossIntra});
    setIterationRange(std::max(10, s.iteration));
    setLossRange();
}

void LossPlot::setLossRange() {
    const double step = niceStep(yMax_, 5);
    y_->setTickInterval(step);
    y_->setRange(0, std::ceil(yMax_ / step - 1e-9) * step);
    drawMark();
}

void LossPlot::markIteration(int iteration) {
    marked_ = std::max(0, iteration);
    drawMark();
}

void LossPlot::drawMark() {
    mark_->clear();
    if (marked_ > 0) mark_->replace({QPointF(marked_, 0), QPointF(marked_, y_->max())});
}

void LossPlot::setIterationRange(int last) {
    x_->setRange(1, last);
    // At most ten intervals, each 1, 2, 5, 10, 20, 50, ... iterations long.
    x_->setTickInterval(std::max(1.0, niceStep(last - 1, 10)));
}

int LossPlot::points() const { return static_cast<int>(ce_->count()); }

}  // namespace msf::ui
