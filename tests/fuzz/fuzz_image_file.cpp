// An image file of any bytes (the decode path of image folders and predictions): a 32x32 RGB
// image, or a DataError naming the file.
#include "errors.h"
#include "fuzz_input_file.h"
#include "image_file.h"

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    using namespace normlab;
    // The decoder is chosen by content, not by name: one name covers PNG, JPEG and BMP.
    const std::string path = fuzz::writeInput("picture.png", data, size);
    try {
        if (readImageAs32x32(path).size() != 32 * 32 * 3)
            std::abort();
    } catch (const DataError &) {
    }
    return 0;
}
