#!/usr/bin/python3
"""The s8 reference recipe in PyTorch, for parity checks against normlab-cli.

Not part of ctest: it needs python3-torch and python3-torchvision (Debian) and
the JPEG CIFAR-10 copy, and takes about 40 minutes on one core.

    /usr/bin/python3 tests/reference/s8_pytorch.py --data ../shared/data/cifar10 --seed 1

With --checkpoint FILE, the state after each epoch (model, optimizer, scheduler, the RNG and the
lines printed so far) is written there, and a later run with the same FILE continues from it,
printing the earlier epochs again: a run can be carried across sessions, with the same result as
an uninterrupted one.
"""
import argparse
import os
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torchvision import datasets, transforms

DROPOUT = 0.05


def block(cin, cout, norm, dilation=1):
    layers = [nn.Conv2d(cin, cout, 3, padding=dilation, dilation=dilation, bias=False), nn.ReLU()]
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--norm", default="batch", choices=["batch", "group", "layer"])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--checkpoint", help="state after each epoch; continued from when it exists")
    args = ap.parse_args()

    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    train_tf = transforms.Compose([
        transforms.ColorJitter(0.1, 0.1, 0.1, 0.1),
        transforms.RandomRotation((-7.0, 7.0), fill=(1, 1, 1)),
        transforms.ToTensor(),
        transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5)),
    ])
    test_tf = transforms.Compose([transforms.ToTensor(),
                                  transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))])
    train = datasets.ImageFolder(f"{args.data}/train", train_tf)
    test = datasets.ImageFolder(f"{args.data}/test", test_tf)
    train_loader = torch.utils.data.DataLoader(train, batch_size=32, shuffle=True)
    test_loader = torch.utils.data.DataLoader(test, batch_size=1000)

    model = S8(args.norm)
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
        first, lines = state["epoch"] + 1, state["lines"]
        for line in lines:
            print(line, flush=True)
    for epoch in range(first, args.epochs + 1):
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
                        "epoch": epoch, "lines": lines}, args.checkpoint + ".tmp")
            os.replace(args.checkpoint + ".tmp", args.checkpoint)


if __name__ == "__main__":
    main()
