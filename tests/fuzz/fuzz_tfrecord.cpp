// A TFRecord file of any bytes (what `normlab-cli export --format tensorboard` writes and the
// tests read back): its records, or an InputError naming the file and record.
#include "errors.h"
#include "fuzz_input_file.h"
#include "tfrecord.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    using namespace normlab;
    const std::string path = fuzz::writeInput("events.tfevents", data, size);
    try {
        readTfRecords(path);
    } catch (const InputError &) {
    }
    return 0;
}
