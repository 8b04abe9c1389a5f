#!/usr/bin/python3
"""torchvision's side of tests/reference/test_pytorch_augment.cpp.

Reads DIR/images.u8 (32x32 RGB images, interleaved, one after another), applies
torchvision.transforms.functional's adjust_brightness / adjust_contrast / adjust_saturation /
adjust_hue to each image as a PIL image, and writes DIR/<name>.u8 for each NAME=FACTOR argument,
where NAME starts with the adjustment's name.

    /usr/bin/python3 tests/reference/augment_pytorch.py DIR brightness_0.9=0.9 hue_-0.1=-0.1
"""
import os
import sys

import numpy as np
import torchvision.transforms.functional as TF
from PIL import Image

ADJUST = {"brightness": TF.adjust_brightness, "contrast": TF.adjust_contrast,
          "saturation": TF.adjust_saturation, "hue": TF.adjust_hue}


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    folder = sys.argv[1]
    images = np.fromfile(os.path.join(folder, "images.u8"), dtype=np.uint8).reshape(-1, 32, 32, 3)
    for arg in sys.argv[2:]:
        name, factor = arg.split("=")
        adjust = ADJUST[name.split("_")[0]]
        out = np.stack([np.array(adjust(Image.fromarray(img), float(factor))) for img in images])
        out.astype(np.uint8).tofile(os.path.join(folder, name + ".u8"))


if __name__ == "__main__":
    main()
