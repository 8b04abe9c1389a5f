// File -> Predict Images (or image files dropped on the window): each picture, resized to 32x32 as
// the network sees it, beside where it looked (Grad-CAM of the predicted class) and its top five
// classes, for a recorded run chosen here. Files that cannot be read are listed with the reason;
// the others are still answered.
#pragma once

#include <QDialog>
#include <QHash>
#include <QSet>
#include <QStringList>

class QComboBox;
class QLabel;
class QPushButton;
class QVBoxLayout;

namespace normlab {
class RunStore;
}

namespace normlab::gui {

class PredictionController;
struct FilePrediction;

class PredictPanel : public QDialog
{
    Q_OBJECT

public:
    PredictPanel(const RunStore &store, QWidget *parent = nullptr);

    // Re-reads the runs that can predict (those with a checkpoint); keeps the chosen one.
    void refreshRuns();
    // Chooses the run to predict with (when it has a checkpoint).
    void setRun(qint64 runId);
    qint64 run() const;
    // Adds files (again: moved to the end and predicted anew) and predicts them.
    void addFiles(const QStringList &paths);
    void clearFiles();

    int fileCount() const { return static_cast<int>(m_paths.size()); }
    // Per file, in order: "name: cat 83.1 %, dog 9.0 %, ..." or "name: <error>"; empty until
    // answered.
    QStringList resultTexts() const;
    PredictionController *controller() const { return m_controller; }
    QString statusText() const;

    static bool isImageFile(const QString &path);
    // The files as given, each folder replaced by the pictures in it, in name order.
    static QStringList expandFolders(const QStringList &paths);

Q_SIGNALS:
    // Every file has its answer.
    void allPredicted();

protected:
    void dragEnterEvent(QDragEnterEvent *event) override;
    void dropEvent(QDropEvent *event) override;

private:
    void labelWeights();
    void predictAll();
    void showPrediction(const FilePrediction &prediction);
    void requestMissing();
    QWidget *rowFor(const QString &path);

    const RunStore &m_store;
    PredictionController *m_controller;
    QComboBox *m_run;
    QComboBox *m_weights;
    QLabel *m_status;
    QVBoxLayout *m_rows;
    QStringList m_paths;
    QHash<QString, QWidget *> m_rowWidgets;
    QHash<QString, QString> m_results;
    QSet<QString> m_failed;
    QStringList m_classNames;
};

} // namespace normlab::gui
