#include "predict_panel.h"

#include "async_dialogs.h"
#include "cam_picture.h"
#include "errors.h"
#include "prediction_controller.h"
#include "probability_bars.h"
#include "run_store.h"

#include <QComboBox>
#include <QDir>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QMimeData>
#include <QPushButton>
#include <QScrollArea>
#include <QUrl>
#include <QVBoxLayout>

#include <algorithm>

namespace normlab::gui {

namespace {

constexpr int kZoom = 3; // 32 px as 96 px
constexpr int kTop = 5;
// The run list's items also carry the epochs its best and last checkpoints hold.
constexpr int kBestEpochRole = Qt::UserRole + 1;
constexpr int kLastEpochRole = Qt::UserRole + 2;
const QStringList kImageSuffixes {"png", "jpg", "jpeg", "bmp"};

QString images(qsizetype n)
{
    return n == 1 ? PredictPanel::tr("1 image") : PredictPanel::tr("%1 images").arg(n);
}

QStringList localFiles(const QMimeData *mime)
{
    QStringList out;
    for (const QUrl &url : mime->urls())
        if (url.isLocalFile())
            out << url.toLocalFile();
    return PredictPanel::expandFolders(out);
}

} // namespace

PredictPanel::PredictPanel(const RunStore &store, QWidget *parent)
    : QDialog(parent), m_store(store)
{
    setWindowTitle(tr("Predict Images"));
    setAcceptDrops(true);
    m_controller = new PredictionController(this);
    m_run = new QComboBox(this);
    m_run->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_run->setMinimumContentsLength(30);
    m_weights = new QComboBox(this);
    m_weights->addItem(tr("best: lowest test loss"), true);
    m_weights->addItem(tr("last epoch"), false);
    auto *add = new QPushButton(tr("&Add Images…"), this);
    auto *clear = new QPushButton(tr("C&lear"), this);
    m_status = new QLabel(tr("Drop image files or folders here, or add them: PNG, JPEG or BMP of "
                             "any size, resized to 32x32 as the network sees them."),
                          this);
    m_status->setWordWrap(true);

    auto *rowsWidget = new QWidget;
    m_rows = new QVBoxLayout(rowsWidget);
    m_rows->addStretch(1);
    auto *scroll = new QScrollArea(this);
    scroll->setWidget(rowsWidget);
    scroll->setWidgetResizable(true);

    auto *top = new QHBoxLayout;
    top->addWidget(new QLabel(tr("Run"), this));
    top->addWidget(m_run, 1);
    top->addWidget(new QLabel(tr("weights of the"), this));
    top->addWidget(m_weights);
    top->addWidget(add);
    top->addWidget(clear);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(m_status);
    layout->addWidget(scroll, 1);
    auto *close = new QPushButton(tr("Close"), this);
    auto *buttons = new QHBoxLayout;
    buttons->addStretch(1);
    buttons->addWidget(close);
    layout->addLayout(buttons);
    resize(760, 620);

    connect(m_run, &QComboBox::currentIndexChanged, this, [this] {
        labelWeights();
        predictAll();
    });
    connect(m_weights, &QComboBox::currentIndexChanged, this, [this] { predictAll(); });
    connect(add, &QPushButton::clicked, this, [this] {
        chooseFilesToOpen(this, tr("Predict Images"),
                          tr("Images (*.png *.jpg *.jpeg *.bmp);;All files (*)"),
                          [this](const QStringList &paths) { addFiles(paths); });
    });
    connect(clear, &QPushButton::clicked, this, &PredictPanel::clearFiles);
    connect(close, &QPushButton::clicked, this, &QDialog::close);
    connect(m_controller, &PredictionController::predicted, this, &PredictPanel::showPrediction);
    connect(m_controller, &PredictionController::failed, this, [this](const QString &message) {
        m_status->setText(tr("This run cannot predict: %1").arg(message));
    });
    refreshRuns();
}

bool PredictPanel::isImageFile(const QString &path)
{
    return kImageSuffixes.contains(QFileInfo(path).suffix().toLower());
}

QStringList PredictPanel::expandFolders(const QStringList &paths)
{
    QStringList out;
    for (const QString &path : paths) {
        const QFileInfo info(path);
        if (!info.isDir()) {
            out << path;
            continue;
        }
        for (const QFileInfo &f : QDir(path).entryInfoList(QDir::Files, QDir::Name))
            if (isImageFile(f.filePath()))
                out << f.filePath();
    }
    return out;
}

void PredictPanel::refreshRuns()
{
    const qint64 chosen = run();
    std::vector<RunRecord> runs;
    try {
        runs = m_store.runs();
    } catch (const StoreError &e) {
        m_status->setText(QString::fromUtf8(e.what()));
        return;
    }
    std::sort(runs.begin(), runs.end(),
              [](const RunRecord &a, const RunRecord &b) { return a.id > b.id; });
    const QSignalBlocker block(m_run);
    m_run->clear();
    for (const RunRecord &r : runs) {
        if (r.epochsDone == 0 || r.state == RunState::Queued)
            continue; // no weights yet
        m_run->addItem(tr("#%1 %2: %3 % best test accuracy, %4 epochs")
                               .arg(r.id)
                               .arg(QString::fromStdString(r.name))
                               .arg(r.bestTestAccuracy, 0, 'f', 2)
                               .arg(r.epochsDone),
                       static_cast<qlonglong>(r.id));
        m_run->setItemData(m_run->count() - 1, r.bestCheckpointEpoch, kBestEpochRole);
        m_run->setItemData(m_run->count() - 1, r.epochsDone, kLastEpochRole);
    }
    const int index = m_run->findData(static_cast<qlonglong>(chosen));
    m_run->setCurrentIndex(index >= 0 ? index : 0);
    labelWeights();
    if (run() != chosen)
        predictAll();
}

// Which epoch each checkpoint holds: "best" is the lowest test loss, not the highest accuracy
// the run's label gives.
void PredictPanel::labelWeights()
{
    const int best = m_run->currentData(kBestEpochRole).toInt();
    const int last = m_run->currentData(kLastEpochRole).toInt();
    m_weights->setItemText(0, best > 0 ? tr("best: lowest test loss, epoch %1").arg(best)
                                       : tr("best: lowest test loss"));
    m_weights->setItemText(1, last > 0 ? tr("last: epoch %1").arg(last) : tr("last epoch"));
}

void PredictPanel::setRun(qint64 runId)
{
    const int index = m_run->findData(static_cast<qlonglong>(runId));
    if (index >= 0)
        m_run->setCurrentIndex(index);
}

qint64 PredictPanel::run() const
{
    return m_run->currentIndex() >= 0 ? m_run->currentData().toLongLong() : -1;
}

void PredictPanel::addFiles(const QStringList &paths)
{
    for (const QString &path : paths) {
        const QString file = QFileInfo(path).absoluteFilePath();
        if (QWidget *old = m_rowWidgets.take(file)) {
            m_paths.removeAll(file);
            delete old;
        }
        m_paths << file;
        m_results.remove(file);
        m_failed.remove(file);
        rowFor(file);
    }
    requestMissing();
}

// The files without an answer yet: a request replaces the one in flight, so those it had not
// reached are asked again.
void PredictPanel::requestMissing()
{
    if (run() < 0) {
        m_status->setText(tr("No recorded run has weights to predict with yet: train one first."));
        return;
    }
    QStringList missing;
    for (const QString &path : std::as_const(m_paths))
        if (!m_results.contains(path))
            missing << path;
    if (missing.isEmpty())
        return;
    m_status->setText(tr("Predicting %1…").arg(images(missing.size())));
    m_controller->request(QString::fromStdString(m_store.dir()), run(),
                          m_weights->currentData().toBool(), missing);
}

void PredictPanel::clearFiles()
{
    m_controller->cancel();
    for (QWidget *w : std::as_const(m_rowWidgets))
        delete w;
    m_rowWidgets.clear();
    m_paths.clear();
    m_results.clear();
    m_failed.clear();
}

void PredictPanel::predictAll()
{
    m_results.clear();
    m_failed.clear();
    m_classNames.clear();
    try {
        if (run() >= 0)
            for (const std::string &n : m_store.run(run()).classNames)
                m_classNames << QString::fromStdString(n);
    } catch (const StoreError &e) {
        m_status->setText(QString::fromUtf8(e.what()));
        return;
    }
    for (const QString &path : std::as_const(m_paths))
        rowFor(path); // back to "predicting…"
    requestMissing();
}

QWidget *PredictPanel::rowFor(const QString &path)
{
    if (QWidget *old = m_rowWidgets.take(path))
        delete old;
    auto *row = new QWidget;
    auto *layout = new QHBoxLayout(row);
    auto *name = new QLabel(QString("<b>%1</b>").arg(QFileInfo(path).fileName().toHtmlEscaped()),
                            row);
    name->setToolTip(path);
    auto *waiting = new QLabel(tr("predicting…"), row);
    waiting->setEnabled(false);
    auto *text = new QVBoxLayout;
    text->addWidget(name);
    text->addWidget(waiting);
    text->addStretch(1);
    layout->addLayout(text, 1);
    m_rows->insertWidget(m_rows->count() - 1, row); // above the stretch
    m_rowWidgets.insert(path, row);
    // Keep the layout in the files' order: a re-added file goes to the end.
    for (int i = 0; i < m_paths.size(); ++i)
        if (QWidget *w = m_rowWidgets.value(m_paths[i]))
            m_rows->insertWidget(i, w);
    return row;
}

void PredictPanel::showPrediction(const FilePrediction &p)
{
    if (!m_paths.contains(p.path))
        return; // cleared meanwhile
    QWidget *row = rowFor(p.path);
    auto *layout = static_cast<QHBoxLayout *>(row->layout());
    auto *text = static_cast<QVBoxLayout *>(layout->itemAt(0)->layout());
    delete text->itemAt(1)->widget(); // "predicting…"
    const QString name = QFileInfo(p.path).fileName();
    if (!p.error.isEmpty()) {
        auto *error = new QLabel(p.error, row);
        error->setWordWrap(true);
        error->setStyleSheet("color: #b00020;");
        text->insertWidget(1, error);
        m_results.insert(p.path, name + ": " + p.error);
        m_failed.insert(p.path);
    } else {
        const auto *rgb = reinterpret_cast<const std::uint8_t *>(p.rgb.constData());
        auto *picture = new QLabel(row);
        picture->setPixmap(camPicture(rgb, kZoom));
        picture->setToolTip(tr("As the network sees it: 32x32"));
        auto *cam = new QLabel(row);
        cam->setPixmap(camPicture(rgb, kZoom, p.heat, 0.5));
        cam->setToolTip(tr("Where it looked for the class it predicted (Grad-CAM)"));
        layout->insertWidget(0, picture);
        layout->insertWidget(1, cam);
        auto *bars = new ProbabilityBars(row);
        bars->setProbabilities(p.probabilities, m_classNames, -1, kTop);
        text->insertWidget(1, bars);
        m_results.insert(p.path, name + ": " + bars->rowTexts().join(", "));
        m_failed.remove(p.path);
    }
    if (m_results.size() == m_paths.size()) {
        m_status->setText(m_failed.isEmpty()
                                  ? tr("%1 predicted.").arg(images(m_paths.size()))
                                  : tr("%1, %2 could not be read.")
                                            .arg(images(m_paths.size()))
                                            .arg(m_failed.size()));
        Q_EMIT allPredicted();
    }
}

QStringList PredictPanel::resultTexts() const
{
    QStringList out;
    for (const QString &path : m_paths)
        out << m_results.value(path);
    return out;
}

QString PredictPanel::statusText() const
{
    return m_status->text();
}

void PredictPanel::dragEnterEvent(QDragEnterEvent *event)
{
    if (!localFiles(event->mimeData()).isEmpty())
        event->acceptProposedAction();
}

void PredictPanel::dropEvent(QDropEvent *event)
{
    const QStringList files = localFiles(event->mimeData());
    if (files.isEmpty())
        return;
    event->acceptProposedAction();
    addFiles(files);
}

} // namespace normlab::gui
