#include "test_support.h"

#include "presets.h"

#include "synthetic.h"

#include <QDir>
#include <QFile>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

namespace normlab::test {

DatasetPair tinyData(std::size_t train, std::size_t test)
{
    return makeSyntheticPair(train, test, 7);
}

void writeImageFolder(const Dataset &data, const QString &dir, std::size_t images)
{
    for (std::size_t i = 0; i < images; ++i) {
        const QString classDir =
                dir + "/" + QString::fromStdString(data.classNames[data.labels[i]]);
        QDir().mkpath(classDir);
        cv::Mat rgb(Dataset::kHeight, Dataset::kWidth, CV_8UC3,
                    const_cast<std::uint8_t *>(data.image(i)));
        cv::Mat bgr;
        cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
        cv::imwrite(QString("%1/%2.png").arg(classDir).arg(i, 4, 10, QChar('0')).toStdString(),
                    bgr);
    }
}

void writeCifarBin(const Dataset &data, const QString &path, std::size_t count)
{
    QByteArray bytes;
    constexpr int kPlane = Dataset::kHeight * Dataset::kWidth;
    for (std::size_t i = 0; i < count; ++i) {
        bytes.append(static_cast<char>(data.labels[i]));
        const std::uint8_t *img = data.image(i);
        for (int c = 0; c < 3; ++c)
            for (int p = 0; p < kPlane; ++p)
                bytes.append(static_cast<char>(img[3 * p + c]));
    }
    writeAll(path, bytes);
}

ExperimentConfig quickConfig(int epochs)
{
    ExperimentConfig c = presetConfig("s8-bn");
    c.data.source = "synthetic";
    c.data.trainLimit = 640;
    c.data.testLimit = 200;
    c.epochs = epochs;
    c.threads = 1;
    return c;
}

QByteArray readAll(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return f.readAll();
}

void writeAll(const QString &path, const QByteArray &bytes)
{
    QFile f(path);
    if (f.open(QIODevice::WriteOnly | QIODevice::Truncate))
        f.write(bytes);
}

CliOutcome finish(QProcess &process, int timeoutMs)
{
    if (!process.waitForFinished(timeoutMs)) {
        process.kill();
        process.waitForFinished();
    }
    return {process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1,
            QString::fromUtf8(process.readAllStandardOutput()),
            QString::fromUtf8(process.readAllStandardError())};
}

CliOutcome runCli(const QStringList &args, int timeoutMs)
{
    QProcess p;
    p.start(qEnvironmentVariable("NORMLAB_CLI"), args);
    return finish(p, timeoutMs);
}

QString referencePython()
{
    return qEnvironmentVariable("NORMLAB_PYTHON", "/usr/bin/python3");
}

bool pythonCanImport(const QString &modules)
{
    QProcess probe;
    probe.start(referencePython(), {"-c", "import " + modules});
    return probe.waitForFinished(60'000) && probe.exitStatus() == QProcess::NormalExit &&
           probe.exitCode() == 0;
}

} // namespace normlab::test
