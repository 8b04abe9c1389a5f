// A line edit for a floating-point config value that keeps it exactly: it shows the shortest text
// that reads back as the same double (3e-06, 0.000125, 0.1234567890123), where a QDoubleSpinBox
// rounds to its decimals and clamps to its range, and so changed a valid config as it was loaded.
// Whether the value is allowed is the engine's to say (validate()).
#pragma once

#include <QLineEdit>

#include <optional>

namespace normlab::gui {

class NumberEdit : public QLineEdit
{
    Q_OBJECT

public:
    explicit NumberEdit(QWidget *parent = nullptr);

    void setValue(double value);
    // The number typed, or nothing when the text is not one.
    std::optional<double> value() const;

    // The shortest decimal text that reads back as exactly `value`.
    static QString shortestText(double value);
};

} // namespace normlab::gui
