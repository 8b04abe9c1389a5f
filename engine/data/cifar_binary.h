// The official CIFAR-10 binary format: data_batch_1..5.bin and test_batch.bin, each record one
// label byte followed by 1,024 red, 1,024 green and 1,024 blue bytes; class names in
// batches.meta.txt.
#pragma once

#include "dataset.h"

#include <string>

namespace normlab {

// `dir` holds the .bin files (the archive's cifar-10-batches-bin folder, or a folder above it).
DatasetPair loadCifarBinary(const std::string &dir);

// Whether `dir` (or its cifar-10-batches-bin subfolder) looks like the binary layout.
bool looksLikeCifarBinary(const std::string &dir);

// Images in the training (or test) files, from their sizes: nothing is read.
std::size_t cifarBinaryImages(const std::string &dir, bool train);

// Reads one .bin file of records into `out`; throws DataError on a bad size or label.
void readCifarBinaryFile(const std::string &path, Dataset &out);

} // namespace normlab
