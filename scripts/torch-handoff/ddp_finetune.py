#!/usr/bin/python3
"""Continue training a convkit zoo model in PyTorch's DistributedDataParallel, then hand it back (test/io/torch-handoff.test.ts).

Usage (2 processes on this machine, gloo, loopback only):
  /usr/bin/python3 -m torch.distributed.run --nproc_per_node 2 --master_addr 127.0.0.1 --master_port PORT \\
      --redirects 1 --tee 1 scripts/torch-handoff/ddp_finetune.py IN_DIR OUT_DIR [--steps N] [--arch resnet18] [--classes 10]
(--redirects 1 --tee 1: Debian's torch 1.13 launcher under Python 3.11 fails on its own default, "0".)

IN_DIR holds what convkit wrote: weights.pt (`convkit export --torch`), weights.safetensors and input.bin (raw float32
little-endian, shape [4,3,32,32]). Rank 0 first loads each file into torchvision's model with strict=True and writes
its eval-mode logits on the input (OUT_DIR/logits_pt.bin, logits_safetensors.bin). Then every rank trains the model
wrapped in DDP for N SGD steps on its own shard of a fixed synthetic batch (seeded per rank: gradients are averaged
across ranks); rank 0 writes the result as OUT_DIR/trained.safetensors (F32, num_batches_tracked I64) and
OUT_DIR/trained.pt, and its eval logits on the input as OUT_DIR/logits_trained.bin. Each rank writes
OUT_DIR/checksum_RANK.txt (the sum of every parameter after training): DDP keeps the replicas identical. Rank 0 also
writes OUT_DIR/summary.json: the world size and the losses.
"""
import argparse
import json
import os
import struct
import sys

import torch
import torch.distributed as dist
import torchvision
from torch.nn.parallel import DistributedDataParallel


def read_safetensors(path):
    """A safetensors file as an ordered {key: tensor} (F32 and I64; the format is an 8-byte header length, JSON, data)."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    header.pop("__metadata__", None)
    out = {}
    for key, meta in header.items():
        begin, end = meta["data_offsets"]
        dtype = {"F32": torch.float32, "I64": torch.int64}[meta["dtype"]]
        out[key] = torch.frombuffer(bytearray(raw[8 + n + begin:8 + n + end]), dtype=dtype).reshape(meta["shape"]).clone()
    return out


def write_safetensors(path, state):
    """{key: tensor} as safetensors: num_batches_tracked as I64, everything else F32, in order."""
    header, blobs, at = {}, [], 0
    for key, t in state.items():
        t = t.detach().cpu().contiguous()
        t = t.to(torch.int64) if key.endswith("num_batches_tracked") else t.to(torch.float32)
        b = t.numpy().tobytes()
        header[key] = {"dtype": "I64" if t.dtype == torch.int64 else "F32", "shape": list(t.shape), "data_offsets": [at, at + len(b)]}
        blobs.append(b)
        at += len(b)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def logits(model, x, path):
    model.eval()
    with torch.no_grad():
        y = model(x)
    with open(path, "wb") as f:
        f.write(y.contiguous().numpy().astype("<f4").tobytes())


def main():
    p = argparse.ArgumentParser()
    p.add_argument("indir")
    p.add_argument("outdir")
    p.add_argument("--steps", type=int, default=3)
    p.add_argument("--arch", default="resnet18")
    p.add_argument("--classes", type=int, default=10)
    a = p.parse_args()
    torch.set_num_threads(1)
    dist.init_process_group("gloo")
    rank, world = dist.get_rank(), dist.get_world_size()
    build = lambda: getattr(torchvision.models, a.arch)(num_classes=a.classes)
    with open(os.path.join(a.indir, "input.bin"), "rb") as f:
        x = torch.frombuffer(bytearray(f.read()), dtype=torch.float32).reshape(4, 3, 32, 32)

    if rank == 0:
        for name, state in [("pt", torch.load(os.path.join(a.indir, "weights.pt"))), ("safetensors", read_safetensors(os.path.join(a.indir, "weights.safetensors")))]:
            m = build()
            m.load_state_dict(state, strict=True)
            logits(m, x, os.path.join(a.outdir, f"logits_{name}.bin"))

    model = build()
    model.load_state_dict(torch.load(os.path.join(a.indir, "weights.pt")), strict=True)
    model.train()
    ddp = DistributedDataParallel(model)
    opt = torch.optim.SGD(ddp.parameters(), lr=0.05, momentum=0.9)
    g = torch.Generator().manual_seed(1000 + rank)
    data = torch.randn(8, 3, 32, 32, generator=g)
    target = torch.randint(0, a.classes, (8,), generator=g)
    losses = []
    for _ in range(a.steps):
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(ddp(data), target)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    with open(os.path.join(a.outdir, f"checksum_{rank}.txt"), "w") as f:
        f.write(repr(sum(float(t.double().sum()) for t in model.parameters())))
    dist.barrier()
    if rank == 0:
        write_safetensors(os.path.join(a.outdir, "trained.safetensors"), model.state_dict())
        torch.save(model.state_dict(), os.path.join(a.outdir, "trained.pt"))
        logits(model, x, os.path.join(a.outdir, "logits_trained.bin"))
        with open(os.path.join(a.outdir, "summary.json"), "w") as f:
            json.dump({"world": world, "losses": losses, "torch": torch.__version__}, f)
    dist.destroy_process_group()


if __name__ == "__main__":
    sys.exit(main())
