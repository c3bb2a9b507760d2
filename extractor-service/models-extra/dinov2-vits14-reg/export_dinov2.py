"""Exports DINOv2 ViT-S/14 with registers (Meta, Apache-2.0) to ONNX for the Doppel extractor.

NOT RUN HERE: torch.hub needs github.com and dl.fbaipublicfiles.com, which the build machines
cannot reach. With internet access:

    python export_dinov2.py cls .    # 384-d CLS token  (manifest.json, pooling NONE)
    python export_dinov2.py gem .    # 384-d GeM over patch tokens (writes manifest-gem.json's model)

"cls" outputs the normalised CLS token [N, 384]. "gem" outputs the patch tokens reshaped to an
NCHW map [N, 384, 16, 16] so the extractor applies GeM pooling in Java (pooling GEM, gemP 3).
"""
import sys

import torch

SIDE = 224
PATCH = 14


class ClsToken(torch.nn.Module):
    def __init__(self, backbone):
        super().__init__()
        self.backbone = backbone

    def forward(self, images):
        return self.backbone.forward_features(images)["x_norm_clstoken"]


class PatchMap(torch.nn.Module):
    def __init__(self, backbone):
        super().__init__()
        self.backbone = backbone

    def forward(self, images):
        tokens = self.backbone.forward_features(images)["x_norm_patchtokens"]  # [N, HW, C]
        side = SIDE // PATCH
        return torch.relu(tokens).transpose(1, 2).reshape(tokens.shape[0], tokens.shape[2], side, side)


def main(mode, out_dir):
    backbone = torch.hub.load("facebookresearch/dinov2", "dinov2_vits14_reg").eval()
    model = ClsToken(backbone) if mode == "cls" else PatchMap(backbone)
    output = "embedding" if mode == "cls" else "features"
    file = "model.onnx" if mode == "cls" else "model-gem.onnx"
    torch.onnx.export(model, (torch.zeros(1, 3, SIDE, SIDE),), f"{out_dir}/{file}", input_names=["images"],
                      output_names=[output], dynamic_axes={"images": {0: "batch"}, output: {0: "batch"}},
                      opset_version=17, dynamo=False)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "cls", sys.argv[2] if len(sys.argv) > 2 else ".")
