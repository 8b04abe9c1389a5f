// A damaged run store: any bytes as normlab.db. Opening it and reading every run, epoch and
// mistake ends in data or a StoreError naming the store; never a crash.
#include "errors.h"
#include "fuzz_input_file.h"
#include "run_store.h"

#include <filesystem>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    using namespace normlab;
    const std::filesystem::path dir = fuzz::scratchDir() + "/store";
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored); // no WAL of the last input
    std::filesystem::create_directories(dir);
    const std::string db = (dir / "normlab.db").string();
    std::filesystem::rename(fuzz::writeInput("normlab.db", data, size), db);
    try {
        RunStore store(dir.string(), {true, RunStore::kSchemaVersion});
        for (const RunRecord &r : store.runs()) {
            for (const EpochMetrics &m : store.epochs(r.id, 0, true))
                (void)m;
            store.batches(r.id);
            store.lrTests(r.id);
        }
    } catch (const StoreError &) {
    }
    return 0;
}
