#!/usr/bin/python3
"""PyTorch reference cases for convkit's layers (test/nn/layers.test.ts): writes test/nn/fixtures/layers.json.

Usage: /usr/bin/python3 scripts/parity/make_layer_fixtures.py

Each case builds one torch.nn layer (seeded), runs it on a random input in the stated mode (one or more times, to
exercise batch norm's running statistics), and records: the state dict before the runs ("state", loaded by key into
convkit's layer), the input, every output, the gradients of sum(output · upstream) with respect to the input and
the parameters (last run), and the buffers after the runs ("after"). Tensors are {"shape", "data": base64 float32 LE}.
MinPool2d and bed-of-nails upsampling have no torch layer; their references are −maxpool(−x) and a strided copy.
"""
import base64
import json
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "test", "nn", "fixtures", "layers.json")


def enc(t):
    t = t.detach().to(torch.float32).contiguous()
    return {"shape": list(t.shape), "data": base64.b64encode(t.numpy().astype("<f4").tobytes()).decode()}


class MinPool(nn.Module):
    def __init__(self, *a, **k):
        super().__init__()
        self.pool = nn.MaxPool2d(*a, **k)

    def forward(self, x):
        return -self.pool(-x)


class BedOfNails(nn.Module):
    def __init__(self, s):
        super().__init__()
        self.s = s

    def forward(self, x):
        n, c, h, w = x.shape
        y = x.new_zeros(n, c, h * self.s, w * self.s)
        y[:, :, :: self.s, :: self.s] = x
        return y


class PoolUnpool(nn.Module):
    def __init__(self):
        super().__init__()
        self.pool = nn.MaxPool2d(2, return_indices=True)
        self.unpool = nn.MaxUnpool2d(2)

    def forward(self, x):
        y, i = self.pool(x)
        return self.unpool(y, i)


# name → (layer builder, input shape, mode, runs)
CASES = [
    ("conv2d", lambda: nn.Conv2d(3, 4, 3, stride=2, padding=1), [2, 3, 7, 7], "train", 1),
    ("conv2d_groups", lambda: nn.Conv2d(4, 6, (3, 2), stride=(1, 2), padding=(2, 1), dilation=2, groups=2, bias=False), [2, 4, 6, 7], "train", 1),
    ("conv_transpose2d", lambda: nn.ConvTranspose2d(4, 3, 3, stride=2, padding=1, output_padding=1), [2, 4, 5, 5], "train", 1),
    ("linear", lambda: nn.Linear(5, 3), [4, 5], "train", 1),
    ("linear_nobias_3d", lambda: nn.Linear(5, 3, bias=False), [2, 4, 5], "train", 1),
    ("batchnorm2d_train", lambda: nn.BatchNorm2d(3), [4, 3, 5, 5], "train", 2),
    ("batchnorm2d_cumulative", lambda: nn.BatchNorm2d(3, momentum=None), [4, 3, 5, 5], "train", 3),
    ("batchnorm2d_eval", lambda: nn.BatchNorm2d(3, eps=1e-3), [4, 3, 5, 5], "eval", 1),
    ("batchnorm1d_train", lambda: nn.BatchNorm1d(4), [6, 4], "train", 2),
    ("local_response_norm", lambda: nn.LocalResponseNorm(3, alpha=1e-2, beta=0.75, k=2.0), [2, 5, 4, 4], "train", 1),
    ("maxpool2d_ceil", lambda: nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True), [2, 3, 8, 8], "train", 1),
    ("minpool2d", lambda: MinPool(2), [2, 3, 6, 6], "train", 1),
    ("avgpool2d", lambda: nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False), [2, 3, 7, 7], "train", 1),
    ("adaptive_avgpool2d", lambda: nn.AdaptiveAvgPool2d((3, 2)), [2, 3, 7, 5], "train", 1),
    ("adaptive_maxpool2d", lambda: nn.AdaptiveMaxPool2d(3), [2, 3, 7, 5], "train", 1),
    ("maxunpool2d", lambda: PoolUnpool(), [2, 3, 6, 6], "train", 1),
    ("upsample_nearest", lambda: nn.Upsample(scale_factor=2, mode="nearest"), [2, 3, 3, 4], "train", 1),
    ("upsample_bilinear", lambda: nn.Upsample(size=(7, 5), mode="bilinear", align_corners=False), [2, 3, 3, 4], "train", 1),
    ("upsample_bilinear_corners", lambda: nn.Upsample(scale_factor=2, mode="bilinear", align_corners=True), [2, 3, 3, 4], "train", 1),
    ("upsample_bed_of_nails", lambda: BedOfNails(2), [2, 3, 3, 4], "train", 1),
    ("relu", lambda: nn.ReLU(), [2, 3, 4], "train", 1),
    ("leaky_relu", lambda: nn.LeakyReLU(0.2), [2, 3, 4], "train", 1),
    ("relu6", lambda: nn.ReLU6(), [2, 3, 4], "train", 1),
    ("elu", lambda: nn.ELU(0.5), [2, 3, 4], "train", 1),
    ("sigmoid", lambda: nn.Sigmoid(), [2, 3, 4], "train", 1),
    ("tanh", lambda: nn.Tanh(), [2, 3, 4], "train", 1),
    ("softmax", lambda: nn.Softmax(dim=1), [2, 3, 4], "train", 1),
    ("log_softmax", lambda: nn.LogSoftmax(dim=1), [2, 3, 4], "train", 1),
    ("flatten", lambda: nn.Flatten(), [2, 3, 2, 2], "train", 1),
    ("identity", lambda: nn.Identity(), [2, 3], "train", 1),
    ("dropout_eval", lambda: nn.Dropout(0.5), [2, 3, 4], "eval", 1),
]


def make_case(name, build, shape, mode, runs):
    torch.manual_seed(0)
    layer = build()
    g = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for k, v in layer.state_dict().items():  # non-trivial BN affine and statistics
            if k.endswith("running_var"):
                v.copy_(0.5 + torch.rand(v.shape, generator=g))
            elif k.endswith("running_mean") or k.endswith("bias") and isinstance(layer, nn.modules.batchnorm._BatchNorm):
                v.copy_(0.3 * torch.randn(v.shape, generator=g))
            elif k.endswith("weight") and isinstance(layer, nn.modules.batchnorm._BatchNorm):
                v.copy_(1 + 0.3 * torch.randn(v.shape, generator=g))
    state = {k: enc(v) for k, v in layer.state_dict().items()}
    layer.train(mode == "train")
    inputs, outputs = [], []
    for _ in range(runs):
        x = (torch.randn(shape, generator=g) * 2).requires_grad_(True)
        y = layer(x)
        inputs.append(x)
        outputs.append(y)
    upstream = torch.randn(outputs[-1].shape, generator=g)
    layer.zero_grad()
    (outputs[-1] * upstream).sum().backward()
    grads = {"input": enc(inputs[-1].grad)}
    for k, p in layer.named_parameters():
        grads[k] = enc(p.grad)
    return {
        "name": name, "layer": repr(layer), "mode": mode, "state": state,
        "inputs": [enc(x) for x in inputs], "outputs": [enc(y) for y in outputs], "upstream": enc(upstream),
        "grads": grads, "after": {k: enc(v) for k, v in layer.state_dict().items() if "running" in k or "num_batches" in k},
    }


def main():
    torch.set_num_threads(1)
    cases = [make_case(*c) for c in CASES]
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump({"torch": torch.__version__, "cases": cases}, f, separators=(",", ":"))
    print(f"wrote {len(cases)} cases to {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()
