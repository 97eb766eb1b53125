"""Writes the small weight files test/io uses (run with Debian's /usr/bin/python3, torch 1.13):

  real files (torch.save zip format):
    tiny_cnn.pth         a conv/bn/linear state dict (float32 + int64 num_batches_tracked)
    dtypes.pth           float16 / bfloat16 / float64 / int32 / int64 tensors, a transposed (non-contiguous) view,
                         an offset slice and two tensors sharing one storage
    checkpoint.pth       {'epoch': 3, 'best_acc': 0.5, 'state_dict': <tiny_cnn>}
    nested_model.pth     {'model': <tiny_cnn>, 'optimizer': {'lr': 0.1}}
  safetensors files written here by hand from the published spec (independently of convkit's writer):
    tiny_cnn.safetensors F32 (+ I64 num_batches_tracked) with __metadata__
    dtypes.safetensors   F16, BF16, F64, I32, I64
  hostile files (must be refused without executing anything):
    evil_os_system.pth   a pickle whose object reduces to os.system('…')
    evil_eval.pth        builtins.eval
    evil_nested.pth      a valid state dict plus, deep in a list, subprocess.check_output
    truncated.pth        tiny_cnn.pth cut in half
    huge_declared.pth    a zip whose deflated data.pkl declares 3 GB uncompressed
    huge_count.pth       a zip whose end records declare 4 billion entries
  expected.json          every real tensor's shape and values (float32 lists), per file
"""
import json
import os
import struct
import zipfile

import torch

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "test", "fixtures", "io")
os.makedirs(OUT, exist_ok=True)
torch.manual_seed(0)


def path(name):
    return os.path.join(OUT, name)


class TinyCnn(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(1, 2, 3)
        self.bn = torch.nn.BatchNorm2d(2)
        self.fc = torch.nn.Linear(2, 3)


model = TinyCnn()
with torch.no_grad():
    model.bn.running_mean.uniform_(-1, 1)
    model.bn.running_var.uniform_(0.5, 2)
    model.bn.num_batches_tracked.fill_(7)
tiny = model.state_dict()
torch.save(tiny, path("tiny_cnn.pth"))

base = torch.randn(4, 6)
dtypes = {
    "half": torch.randn(2, 3).half(),
    "bf16": torch.randn(3, 2).bfloat16(),
    "double": torch.randn(5, dtype=torch.float64),
    "int32": torch.arange(-3, 3, dtype=torch.int32).reshape(2, 3),
    "int64": torch.tensor([0, 1, -2, 2**40], dtype=torch.int64),
    "transposed": base.t(),            # strides (1, 6)
    "offset_slice": base[1:, 2:5],     # offset 8, strides (6, 1), shares base's storage
    "base": base,
    "scalar": torch.tensor(3.5),
    "empty": torch.zeros(0, 3),
}
torch.save(dtypes, path("dtypes.pth"))
torch.save({"epoch": 3, "best_acc": 0.5, "state_dict": tiny}, path("checkpoint.pth"))
torch.save({"model": tiny, "optimizer": {"lr": 0.1}}, path("nested_model.pth"))

# ---- safetensors, written by hand from the spec ----
ST_DTYPE = {torch.float32: ("F32", "<f4"), torch.float16: ("F16", "<f2"), torch.float64: ("F64", "<f8"),
            torch.int32: ("I32", "<i4"), torch.int64: ("I64", "<i8")}


def write_safetensors(name, tensors, metadata=None):
    header, blobs, at = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for k, t in tensors.items():
        t = t.contiguous()
        if t.dtype == torch.bfloat16:
            code, raw = "BF16", t.view(torch.int16).numpy().astype("<i2").tobytes()
        else:
            code, np_dtype = ST_DTYPE[t.dtype]
            raw = t.numpy().astype(np_dtype).tobytes()
        header[k] = {"dtype": code, "shape": list(t.shape), "data_offsets": [at, at + len(raw)]}
        blobs.append(raw)
        at += len(raw)
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    with open(path(name), "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


write_safetensors("tiny_cnn.safetensors", tiny, {"format": "pt", "source": "make_pth.py"})
write_safetensors("dtypes.safetensors", {k: dtypes[k] for k in ["half", "bf16", "double", "int32", "int64"]})


# ---- hostile pickles ----
class Evil:
    def __init__(self, fn, args):
        self.fn, self.args = fn, args

    def __reduce__(self):
        return (self.fn, self.args)


import builtins  # noqa: E402
import subprocess  # noqa: E402

torch.save({"w": torch.ones(2), "x": Evil(os.system, ("echo convkit-pwned > /tmp/convkit-pwned",))}, path("evil_os_system.pth"))
torch.save({"w": torch.ones(2), "x": Evil(builtins.eval, ("__import__('os').getcwd()",))}, path("evil_eval.pth"))
torch.save({"state_dict": tiny, "extra": [1, 2, {"deep": [Evil(subprocess.check_output, (["true"],))]}]}, path("evil_nested.pth"))

raw = open(path("tiny_cnn.pth"), "rb").read()
open(path("truncated.pth"), "wb").write(raw[: len(raw) // 2])

# A zip whose deflated data.pkl claims 3 GB once inflated: patch the central directory's uncompressed size.
with zipfile.ZipFile(path("huge_declared.pth"), "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("archive/data.pkl", b"\x80\x02}q\x00.")
data = bytearray(open(path("huge_declared.pth"), "rb").read())
cd = data.rfind(b"PK\x01\x02")
struct.pack_into("<I", data, cd + 24, 3_000_000_000)
lh = data.find(b"PK\x03\x04")
struct.pack_into("<I", data, lh + 22, 3_000_000_000)
open(path("huge_declared.pth"), "wb").write(bytes(data))

# A zip whose end-of-central-directory records claim 4 billion entries (torch writes a zip64 record too).
data = bytearray(raw)
eocd = data.rfind(b"PK\x05\x06")
struct.pack_into("<HH", data, eocd + 8, 65535, 65535)
z64 = data.rfind(b"PK\x06\x06")
if z64 >= 0:
    struct.pack_into("<QQ", data, z64 + 24, 2**32 - 1, 2**32 - 1)
open(path("huge_count.pth"), "wb").write(bytes(data))


def values(sd):
    return {k: {"shape": list(v.shape), "values": v.detach().to(torch.float64).reshape(-1).tolist()} for k, v in sd.items()}


expected = {"tiny_cnn": values(tiny), "dtypes": values(dtypes)}
with open(path("expected.json"), "w") as f:
    json.dump(expected, f)
print("wrote", sorted(os.listdir(OUT)))
