// A checkpoint file of any bytes: the s8 network's weights loaded from it, or an InputError
// naming the file; never a LibTorch abort.
#include "checkpoint.h"
#include "errors.h"
#include "fuzz_input_file.h"
#include "model_spec.h"
#include "net.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    using namespace normlab;
    static Net net(buildModelSpec(ModelConfig {}));
    const std::string path = fuzz::writeInput("last.pt", data, size);
    try {
        loadCheckpointModel(path, net);
    } catch (const InputError &) {
    }
    return 0;
}
