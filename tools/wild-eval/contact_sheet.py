#!/usr/bin/env python3
"""A contact sheet of a generated set, for checking it by eye: a few queries per kind, each with its
recorded box outlined (red: a copy, blue: a distractor) and its kind and share written under it.

    contact_sheet.py --set ../wild --out ../wild-contact.png [--per-kind 4] [--kinds a,b] [--seed 0] [--no-box]
"""
from __future__ import annotations

import argparse
import csv
import json
import random
import sys
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--set", required=True, type=Path)
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--per-kind", type=int, default=4)
    ap.add_argument("--kinds", default="")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--thumb", type=int, default=300, help="thumbnail height in pixels")
    ap.add_argument("--no-box", action="store_true")
    a = ap.parse_args(argv)
    rows = list(csv.DictReader(open(a.set / "transforms.csv", encoding="utf-8")))
    by_kind: dict[str, list] = {}
    for r in rows:
        by_kind.setdefault(r["family"], []).append(r)
    kinds = [k for k in a.kinds.split(",") if k] or sorted(by_kind)
    rng = random.Random(a.seed)
    th = a.thumb
    try:
        f = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 13)
    except OSError:
        f = ImageFont.load_default(size=13)
    lines = []
    for k in kinds:
        pick = rng.sample(by_kind.get(k, []), min(a.per_kind, len(by_kind.get(k, []))))
        tiles = []
        for r in pick:
            p = json.loads(r["params"])
            im = Image.open(a.set / "queries" / f"{r['query_id']}.jpg").convert("RGB")
            s = th / im.height
            t = im.resize((max(1, round(im.width * s)), th), Image.Resampling.LANCZOS)
            d = ImageDraw.Draw(t)
            if not a.no_box:
                x, y, w, h = p["box"]
                d.rectangle((x * s, y * s, (x + w) * s - 1, (y + h) * s - 1), outline=(255, 0, 0) if p["copy"] else (0, 90, 255),
                            width=2)
            cap = Image.new("RGB", (max(t.width, 150), th + 34), (255, 255, 255))
            cap.paste(t, (0, 0))
            variant = p.get("template") or p.get("variant") or p.get("grid") or p.get("frame") or p.get("object") or \
                p.get("copy_role") or p.get("orientation") or ""
            ImageDraw.Draw(cap).text((2, th + 2), f"{k} {'copy' if p['copy'] else 'distr'}\n{variant} share {p['share']:.2f}",
                                     font=f, fill=(0, 0, 0))
            tiles.append(cap)
        if tiles:
            lines.append(tiles)
    W = max(sum(t.width + 6 for t in ts) for ts in lines)
    H = sum(th + 40 for _ in lines)
    sheet = Image.new("RGB", (W, H), (200, 200, 200))
    y = 0
    for ts in lines:
        x = 0
        for t in ts:
            sheet.paste(t, (x, y))
            x += t.width + 6
        y += th + 40
    sheet.save(a.out)
    print(f"contact sheet of {sum(len(t) for t in lines)} queries: {a.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
