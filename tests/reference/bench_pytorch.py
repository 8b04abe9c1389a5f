#!/usr/bin/python3
"""PyTorch's side of `normlab-bench --vs-pytorch`: the same network and recipe, timed the way a
PyTorch user would write it: training through torchvision transforms on PIL images and a
DataLoader, evaluation of the model alone on the test set prepared once, at PyTorch's best
evaluation batch (each of EVAL_BATCH_SIZES and NormLab's is timed every epoch; the fastest counts).

The network is built from the layer list that normlab-bench writes (NormLab's own ModelSpec), so
both sides train the same model for every preset; the parameter counts are compared. Prints one
JSON line: the median train and eval images/s of the epochs after the first, and the evaluation
batch that was fastest.

    /usr/bin/python3 tests/reference/bench_pytorch.py --spec spec.json

Needs Debian's python3-torch and python3-torchvision (run with /usr/bin/python3). Exit code 2 with a
message for a spec it cannot reproduce.
"""
import argparse
import json
import random
import statistics
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torchvision import transforms

from normlab_net import Net

# PyTorch's evaluation rate depends on the batch far more than NormLab's (at 1,000 images glibc
# hands every activation back to the kernel and faults it in again): 2-3x between 128 and 1,000
# on 2 cores. So it is timed at each of these and at NormLab's batch, and its best counts.
EVAL_BATCH_SIZES = (64, 128, 256, 500, 1000)


def fail(message):
    print(f"bench_pytorch.py: {message}", file=sys.stderr)
    sys.exit(2)


class CoarseDropout:
    """albumentations' CoarseDropout on a PIL image: holes of random size filled with a colour."""

    def __init__(self, step):
        self.step = step
        fill = step.get("fill_value", [0.0])
        self.fill = tuple(int(round(v)) for v in (fill * 3 if len(fill) == 1 else fill))

    def __call__(self, image):
        s = self.step
        pixels = np.array(image)
        h, w = pixels.shape[:2]
        for _ in range(random.randint(s["min_holes"], s["max_holes"])):
            hh = random.randint(s["min_height"], s["max_height"])
            ww = random.randint(s["min_width"], s["max_width"])
            y, x = random.randint(0, h - hh), random.randint(0, w - ww)
            pixels[y:y + hh, x:x + ww] = self.fill
        return Image.fromarray(pixels)


class Cutout:
    """Cutout (DeVries and Taylor): one length x length square centred anywhere, cut by the
    border, filled with a colour."""

    def __init__(self, step):
        self.length = step.get("length", 16)
        fill = step.get("fill", [0.0])
        self.fill = tuple(int(round(v)) for v in (fill * 3 if len(fill) == 1 else fill))

    def __call__(self, image):
        pixels = np.array(image)
        h, w = pixels.shape[:2]
        cy, cx = random.randint(0, h - 1), random.randint(0, w - 1)
        y0, x0 = max(0, cy - self.length // 2), max(0, cx - self.length // 2)
        y1, x1 = min(h, cy - self.length // 2 + self.length), min(w, cx - self.length // 2 + self.length)
        pixels[y0:y1, x0:x1] = self.fill
        return Image.fromarray(pixels)


def transform_of(step):
    kind = step["type"]
    p = step.get("p", 1.0)
    if kind == "HorizontalFlip":
        return transforms.RandomHorizontalFlip(p)
    if kind == "ColorJitter":
        t = transforms.ColorJitter(step["brightness"], step["contrast"], step["saturation"],
                                   step["hue"])
    elif kind == "Rotate":
        fill = step.get("fill", [0.0])
        t = transforms.RandomRotation((-step["limit"], step["limit"]),
                                      fill=[int(round(v)) for v in (fill * 3 if len(fill) == 1 else fill)])
    elif kind == "ShiftScaleRotate":
        # torchvision's affine fills the border with a constant instead of reflecting it: the
        # same work per image, which is what is timed here.
        t = transforms.RandomAffine(step["rotate_limit"],
                                    translate=(step["shift_limit"], step["shift_limit"]),
                                    scale=(1 - step["scale_limit"], 1 + step["scale_limit"]))
    elif kind == "CoarseDropout":
        t = CoarseDropout(step)
    elif kind == "RandomCrop":
        t = transforms.RandomCrop(32, padding=step["padding"])
    elif kind == "Cutout":
        t = Cutout(step)
    else:
        fail(f"augmentation '{kind}' is unknown")
    return transforms.RandomApply([t], p) if p < 1 else t


class Images(torch.utils.data.Dataset):
    def __init__(self, pixels, labels, transform):
        self.pixels, self.labels, self.transform = pixels, labels, transform

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return self.transform(Image.fromarray(self.pixels[i])), int(self.labels[i])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--spec", required=True, help="the JSON file normlab-bench wrote")
    args = ap.parse_args()
    try:
        with open(args.spec) as f:
            spec = json.load(f)
    except (OSError, ValueError) as e:
        fail(f"{args.spec}: {e}")

    torch.manual_seed(1)
    random.seed(1)
    torch.set_num_threads(spec["threads"])
    rng = np.random.default_rng(1)
    train_n, test_n = spec["train_images"], spec["test_images"]
    pixels = rng.integers(0, 256, size=(train_n + test_n, 32, 32, 3), dtype=np.uint8)
    labels = rng.integers(0, spec["num_classes"], size=train_n + test_n)
    normalize = [transforms.ToTensor()]
    if spec["normalize"]["enabled"]:
        normalize.append(transforms.Normalize(spec["normalize"]["mean"], spec["normalize"]["std"]))
    train_tf = transforms.Compose([transform_of(s) for s in spec["augment"]] + normalize)
    test_tf = transforms.Compose(normalize)
    train = torch.utils.data.DataLoader(Images(pixels[:train_n], labels[:train_n], train_tf),
                                        batch_size=spec["batch_size"], shuffle=True)
    # Evaluation times the model alone, on the test set prepared once, as NormLab holds it: its
    # data is the same for every epoch.
    test_images = torch.stack([test_tf(Image.fromarray(p)) for p in pixels[train_n:]])
    eval_batches = sorted(set(EVAL_BATCH_SIZES) | {spec["eval_batch_size"]})

    try:
        model = Net(spec)
    except ValueError as e:
        fail(str(e))
    if spec["channels_last"]:
        model = model.to(memory_format=torch.channels_last)
    parameters = sum(p.numel() for p in model.parameters())
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    train_rates = []
    eval_rates = {b: [] for b in eval_batches}
    for epoch in range(spec["epochs"]):
        model.train()
        start, seen = time.perf_counter(), 0
        for data, target in train:
            if spec["channels_last"]:
                data = data.contiguous(memory_format=torch.channels_last)
            opt.zero_grad()
            loss = F.nll_loss(model(data), target)
            loss.backward()
            opt.step()
            seen += len(data)
        train_rates.append(seen / (time.perf_counter() - start))
        model.eval()
        for batch in eval_batches:
            start, seen = time.perf_counter(), 0
            with torch.no_grad():
                for data in torch.split(test_images, batch):
                    if spec["channels_last"]:
                        data = data.contiguous(memory_format=torch.channels_last)
                    model(data).argmax(1)
                    seen += len(data)
            eval_rates[batch].append(seen / (time.perf_counter() - start))
    # The first epoch carries one-time costs, as in normlab-bench: the median of the rest.
    kept = slice(1, None) if len(train_rates) > 1 else slice(None)
    eval_medians = {b: statistics.median(r[kept]) for b, r in eval_rates.items()}
    best_batch = max(eval_medians, key=eval_medians.get)
    print(json.dumps({"preset": spec["preset"], "parameters": parameters,
                      "train_images_per_second": statistics.median(train_rates[kept]),
                      "eval_images_per_second": eval_medians[best_batch],
                      "eval_batch_size": best_batch,
                      "eval_images_per_second_by_batch": {str(b): r for b, r in eval_medians.items()},
                      "torch": torch.__version__}), flush=True)


if __name__ == "__main__":
    main()
