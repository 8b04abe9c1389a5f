#include "export_command.h"

#include "cli_app.h"
#include "errors.h"
#include "run_export.h"
#include "run_store.h"
#include "runs_commands.h"

namespace normlab::cli {

void ExportCommand::addTo(CLI::App &app)
{
    m_command = app.add_subcommand(
            "export", "Export runs as CSV, TensorBoard event files or an MLflow file store");
    m_command->add_option("runs", m_runs, "Run ids (or last)");
    m_command->add_flag("--all", m_all, "Every run in the store");
    m_command->add_option("--format", m_format, "csv, tensorboard or mlflow")
            ->capture_default_str();
    m_command->add_option("--out", m_out, "Output folder")->required();
    m_command->add_option("--experiment", m_experiment, "MLflow experiment name")
            ->capture_default_str();
    m_command->add_flag("--no-images", m_noImages, "Leave out the misclassified-image grids");
    m_store.addTo(*m_command);
}

int ExportCommand::run() const
{
    const auto format = exportFormatFromString(m_format);
    if (!format)
        throw InputError("--format: '" + m_format + "' is not one of csv, tensorboard, mlflow");
    RunStore store(m_store.resolved(), m_store.forReading());
    std::vector<std::int64_t> ids;
    if (m_all)
        for (const RunRecord &r : store.runs())
            ids.push_back(r.id);
    for (const std::string &text : m_runs)
        ids.push_back(parseRunId(store, text));
    if (ids.empty())
        throw InputError("export: name the runs (ids, last) or give --all");
    const ExportReport report = exportRuns(store, ids, {*format, m_out, m_experiment, !m_noImages});
    for (const std::string &warning : report.warnings)
        std::fprintf(stderr, "normlab-cli: warning: %s\n", warning.c_str());
    std::printf("exported %zu runs as %s into %s (%zu files or folders)\n", ids.size(),
                m_format.c_str(), m_out.c_str(), report.files.size());
    return Success;
}

} // namespace normlab::cli
