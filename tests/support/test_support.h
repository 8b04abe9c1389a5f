// Helpers shared by the test suites: small datasets written to temporary folders.
#pragma once

#include "config.h"
#include "dataset.h"

#include <QProcess>
#include <QString>
#include <QStringList>

namespace normlab::test {

// A tiny synthetic dataset (fast to train on) for trainer tests.
DatasetPair tinyData(std::size_t train = 256, std::size_t test = 100);

// Writes `images` from `data` as PNG files under dir/<class>/NNNN.png.
void writeImageFolder(const Dataset &data, const QString &dir, std::size_t images);

// Writes CIFAR-10 .bin records (label byte + planar RGB) for the first `count` images of `data`.
void writeCifarBin(const Dataset &data, const QString &path, std::size_t count);

QByteArray readAll(const QString &path);

// The s8-bn preset on 640 synthetic training and 200 test images, one thread: a GUI run in
// seconds.
ExperimentConfig quickConfig(int epochs);

// What a finished normlab-cli (from $NORMLAB_CLI) said; exit code -1 when it crashed or timed out.
struct CliOutcome
{
    int exitCode = -1;
    QString out;
    QString err;
};
// Waits for a started process (killing it after `timeoutMs`) and collects its output.
CliOutcome finish(QProcess &process, int timeoutMs);
CliOutcome runCli(const QStringList &args, int timeoutMs = 240'000);
void writeAll(const QString &path, const QByteArray &bytes);

// The Python the PyTorch checks run (NORMLAB_PYTHON, else Debian's /usr/bin/python3, which sees
// python3-torch), and whether it can import `modules` ("torch, torchvision").
QString referencePython();
bool pythonCanImport(const QString &modules);

} // namespace normlab::test
