// A CIFAR-10 .bin file of any bytes: read, or a DataError naming the file.
#include "cifar_binary.h"
#include "errors.h"
#include "fuzz_input_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    using namespace normlab;
    const std::string path = fuzz::writeInput("data_batch_1.bin", data, size);
    Dataset out;
    try {
        readCifarBinaryFile(path, out);
    } catch (const DataError &) {
        return 0;
    }
    if (out.size() * Dataset::kImageBytes != out.pixels.size() || out.labels.size() != out.size())
        std::abort();
    return 0;
}
