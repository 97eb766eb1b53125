"""Writes the ONNX files test/io uses (Debian's /usr/bin/python3, torch 1.13 + onnx 1.12):

  tiny_cnn.onnx      a small CNN (conv/bn/relu/maxpool/avgpool/conv-transpose/cat/bilinear resize/linear/log-softmax…) exported
                     by torch.onnx.export (opset 13, dynamic batch, BN kept), with `view(x.size(0), -1)` so the graph
                     computes a shape at run time (Shape → Gather → Unsqueeze → Concat → Reshape)
  tiny_cnn.json      its input, logits, and d(Σ logits·g)/d(parameter) for every parameter, from PyTorch
"""
import json
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "test", "fixtures", "io")
os.makedirs(OUT, exist_ok=True)
torch.manual_seed(0)


class Tiny(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(6)
        self.pool = nn.MaxPool2d(2, ceil_mode=True)
        self.branch_a = nn.Conv2d(6, 4, 1)
        self.branch_b = nn.Conv2d(6, 4, 3, padding=1, groups=2)
        self.up = nn.ConvTranspose2d(8, 4, 2, stride=2)
        self.fc = nn.Linear(4 * 4 * 4, 5)

    def forward(self, x):
        x = self.pool(F.relu(self.bn1(self.conv1(x))))                   # [N,6,5,5]
        x = torch.cat([self.branch_a(x), F.leaky_relu(self.branch_b(x), 0.2)], 1)  # [N,8,5,5]
        x = F.avg_pool2d(x, 2, stride=2, padding=1, count_include_pad=False)    # [N,8,3,3]
        x = torch.sigmoid(self.up(x))                                    # [N,4,6,6]
        x = F.interpolate(x, size=(4, 4), mode="bilinear", align_corners=False)
        x = x.view(x.size(0), -1)
        return F.log_softmax(self.fc(x), dim=1) * 2 + torch.tanh(x[:, :5])


model = Tiny()
with torch.no_grad():
    model.bn1.running_mean.uniform_(-0.5, 0.5)
    model.bn1.running_var.uniform_(0.5, 1.5)
model.eval()
x = torch.randn(2, 3, 10, 10)
path = os.path.join(OUT, "tiny_cnn.onnx")
torch.onnx.export(model, (x,), path, opset_version=13, input_names=["input"], output_names=["logits"],
                  dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}},
                  training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=False)

logits = model(x)
g = torch.randn(logits.shape)
(logits * g).sum().backward()


def enc(t):
    return {"shape": list(t.shape), "values": t.detach().reshape(-1).tolist()}


doc = {"input": enc(x), "logits": enc(logits), "upstream": enc(g),
       "grads": {k: enc(p.grad) for k, p in model.named_parameters()},
       "state_dict_keys": list(model.state_dict().keys())}
with open(os.path.join(OUT, "tiny_cnn.json"), "w") as f:
    json.dump(doc, f)
print("wrote tiny_cnn.onnx", os.path.getsize(path), "bytes")
