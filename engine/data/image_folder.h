// Image-folder datasets: ROOT/{train,test}/<class>/*.{png,jpg,jpeg,bmp}, class names from the
// folder names in sorted order, decoded with OpenCV on several threads.
#pragma once

#include "dataset.h"

#include <string>

namespace normlab {

bool looksLikeImageFolder(const std::string &root);

// Image files and class folders in one split (e.g. ROOT/train), by name: nothing is decoded.
struct ImageFolderCount
{
    std::size_t images = 0, classes = 0;
};
ImageFolderCount countImageFolderSplit(const std::string &dir);

// threads = 0: one per core.
DatasetPair loadImageFolder(const std::string &root, int threads = 0);

// One split (e.g. ROOT/train); `expectedClasses` empty: take the folder names found.
Dataset loadImageFolderSplit(const std::string &dir, const std::vector<std::string> &expectedClasses,
                             int threads = 0);

} // namespace normlab
