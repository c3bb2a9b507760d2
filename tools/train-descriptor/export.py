"""Export a training checkpoint to ONNX with the extractor's manifest (models/doppel-copy-v<version>/)."""
import argparse
import json
import os
import shutil
import sys

import numpy as np
import onnx
import onnxruntime as ort
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import data  # noqa: E402
from model import CopyDescriptor  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS_DIR = os.path.normpath(os.path.join(HERE, "..", "..", "extractor-service", "src", "main", "resources", "models"))
DEFAULT_VERSION = "2"
OPSET = 17
LICENCE_NOTE = "Apache-2.0 (Doppel project's own weights, trained on Caltech101 CC BY 4.0 photos)"
EXPORT_TOLERANCE = 1e-4
EMBED_BATCH = 64
DEFAULT_SHRINK = 0.1
DEFAULT_IMAGES = os.path.normpath(os.path.join(HERE, "..", "..", "..", "shared", "train", "images"))


class Whitened(torch.nn.Module):
    """The descriptor followed by PCA-whitening and a new L2 normalisation, in one graph."""

    def __init__(self, model, mean, matrix):
        super().__init__()
        self.model = model
        self.register_buffer("mean", torch.as_tensor(mean, dtype=torch.float32))
        self.register_buffer("matrix", torch.as_tensor(matrix, dtype=torch.float32))

    def forward(self, images):
        z = (self.model(images) - self.mean) @ self.matrix
        return torch.nn.functional.normalize(z, dim=1)


def fit_whitening(embeddings, shrink):
    """PCA-whitening with the eigenvalues shrunk towards their mean, so rare directions are not blown up."""
    mean = embeddings.mean(axis=0)
    cov = np.cov(embeddings - mean, rowvar=False)
    eigenvalues, eigenvectors = np.linalg.eigh(cov)
    scale = 1.0 / np.sqrt(eigenvalues.clip(min=0) + shrink * eigenvalues.mean())
    return mean, eigenvectors * scale


def embed_training_images(model, directory, size):
    _, images = data.load_images(directory)
    out = []
    with torch.no_grad():
        for start in range(0, len(images), EMBED_BATCH):
            batch = torch.stack([data.to_tensor(im, size) for im in images[start:start + EMBED_BATCH]])
            out.append(model(batch).numpy())
    return np.concatenate(out)


def manifest(version, size, dim, gem_p):
    return {
        "id": "doppel-copy", "version": version, "file": "model.onnx", "licence": LICENCE_NOTE,
        "input": {"name": "images", "layout": "NCHW", "width": size, "height": size, "resize": "STRETCH",
                  "channels": "RGB", "scale": data.PIXEL_SCALE, "mean": list(data.MEAN), "std": list(data.STD)},
        "output": {"name": "embedding", "dimension": dim, "pooling": "NONE", "gemP": gem_p},
        "l2Normalize": True, "whitening": None, "metric": "COSINE", "flipInvariant": False,
    }


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--checkpoint", default=os.path.join(HERE, "checkpoints", "last.pt"))
    p.add_argument("--version", default=DEFAULT_VERSION,
                   help="model version in the manifest; a new version needs a re-index (docs/runbook.md)")
    p.add_argument("--out", default=None, help="default: the extractor's models/doppel-copy-v<version>/")
    p.add_argument("--size", type=int, default=None, help="inference input side; default: the training size")
    p.add_argument("--whiten", action="store_true", help="bake a PCA-whitening fitted on the TRAIN images into the graph")
    p.add_argument("--shrink", type=float, default=DEFAULT_SHRINK, help="whitening eigenvalue shrinkage (share of the mean)")
    p.add_argument("--images", default=DEFAULT_IMAGES, help="training images for the whitening fit")
    a = p.parse_args()

    state = torch.load(a.checkpoint, map_location="cpu")
    cfg = state["config"]
    widths = tuple(int(w) for w in cfg["widths"].split(","))
    model = CopyDescriptor(widths=widths, dim=cfg["dim"], gem_p=cfg["gem_p"])
    model.load_state_dict(state["model"])
    model.eval()
    size = a.size or cfg["size"]
    out = a.out or os.path.join(MODELS_DIR, "doppel-copy-v" + a.version)
    if a.whiten:
        torch.set_num_threads(2)
        mean, matrix = fit_whitening(embed_training_images(model, a.images, size), a.shrink)
        model = Whitened(model, mean, matrix).eval()

    os.makedirs(out, exist_ok=True)
    onnx_path = os.path.join(out, "model.onnx")
    example = torch.randn(2, 3, size, size, generator=torch.Generator().manual_seed(0))
    torch.onnx.export(model, (example,), onnx_path, input_names=["images"], output_names=["embedding"],
                      dynamic_axes={"images": {0: "batch"}, "embedding": {0: "batch"}},
                      opset_version=OPSET, dynamo=False)
    onnx.checker.check_model(onnx.load(onnx_path))

    with torch.no_grad():
        expected = model(example).numpy()
    got = ort.InferenceSession(onnx_path, providers=["CPUExecutionProvider"]).run(
        ["embedding"], {"images": example.numpy()})[0]
    err = float(np.abs(expected - got).max())
    if err > EXPORT_TOLERANCE:
        raise SystemExit(f"ONNX output differs from PyTorch by {err:.2e} (> {EXPORT_TOLERANCE})")

    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(manifest(a.version, size, cfg["dim"], cfg["gem_p"]), f, indent=2)
        f.write("\n")
    shutil.copyfile(os.path.join(HERE, "MODEL_LICENSE"), os.path.join(out, "LICENSE"))
    print(f"exported epoch {state['epoch'] + 1} at {size}px{' with TRAIN whitening' if a.whiten else ''} to {out} "
          f"({os.path.getsize(onnx_path) / 1e6:.1f} MB, max |onnx - torch| {err:.1e})")


if __name__ == "__main__":
    main()
