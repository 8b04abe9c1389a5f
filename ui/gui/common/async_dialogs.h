// Window-modal dialogs that return at once and call back when the user answers: the replacements
// for QMessageBox::question(), QInputDialog::getText(), QFileDialog::getSaveFileName() and the
// like, which spin a nested event loop (signals from the training thread would be handled inside
// whatever code opened the dialog). Each dialog deletes itself when closed.
#pragma once

#include <QString>
#include <QStringList>

#include <functional>

class QWidget;

namespace normlab::gui {

// A message with an OK button.
void showWarning(QWidget *parent, const QString &title, const QString &text);
void showError(QWidget *parent, const QString &title, const QString &text);
void showInformation(QWidget *parent, const QString &title, const QString &text);

// Yes / No, No the default; `onYes` runs only for Yes.
void askYesNo(QWidget *parent, const QString &title, const QString &text,
              std::function<void()> onYes);

// A line (or, `multiLine`, a text) of input; `onOk` gets it.
void askText(QWidget *parent, const QString &title, const QString &label, const QString &initial,
             bool multiLine, std::function<void(const QString &)> onOk);
void askInt(QWidget *parent, const QString &title, const QString &label, int value, int min,
            int max, std::function<void(int)> onOk);

// File choosers: `onChosen` gets the path, never an empty one.
void chooseFileToOpen(QWidget *parent, const QString &title, const QString &filter,
                      std::function<void(const QString &)> onChosen);
// Several files at once; `onChosen` gets at least one.
void chooseFilesToOpen(QWidget *parent, const QString &title, const QString &filter,
                       std::function<void(const QStringList &)> onChosen);
// A folder, starting in `start` (or the home folder when it does not exist).
void chooseFolder(QWidget *parent, const QString &title, const QString &start,
                  std::function<void(const QString &)> onChosen);
void chooseFileToSave(QWidget *parent, const QString &title, const QString &suggestedName,
                      const QString &filter, std::function<void(const QString &)> onChosen);

} // namespace normlab::gui
