// QCustomPlot's header uses the bare `signals` and `foreach` keywords, which QT_NO_KEYWORDS (needed
// by LibTorch's headers) removes. Include it only through this header.
#pragma once

#define signals Q_SIGNALS
#define foreach Q_FOREACH
#include <qcustomplot.h>
#undef signals
#undef foreach
