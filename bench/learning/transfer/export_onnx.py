"""ONNX export of the transfer experiment's backbone (CNN4Conv features, PyTorch layout).

Reads the float32 tensors pretrain.ts writes (a .bin and its .json manifest, state_dict names of
the official CNN4Conv's `features`), rebuilds the network, checks nothing is missing, and writes
an ONNX file whose input is NCHW float pixels / 255 with a dynamic batch and whose output is the
flattened (NCHW order) feature vector, as the engine's own features.

Run: /usr/bin/python3 export_onnx.py WEIGHTS.bin OUT.onnx
"""
import json
import sys

import numpy as np
import torch
import torch.nn as nn


def main():
    src, out = sys.argv[1], sys.argv[2]
    manifest = json.load(open(src + ".json"))
    blob = np.fromfile(src, dtype=np.float32)
    layers = []
    c = 3
    for _ in range(4):
        layers.append(nn.Sequential(nn.Conv2d(c, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2)))
        c = 64
    model = nn.Sequential(nn.Sequential(*layers), nn.Flatten())
    state = {}
    for t in manifest:
        n = int(np.prod(t["shape"]))
        state["0." + t["name"].replace("features.", "", 1)] = torch.from_numpy(blob[t["offset"]:t["offset"] + n].reshape(t["shape"]).copy())
    missing, unexpected = model.load_state_dict(state, strict=False)
    missing = [m for m in missing if not m.endswith("num_batches_tracked")]
    if missing or unexpected:
        raise SystemExit(f"weights do not fit CNN4Conv: missing {missing}, unexpected {unexpected}")
    model.eval()
    torch.onnx.export(model, torch.rand(1, 3, 28, 28), out, input_names=["pixels"], output_names=["features"],
                      dynamic_axes={"pixels": {0: "n"}, "features": {0: "n"}}, opset_version=13)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
