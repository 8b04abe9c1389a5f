// Where a person dragged a window's splitters, kept across sessions: QMainWindow::saveState keeps
// toolbars and docks only.
#pragma once

class QSettings;
class QWidget;

namespace normlab::gui {

// Every named QSplitter under `window`, as settings::kSplitters/<objectName>.
void saveSplitters(const QWidget *window, QSettings &settings);
// The saved sizes back; a splitter with nothing saved (a first start, or one renamed) keeps the
// sizes the window gave it.
void restoreSplitters(QWidget *window, const QSettings &settings);

} // namespace normlab::gui
