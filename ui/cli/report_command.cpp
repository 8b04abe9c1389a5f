#include "report_command.h"

#include "atomic_file.h"
#include "cli_app.h"
#include "errors.h"
#include "report_html.h"
#include "report_markdown.h"
#include "run_report.h"
#include "run_store.h"
#include "runs_commands.h"

#include <cstdio>
#include <filesystem>

namespace normlab::cli {

void ReportCommand::addTo(CLI::App &app)
{
    m_command = app.add_subcommand(
            "report", "Write up recorded runs: models, results, curves, per-class accuracy, "
                      "confusion matrices, mistakes, conclusion and configs");
    m_command->add_option("runs", m_runs, "Run ids (or last), in the order to report them");
    m_command->add_option("--sweep", m_sweep, "Report the runs of this sweep (or comparison)");
    m_command->add_option("--out", m_out, "Folder to write report.html or report.md into")
            ->required();
    m_store.addTo(*m_command);
    m_command
            ->add_option("--format", m_format,
                         "html (one self-contained file) or md "
                         "(Markdown with a folder of PNGs)")
            ->check(CLI::IsMember({"html", "md"}))
            ->capture_default_str();
    m_command->add_option("--title", m_title, "The report's title (default: from the runs)");
    m_command
            ->add_option("--mistakes", m_mistakes,
                         "Misclassified images shown per run, most confident first (0: none)")
            ->check(CLI::Range(0, 1000))
            ->capture_default_str();
    m_command->add_flag("--gradcam", m_gradCam,
                        "Draw Grad-CAM heat maps over the mistakes (needs the last checkpoints)");
}

bool ReportCommand::parsed() const
{
    return m_command && m_command->parsed();
}

int ReportCommand::run() const
{
    RunStore store(m_store.resolved(), m_store.forReading());
    ReportOptions options;
    for (const std::string &run : m_runs)
        options.runs.push_back(parseRunId(store, run));
    if (!m_sweep.empty()) {
        RunFilter filter;
        filter.sweep = m_sweep;
        const std::vector<RunRecord> sweep = store.runs(filter);
        if (sweep.empty())
            throw InputError("--sweep " + m_sweep + ": no run of that sweep in " + store.dir());
        for (const RunRecord &r : sweep)
            options.runs.push_back(r.id);
    }
    if (options.runs.empty())
        throw InputError("name the runs to report (ids, or last) or a --sweep");
    options.title = m_title;
    options.mistakesPerRun = m_mistakes;
    options.gradCam = m_gradCam;

    const ReportResult report = buildRunReport(store, options);
    for (const std::string &warning : report.warnings)
        std::fprintf(stderr, "normlab-cli: warning: %s\n", warning.c_str());
    std::error_code error;
    std::filesystem::create_directories(m_out, error);
    if (!std::filesystem::is_directory(m_out))
        throw InputError("--out " + m_out + ": not a folder that can be created");
    const std::filesystem::path out(m_out);
    if (m_format == "md") {
        std::printf("%s\n", writeMarkdownReport(report.document, out).string().c_str());
    } else {
        const std::filesystem::path path = out / "report.html";
        writeFileAtomically(path.string(), reportHtml(report.document));
        std::printf("%s\n", path.string().c_str());
    }
    return Success;
}

} // namespace normlab::cli
