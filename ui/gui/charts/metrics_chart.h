// One live chart (loss or accuracy) built on QCustomPlot: per run, the training curve and the test
// curve by epoch, one colour per run. Data arrives at any rate; the plot is redrawn at most every
// 100 ms by a timer, never once per point. The legend sits under the plot, so it never covers a
// curve, and lists the runs that have data, in the order of their ids.
#pragma once

#include <QColor>
#include <QHash>
#include <QTimer>
#include <QVector>
#include <QWidget>

#include <limits>
#include <optional>

class QCustomPlot;
class QCPGraph;
class QCPItemText;
class QCPRange;
class QCPTextElement;

namespace normlab::gui {

class MetricsChart : public QWidget
{
    Q_OBJECT

public:
    enum class Metric { Loss, Accuracy };
    enum class XAxis { Epoch, Step, Time };
    Q_ENUM(XAxis)
    // Where a point is on each of the x axes; NaN where unknown (the point is then left out there).
    struct Position
    {
        double epoch = 0; // a batch halfway through epoch 3 is at 2.5
        double step = std::numeric_limits<double>::quiet_NaN(); // batches since the run began
        double unixTime = std::numeric_limits<double>::quiet_NaN();
        // Drawn "by time": the run's training time at the point (see TrainingClock); where it is
        // unknown, the time since the run's first point.
        double trainingSeconds = std::numeric_limits<double>::quiet_NaN();
    };
    // The recorded point nearest the mouse, as the tooltip reports it.
    struct HoverPoint
    {
        qint64 runId = 0; // 0 for a band
        QString series; // "train", "test" or "mean"
        Position at;
        double value = 0; // as recorded (not smoothed)
        QString text; // the tooltip
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

    // `perBatch` points are smoothed; false marks a training curve of one point per epoch.
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

    // Runs that differ only by seed, drawn as one mean test curve with a ±std band, and the mean
    // of their per-epoch training values as a thin line.
    struct BandData
    {
        QVector<double> epochs, mean, std, trainMean;
        int seeds = 0;
    };
    void setBand(const QString &key, const QString &name, const QColor &color,
                 const BandData &data);
    void clearBands();
    int bandCount() const { return static_cast<int>(m_bands.size()); }
    // Hidden runs keep their data but are not drawn (members of a band).
    void setRunVisible(qint64 runId, bool visible);
    // The run selected in the runs table drawn stronger and the others faded, so that one curve
    // among many can be followed; 0 (or a run not drawn here) draws them all alike.
    void setEmphasis(qint64 runId);
    qint64 emphasis() const { return m_emphasis; }

    // The two charts of a view share one x range: zooming or panning one moves the other, and
    // the fitted range covers the data of both.
    void linkXAxis(MetricsChart *other);
    // Under the legend: what the line styles mean.
    void setCaption(const QString &text);
    QString caption() const;
    // Shown in the middle of the plot while it has nothing to draw: `noRun` when it is given no
    // run, `waiting` when its runs have no point yet. Lines break at '\n'.
    void setEmptyHint(const QString &noRun, const QString &waiting);
    // The hint on screen now, or nothing.
    QString hintShown() const;

    void setSmoothing(double weight);
    void setLogScale(bool on);
    // Redraws now if anything changed (the timer calls this).
    void flush();

    // The point the tooltip reports for the mouse at `pixel` (plot coordinates), if one is near.
    std::optional<HoverPoint> pointAt(const QPointF &pixel) const;

    // Writes the chart with its legend and axis labels; the format follows the suffix (.png, .svg,
    // .pdf). Returns false (and `error`) when it cannot.
    bool exportImage(const QString &path, QString *error = nullptr);
    // The points behind the chart: run, series (train/test), epoch, step, time, value; not
    // smoothed.
    QString toCsv() const;

protected:
    void changeEvent(QEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;

private:
    struct Series
    {
        QVector<Position> x;
        QVector<double> y;
    };
    struct RunCurves
    {
        QString name;
        QColor color;
        QCPGraph *train = nullptr;
        QCPGraph *test = nullptr;
        Series trainData, testData;
        // Which recorded point each drawn point is (points unknown on the axis are left out).
        QVector<int> trainShown, testShown;
        bool smoothTrain = true;
        bool visible = true;
        bool dirty = false;
    };
    struct Band
    {
        QString name;
        QCPGraph *upper = nullptr, *lower = nullptr, *mean = nullptr, *train = nullptr;
        BandData data;
    };

    void applyPalette();
    void applyPens();
    void setAutoRange(bool on);
    void fitRanges();
    void rebuildLegend();
    // The x extent of the drawn points; empty (lower > upper) when there are none.
    QCPRange dataXRange() const;
    double axisValue(const Position &p, double timeOrigin) const;
    void pointsOnAxis(const Series &series, double timeOrigin, bool smooth, QVector<double> &x,
                      QVector<double> &y, QVector<int> &shown) const;
    QString describe(const HoverPoint &point, const QString &name, double drawn) const;

    Metric m_metric;
    QCustomPlot *m_plot;
    QCPTextElement *m_title = nullptr;
    QCPTextElement *m_caption = nullptr;
    QCPItemText *m_emptyHint = nullptr;
    static constexpr int kLegendColumns = 3; // at most, as many as fit whole names
    static constexpr int kLegendRow = 2; // of the plot layout: title, plot, legend, caption
    MetricsChart *m_linked = nullptr;
    QString m_emptyText, m_waitingText;
    static double earliestTime(const RunCurves &run);
    QHash<qint64, RunCurves> m_runs;
    qint64 m_emphasis = 0;
    QHash<QString, Band> m_bands;
    QTimer m_replotTimer;
    double m_smoothing = 0.9;
    XAxis m_xAxis = XAxis::Epoch;
    bool m_needsReplot = false;
    bool m_autoRange = true; // until the user zooms or pans; a double click restores it
};

} // namespace normlab::gui
