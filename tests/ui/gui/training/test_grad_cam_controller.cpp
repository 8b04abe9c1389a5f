// Grad-CAM off the GUI thread: the worker keeps a run's network loaded between requests, but not
// past a change of its checkpoint file (a run still training replaces best.pt and last.pt), and a
// checkpoint it cannot read is a message, not a crash.

#include "config_json.h"
#include "grad_cam_controller.h"
#include "recorded_config.h"
#include "run_session.h"
#include "run_store.h"
#include "test_support.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <chrono>
#include <filesystem>

#include <nlohmann/json.hpp>

using namespace normlab;
using namespace normlab::gui;

class TestGradCamController : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void aReplacedCheckpointIsLoadedAgain();
    void anUnreadableCheckpointIsAMessage();

private:
    qint64 trainedRun(int seed);
    QVector<float> probabilitiesOf(qint64 run, int testIndex);
    std::string lastCheckpoint(qint64 run) const;

    QTemporaryDir m_tmp;
    std::unique_ptr<RunStore> m_store;
    std::shared_ptr<const DatasetPair> m_data;
    GradCamController m_cams;
};

void TestGradCamController::initTestCase()
{
    QVERIFY(m_tmp.isValid());
    m_store = std::make_unique<RunStore>(m_tmp.path().toStdString());
}

qint64 TestGradCamController::trainedRun(int seed)
{
    ExperimentConfig c = test::quickConfig(1);
    c.seed = seed;
    c.data.testLimit = 50;
    const qint64 id = m_store->createRun({"cam", toJson(c).dump(), c.seed, {}, {}, {}});
    RunSession(*m_store, id).run({});
    if (!m_data)
        m_data = std::make_shared<const DatasetPair>(
                loadDatasets(recordedConfig(m_store->run(id)).data));
    return id;
}

std::string TestGradCamController::lastCheckpoint(qint64 run) const
{
    return (std::filesystem::path(m_store->checkpointDir(run)) / "last.pt").string();
}

// Every class's probability for one test image at the run's last checkpoint, as the detail pane
// asks for them; empty when the controller answered with a failure.
QVector<float> TestGradCamController::probabilitiesOf(qint64 run, int testIndex)
{
    QSignalSpy inspected(&m_cams, &GradCamController::inspected);
    QSignalSpy failed(&m_cams, &GradCamController::failed);
    m_cams.inspect(m_tmp.path(), run, false, "C10", testIndex, 0, m_data);
    if (!QTest::qWaitFor([&] { return !inspected.isEmpty() || !failed.isEmpty(); }, 60'000))
        return {};
    if (inspected.isEmpty()) {
        qInfo("Grad-CAM failed: %s", qPrintable(failed.first().first().toString()));
        return {};
    }
    return inspected.first().first().value<CamInspection>().probabilities;
}

void TestGradCamController::aReplacedCheckpointIsLoadedAgain()
{
    const qint64 first = trainedRun(1);
    const qint64 second = trainedRun(2);
    const QVector<float> secondsAnswer = probabilitiesOf(second, 3);
    const QVector<float> firstsAnswer = probabilitiesOf(first, 3);
    QVERIFY(!firstsAnswer.isEmpty());
    QVERIFY(firstsAnswer != secondsAnswer); // two seeds: two networks
    // Loaded once: other weights under the same modification time are not read again.
    const std::string path = lastCheckpoint(first);
    const std::string kept = path + ".kept";
    const auto before = std::filesystem::last_write_time(path);
    std::filesystem::copy_file(path, kept);
    std::filesystem::copy_file(lastCheckpoint(second), path,
                               std::filesystem::copy_options::overwrite_existing);
    std::filesystem::last_write_time(path, before);
    QCOMPARE(probabilitiesOf(first, 3), firstsAnswer);

    // Replaced as a training run's next epoch does: the file is newer, and the controller answers
    // with the new weights, not the ones it had loaded.
    std::filesystem::last_write_time(path, before + std::chrono::seconds(1));
    QCOMPARE(probabilitiesOf(first, 3), secondsAnswer);
    std::filesystem::rename(kept, path);
    QCOMPARE(probabilitiesOf(first, 3), firstsAnswer); // and back
}

void TestGradCamController::anUnreadableCheckpointIsAMessage()
{
    const qint64 run = trainedRun(3);
    QVERIFY(!probabilitiesOf(run, 0).isEmpty());
    const std::string path = lastCheckpoint(run);
    const auto before = std::filesystem::last_write_time(path);
    test::writeAll(QString::fromStdString(path), QByteArray(512, 'x'));
    // Ahead, as a later write is: some file systems keep whole seconds only.
    std::filesystem::last_write_time(path, before + std::chrono::seconds(1));
    QSignalSpy failed(&m_cams, &GradCamController::failed);
    QVERIFY(probabilitiesOf(run, 0).isEmpty());
    QTRY_COMPARE(failed.size(), 1);
    QVERIFY2(failed.first().first().toString().contains("last.pt"),
             qPrintable(failed.first().first().toString()));
}

QTEST_GUILESS_MAIN(TestGradCamController)
#include "test_grad_cam_controller.moc"
