#!/usr/bin/env python3
"""Generates a DEV-style "copies in the wild" evaluation set: reposts of reference photos inside
screenshots, chats, collages, memes, frames, stories and photos of screens, plus as many distractors made
the same way from non-reference photos. See README.md next to this file.

    generate.py --refs DIR --fillers DIR --out DIR [--seed 1] [--per-kind 90] [--kinds a,b,...]
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import os
import random
import shutil
import sys
import time
from functools import lru_cache
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from PIL import Image  # noqa: E402

from wildgen import KINDS  # noqa: E402
from wildgen.common import Ctx, int_box, load_rgb  # noqa: E402

GENERATOR_VERSION = 1
MANIFEST = "wild-eval.json"
OUTPUTS = ["refs", "queries", "ground_truth.csv", "transforms.csv", "provenance.csv", MANIFEST]
FILLER_EXT = (".jpg", ".jpeg", ".png")
MAX_SIDE = 3000  # no query is larger than this on its longer side


class UsageError(Exception):
    pass


def repo_root() -> Path:
    return HERE.parent.parent


def is_inside(path: Path, parent: Path) -> bool:
    try:
        path.relative_to(parent)
        return True
    except ValueError:
        return False


def check_out_dir(out: Path) -> Path:
    out = Path(os.path.realpath(out))
    root = Path(os.path.realpath(repo_root()))
    if is_inside(out, root):
        raise UsageError(f"--out {out} is inside the repository {root}; generated images must stay outside it "
                         f"(e.g. --out {root.parent / 'wild'})")
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} exists and is not a directory")
    if out.is_dir():
        extra = sorted(p.name for p in out.iterdir() if p.name not in OUTPUTS)
        if extra and not (out / MANIFEST).exists():
            raise UsageError(f"--out {out} is a non-empty directory that this tool did not make "
                             f"(it holds {', '.join(extra[:5])}); give an empty or new directory")
    return out


def list_photos(d: Path, what: str, exts) -> list[str]:
    if not d.is_dir():
        raise UsageError(f"--{what} {d}: no such directory")
    names = sorted(p.name for p in d.iterdir() if p.is_file() and p.suffix.lower() in exts)
    if not names:
        raise UsageError(f"--{what} {d}: no {'/'.join(exts)} photos in it")
    return names


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--refs", required=True, type=Path, help="reference photos (<id>.jpg), e.g. ../shared/eval/dev/refs")
    ap.add_argument("--fillers", required=True, type=Path,
                    help="non-reference photos for distractors, other tiles and backgrounds, e.g. ../shared/train/images")
    ap.add_argument("--out", required=True, type=Path, help="output directory, outside the repository")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--per-kind", type=int, default=90, help="copies per kind, and as many distractors (default 90)")
    ap.add_argument("--kinds", default=",".join(KINDS), help=f"comma-separated subset of: {', '.join(KINDS)}")
    ap.add_argument("--quiet", action="store_true", help="no progress lines")
    return ap.parse_args(argv)


def plan(args, refs: list[str], fillers: list[str]):
    kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
    bad = [k for k in kinds if k not in KINDS]
    if bad or not kinds:
        raise UsageError(f"--kinds: unknown {', '.join(bad) or '(empty)'}; choose from {', '.join(KINDS)}")
    if len(set(kinds)) != len(kinds):
        raise UsageError("--kinds: a kind is named twice")
    if args.per_kind < 1:
        raise UsageError("--per-kind must be at least 1")
    n = args.per_kind * len(kinds)
    if len(refs) < n:
        raise UsageError(f"--refs has {len(refs)} photos; {n} copies ({args.per_kind} per kind × {len(kinds)} kinds) "
                         f"need as many distinct references")
    need_fillers = n + 8  # a distinct main photo per distractor, and some to spare for tiles and backgrounds
    if len(fillers) < need_fillers:
        raise UsageError(f"--fillers has {len(fillers)} photos; {n} distractors need at least {need_fillers}")
    ref_ids = {os.path.splitext(r)[0] for r in refs}
    master = random.Random(f"wild-eval:{args.seed}")
    copy_refs = master.sample(refs, n)
    distractor_mains = master.sample(fillers, n)
    ids: set[str] = set()
    jobs = []
    for ki, kind in enumerate(kinds):
        for j in range(args.per_kind):
            for is_copy in (True, False):
                while True:
                    qid = f"{master.getrandbits(64):016x}"
                    if qid not in ids and qid not in ref_ids:
                        break
                ids.add(qid)
                main = copy_refs[ki * args.per_kind + j] if is_copy else distractor_mains[ki * args.per_kind + j]
                jobs.append({"qid": qid, "kind": kind, "copy": is_copy, "main": main,
                             "seed": f"wild-eval:{args.seed}:{kind}:{j}:{'copy' if is_copy else 'distractor'}"})
    return kinds, jobs


def render(job, refs_dir: Path, fillers_dir: Path, fillers: list[str], load_filler):
    rng = random.Random(job["seed"])
    main_img = load_rgb(str((refs_dir if job["copy"] else fillers_dir) / job["main"]))
    ctx = Ctx(rng, main_img, fillers, load_filler, job["main"] if not job["copy"] else "")
    img, box, params = KINDS[job["kind"]](ctx)
    img = img.convert("RGB")
    if max(img.size) > MAX_SIDE:  # keep queries at a size a phone would share
        s = MAX_SIDE / max(img.size)
        from wildgen.common import finish_scale
        img, box = finish_scale(img, box, s)
        params["max_side_scale"] = round(s, 4)
    reserved = {"copy", "size", "box", "share", "quality"} & set(params)
    if reserved:
        raise RuntimeError(f"{job['kind']} returned params that generate.py sets itself: {sorted(reserved)}")
    W, H = img.size
    ib = int_box(box, W, H)
    quality = rng.randint(70, 92)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    row = {"size": [W, H], "box": ib, "share": round(ib[2] * ib[3] / (W * H), 4), **params, "quality": quality}
    return buf.getvalue(), row, ctx.used


def write_csv(path: Path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        out = check_out_dir(args.out)
        refs = [r for r in list_photos(args.refs, "refs", (".jpg",))]
        fillers = list_photos(args.fillers, "fillers", FILLER_EXT)
        if os.path.realpath(args.refs) == os.path.realpath(args.fillers):
            raise UsageError("--refs and --fillers are the same directory; fillers must not be references")
        kinds, jobs = plan(args, refs, fillers)
    except UsageError as e:
        print(f"wild-eval: {e}", file=sys.stderr)
        return 2
    log = (lambda *a: None) if args.quiet else (lambda *a: print(*a, file=sys.stderr, flush=True))
    # start clean: a previous run's files must not linger
    for name in OUTPUTS:
        p = out / name
        if p.is_dir():
            shutil.rmtree(p)
        elif p.exists():
            p.unlink()
    (out / "refs").mkdir(parents=True)
    (out / "queries").mkdir()
    log(f"wild-eval: {len(refs)} refs, {len(fillers)} fillers, kinds {', '.join(kinds)}, "
        f"{args.per_kind} copies + {args.per_kind} distractors each, seed {args.seed} -> {out}")
    for r in refs:
        shutil.copyfile(args.refs / r, out / "refs" / r)

    @lru_cache(maxsize=96)
    def load_filler(name):
        return load_rgb(str(args.fillers / name))

    gt, transforms, prov = [], [], []
    counts = {k: [0, 0] for k in kinds}
    t0 = time.time()
    for i, job in enumerate(jobs):
        try:
            data, row, used = render(job, args.refs, args.fillers, fillers, load_filler)
        except Exception as e:  # name the query that failed, then stop
            print(f"wild-eval: rendering {job['kind']} ({'copy of ' if job['copy'] else 'distractor from '}{job['main']}, "
                  f"seed string {job['seed']!r}) failed: {e!r}", file=sys.stderr)
            raise
        (out / "queries" / f"{job['qid']}.jpg").write_bytes(data)
        ref_id = os.path.splitext(job["main"])[0]
        if job["copy"]:
            gt.append((job["qid"], ref_id))
        row = {"copy": job["copy"], **row}
        transforms.append((job["qid"], job["kind"], json.dumps(row, separators=(",", ":"), ensure_ascii=False)))
        prov.append((job["qid"], "query", job["kind"], "copy" if job["copy"] else "distractor",
                     f"{'refs' if job['copy'] else 'fillers'}/{job['main']}", ";".join(f"fillers/{u}" for u in used)))
        counts[job["kind"]][0 if job["copy"] else 1] += 1
        if (i + 1) % 20 == 0 or i + 1 == len(jobs):
            el = time.time() - t0
            log(f"wild-eval: {i + 1}/{len(jobs)} queries ({job['kind']}), {el:.0f} s, "
                f"~{el / (i + 1) * (len(jobs) - i - 1):.0f} s left")
    gt.sort()
    transforms.sort()
    prov.sort()
    ref_rows = [(os.path.splitext(r)[0], "reference", "", "", f"refs/{r}", "") for r in refs]
    write_csv(out / "ground_truth.csv", ["query_id", "reference_id"], gt)
    write_csv(out / "transforms.csv", ["query_id", "family", "params"], transforms)
    write_csv(out / "provenance.csv", ["id", "kind", "family", "role", "main_photo", "other_photos"], ref_rows + prov)
    manifest = {"generator": "tools/wild-eval/generate.py", "version": GENERATOR_VERSION, "seed": args.seed,
                "per_kind": args.per_kind, "kinds": kinds, "refs": len(refs), "fillers": len(fillers),
                "queries": len(jobs), "copies": len(gt), "distractors": len(jobs) - len(gt),
                "counts": {k: {"copies": c[0], "distractors": c[1]} for k, c in counts.items()}}
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    log(f"wild-eval: wrote {len(jobs)} queries ({len(gt)} copies) and {len(refs)} refs to {out} "
        f"in {time.time() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
