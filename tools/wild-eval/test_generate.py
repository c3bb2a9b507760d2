#!/usr/bin/env python3
"""Tests of generate.py that need no ../shared: synthetic "photos" (gradients, shapes, noise) stand in for
the references and fillers. Run with the venv's python (run-tests.sh does); prints "N passed, N failed".
"""
from __future__ import annotations

import csv
import hashlib
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

HERE = Path(__file__).resolve().parent
GEN = HERE / "generate.py"
sys.path.insert(0, str(HERE))
from wildgen import KINDS  # noqa: E402

PER_KIND = 2
N_REFS, N_FILLERS = 24, 40


def synthetic_photo(rng: random.Random, nprng) -> Image.Image:
    w, h = rng.randint(120, 420), rng.randint(100, 400)
    c1 = np.array([rng.randrange(256) for _ in range(3)], dtype=np.float32)
    c2 = np.array([rng.randrange(256) for _ in range(3)], dtype=np.float32)
    t = np.linspace(0, 1, w, dtype=np.float32)[None, :, None] * rng.random() + \
        np.linspace(0, 1, h, dtype=np.float32)[:, None, None] * (1 - rng.random())
    arr = c1 * (1 - t) + c2 * np.clip(t, 0, 1)
    arr = arr + nprng.normal(0, rng.uniform(0, 20), arr.shape)
    im = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB")
    d = ImageDraw.Draw(im)
    for _ in range(rng.randint(2, 8)):
        x0, y0 = rng.randrange(w), rng.randrange(h)
        x1, y1 = x0 + rng.randint(10, w // 2), y0 + rng.randint(10, h // 2)
        col = tuple(rng.randrange(256) for _ in range(3))
        (d.ellipse if rng.random() < 0.5 else d.rectangle)((x0, y0, x1, y1), fill=col)
    return im


def run_gen(refs, fillers, out, seed=1, per_kind=PER_KIND, extra=(), env=None):
    cmd = [sys.executable, str(GEN), "--refs", str(refs), "--fillers", str(fillers), "--out", str(out),
           "--seed", str(seed), "--per-kind", str(per_kind), "--quiet", *extra]
    return subprocess.run(cmd, capture_output=True, text=True, env=env)


def digest(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def read_csv(p: Path):
    with open(p, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


class GenerateTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="wild-eval-test-")
        t = Path(cls.tmp.name)
        cls.refs, cls.fillers = t / "refs", t / "fillers"
        cls.refs.mkdir()
        cls.fillers.mkdir()
        rng = random.Random(7)
        nprng = np.random.default_rng(7)
        for i in range(N_REFS):
            synthetic_photo(rng, nprng).save(cls.refs / f"{rng.getrandbits(64):016x}.jpg", quality=90)
        for i in range(N_FILLERS):
            synthetic_photo(rng, nprng).save(cls.fillers / f"f{i:04d}.jpg", quality=90)
        cls.a, cls.b, cls.c = t / "a", t / "b", t / "c"
        for out, seed in ((cls.a, 1), (cls.b, 1), (cls.c, 2)):
            r = run_gen(cls.refs, cls.fillers, out, seed=seed)
            if r.returncode != 0:
                raise AssertionError(f"generate.py failed ({r.returncode}):\n{r.stderr}")
        cls.transforms = read_csv(cls.a / "transforms.csv")
        cls.gt = read_csv(cls.a / "ground_truth.csv")
        cls.prov = read_csv(cls.a / "provenance.csv")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_same_seed_is_byte_identical(self):
        da, db = digest(self.a), digest(self.b)
        self.assertGreater(len(da), N_REFS + len(KINDS) * PER_KIND * 2)
        self.assertEqual(da, db)

    def test_other_seed_differs(self):
        qa = set(v for k, v in digest(self.a).items() if k.startswith("queries/"))
        qc = set(v for k, v in digest(self.c).items() if k.startswith("queries/"))
        self.assertTrue(qa.isdisjoint(qc), "a query of seed 1 reappears with seed 2")
        self.assertNotEqual((self.a / "ground_truth.csv").read_bytes(), (self.c / "ground_truth.csv").read_bytes())

    def test_refs_are_plain_copies(self):
        for p in sorted(self.refs.iterdir()):
            q = self.a / "refs" / p.name
            self.assertTrue(q.is_file() and not q.is_symlink(), q)
            self.assertEqual(q.read_bytes(), p.read_bytes())
        self.assertEqual(len(list((self.a / "refs").iterdir())), N_REFS)

    def test_every_query_has_one_transforms_row(self):
        files = sorted(p.stem for p in (self.a / "queries").iterdir())
        rows = sorted(r["query_id"] for r in self.transforms)
        self.assertEqual(files, rows)
        self.assertEqual(len(rows), len(KINDS) * PER_KIND * 2)
        for q in rows:
            self.assertRegex(q, r"^[0-9a-f]{16}$")

    def test_ground_truth_names_existing_files(self):
        queries = {p.stem for p in (self.a / "queries").iterdir()}
        refs = {p.stem for p in (self.a / "refs").iterdir()}
        self.assertEqual(len(self.gt), len(KINDS) * PER_KIND)
        self.assertEqual(len({r["query_id"] for r in self.gt}), len(self.gt))
        self.assertEqual(len({r["reference_id"] for r in self.gt}), len(self.gt), "a reference has two copies")
        for r in self.gt:
            self.assertIn(r["query_id"], queries)
            self.assertIn(r["reference_id"], refs)

    def test_every_kind_has_copies_and_distractors(self):
        gtq = {r["query_id"] for r in self.gt}
        seen = {}
        for r in self.transforms:
            p = json.loads(r["params"])
            self.assertEqual(p["copy"], r["query_id"] in gtq)
            seen.setdefault(r["family"], []).append(p["copy"])
        self.assertEqual(set(seen), set(KINDS))
        for k, v in seen.items():
            self.assertEqual(v.count(True), PER_KIND, k)
            self.assertEqual(v.count(False), PER_KIND, k)

    def test_boxes_lie_inside_and_cover_their_share(self):
        for r in self.transforms:
            p = json.loads(r["params"])
            with Image.open(self.a / "queries" / f"{r['query_id']}.jpg") as im:
                W, H = im.size
                self.assertEqual(im.format, "JPEG")
            self.assertEqual(p["size"], [W, H])
            x, y, w, h = p["box"]
            self.assertTrue(0 <= x and 0 <= y and w > 0 and h > 0 and x + w <= W and y + h <= H, (r["family"], p["box"], W, H))
            self.assertAlmostEqual(w * h / (W * H), p["share"], delta=1e-3)
            self.assertGreaterEqual(p["share"], 0.005, r["family"])
            self.assertTrue(70 <= p["quality"] <= 92)

    def test_provenance_keeps_refs_out_of_fillers(self):
        gt = {r["query_id"]: r["reference_id"] for r in self.gt}
        rows = {r["id"]: r for r in self.prov if r["kind"] == "query"}
        self.assertEqual(set(rows), {r["query_id"] for r in self.transforms})
        refs = {p.name for p in self.refs.iterdir()}
        for q, r in rows.items():
            src, name = r["main_photo"].split("/", 1)
            if q in gt:
                self.assertEqual((src, name), ("refs", gt[q] + ".jpg"))
            else:
                self.assertEqual(src, "fillers")
            for o in filter(None, r["other_photos"].split(";")):
                self.assertTrue(o.startswith("fillers/"), o)
                self.assertNotIn(o.split("/", 1)[1], refs)
        distractor_mains = [r["main_photo"] for q, r in rows.items() if q not in gt]
        self.assertEqual(len(distractor_mains), len(set(distractor_mains)))

    def test_refuses_out_inside_repository(self):
        inside = HERE / "generated-set-test"
        r = run_gen(self.refs, self.fillers, inside, per_kind=1, extra=["--kinds", "meme"])
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("inside the repository", r.stderr)
        self.assertFalse(inside.exists())

    def test_clear_errors_for_bad_input(self):
        t = Path(self.tmp.name)
        r = run_gen(t / "missing", self.fillers, t / "x1")
        self.assertEqual(r.returncode, 2)
        self.assertIn("no such directory", r.stderr)
        r = run_gen(self.refs, self.fillers, t / "x2", per_kind=5)  # 45 copies > 24 refs
        self.assertEqual(r.returncode, 2)
        self.assertIn("need as many distinct references", r.stderr)
        r = run_gen(self.refs, self.fillers, t / "x3", extra=["--kinds", "meme,nope"])
        self.assertEqual(r.returncode, 2)
        self.assertIn("unknown nope", r.stderr)
        (t / "busy").mkdir()
        (t / "busy" / "notes.txt").write_text("mine")
        r = run_gen(self.refs, self.fillers, t / "busy", per_kind=1, extra=["--kinds", "meme"])
        self.assertEqual(r.returncode, 2)
        self.assertIn("did not make", r.stderr)

    def test_rerun_into_the_same_dir_replaces_it(self):
        t = Path(self.tmp.name)
        out = t / "rerun"
        self.assertEqual(run_gen(self.refs, self.fillers, out, per_kind=2, extra=["--kinds", "meme,pip"]).returncode, 0)
        self.assertEqual(run_gen(self.refs, self.fillers, out, per_kind=1, extra=["--kinds", "meme"]).returncode, 0)
        self.assertEqual(len(list((out / "queries").iterdir())), 2)

    def test_fonts_fall_back_to_pillows_builtin(self):
        t = Path(self.tmp.name)
        env = dict(os.environ, WILD_EVAL_FONT_DIR=str(t / "no-fonts-here"))
        r = run_gen(self.refs, self.fillers, t / "nofonts", per_kind=1, env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(list((t / "nofonts" / "queries").iterdir())), len(KINDS) * 2)


class ScreenContentTest(unittest.TestCase):
    class NearTheTop(random.Random):
        """Draws every uniform() at the same quantile: a web page whose columns reach far right."""

        def uniform(self, a, b):
            return a + (b - a) * 0.965

    def test_a_web_page_renders_on_a_wide_screen(self):
        # the side column starts right of the main one: on a screen about 1,340 pixels wide or more, it
        # must still fit inside the page
        from wildgen import screen
        from wildgen.common import Ctx
        photo = synthetic_photo(random.Random(5), np.random.default_rng(5))
        for width in (800, 1400, 2200):
            ctx = Ctx(self.NearTheTop(width), photo, [], None, "")
            page, (x, y, w, h) = screen._screen_content(ctx, width, width * 9 // 16, "browser")
            self.assertEqual(page.size, (width, width * 9 // 16))
            self.assertTrue(0 <= x and x + w <= width and w > 0 and h > 0)


if __name__ == "__main__":
    loader = unittest.defaultTestLoader
    suite = unittest.TestSuite([loader.loadTestsFromTestCase(GenerateTest),
                                loader.loadTestsFromTestCase(ScreenContentTest)])
    result = unittest.TextTestRunner(verbosity=2, stream=sys.stdout).run(suite)
    failed = len(result.failures) + len(result.errors)
    passed = result.testsRun - failed - len(result.skipped)
    print(f"{passed} passed, {failed} failed")
    sys.exit(0 if failed == 0 and result.testsRun > 0 else 1)
