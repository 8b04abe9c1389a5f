// One live chart (loss or accuracy) built on QCustomPlot: per run, the training curve by batch and
// the test curve by epoch, one colour per run. Data arrives at any rate; the plot is redrawn at
// most every 100 ms by a timer, never once per point.
#pragma once

#include <QColor>
#include <QHash>
#include <QTimer>
#include <QVector>
#include <QWidget>

#include <limits>

class QCustomPlot;
class QCPGraph;
class QCPTextElement;

namespace normlab::gui {

class MetricsChart : public QWidget
{
    Q_OBJECT

public:
    enum class Metric { Loss, Accuracy };
    enum class XAxis { Epoch, Step, Time };
    // Where a point is on each of the x axes; NaN where unknown (the point is then left out there).
    struct Position
    {
        double epoch = 0; // a batch halfway through epoch 3 is at 2.5
        double step = std::numeric_limits<double>::quiet_NaN(); // batches since the run began
        double unixTime = std::numeric_limits<double>::quiet_NaN(); // shown as seconds since the
                                                                    // run's first point
    };
    explicit MetricsChart(Metric metric, QWidget *parent = nullptr);

    Metric metric() const { return m_metric; }
    QCustomPlot *plot() const { return m_plot; }

    // Creates or renames the run's curves.
    void setRun(qint64 runId, const QString &name, const QColor &color);
    void removeRun(qint64 runId);
    void clearRuns();
    bool hasRun(qint64 runId) const { return m_runs.contains(runId); }
    QList<qint64> runs() const { return m_runs.keys(); }

    // x is in epochs: a batch halfway through epoch 3 is at 2.5. Smoothing applies to per-batch
    // points only; `perBatch` false marks a run whose training curve has one point per epoch.
    void addTrainPoint(qint64 runId, const Position &at, double value, bool perBatch = true);
    void addTestPoint(qint64 runId, const Position &at, double value);
    void addTrainPoint(qint64 runId, double epoch, double value, bool perBatch = true)
    {
        addTrainPoint(runId, Position {epoch}, value, perBatch);
    }
    void addTestPoint(qint64 runId, double epoch, double value)
    {
        addTestPoint(runId, Position {epoch}, value);
    }
    void setXAxis(XAxis axis);
    XAxis xAxis() const { return m_xAxis; }
    int trainPointCount(qint64 runId) const;
    int testPointCount(qint64 runId) const;

    // Runs that differ only by seed, drawn as one mean test curve with a ±std band.
    void setBand(const QString &key, const QString &name, const QColor &color,
                 const QVector<double> &epochs, const QVector<double> &mean,
                 const QVector<double> &std);
    void clearBands();
    int bandCount() const { return static_cast<int>(m_bands.size()); }
    // Hidden runs keep their data but are not drawn (members of a band).
    void setRunVisible(qint64 runId, bool visible);

    void setSmoothing(double weight);
    void setLogScale(bool on);
    // Redraws now if anything changed (the timer calls this).
    void flush();

    // Writes the chart with its legend and axis labels; the format follows the suffix (.png, .svg,
    // .pdf). Returns false (and `error`) when it cannot.
    bool exportImage(const QString &path, QString *error = nullptr);
    // The points behind the chart: run, series (train/test), epoch, step, time, value; not
    // smoothed.
    QString toCsv() const;

protected:
    void changeEvent(QEvent *event) override;

private:
    void applyPalette();

    struct Series
    {
        QVector<Position> x;
        QVector<double> y;
    };
    // The series' points on the current x axis, unknown positions left out.
    void pointsOnAxis(const Series &series, double timeOrigin, bool smooth, QVector<double> &x,
                      QVector<double> &y) const;
    struct RunCurves
    {
        QString name;
        QCPGraph *train = nullptr;
        QCPGraph *test = nullptr;
        Series trainData, testData;
        bool smoothTrain = true;
        bool dirty = false;
    };

    Metric m_metric;
    QCustomPlot *m_plot;
    QCPTextElement *m_title = nullptr;
    QHash<qint64, RunCurves> m_runs;
    struct Band
    {
        QCPGraph *upper = nullptr, *lower = nullptr, *mean = nullptr;
    };
    QHash<QString, Band> m_bands;
    QTimer m_replotTimer;
    double m_smoothing = 0.6;
    XAxis m_xAxis = XAxis::Epoch;
    bool m_needsReplot = false;
    bool m_autoRange = true; // until the user zooms or pans; a double click restores it
};

} // namespace normlab::gui
