#include "async_dialogs.h"

#include <QDir>
#include <QFileDialog>
#include <QInputDialog>
#include <QMessageBox>

namespace normlab::gui {

namespace {

void showMessage(QWidget *parent, QMessageBox::Icon icon, const QString &title, const QString &text)
{
    auto *box = new QMessageBox(icon, title, text, QMessageBox::Ok, parent);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->setTextInteractionFlags(Qt::TextSelectableByMouse);
    box->open();
}

QFileDialog *fileDialog(QWidget *parent, const QString &title, const QString &filter,
                        std::function<void(const QString &)> onChosen)
{
    auto *dialog = new QFileDialog(parent, title, {}, filter);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    QObject::connect(dialog, &QFileDialog::fileSelected, dialog,
                     [onChosen = std::move(onChosen)](const QString &path) {
                         if (!path.isEmpty())
                             onChosen(path);
                     });
    return dialog;
}

} // namespace

void showWarning(QWidget *parent, const QString &title, const QString &text)
{
    showMessage(parent, QMessageBox::Warning, title, text);
}

void showError(QWidget *parent, const QString &title, const QString &text)
{
    showMessage(parent, QMessageBox::Critical, title, text);
}

void showInformation(QWidget *parent, const QString &title, const QString &text)
{
    showMessage(parent, QMessageBox::Information, title, text);
}

void askYesNo(QWidget *parent, const QString &title, const QString &text,
              std::function<void()> onYes)
{
    auto *box = new QMessageBox(QMessageBox::Question, title, text,
                                QMessageBox::Yes | QMessageBox::No, parent);
    box->setDefaultButton(QMessageBox::No);
    box->setAttribute(Qt::WA_DeleteOnClose);
    QObject::connect(box, &QMessageBox::finished, box, [box, onYes = std::move(onYes)](int) {
        if (box->clickedButton() == box->button(QMessageBox::Yes))
            onYes();
    });
    box->open();
}

void askText(QWidget *parent, const QString &title, const QString &label, const QString &initial,
             bool multiLine, std::function<void(const QString &)> onOk)
{
    auto *dialog = new QInputDialog(parent);
    dialog->setWindowTitle(title);
    dialog->setLabelText(label);
    dialog->setTextValue(initial);
    dialog->setOption(QInputDialog::UsePlainTextEditForTextInput, multiLine);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    QObject::connect(dialog, &QInputDialog::textValueSelected, dialog, std::move(onOk));
    dialog->open();
}

void askInt(QWidget *parent, const QString &title, const QString &label, int value, int min,
            int max, std::function<void(int)> onOk)
{
    auto *dialog = new QInputDialog(parent);
    dialog->setWindowTitle(title);
    dialog->setLabelText(label);
    dialog->setInputMode(QInputDialog::IntInput);
    dialog->setIntRange(min, max);
    dialog->setIntValue(value);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    QObject::connect(dialog, &QInputDialog::intValueSelected, dialog, std::move(onOk));
    dialog->open();
}

void chooseFileToOpen(QWidget *parent, const QString &title, const QString &filter,
                      std::function<void(const QString &)> onChosen)
{
    QFileDialog *dialog = fileDialog(parent, title, filter, std::move(onChosen));
    dialog->setAcceptMode(QFileDialog::AcceptOpen);
    dialog->setFileMode(QFileDialog::ExistingFile);
    dialog->open();
}

void chooseFilesToOpen(QWidget *parent, const QString &title, const QString &filter,
                       std::function<void(const QStringList &)> onChosen)
{
    auto *dialog = new QFileDialog(parent, title, {}, filter);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setAcceptMode(QFileDialog::AcceptOpen);
    dialog->setFileMode(QFileDialog::ExistingFiles);
    QObject::connect(dialog, &QFileDialog::filesSelected, dialog,
                     [onChosen = std::move(onChosen)](const QStringList &paths) {
                         if (!paths.isEmpty())
                             onChosen(paths);
                     });
    dialog->open();
}

void chooseFolder(QWidget *parent, const QString &title, const QString &start,
                  std::function<void(const QString &)> onChosen)
{
    QFileDialog *dialog = fileDialog(parent, title, QString(), std::move(onChosen));
    dialog->setDirectory(QDir(start).exists() ? start : QDir::homePath());
    dialog->setFileMode(QFileDialog::Directory);
    dialog->setOption(QFileDialog::ShowDirsOnly);
    dialog->open();
}

void chooseFileToSave(QWidget *parent, const QString &title, const QString &suggestedName,
                      const QString &filter, std::function<void(const QString &)> onChosen)
{
    QFileDialog *dialog = fileDialog(parent, title, filter, std::move(onChosen));
    dialog->setAcceptMode(QFileDialog::AcceptSave);
    dialog->selectFile(suggestedName);
    dialog->open();
}

} // namespace normlab::gui
