#!/usr/bin/python3
"""PyTorch's side of the one-step check (tests/reference/test_pytorch_step.cpp).

For each case folder under CASES (written by the test): case.json (the ModelSpec's layers, the
optimizer, the number of steps, NormLab's dtype and memory format) and normlab.pt (NormLab's
initial parameters and buffers, the input batches, the dropout masks NormLab applied, and what
NormLab computed). Builds the same network (normlab_net.py), loads NormLab's initial state, and
takes the same steps with the same masks, once in NormLab's dtype and once in float64 (both in
PyTorch's default layout, NCHW: its channels-last BatchNorm is far less accurate in float32, up to
10 % off in a weight gradient, measured).
Writes pytorch.pt beside: "same.<key>" and "f64.<key>" for every key NormLab recorded:

    step<k>.loss, step<k>.grad.<param>, step<k>.param.<param>, step<k>.buffer.<buffer>,
    eval.output (log-probabilities of the eval batch, eval mode, after the steps)

    /usr/bin/python3 tests/reference/step_pytorch.py CASES
Exit code 2 with a message for a case it cannot read.
"""
import json
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

from normlab_net import Net


class RecordedMask(nn.Module):
    """Dropout that applies the mask NormLab drew for this block and step (0 or 1 / (1 - p))."""

    def __init__(self, masks, name):
        super().__init__()
        self.masks, self.name, self.step = masks, name, 0

    def forward(self, x):
        if not self.training:
            return x
        return x * self.masks[f"step{self.step}.mask.{self.name}"].to(x.dtype)


def run(case, tensors, dtype, channels_last):
    torch.manual_seed(0)
    model = Net(case["spec"])
    masks = []
    for name in list(model._modules):
        if name.endswith("_dropout"):
            mask = RecordedMask(tensors, name[: -len("_dropout")])
            model._modules[name] = mask
            masks.append(mask)
    initial = {k[len("init."):]: v for k, v in tensors.items() if k.startswith("init.")}
    missing, unexpected = model.load_state_dict(initial, strict=False)
    if missing or unexpected:
        raise ValueError(f"state dict differs: missing {missing}, unexpected {unexpected}")
    model = model.to(dtype)
    layout = torch.channels_last if channels_last else torch.contiguous_format
    model = model.to(memory_format=layout)
    opt = torch.optim.SGD(model.parameters(), lr=case["lr"], momentum=case["momentum"])
    out = {}
    for step in range(1, case["steps"] + 1):
        for mask in masks:
            mask.step = step
        model.train()
        images = tensors[f"step{step}.images"].to(dtype).contiguous(memory_format=layout)
        labels = tensors[f"step{step}.labels"]
        opt.zero_grad()
        loss = F.nll_loss(model(images), labels)
        loss.backward()
        out[f"step{step}.loss"] = loss.detach().to(torch.float64).reshape([])
        for name, p in model.named_parameters():
            out[f"step{step}.grad.{name}"] = p.grad.detach().clone().contiguous()
        opt.step()
        for name, p in model.named_parameters():
            out[f"step{step}.param.{name}"] = p.detach().clone().contiguous()
        for name, b in model.named_buffers():
            out[f"step{step}.buffer.{name}"] = b.detach().clone().contiguous()
    model.eval()
    with torch.no_grad():
        images = tensors["eval.images"].to(dtype).contiguous(memory_format=layout)
        out["eval.output"] = model(images).contiguous()
    return out


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    torch.set_num_threads(1)
    root = sys.argv[1]
    for name in sorted(os.listdir(root)):
        folder = os.path.join(root, name)
        try:
            with open(os.path.join(folder, "case.json")) as f:
                case = json.load(f)
            tensors = torch.load(os.path.join(folder, "normlab.pt"))
        except (OSError, ValueError, RuntimeError) as e:
            print(f"step_pytorch.py: {folder}: {e}", file=sys.stderr)
            sys.exit(2)
        dtype = torch.float64 if case["dtype"] == "float64" else torch.float32
        result = {}
        for prefix, (d, cl) in {"same": (dtype, False), "f64": (torch.float64, False)}.items():
            for key, value in run(case, tensors, d, cl).items():
                result[f"{prefix}.{key}"] = value
        torch.save(result, os.path.join(folder, "pytorch.pt"))
    print("done", flush=True)


if __name__ == "__main__":
    main()
