// normlab: the desktop application.
#include "config_json.h"
#include "config_panel.h"
#include "errors.h"
#include "first_run_dialog.h"
#include "main_window.h"
#include "process_env.h"
#include "run_store.h"
#include "settings_keys.h"
#include "version.h"
#include "wheel_guard.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QIcon>
#include <QMessageBox>
#include <QSettings>
#include <QTimer>

int main(int argc, char **argv)
{
    normlab::ensureOpenMpWaitPolicy(argv);
    normlab::useOneMallocArena(); // training runs on a worker thread
    QApplication app(argc, argv);
    normlab::gui::WheelGuard::install(app);
    QApplication::setApplicationName("normlab");
    QApplication::setOrganizationName("NormLab");
    QApplication::setApplicationDisplayName("NormLab");
    QApplication::setApplicationVersion(QString::fromStdString(normlab::version()));
    // The desktop entry's name: lets Wayland compositors match the window to its icon and entry.
    QGuiApplication::setDesktopFileName("org.normlab.NormLab");
    QApplication::setWindowIcon(
            QIcon::fromTheme("org.normlab.NormLab", QIcon(":/icons/org.normlab.NormLab.svg")));

    QCommandLineParser parser;
    parser.setApplicationDescription(
            "Train small CNNs on CIFAR-10 and watch what each choice does.");
    parser.addHelpOption();
    parser.addVersionOption();
    QCommandLineOption store(
            "store", "Run store folder (default $NORMLAB_STORE or ~/.local/share/normlab/store).",
            "dir", QString::fromStdString(normlab::RunStore::defaultDir()));
    parser.addOption(store);
    QCommandLineOption config(
            "config", "Open with the experiment in this config file (as normlab-cli reads).",
            "file");
    parser.addOption(config);
    parser.process(app);

    try {
        normlab::gui::MainWindow window(parser.value(store));
        if (parser.isSet(config))
            window.configPanel()->setConfig(
                    normlab::loadConfigFile(parser.value(config).toStdString()));
        if (!QSettings().contains(normlab::gui::settings::kWindowGeometry))
            window.resize(1500, 950);
        window.show();
        // First start without a dataset: offer one (not when a config file says what to train).
        if (!parser.isSet(config) && normlab::gui::FirstRunDialog::needed())
            QTimer::singleShot(0, &window, &normlab::gui::MainWindow::offerDatasets);
        return QApplication::exec();
    } catch (const normlab::InputError &e) {
        QMessageBox::critical(nullptr, "NormLab", QString::fromUtf8(e.what()));
        return 2;
    }
}
