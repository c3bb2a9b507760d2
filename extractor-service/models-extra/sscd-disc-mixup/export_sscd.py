"""Exports SSCD (sscd_disc_mixup, ResNet-50, 512-d, Meta, MIT licence) from its TorchScript file
to ONNX for the Doppel extractor, with a dynamic batch axis.

NOT RUN HERE: the build machines cannot reach dl.fbaipublicfiles.com. With internet access:

    curl -LO https://dl.fbaipublicfiles.com/sscd-copy-detection/sscd_disc_mixup.torchscript.pt
    python export_sscd.py sscd_disc_mixup.torchscript.pt .
    # then point the extractor at it: DOPPEL_EXTRACTOR_MODEL_MANIFEST=$PWD/manifest.json

The TorchScript model already L2-normalises its 512-d output (GeM pooling inside), so the manifest
says pooling NONE. SSCD was trained on 288 px short-side inputs; we use a fixed 288x288 stretch so
the batch has one shape (the manifest can be switched to SHORT_SIDE_CENTER_CROP).
"""
import sys

import torch

SIDE = 288


def main(torchscript_path, out_dir):
    model = torch.jit.load(torchscript_path, map_location="cpu").eval()
    example = torch.zeros(1, 3, SIDE, SIDE)
    torch.onnx.export(model, (example,), f"{out_dir}/model.onnx", input_names=["images"], output_names=["embedding"],
                      dynamic_axes={"images": {0: "batch"}, "embedding": {0: "batch"}}, opset_version=17, dynamo=False)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else ".")
