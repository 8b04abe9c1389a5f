#!/usr/bin/env python3
"""Per-epoch means of NormLab's and PyTorch's s8 runs, side by side, from their logs.

Usage: compare_epochs.py --normlab LOG... --pytorch LOG...
Both logs print one row per epoch: epoch, train_loss, train_acc, test_loss, test_acc, lr, ...
Prints a Markdown table: per epoch, each side's mean train loss, test loss and test accuracy over
its seeds, and the difference of the test accuracies (NormLab - PyTorch), so that where two
recipes part can be read off: at the start (initialisation, data), after the first plateau step
(the scheduler), or only at the end (noise)."""
import argparse
import re
import statistics

ROW = re.compile(r"^\s*(\d+)\s+([\d.]+)\s+([\d.]+)%\s+([\d.]+)\s+([\d.]+)%\s+([\d.e-]+)")


def read(path):
    epochs = {}
    with open(path) as f:
        for line in f:
            m = ROW.match(line)
            if m:
                e = int(m.group(1))
                epochs[e] = (float(m.group(2)), float(m.group(4)), float(m.group(5)),
                             float(m.group(6)))
    return epochs


def means(logs, epoch, column):
    values = [log[epoch][column] for log in logs if epoch in log]
    return statistics.mean(values) if values else float("nan"), len(values)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--normlab", nargs="+", required=True)
    parser.add_argument("--pytorch", nargs="+", required=True)
    args = parser.parse_args()
    normlab = [read(p) for p in args.normlab]
    pytorch = [read(p) for p in args.pytorch]
    last = max(max(log) for log in normlab + pytorch)
    print("| epoch | lr (N / P) | train loss N | train loss P | test loss N | test loss P "
          "| test acc N | test acc P | N - P |")
    print("|---|---|---|---|---|---|---|---|---|")
    for e in range(1, last + 1):
        trainN, _ = means(normlab, e, 0)
        trainP, _ = means(pytorch, e, 0)
        testLossN, _ = means(normlab, e, 1)
        testLossP, _ = means(pytorch, e, 1)
        accN, n = means(normlab, e, 2)
        accP, p = means(pytorch, e, 2)
        lrN, _ = means(normlab, e, 3)
        lrP, _ = means(pytorch, e, 3)
        print(f"| {e} | {lrN:.4g} / {lrP:.4g} | {trainN:.4f} | {trainP:.4f} | {testLossN:.4f} "
              f"| {testLossP:.4f} | {accN:.2f} ({n}) | {accP:.2f} ({p}) | {accN - accP:+.2f} |")


if __name__ == "__main__":
    main()
