#include "store_commands.h"

#include "cli_app.h"
#include "run_store.h"
#include "store_merge.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>

namespace normlab::cli {

void StoreCommands::addTo(CLI::App &app)
{
    m_group = app.add_subcommand("store", "Whole run stores: merge others into this one");
    m_group->require_subcommand(1);
    m_merge = m_group->add_subcommand(
            "merge", "Take the runs of other stores (a cluster sweep's task stores, or a folder "
                     "of them) into this one; again later, to take what changed");
    m_merge->add_option("dirs", m_sources,
                        "Stores to merge, or folders whose subfolders are stores")
            ->required();
    m_store.addTo(*m_merge);
    m_merge->add_flag("--json", m_json, "One JSON object per source store");
}

bool StoreCommands::parsed() const
{
    return m_group && m_group->parsed();
}

int StoreCommands::run() const
{
    namespace fs = std::filesystem;
    RunStore into(m_store.resolved());
    // A folder that is not a store itself stands for the stores in it (a sweep's tasks/).
    std::vector<std::string> sources;
    for (const std::string &dir : m_sources) {
        std::error_code error;
        if (fs::is_directory(dir, error) && !fs::exists(fs::path(dir) / "normlab.db", error)) {
            std::vector<std::string> inside;
            for (const auto &entry : fs::directory_iterator(dir, error))
                if (entry.is_directory() && fs::exists(entry.path() / "normlab.db"))
                    inside.push_back(entry.path().string());
            std::sort(inside.begin(), inside.end());
            if (!inside.empty()) {
                sources.insert(sources.end(), inside.begin(), inside.end());
                continue;
            }
        }
        sources.push_back(dir);
    }
    MergeSummary total;
    for (const std::string &dir : sources) {
        const MergeSummary s = mergeStore(into, dir);
        if (m_json)
            std::printf("%s\n", nlohmann::json {{"source", dir},
                                                {"imported", s.imported},
                                                {"updated", s.updated},
                                                {"unchanged", s.unchanged},
                                                {"training", s.training},
                                                {"queued", s.queued}}
                                        .dump()
                                        .c_str());
        else
            std::printf("%s: %d new, %d updated, %d unchanged, %d training, %d not started\n",
                        dir.c_str(), s.imported, s.updated, s.unchanged, s.training, s.queued);
        total.imported += s.imported;
        total.updated += s.updated;
        total.training += s.training;
        total.queued += s.queued;
    }
    if (!m_json && sources.size() > 1)
        std::printf("%zu stores merged into %s: %d new, %d updated; %d still training, %d not "
                    "started\n",
                    sources.size(), into.dir().c_str(), total.imported, total.updated,
                    total.training, total.queued);
    return Success;
}

} // namespace normlab::cli
