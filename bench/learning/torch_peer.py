"""PyTorch peer of bench/learning (issue 16): CNN4Conv trained to convergence on given labels.

For each job {"key", "train": [train-split indices], "seed"} in --jobs, trains the project's
CNN4Conv (4 x [conv3x3 64 -> BatchNorm -> ReLU -> MaxPool 2] -> Linear, inputs x/255) from a
seeded fresh init on exactly those images and measures it on the archive's test split.
"Trained to convergence", as a strong plain baseline (not class-balanced, no extra
augmentation): the paper's SGD (lr 0.01, momentum 0.9, weight decay 1e-5), batch 64 (the whole
set when smaller), random horizontal flips, unweighted cross-entropy, max(50 epochs, 500 steps),
lr x0.1 at 75% of the steps; a last batch of one image is dropped (BatchNorm needs two).

  /usr/bin/python3 bench/learning/torch_peer.py --npz FILE --jobs JOBS.json [--out OUT.json]
prints one JSON object {key: {balancedAccuracy, accuracy, perClassRecall, trainCount, steps, seconds}}.
"""
import argparse
import json
import math
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class CNN4Conv(nn.Module):
    def __init__(self, num_classes, in_ch=3, size=28):
        super().__init__()
        layers, c = [], in_ch
        for _ in range(4):
            layers += [nn.Conv2d(c, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2)]
            c = 64
        self.features = nn.Sequential(*layers)
        s = size
        for _ in range(4):
            s //= 2
        self.fc = nn.Linear(64 * s * s, num_classes)

    def forward(self, x):
        return self.fc(torch.flatten(self.features(x), 1))


def as_nchw(images):
    x = images if images.ndim == 4 else np.repeat(images[..., None], 3, axis=3)
    return torch.from_numpy(x.astype(np.float32) / 255.0).permute(0, 3, 1, 2).contiguous()


def train_and_test(x_train, y_train, x_test, y_test, num_classes, seed):
    torch.manual_seed(seed)
    np.random.seed(seed)
    gen = torch.Generator().manual_seed(seed)
    model = CNN4Conv(num_classes)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=1e-5)
    n = len(y_train)
    bs = min(64, n)
    per_epoch = n // bs + (1 if n % bs > 1 else 0)
    total = max(50 * per_epoch, 500)
    drop_at = int(0.75 * total)
    step = 0
    model.train()
    while step < total:
        order = torch.randperm(n, generator=gen)
        for b in range(per_epoch):
            if step >= total:
                break
            idx = order[b * bs:(b + 1) * bs]
            if len(idx) < 2:
                continue
            xb = x_train[idx]
            flip = torch.rand(len(idx), generator=gen) < 0.5
            xb = torch.where(flip[:, None, None, None], xb.flip(3), xb)
            if step == drop_at:
                for g in opt.param_groups:
                    g["lr"] *= 0.1
            loss = F.cross_entropy(model(xb), y_train[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            step += 1
    model.eval()
    with torch.no_grad():
        pred = torch.cat([model(x_test[i:i + 512]).argmax(1) for i in range(0, len(y_test), 512)])
    recalls = []
    for c in range(num_classes):
        m = y_test == c
        recalls.append(float((pred[m] == c).float().mean()) if m.any() else None)
    present = [r for r in recalls if r is not None]
    return {
        "balancedAccuracy": sum(present) / len(present),
        "accuracy": float((pred == y_test).float().mean()),
        "perClassRecall": recalls,
        "trainCount": n,
        "steps": step,
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--npz", required=True)
    ap.add_argument("--jobs", required=True)
    ap.add_argument("--out")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    d = np.load(args.npz)
    x_tr, y_tr = as_nchw(d["train_images"]), torch.from_numpy(d["train_labels"].reshape(-1).astype(np.int64))
    x_te, y_te = as_nchw(d["test_images"]), torch.from_numpy(d["test_labels"].reshape(-1).astype(np.int64))
    num_classes = int(max(y_tr.max(), y_te.max())) + 1
    out = {}
    for job in json.load(open(args.jobs)):
        idx = torch.tensor(job["train"], dtype=torch.long)
        t0 = time.time()
        r = train_and_test(x_tr[idx], y_tr[idx], x_te, y_te, num_classes, int(job["seed"]))
        r["seconds"] = round(time.time() - t0, 1)
        out[job["key"]] = r
    text = json.dumps(out)
    if args.out:
        open(args.out, "w").write(text)
    print(text)


if __name__ == "__main__":
    main()
