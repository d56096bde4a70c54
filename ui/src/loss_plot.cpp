#include "msformer/ui/loss_plot.h"

#include <QtCharts/QLineSeries>
#include <QtCharts/QValueAxis>

namespace msf::ui {

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
    chart->addAxis(x_, Qt::AlignBottom);
    chart->addAxis(y_, Qt::AlignLeft);
    for (auto* s : {ce_, inter_, intra_}) {
        chart->addSeries(s);
        s->attachAxis(x_);
        s->attachAxis(y_);
    }
    chart->legend()->setAlignment(Qt::AlignBottom);
    chart->setMargins(QMargins(2, 2, 2, 2));
    setChart(chart);
    setRenderHint(QPainter::Antialiasing);
    setMinimumHeight(160);
    clear();
}

void LossPlot::clear() {
    for (auto* s : {ce_, inter_, intra_}) s->clear();
    yMax_ = 0.1;
    setIterationRange(10);
    y_->setRange(0, yMax_);
}

void LossPlot::add(const IterationStats& s) {
    ce_->append(s.iteration, s.lossCe);
    inter_->append(s.iteration, s.lossInter);
    intra_->append(s.iteration, s.lossIntra);
    yMax_ = std::max({yMax_, s.lossCe, s.lossInter, s.lossIntra});
    setIterationRange(std::max(10, s.iteration));
    y_->setRange(0, yMax_ * 1.05);
}

void LossPlot::setIterationRange(int last) {
    x_->setRange(1, last);
    // At most ten intervals, each 1, 2, 5, 10, 20, 50, ... iterations long.
    int step = 1;
    for (int i = 0; (last - 1) / step > 10; ++i) step = i % 3 == 1 ? step * 5 / 2 : step * 2;
    x_->setTickInterval(step);
}

int LossPlot::points() const { return static_cast<int>(ce_->count()); }

}  // namespace msf::ui
