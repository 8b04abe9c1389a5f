// Learning-rate schedules against PyTorch's semantics.
#include "lr_scheduler.h"

#include <QTest>

#include <algorithm>
#include <cmath>
#include <vector>

using namespace normlab;

class TestScheduler : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void plateauReducesAfterPatience_data();
    void plateauReducesAfterPatience();
    void stepDecays();
    void oneCycleShape();
    void cosineWithWarmup_data();
    void cosineWithWarmup();
    void stateRoundTrip();
};

void TestScheduler::plateauReducesAfterPatience_data()
{
    QTest::addColumn<int>("patience");
    QTest::addColumn<QList<double>>("losses");
    QTest::addColumn<QList<double>>("rates"); // lr after each epoch
    QTest::newRow("patience 0, improving")
            << 0 << QList<double> {1.0, 0.9, 0.8} << QList<double> {0.01, 0.01, 0.01};
    QTest::newRow("patience 0, one bad epoch") << 0 << QList<double> {1.0, 1.1, 0.5, 0.5}
                                               << QList<double> {0.01, 0.008, 0.008, 0.0064};
    QTest::newRow("patience 1") << 1 << QList<double> {1.0, 1.1, 1.2, 1.3}
                                << QList<double> {0.01, 0.01, 0.008, 0.008};
    // improvement below the relative threshold (1e-4) counts as no improvement
    QTest::newRow("tiny improvement")
            << 0 << QList<double> {1.0, 0.99995} << QList<double> {0.01, 0.008};
}

void TestScheduler::plateauReducesAfterPatience()
{
    QFETCH(int, patience);
    QFETCH(QList<double>, losses);
    QFETCH(QList<double>, rates);
    ScheduleConfig c;
    c.kind = ScheduleConfig::Kind::Plateau;
    c.factor = 0.8;
    c.patience = patience;
    LrScheduler s(c, 0.01, 10, 100);
    for (int i = 0; i < losses.size(); ++i) {
        s.onEpoch(losses[i], 0);
        QVERIFY2(std::abs(s.lr() - rates[i]) < 1e-12,
                 qPrintable(QString("epoch %1: %2").arg(i + 1).arg(s.lr())));
    }
}

void TestScheduler::stepDecays()
{
    ScheduleConfig c;
    c.kind = ScheduleConfig::Kind::Step;
    c.stepSize = 2;
    c.gamma = 0.5;
    LrScheduler s(c, 0.1, 10, 10);
    const double expected[] = {0.1, 0.05, 0.05, 0.025, 0.025};
    for (double e : expected) {
        s.onEpoch(1, 0);
        QCOMPARE(s.lr(), e);
    }
}

void TestScheduler::oneCycleShape()
{
    ScheduleConfig c;
    c.kind = ScheduleConfig::Kind::OneCycle;
    c.maxLr = 0.1;
    c.pctStart = 0.3;
    LrScheduler s(c, 0.01, 10, 10); // 100 steps
    QVERIFY(std::abs(s.lr() - 0.1 / 25) < 1e-12);
    double peak = 0;
    int peakStep = 0;
    for (int step = 1; step < 100; ++step) {
        s.onBatch();
        if (s.lr() > peak)
            peak = s.lr(), peakStep = step;
    }
    QVERIFY(std::abs(peak - 0.1) < 1e-9);
    QCOMPARE(peakStep, 29);
    QVERIFY(std::abs(s.lr() - 0.1 / 25 / 1e4) < 1e-12);
}

void TestScheduler::cosineWithWarmup_data()
{
    QTest::addColumn<double>("warmupEpochs");
    QTest::addColumn<int>("warmupSteps");
    QTest::newRow("2 epochs of warm-up") << 2.0 << 20;
    QTest::newRow("half an epoch") << 0.5 << 5;
    QTest::newRow("none") << 0.0 << 0;
}

// 10 epochs of 10 batches, base 0.1, down to 0.001: linear to the base over the warm-up (the first
// step already at base / W), then half a cosine that reaches the minimum at the last step.
void TestScheduler::cosineWithWarmup()
{
    QFETCH(double, warmupEpochs);
    QFETCH(int, warmupSteps);
    ScheduleConfig c;
    c.kind = ScheduleConfig::Kind::Cosine;
    c.warmupEpochs = warmupEpochs;
    c.minLr = 0.001;
    const double base = 0.1;
    LrScheduler s(c, base, 10, 10);
    QVERIFY(s.perBatch());
    std::vector<double> rates {s.lr()};
    for (int step = 1; step < 100; ++step) {
        s.onBatch();
        s.onEpoch(1.0, 0); // an epoch's end changes nothing
        rates.push_back(s.lr());
    }
    for (int step = 0; step < warmupSteps; ++step)
        QVERIFY(std::abs(rates[static_cast<std::size_t>(step)] - base * (step + 1) / warmupSteps) <
                1e-12);
    const double span = 99.0 - warmupSteps;
    for (int step = warmupSteps; step < 100; ++step) {
        const double progress = (step - warmupSteps) / span;
        const double want = 0.001 + (base - 0.001) * 0.5 * (1 + std::cos(M_PI * progress));
        QVERIFY2(std::abs(rates[static_cast<std::size_t>(step)] - want) < 1e-12,
                 qPrintable(QString("step %1: %2, want %3")
                                    .arg(step)
                                    .arg(rates[static_cast<std::size_t>(step)])
                                    .arg(want)));
    }
    QCOMPARE(*std::max_element(rates.begin(), rates.end()), base);
    QVERIFY(std::abs(rates.back() - 0.001) < 1e-15);
    // Past the last step (a resumed run's extra batch) it stays at the minimum.
    s.onBatch();
    QVERIFY(std::abs(s.lr() - 0.001) < 1e-15);
}

void TestScheduler::stateRoundTrip()
{
    ScheduleConfig c;
    LrScheduler a(c, 0.01, 10, 10);
    a.onEpoch(1.0, 0);
    a.onEpoch(2.0, 0);
    LrScheduler b(c, 0.01, 10, 10);
    b.restore(a.state());
    a.onEpoch(3.0, 0);
    b.onEpoch(3.0, 0);
    QCOMPARE(a.lr(), b.lr());
}

QTEST_GUILESS_MAIN(TestScheduler)
#include "test_scheduler.moc"
