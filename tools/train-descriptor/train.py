"""Self-supervised copy-detection training, as SSCD: every training image is its own class.

Two augmented views per image (augment.py), InfoNCE over the batch with the other view as the
positive, plus a KoLeo spreading term; GeM pooling and L2-normalised output (model.py).
Writes a checkpoint per epoch and a log line per epoch (loss, in-batch accuracy, wall time).
"""
import argparse
import json
import math
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import data  # noqa: E402
from model import CopyDescriptor  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_IMAGES = os.path.normpath(os.path.join(HERE, "..", "..", "..", "shared", "train", "images"))


def parse_args():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--images", default=DEFAULT_IMAGES)
    p.add_argument("--out", default=os.path.join(HERE, "checkpoints"))
    p.add_argument("--log", default=os.path.join(HERE, "logs", "train.log"))
    p.add_argument("--seed", type=int, default=8)
    p.add_argument("--epochs", type=int, default=18)
    p.add_argument("--batch", type=int, default=64, help="images per step (two views each)")
    p.add_argument("--size", type=int, default=112, help="training input side (STRETCH resize)")
    p.add_argument("--dim", type=int, default=256)
    p.add_argument("--widths", default="24,48,96,192")
    p.add_argument("--lr", type=float, default=1.5e-3)
    p.add_argument("--weight-decay", type=float, default=0.05)
    p.add_argument("--warmup-epochs", type=int, default=1)
    p.add_argument("--temperature", type=float, default=0.05)
    p.add_argument("--koleo-weight", type=float, default=20.0)
    p.add_argument("--gem-p", type=float, default=3.0)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--resume", action="store_true", help="continue from the last checkpoint in --out")
    return p.parse_args()


def info_nce(z1, z2, temperature):
    """Each embedding's positive is the other view of its image; all other 2B-2 embeddings are negatives."""
    z = torch.cat([z1, z2])
    n = z1.shape[0]
    logits = z @ z.t() / temperature
    logits.fill_diagonal_(float("-inf"))
    target = torch.cat([torch.arange(n, 2 * n), torch.arange(0, n)])
    loss = F.cross_entropy(logits, target)
    accuracy = (logits.argmax(dim=1) == target).float().mean()
    return loss, accuracy


def koleo(z1, z2):
    """Kozachenko-Leonenko entropy estimate: push each embedding away from its nearest other image."""
    z = torch.cat([z1, z2])
    n = z1.shape[0]
    d = torch.cdist(z, z)
    same_image = torch.eye(n, dtype=torch.bool).repeat(2, 2)
    d = d.masked_fill(same_image, float("inf"))
    return -torch.log(d.min(dim=1).values + 1e-8).mean()


def lr_at(step, total_steps, warmup_steps, base_lr):
    if step < warmup_steps:
        return base_lr * (step + 1) / warmup_steps
    progress = (step - warmup_steps) / max(1, total_steps - warmup_steps)
    return base_lr * 0.5 * (1.0 + math.cos(math.pi * progress))


def seed_worker(worker_id):
    torch.set_num_threads(1)


def main():
    a = parse_args()
    torch.manual_seed(a.seed)
    torch.set_num_threads(a.threads)
    os.makedirs(a.out, exist_ok=True)
    os.makedirs(os.path.dirname(a.log), exist_ok=True)
    log = open(a.log, "a", buffering=1)

    def say(msg):
        line = time.strftime("%Y-%m-%dT%H:%M:%SZ ", time.gmtime()) + msg
        print(line, flush=True)
        log.write(line + "\n")

    t0 = time.time()
    paths, images = data.load_images(a.images)
    say(f"config {json.dumps(vars(a), sort_keys=True)}")
    say(f"cached {len(images)} images in {time.time() - t0:.1f}s")

    widths = tuple(int(w) for w in a.widths.split(","))
    model = CopyDescriptor(widths=widths, dim=a.dim, gem_p=a.gem_p).to(memory_format=torch.channels_last)
    decay = [p for p in model.parameters() if p.ndim > 1]
    no_decay = [p for p in model.parameters() if p.ndim <= 1]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": a.weight_decay},
                             {"params": no_decay, "weight_decay": 0.0}], lr=a.lr)
    first_epoch = 0
    last = os.path.join(a.out, "last.pt")
    if a.resume and os.path.exists(last):
        state = torch.load(last, map_location="cpu")
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        first_epoch = state["epoch"] + 1
        torch.set_rng_state(state["torch_rng"])
        say(f"resumed after epoch {state['epoch']}")

    steps_per_epoch = len(images) // a.batch
    total_steps, warmup_steps = steps_per_epoch * a.epochs, steps_per_epoch * a.warmup_epochs
    loader = torch.utils.data.DataLoader(
        data.TwoViews(images, a.size, a.seed), batch_size=a.batch, drop_last=True,
        sampler=data.EpochOrder(len(images), a.seed, first_epoch, a.epochs),
        num_workers=a.workers, worker_init_fn=seed_worker, persistent_workers=False, prefetch_factor=4 if a.workers else None)
    model.train()
    step = first_epoch * steps_per_epoch
    epoch_start, sums = time.time(), {"loss": 0.0, "nce": 0.0, "koleo": 0.0, "acc": 0.0}
    for v1, v2, _ in loader:
        lr = lr_at(step, total_steps, warmup_steps, a.lr)
        for g in opt.param_groups:
            g["lr"] = lr
        x = torch.cat([v1, v2]).contiguous(memory_format=torch.channels_last)
        z = model(x)
        z1, z2 = z[: v1.shape[0]], z[v1.shape[0]:]
        nce, acc = info_nce(z1, z2, a.temperature)
        kl = koleo(z1, z2)
        loss = nce + a.koleo_weight * kl * a.temperature  # KoLeo scaled like SSCD's entropy term
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        for k, v in (("loss", loss), ("nce", nce), ("koleo", kl), ("acc", acc)):
            sums[k] += float(v.detach())
        step += 1
        if step % steps_per_epoch == 0:
            epoch = step // steps_per_epoch - 1
            means = {k: v / steps_per_epoch for k, v in sums.items()}
            say(f"epoch {epoch + 1}/{a.epochs} loss {means['loss']:.4f} infonce {means['nce']:.4f} "
                f"koleo {means['koleo']:.4f} in-batch-acc {means['acc']:.3f} lr {lr:.2e} "
                f"epoch_s {time.time() - epoch_start:.0f} total_s {time.time() - t0:.0f}")
            state = {"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": epoch,
                     "torch_rng": torch.get_rng_state(), "config": vars(a)}
            torch.save(state, last + ".tmp")
            os.replace(last + ".tmp", last)
            epoch_start, sums = time.time(), {k: 0.0 for k in sums}
    say(f"done in {time.time() - t0:.0f}s")


if __name__ == "__main__":
    main()
