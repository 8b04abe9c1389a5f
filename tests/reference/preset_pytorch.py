#!/usr/bin/python3
"""The reference recipes (s8 with BatchNorm, GroupNorm or LayerNorm; s9) in PyTorch, for parity
checks against normlab-cli on the same data.

Not part of ctest: it needs python3-torch, python3-torchvision and, for s9, python3-opencv
(Debian; run with /usr/bin/python3) and the JPEG CIFAR-10 copy. s8 takes about 40 minutes on one
core, s9 (40 epochs) some hours.

    /usr/bin/python3 tests/reference/preset_pytorch.py --data ../shared/data/cifar10 --seed 1
    /usr/bin/python3 tests/reference/preset_pytorch.py --preset s9 --data ../shared/data/cifar10

s9's augmentations are albumentations' (HorizontalFlip, ShiftScaleRotate, CoarseDropout, each
with p 0.2), re-implemented here as NormLab's docs/config.md describes them, since albumentations
is not packaged by Debian: ShiftScaleRotate is OpenCV's warpAffine about the pixel centre with
bilinear sampling and a reflect-101 border.

With --checkpoint FILE, the state after each epoch (model, optimizer, scheduler, the RNG and the
lines printed so far) is written there, and a later run with the same FILE continues from it,
printing the earlier epochs again: a run can be carried across sessions, with the same result as
an uninterrupted one.
"""
import argparse
import os
import random
import time

import numpy as np
from PIL import Image

import torch
import torch.nn as nn
import torch.nn.functional as F
from torchvision import datasets, transforms

DROPOUT = 0.05


def block(cin, cout, norm, dilation=1, stride=1, groups=1):
    layers = [nn.Conv2d(cin, cout, 3, stride=stride, padding=dilation, dilation=dilation,
                        groups=groups, bias=False), nn.ReLU()]
    if norm == "batch":
        layers.append(nn.BatchNorm2d(cout))
    elif norm == "group":
        layers.append(nn.GroupNorm(4, cout))
    elif norm == "layer":
        layers.append(nn.GroupNorm(1, cout, affine=False))
    layers.append(nn.Dropout(DROPOUT))
    return nn.Sequential(*layers)


class S8(nn.Module):
    def __init__(self, norm):
        super().__init__()
        self.c1, self.c2 = block(3, 24, norm), block(24, 24, norm)
        self.c3 = nn.Conv2d(24, 8, 1, bias=False)
        self.c4, self.c5, self.c6 = block(8, 32, norm), block(32, 32, norm), block(32, 32, norm)
        self.c7 = nn.Conv2d(32, 8, 1, bias=False)
        self.c8, self.c9, self.c10 = block(8, 32, norm), block(32, 32, norm), block(32, 32, norm)
        self.out = nn.Conv2d(32, 10, 1, bias=False)

    def forward(self, x):
        x = self.c1(x)
        x = x + self.c2(x)
        x = F.max_pool2d(self.c3(x), 2)
        y = self.c4(x)
        y = y + self.c5(y)
        y = self.c6(y)
        y = F.max_pool2d(self.c7(y), 2)
        z = self.c10(self.c9(self.c8(y)))
        z = self.out(F.avg_pool2d(z, 8))
        return F.log_softmax(z.flatten(1), dim=1)


class S9(nn.Module):
    """The dilated + depthwise net (167,424 parameters with BatchNorm): engine/model/model_spec."""

    def __init__(self, norm):
        super().__init__()
        self.c1, self.c2 = block(3, 32, norm), block(32, 32, norm)
        self.c3 = block(32, 64, norm, stride=2)
        self.t1 = nn.Conv2d(64, 16, 1, bias=False)
        self.c4 = block(16, 32, norm, dilation=2)
        self.c5 = block(32, 32, norm, groups=32)
        self.c6 = block(32, 64, norm, stride=2)
        self.t2 = nn.Conv2d(64, 32, 1, bias=False)
        self.c7, self.c8 = block(32, 64, norm), block(64, 64, norm)
        self.c9 = block(64, 96, norm, stride=2)
        self.out = nn.Conv2d(96, 10, 1, bias=False)

    def forward(self, x):
        x = self.c1(x)
        x = x + self.c2(x)
        x = self.t1(self.c3(x))
        x = self.c4(x)
        x = x + self.c5(x)
        x = self.t2(self.c6(x))
        x = self.c7(x)
        x = x + self.c8(x)
        x = F.adaptive_avg_pool2d(self.c9(x), 1)
        return F.log_softmax(self.out(x).flatten(1), dim=1)


S9_MEAN = (0.4914, 0.4822, 0.4465)
S9_STD = (0.2470, 0.2435, 0.2616)


class ShiftScaleRotate:
    """albumentations' ShiftScaleRotate (p applied outside): angle, scale and shift drawn
    uniformly, OpenCV's rotation matrix about the pixel centre, bilinear, reflect-101 border."""

    def __init__(self, shift=0.05, scale=0.15, rotate=45.0):
        self.shift, self.scale, self.rotate = shift, scale, rotate

    def __call__(self, image):
        import cv2
        pixels = np.array(image)
        h, w = pixels.shape[:2]
        angle = random.uniform(-self.rotate, self.rotate)
        scale = random.uniform(1 - self.scale, 1 + self.scale)
        dx, dy = random.uniform(-self.shift, self.shift), random.uniform(-self.shift, self.shift)
        m = cv2.getRotationMatrix2D(((w - 1) * 0.5, (h - 1) * 0.5), angle, scale)
        m[0, 2] += dx * w
        m[1, 2] += dy * h
        out = cv2.warpAffine(pixels, m, (w, h), flags=cv2.INTER_LINEAR,
                             borderMode=cv2.BORDER_REFLECT_101)
        return Image.fromarray(out)


class CoarseDropout:
    """albumentations' CoarseDropout with one 16x16 hole filled with the mean colour."""

    def __init__(self, size=16, fill=tuple(int(round(m * 255)) for m in S9_MEAN)):
        self.size, self.fill = size, fill

    def __call__(self, image):
        pixels = np.array(image)
        h, w = pixels.shape[:2]
        y, x = random.randint(0, h - self.size), random.randint(0, w - self.size)
        pixels[y:y + self.size, x:x + self.size] = self.fill
        return Image.fromarray(pixels)


def transforms_of(preset):
    """(train, test) transforms of the preset's recipe."""
    if preset == "s9":
        test = [transforms.ToTensor(), transforms.Normalize(S9_MEAN, S9_STD)]
        train = [transforms.RandomHorizontalFlip(0.2),
                 transforms.RandomApply([ShiftScaleRotate()], 0.2),
                 transforms.RandomApply([CoarseDropout()], 0.2)] + test
        return transforms.Compose(train), transforms.Compose(test)
    test = [transforms.ToTensor(), transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))]
    train = [transforms.ColorJitter(0.1, 0.1, 0.1, 0.1),
             transforms.RandomRotation((-7.0, 7.0), fill=(1, 1, 1))] + test
    return transforms.Compose(train), transforms.Compose(test)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--preset", default="s8", choices=["s8", "s9"])
    ap.add_argument("--epochs", type=int, help="default: 20 for s8, 40 for s9")
    ap.add_argument("--norm", default="batch", choices=["batch", "group", "layer"])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--checkpoint", help="state after each epoch; continued from when it exists")
    args = ap.parse_args()

    epochs = args.epochs or (40 if args.preset == "s9" else 20)
    torch.manual_seed(args.seed)
    random.seed(args.seed)
    torch.set_num_threads(args.threads)
    train_tf, test_tf = transforms_of(args.preset)
    train = datasets.ImageFolder(f"{args.data}/train", train_tf)
    test = datasets.ImageFolder(f"{args.data}/test", test_tf)
    train_loader = torch.utils.data.DataLoader(train, batch_size=32, shuffle=True)
    test_loader = torch.utils.data.DataLoader(test, batch_size=1000)

    model = S9(args.norm) if args.preset == "s9" else S8(args.norm)
    print("parameters", sum(p.numel() for p in model.parameters()), flush=True)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.8, patience=0)
    print("epoch train_loss train_acc  test_loss  test_acc        lr   seconds", flush=True)
    first, lines = 1, []
    if args.checkpoint and os.path.exists(args.checkpoint):
        state = torch.load(args.checkpoint)
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        sched.load_state_dict(state["scheduler"])
        torch.set_rng_state(state["rng"])
        if "python_rng" in state:
            random.setstate(state["python_rng"])
        first, lines = state["epoch"] + 1, state["lines"]
        for line in lines:
            print(line, flush=True)
    for epoch in range(first, epochs + 1):
        start = time.time()
        model.train()
        loss_sum, correct, seen = 0.0, 0, 0
        for data, target in train_loader:
            opt.zero_grad()
            out = model(data)
            loss = F.nll_loss(out, target)
            loss.backward()
            opt.step()
            loss_sum += loss.item() * len(data)
            correct += (out.argmax(1) == target).sum().item()
            seen += len(data)
        model.eval()
        test_loss, test_correct = 0.0, 0
        with torch.no_grad():
            for data, target in test_loader:
                out = model(data)
                test_loss += F.nll_loss(out, target, reduction="sum").item()
                test_correct += (out.argmax(1) == target).sum().item()
        test_loss /= len(test)
        lr = opt.param_groups[0]["lr"]
        sched.step(test_loss)
        line = (f"{epoch:5d} {loss_sum / seen:10.4f} {100 * correct / seen:8.2f}% {test_loss:10.4f} "
                f"{100 * test_correct / len(test):8.2f}% {lr:9.6f} {time.time() - start:8.1f}")
        print(line, flush=True)
        lines.append(line)
        if args.checkpoint:
            torch.save({"model": model.state_dict(), "optimizer": opt.state_dict(),
                        "scheduler": sched.state_dict(), "rng": torch.get_rng_state(),
                        "python_rng": random.getstate(),
                        "epoch": epoch, "lines": lines}, args.checkpoint + ".tmp")
            os.replace(args.checkpoint + ".tmp", args.checkpoint)


if __name__ == "__main__":
    main()
