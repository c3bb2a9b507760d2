"""Training images cached decoded in RAM, and the two-view dataset over them."""
import glob
import os
import random

import numpy as np
import torch
from PIL import Image

import augment

CACHE_MAX_SIDE = 320
MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)
PIXEL_SCALE = 255.0


def load_images(directory):
    paths = sorted(glob.glob(os.path.join(directory, "*.jpg")) + glob.glob(os.path.join(directory, "*.png")))
    if not paths:
        raise SystemExit(f"no training images (*.jpg, *.png) in {directory}")
    images = []
    for p in paths:
        with Image.open(p) as im:
            im = im.convert("RGB")
            im.thumbnail((CACHE_MAX_SIDE, CACHE_MAX_SIDE), Image.BILINEAR)
            images.append(im.copy())
    return paths, images


def to_tensor(img, size):
    """STRETCH resize to size x size, pixel/255, ImageNet mean/std: exactly the manifest's preprocessing."""
    a = np.asarray(img.convert("RGB").resize((size, size), Image.BILINEAR), dtype=np.float32) / PIXEL_SCALE
    a = (a - np.asarray(MEAN, dtype=np.float32)) / np.asarray(STD, dtype=np.float32)
    return torch.from_numpy(a.transpose(2, 0, 1).copy())


class TwoViews(torch.utils.data.Dataset):
    """Item `epoch * n + i` is two augmented views of image i, drawn from an rng seeded by (seed, epoch, i)."""

    def __init__(self, images, size, seed):
        self.images, self.size, self.seed = images, size, seed

    def __len__(self):
        return len(self.images)

    def _other(self, rng):
        return self.images[rng.randrange(len(self.images))]

    def __getitem__(self, key):
        epoch, i = divmod(key, len(self.images))
        views = []
        for v in range(2):
            rng = random.Random(f"{self.seed}-{epoch}-{i}-{v}")
            views.append(to_tensor(augment.make_view(self.images[i], rng, self._other), self.size))
        return views[0], views[1], i


class EpochOrder(torch.utils.data.Sampler):
    """A seeded permutation per epoch, encoded as `epoch * n + i` so workers need no shared state."""

    def __init__(self, n, seed, first_epoch, epochs):
        self.n, self.seed, self.first_epoch, self.epochs = n, seed, first_epoch, epochs

    def __iter__(self):
        for e in range(self.first_epoch, self.epochs):
            g = torch.Generator().manual_seed(self.seed * 100_003 + e)
            for i in torch.randperm(self.n, generator=g).tolist():
                yield e * self.n + i

    def __len__(self):
        return self.n * (self.epochs - self.first_epoch)
