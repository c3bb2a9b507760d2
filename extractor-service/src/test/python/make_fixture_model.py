"""Writes the extractor's TEST fixture model: a tiny, fixed-seed conv net whose output is an NCHW
feature map (the extractor GeM-pools it in Java), plus its manifest.

It has no learned meaning; it exists so the extractor's tests exercise real ONNX Runtime with a
real manifest before the built-in model is trained. Run from the repository root:

    /work/main/.venv/bin/python extractor-service/src/test/python/make_fixture_model.py
"""
import json
import pathlib

import torch

OUT_DIR = pathlib.Path(__file__).resolve().parents[1] / "resources" / "models" / "fixture"
SEED = 20261122
SIDE = 96
CHANNELS = 64


class FixtureNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(3, 16, kernel_size=5, stride=4, padding=2)
        self.conv2 = torch.nn.Conv2d(16, CHANNELS, kernel_size=1, stride=2)

    def forward(self, images):
        return torch.relu(self.conv2(torch.relu(self.conv1(images))))


def main():
    torch.manual_seed(SEED)
    net = FixtureNet().eval()
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    example = torch.zeros(1, 3, SIDE, SIDE)
    torch.onnx.export(
        net, (example,), str(OUT_DIR / "model.onnx"),
        input_names=["images"], output_names=["features"],
        dynamic_axes={"images": {0: "batch"}, "features": {0: "batch"}},
        opset_version=17, dynamo=False)
    manifest = {
        "id": "doppel-fixture", "version": "1", "file": "model.onnx",
        "licence": "Apache-2.0 (generated test fixture, random weights)",
        "input": {"name": "images", "layout": "NCHW", "width": SIDE, "height": SIDE,
                  "resize": "STRETCH", "channels": "RGB", "scale": 255.0,
                  "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225]},
        "output": {"name": "features", "dimension": CHANNELS, "pooling": "GEM", "gemP": 3.0},
        "l2Normalize": True, "whitening": None, "metric": "COSINE", "flipInvariant": False,
    }
    (OUT_DIR / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")


if __name__ == "__main__":
    main()
