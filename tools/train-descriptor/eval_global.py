"""Global-only retrieval on DEV with the exported ONNX model, scored by ../shared/eval/score.py.

Embeds refs and queries exactly as the manifest says (PIL decode, RGB, resize, /scale, mean/std),
scores each query by max cosine over (query, mirrored query), keeps the top 10 refs per query.
DEV is for measuring only; nothing here feeds training.
"""
import argparse
import csv
import json
import os
import subprocess
import sys
import time

import numpy as np
import onnxruntime as ort
from PIL import Image, ImageOps

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.normpath(os.path.join(HERE, "..", "..", "..", "shared"))
DEFAULT_MODEL = os.path.normpath(os.path.join(
    HERE, "..", "..", "extractor-service", "src", "main", "resources", "models", "doppel-copy-v2"))
TOP_K = 10
BATCH = 16


def preprocess(img, spec):
    if spec["resize"] != "STRETCH":
        raise SystemExit(f"eval_global supports resize STRETCH only, manifest says {spec['resize']}")
    a = np.asarray(img.resize((spec["width"], spec["height"]), Image.BILINEAR), dtype=np.float32) / spec["scale"]
    a = (a - np.asarray(spec["mean"], dtype=np.float32)) / np.asarray(spec["std"], dtype=np.float32)
    return a.transpose(2, 0, 1)


def embed(session, spec, paths, with_mirror):
    out, mirrored = [], []
    for start in range(0, len(paths), BATCH):
        imgs = [Image.open(p).convert("RGB") for p in paths[start:start + BATCH]]
        batch = np.stack([preprocess(im, spec) for im in imgs])
        out.append(session.run(["embedding"], {spec["name"]: batch})[0])
        if with_mirror:
            mb = np.stack([preprocess(ImageOps.mirror(im), spec) for im in imgs])
            mirrored.append(session.run(["embedding"], {spec["name"]: mb})[0])
    return np.concatenate(out), (np.concatenate(mirrored) if with_mirror else None)


def latency_ms_per_image(session, spec, repeats=10):
    x = np.random.default_rng(0).standard_normal((BATCH, 3, spec["height"], spec["width"])).astype(np.float32)
    session.run(["embedding"], {spec["name"]: x})
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        session.run(["embedding"], {spec["name"]: x})
        times.append(time.perf_counter() - t)
    return 1000.0 * float(np.median(times)) / BATCH


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--model", default=DEFAULT_MODEL, help="folder with manifest.json and the .onnx file")
    p.add_argument("--dev", default=os.path.join(SHARED, "eval", "dev"))
    p.add_argument("--pred", default=None, help="predictions CSV to write (default: a temp file)")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--save-embeddings", default=None, help="also write the DEV embeddings to this .npz")
    a = p.parse_args()
    if not os.path.isdir(a.dev):
        raise SystemExit(f"DEV set not found at {a.dev}")

    m = json.load(open(os.path.join(a.model, "manifest.json")))
    spec = dict(m["input"])
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = a.threads
    session = ort.InferenceSession(os.path.join(a.model, m["file"]), opts, providers=["CPUExecutionProvider"])
    print(f"onnxruntime CPU latency: {latency_ms_per_image(session, spec):.2f} ms/image at batch {BATCH}", flush=True)

    def listing(sub):
        d = os.path.join(a.dev, sub)
        names = sorted(n for n in os.listdir(d) if n.lower().endswith((".jpg", ".jpeg", ".png")))
        return [os.path.splitext(n)[0] for n in names], [os.path.join(d, n) for n in names]

    ref_ids, ref_paths = listing("refs")
    query_ids, query_paths = listing("queries")
    t = time.time()
    refs, _ = embed(session, spec, ref_paths, with_mirror=False)
    queries, mirrored = embed(session, spec, query_paths, with_mirror=True)
    print(f"embedded {len(refs)} refs and {len(queries)} queries (+ mirrors) in {time.time() - t:.0f}s", flush=True)

    if a.save_embeddings:
        np.savez(a.save_embeddings, refs=refs, queries=queries, mirrored=mirrored,
                 ref_ids=np.asarray(ref_ids), query_ids=np.asarray(query_ids))
    sims = np.maximum(queries @ refs.T, mirrored @ refs.T)
    pred = a.pred or os.path.join(os.environ.get("TMPDIR", "/tmp"), f"doppel_global_{os.getpid()}.csv")
    with open(pred, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["query_id", "reference_id", "score"])
        for qi, qid in enumerate(query_ids):
            for ri in np.argsort(-sims[qi])[:TOP_K]:
                w.writerow([qid, ref_ids[ri], f"{sims[qi, ri]:.6f}"])
    score = os.path.join(os.path.dirname(a.dev), "score.py")
    subprocess.run([sys.executable, score, "--gt", os.path.join(a.dev, "ground_truth.csv"), "--pred", pred,
                    "--transforms", os.path.join(a.dev, "transforms.csv")], check=True)


if __name__ == "__main__":
    main()
