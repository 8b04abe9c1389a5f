// The run report (engine/report): the HTML parses as XML, every image it holds decodes, the
// numbers in its results table are the store's, the Markdown's PNGs are all there, and the
// generated conclusion says who won, by how much and how far to trust it.

#include "config_json.h"
#include "dataset.h"
#include "durations.h"
#include "errors.h"
#include "report_conclusion.h"
#include "report_html.h"
#include "report_markdown.h"
#include "run_report.h"
#include "run_writer.h"
#include "test_support.h"

#include <nlohmann/json.hpp>

#include <QDir>
#include <QFile>
#include <QImage>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QXmlStreamReader>
#include <QtTest>

using namespace normlab;

namespace {

constexpr int kEpochs = 3;

struct HtmlImage
{
    QString id;
    int width = 0, height = 0;
    QByteArray src;
};

struct ParsedHtml
{
    QString error;
    QList<HtmlImage> images;
    QString text; // all character data
    // The cells of the first table after the heading "Results", header row first.
    QList<QStringList> resultsTable;
};

ParsedHtml parse(const std::string &html)
{
    ParsedHtml out;
    QXmlStreamReader xml(QByteArray::fromStdString(html));
    QString lastHeading;
    bool inResults = false, resultsDone = false;
    while (!xml.atEnd()) {
        xml.readNext();
        if (xml.isStartElement()) {
            const QStringView name = xml.name();
            if (name == u"img") {
                const QXmlStreamAttributes a = xml.attributes();
                out.images.append({a.value("id").toString(), a.value("width").toInt(),
                                   a.value("height").toInt(), a.value("src").toLatin1()});
            } else if (name == u"h2") {
                lastHeading = xml.readElementText(QXmlStreamReader::IncludeChildElements);
                out.text += lastHeading + '\n';
            } else if (name == u"table" && lastHeading == "Results" && !resultsDone) {
                inResults = true;
            } else if (name == u"tr" && inResults) {
                out.resultsTable.append(QStringList());
            } else if ((name == u"td" || name == u"th") && inResults) {
                out.resultsTable.last().append(
                        xml.readElementText(QXmlStreamReader::IncludeChildElements));
            }
        } else if (xml.isEndElement() && xml.name() == u"table" && inResults) {
            inResults = false;
            resultsDone = true;
        } else if (xml.isCharacters()) {
            out.text += xml.text();
        }
    }
    if (xml.hasError())
        out.error = QString("line %1: %2").arg(xml.lineNumber()).arg(xml.errorString());
    return out;
}

EpochMetrics epoch(int e, double accuracy)
{
    EpochMetrics m;
    m.epoch = e;
    m.trainLoss = 2.0 - 0.3 * e;
    m.testLoss = 2.1 - 0.25 * e;
    m.trainAccuracy = accuracy + 3;
    m.testAccuracy = accuracy;
    m.seconds = 61;
    m.wallTime = 1.7e9 + 60 * e;
    // Two classes of 100 test images each; a few mistakes, indices inside the 200 test images.
    const int wrong = static_cast<int>(200 - 2 * accuracy);
    m.confusion = {100 - wrong / 2, wrong / 2, wrong - wrong / 2, 100 - (wrong - wrong / 2)};
    for (int i = 0; i < wrong; ++i)
        m.misclassified.push_back({i * 7 % 200, i % 2, 1 - i % 2, 0.5f + 0.01f * i});
    return m;
}

} // namespace

class TestReport : public QObject
{
    Q_OBJECT

    std::int64_t record(const std::string &name, NormKind norm, std::uint64_t seed,
                        double finalAccuracy, const std::string &fingerprint)
    {
        ExperimentConfig c = test::quickConfig(kEpochs);
        c.model.norm = norm;
        c.seed = seed;
        c.name = name;
        const std::int64_t id = m_store->createRun({name, toJson(c).dump(), seed, {}, {}, {}});
        RunWriter writer(*m_store, id);
        writer.started({"synthetic", "", fingerprint, {"cat", "dog"}, 48552, "cpu"});
        for (int e = 1; e <= kEpochs; ++e)
            writer.addEpoch(epoch(e, finalAccuracy - 5.0 * (kEpochs - e)));
        writer.finish(RunState::Finished);
        return id;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_store = std::make_unique<RunStore>(m_dir.filePath("store").toStdString());
        const DatasetPair data = loadDatasets(test::quickConfig(kEpochs).data);
        m_runs = {record("bn <seed 1>", NormKind::Batch, 1, 81.5, data.fingerprint),
                  record("bn <seed 2>", NormKind::Batch, 2, 80.5, data.fingerprint),
                  record("gn & | *x*", NormKind::Group, 1, 77.25, data.fingerprint)};
    }

    void htmlParsesAndEveryImageDecodes()
    {
        ReportOptions options;
        options.runs = m_runs;
        const ReportResult report = buildRunReport(*m_store, options);
        QVERIFY(report.warnings.empty());
        const ParsedHtml html = parse(reportHtml(report.document));
        QVERIFY2(html.error.isEmpty(), qPrintable(html.error));
        // The curves, a confusion matrix and a grid of mistakes for each run.
        QCOMPARE(html.images.size(), 1 + 3 + 3);
        for (const HtmlImage &img : html.images) {
            QVERIFY2(img.src.startsWith("data:image/png;base64,"), qPrintable(img.id));
            QImage decoded;
            QVERIFY2(decoded.loadFromData(QByteArray::fromBase64(img.src.mid(22)), "PNG"),
                     qPrintable(img.id));
            // Charts are drawn at twice their display size, grids at it.
            const int ratio = img.id.startsWith("mistakes") ? 1 : 2;
            QCOMPARE(decoded.width(), img.width * ratio);
            QVERIFY(std::abs(decoded.height() - img.height * ratio) <= ratio);
        }
        for (const char *section : {"Conclusion", "Models", "Results", "Loss and accuracy",
                                    "Test accuracy per class", "Confusion matrices",
                                    "Misclassified test images", "Configurations"})
            QVERIFY2(html.text.contains(section), section);
        QVERIFY(html.text.contains("gn & | *x*")); // escaped, read back as written
        QVERIFY(html.text.contains("BatchNorm won with 81.00 % ± 0.71 over 2 seeds"));
    }

    void resultsTableHoldsTheStoresNumbers()
    {
        ReportOptions options;
        options.runs = m_runs;
        const ParsedHtml html = parse(reportHtml(buildRunReport(*m_store, options).document));
        QCOMPARE(html.resultsTable.size(), 1 + 3);
        const QStringList header = html.resultsTable.first();
        const int best = header.indexOf("Best test acc. (%)");
        const int last = header.indexOf("Last test acc. (%)");
        const int at = header.indexOf("At epoch");
        const int params = header.indexOf("Parameters");
        QVERIFY(best > 0 && last > 0 && at > 0 && params > 0);
        for (int row = 1; row < html.resultsTable.size(); ++row) {
            const QStringList cells = html.resultsTable[row];
            const RunRecord r = m_store->run(cells[0].toLongLong());
            QCOMPARE(cells[1].toStdString(), r.name);
            QCOMPARE(cells[best], QString::number(r.bestTestAccuracy, 'f', 2));
            QCOMPARE(cells[last], QString::number(r.lastTestAccuracy, 'f', 2));
            QCOMPARE(cells[at].toInt(), r.bestEpoch);
            QCOMPARE(cells[params].toStdString(), formatCount(r.parameterCount));
        }
    }

    void markdownHasEveryPicture()
    {
        ReportOptions options;
        options.runs = m_runs;
        options.mistakesPerRun = 9;
        const ReportResult report = buildRunReport(*m_store, options);
        QTemporaryDir out;
        const std::filesystem::path md =
                writeMarkdownReport(report.document, out.path().toStdString());
        QFile file(QString::fromStdString(md.string()));
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QString text = QString::fromUtf8(file.readAll());
        const QRegularExpression image(R"(!\[[^\]]*\]\(([^)]+)\))");
        int images = 0;
        for (const QRegularExpressionMatch &m : image.globalMatch(text)) {
            ++images;
            QImage decoded(out.filePath(m.captured(1)));
            QVERIFY2(!decoded.isNull(), qPrintable(m.captured(1)));
        }
        QCOMPARE(images, 7);
        QCOMPARE(QDir(out.filePath("report_files")).entryList(QDir::Files).size(), 7);
        // The pipe in a name stays inside its cell.
        QVERIFY2(text.contains("| gn & \\| \\*x\\* |"), qPrintable(text));
        const RunRecord first = m_store->run(m_runs.front());
        QVERIFY(text.contains(QString("| **%1** |").arg(first.bestTestAccuracy, 0, 'f', 2)));
    }

    void changedDataLeavesTheGridOutAndSaysWhy()
    {
        const std::int64_t moved = record("moved", NormKind::Layer, 1, 70, "another dataset");
        ReportOptions options;
        options.runs = {m_runs.front(), moved};
        const ReportResult report = buildRunReport(*m_store, options);
        QCOMPARE(report.warnings.size(), 1u);
        QVERIFY(QString::fromStdString(report.warnings.front()).contains("has changed"));
        const ParsedHtml html = parse(reportHtml(report.document));
        QVERIFY(html.error.isEmpty());
        QCOMPARE(html.images.size(), 1 + 2 + 1);
        QVERIFY(html.text.contains("misclassified images left out"));
        m_store->deleteRun(moved);
    }

    void conclusion_data()
    {
        QTest::addColumn<QList<double>>("first");
        QTest::addColumn<QList<double>>("second");
        QTest::addColumn<bool>("finished");
        QTest::addColumn<QStringList>("says");
        QTest::newRow("clear lead") << QList<double> {80.1, 80.3, 80.2}
                                    << QList<double> {77.9, 78.1, 78.0} << true
                                    << QStringList {"A won with 80.20 % ± 0.10 over 3 seeds",
                                                    "2.20 points above B", "more than twice"};
        QTest::newRow("within the noise")
                << QList<double> {78.4, 77.0, 79.0} << QList<double> {78.0, 77.5, 78.3} << true
                << QStringList {"A won", "within twice", "more seeds are needed"};
        QTest::newRow("second wins") << QList<double> {70.0} << QList<double> {72.5} << true
                                     << QStringList {"B won with 72.50 %", "2.50 points above A",
                                                     "a single run"};
        QTest::newRow("unfinished") << QList<double> {75.0} << QList<double> {74.0} << false
                                    << QStringList {"Not finished: #2 (stopped after 1 of 20"};
    }

    void conclusion()
    {
        QFETCH(QList<double>, first);
        QFETCH(QList<double>, second);
        QFETCH(bool, finished);
        QFETCH(QStringList, says);
        std::vector<ReportRun> runs(2);
        runs[0].record.id = 1;
        runs[0].record.state = RunState::Finished;
        runs[1].record.id = 2;
        runs[1].record.state = finished ? RunState::Finished : RunState::Stopped;
        runs[1].record.epochsDone = 1;
        runs[1].plannedEpochs = 20;
        std::vector<ReportGroup> groups(2);
        groups[0].label = "A";
        groups[0].runs = {0};
        groups[0].bestAccuracy.assign(first.begin(), first.end());
        groups[1].label = "B";
        groups[1].runs = {1};
        groups[1].bestAccuracy.assign(second.begin(), second.end());
        const QString text = QString::fromStdString(reportConclusion(groups, runs));
        for (const QString &phrase : says)
            QVERIFY2(text.contains(phrase), qPrintable(text));
    }

    void normTitles_data()
    {
        QTest::addColumn<QString>("norm");
        QTest::addColumn<QString>("title");
        QTest::newRow("batch") << "batch" << "BatchNorm";
        QTest::newRow("group") << "group(4)" << "GroupNorm (4 groups)";
        QTest::newRow("layer") << "layer(no affine)" << "LayerNorm (no affine)";
        QTest::newRow("none") << "none" << "no normalization";
        QTest::newRow("unknown") << "weird(3)" << "weird(3)";
    }

    void normTitles()
    {
        QFETCH(QString, norm);
        QFETCH(QString, title);
        QCOMPARE(QString::fromStdString(normTitle(norm.toStdString())), title);
    }

    void noRunsIsAnInputError()
    {
        QVERIFY_THROWS_EXCEPTION(InputError, buildRunReport(*m_store, ReportOptions()));
        ReportOptions unknown;
        unknown.runs = {999};
        QVERIFY_THROWS_EXCEPTION(StoreError, buildRunReport(*m_store, unknown));
    }

private:
    QTemporaryDir m_dir;
    std::unique_ptr<RunStore> m_store;
    std::vector<std::int64_t> m_runs;
};

QTEST_GUILESS_MAIN(TestReport)
#include "test_report.moc"
