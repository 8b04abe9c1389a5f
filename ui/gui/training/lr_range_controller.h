// The learning-rate range test off the GUI thread, in Qt's worker-object pattern like training:
// the controller owns a QThread and a worker on it, an atomic flag stops the test between batches,
// and the worker's signals arrive queued with small value types (one point per batch, then the
// result). Shutdown is quit() + wait().
#pragma once

#include "gui_types.h"

#include <QObject>
#include <QThread>

#include <atomic>
#include <memory>

namespace normlab::gui {

class LrRangeController : public QObject
{
    Q_OBJECT

public:
    explicit LrRangeController(QObject *parent = nullptr);
    ~LrRangeController() override;

    bool isRunning() const { return m_running; }

public Q_SLOTS:
    // Loads the config's training data and runs the test on the worker thread.
    void start(const normlab::ExperimentConfig &config, const normlab::LrRangeTestOptions &options);
    // Ends the test after the current batch; finished() still comes, with what it has.
    void stop();

Q_SIGNALS:
    void point(int iteration, const normlab::LrRangePoint &point);
    void finished(const normlab::LrRangeResult &result);
    void failed(const QString &message);
    // Internal: hands the test to the worker's thread.
    void startRequested(const normlab::ExperimentConfig &config,
                        const normlab::LrRangeTestOptions &options);

private:
    QThread m_thread;
    std::shared_ptr<std::atomic<bool>> m_stop;
    bool m_running = false;
};

} // namespace normlab::gui
