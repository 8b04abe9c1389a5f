// A line at the top of a view that reads the run store, saying why it could not (a locked or
// damaged store): the view stays, empty or as it was, and the window goes on. Hidden while there
// is nothing to say.
#pragma once

#include <QLabel>

namespace normlab::gui {

class StoreErrorBanner : public QLabel
{
    Q_OBJECT

public:
    explicit StoreErrorBanner(QWidget *parent = nullptr);

    // "The run store could not be read: <what>".
    void showError(const QString &what);
    void clearError();
};

} // namespace normlab::gui
