"""Shared helpers: fonts, filler text, colours, photo fitting, masks, gradients, geometry.

Everything random takes an explicit ``random.Random`` (or a numpy Generator made from one), so a query
depends only on its own seed.
"""
from __future__ import annotations

import math
import os
import random
from functools import lru_cache

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

# ----------------------------------------------------------------------------------------------- fonts

FONT_DIR = os.environ.get("WILD_EVAL_FONT_DIR", "/usr/share/fonts/truetype/dejavu")
FONT_FILES = {
    "sans": "DejaVuSans.ttf",
    "sans_bold": "DejaVuSans-Bold.ttf",
    "sans_oblique": "DejaVuSans-Oblique.ttf",
    "sans_bold_oblique": "DejaVuSans-BoldOblique.ttf",
    "sans_light": "DejaVuSans-ExtraLight.ttf",
    "cond": "DejaVuSansCondensed.ttf",
    "cond_bold": "DejaVuSansCondensed-Bold.ttf",
    "cond_oblique": "DejaVuSansCondensed-Oblique.ttf",
    "cond_bold_oblique": "DejaVuSansCondensed-BoldOblique.ttf",
    "serif": "DejaVuSerif.ttf",
    "serif_bold": "DejaVuSerif-Bold.ttf",
    "serif_italic": "DejaVuSerif-Italic.ttf",
    "serif_bold_italic": "DejaVuSerif-BoldItalic.ttf",
    "serif_cond_italic": "DejaVuSerifCondensed-Italic.ttf",
    "serif_cond_bold": "DejaVuSerifCondensed-Bold.ttf",
    "mono": "DejaVuSansMono.ttf",
    "mono_bold": "DejaVuSansMono-Bold.ttf",
}
# Families a UI might use for its regular / bold text, and for "handwriting" or display text.
UI_FONTS = [("sans", "sans_bold"), ("cond", "cond_bold"), ("serif", "serif_bold"), ("sans_light", "sans_bold")]
HAND_FONTS = ["serif_italic", "serif_cond_italic", "sans_oblique", "cond_oblique", "serif_bold_italic"]
DISPLAY_FONTS = ["cond_bold", "sans_bold", "serif_bold", "cond_bold_oblique", "mono_bold", "serif_cond_bold"]


@lru_cache(maxsize=512)
def font(style: str, size: int) -> ImageFont.FreeTypeFont:
    """A DejaVu face, or Pillow's built-in scalable font where the TTF is missing."""
    size = max(6, int(round(size)))
    path = os.path.join(FONT_DIR, FONT_FILES.get(style, FONT_FILES["sans"]))
    try:
        return ImageFont.truetype(path, size)
    except OSError:
        return ImageFont.load_default(size=size)


def font_name(style: str) -> str:
    path = os.path.join(FONT_DIR, FONT_FILES.get(style, FONT_FILES["sans"]))
    return FONT_FILES.get(style, "DejaVuSans.ttf") if os.path.exists(path) else "pillow-default"


def text_size(draw: ImageDraw.ImageDraw, text: str, fnt, stroke: int = 0) -> tuple[int, int]:
    l, t, r, b = draw.textbbox((0, 0), text, font=fnt, stroke_width=stroke)
    return r - l, b - t


def text_w(fnt, text: str) -> float:
    return fnt.getlength(text)


def wrap(text: str, fnt, max_w: float, max_lines: int = 99) -> list[str]:
    """Greedy word wrap; the last allowed line ends with an ellipsis when text is left over."""
    words = text.split()
    lines: list[str] = []
    cur = ""
    for i, w in enumerate(words):
        cand = (cur + " " + w).strip()
        if fnt.getlength(cand) <= max_w or not cur:
            cur = cand
            continue
        lines.append(cur)
        cur = w
        if len(lines) == max_lines:
            last = lines[-1]
            while last and fnt.getlength(last + "…") > max_w:
                last = last[:-1]
            lines[-1] = last.rstrip() + "…"
            return lines
    if cur:
        lines.append(cur)
    return lines[:max_lines]


# ---------------------------------------------------------------------------------------- filler text

LANGS = {
    "latin": "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore "
             "et dolore magna aliqua enim ad minim veniam quis nostrud exercitation ullamco laboris nisi aliquip "
             "ex ea commodo consequat duis aute irure in reprehenderit voluptate velit esse cillum fugiat nulla",
    "english": "just got back from the best weekend ever this view though cannot believe it finally happened "
               "look at this little guy who did it better today was a good day new favourite spot honestly "
               "no words needed throwback to summer with my people be right back going again next year",
    "german": "das ist einfach unglaublich schön heute war ein guter tag endlich wieder unterwegs mit den besten "
              "leuten wer kommt mit nächstes jahr wieder hier ich kann nicht mehr so müde aber glücklich",
    "spanish": "qué día tan bonito por fin de vacaciones mira esto no lo puedo creer el mejor fin de semana con "
               "mi gente otra vez aquí volveremos pronto gracias por todo la vida es bella mañana más",
    "french": "quelle belle journée enfin en vacances regardez moi ça je n'en reviens pas le meilleur week-end "
              "avec les copains on y retourne l'année prochaine c'est la vie trop beau merci pour tout",
    "portuguese": "que dia lindo finalmente de férias olha só isso não acredito o melhor fim de semana com a "
                  "galera voltaremos em breve obrigado por tudo saudade demais amanhã tem mais",
    "italian": "che giornata stupenda finalmente in vacanza guardate qui non ci posso credere il miglior fine "
               "settimana con gli amici ci torniamo presto grazie di tutto che bello domani ancora",
    "polish": "co za piękny dzień wreszcie wakacje zobaczcie to nie mogę uwierzyć najlepszy weekend z ekipą "
              "wracamy tu za rok dziękuję za wszystko jutro znowu zmęczony ale szczęśliwy",
    "turkish": "ne güzel bir gün sonunda tatildeyiz şuna bakın inanamıyorum en iyi hafta sonu arkadaşlarla "
               "seneye yine geliyoruz her şey için teşekkürler yarın yine çok yorgun ama mutlu",
    "russian": "какой прекрасный день наконец отпуск посмотрите на это не могу поверить лучшие выходные с "
               "друзьями вернёмся сюда в следующем году спасибо за всё завтра снова устал но счастлив",
    "greek": "τι όμορφη μέρα επιτέλους διακοπές κοιτάξτε αυτό δεν το πιστεύω το καλύτερο σαββατοκύριακο με "
             "τους φίλους θα ξαναέρθουμε του χρόνου ευχαριστώ για όλα αύριο πάλι",
    "vietnamese": "hôm nay thật đẹp cuối cùng cũng được nghỉ nhìn này không thể tin được cuối tuần tuyệt vời "
                  "nhất với bạn bè năm sau quay lại cảm ơn vì tất cả ngày mai lại đi",
    "indonesian": "hari yang indah akhirnya liburan lihat ini tidak percaya akhir pekan terbaik bersama teman "
                  "tahun depan ke sini lagi terima kasih untuk semuanya besok lagi capek tapi senang",
}
LANG_NAMES = sorted(LANGS)
_NAME_SYL = ["ka", "mi", "lo", "ra", "ne", "ti", "so", "an", "el", "jo", "vi", "da", "ru", "be", "sa", "to",
             "li", "ma", "no", "ze", "ko", "ya", "ri", "pe", "lu", "chi", "an", "mar", "tin", "ell", "son"]


def lang_words(lang: str) -> list[str]:
    return LANGS[lang].split()


def sentence(rng: random.Random, lang: str, n_min: int, n_max: int, cap: bool = True) -> str:
    ws = lang_words(lang)
    n = rng.randint(n_min, n_max)
    start = rng.randrange(len(ws))
    out = [ws[(start + i * rng.choice([1, 1, 1, 2, 3])) % len(ws)] for i in range(n)]
    s = " ".join(out)
    if cap and s:
        s = s[0].upper() + s[1:]
    return s


def person_name(rng: random.Random) -> str:
    def word():
        w = "".join(rng.choice(_NAME_SYL) for _ in range(rng.randint(2, 3)))
        return w.capitalize()
    return word() if rng.random() < 0.3 else f"{word()} {word()}"


def handle(rng: random.Random, name: str | None = None) -> str:
    base = (name or person_name(rng)).lower().replace(" ", rng.choice(["", "_", "."]))
    if rng.random() < 0.5:
        base += str(rng.randint(1, 999))
    return base


def count_text(rng: random.Random, lo: int = 1, hi: int = 250000) -> str:
    n = int(math.exp(rng.uniform(math.log(lo), math.log(hi))))
    if n >= 10000 and rng.random() < 0.6:
        return f"{n / 1000:.1f}K".replace(".0K", "K")
    return f"{n:,}"


def clock_text(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return f"{rng.randint(0, 23)}:{rng.randint(0, 59):02d}"
    return f"{rng.randint(1, 12)}:{rng.randint(0, 59):02d}"


# -------------------------------------------------------------------------------------------- colours

def rgb(h: str) -> tuple[int, int, int]:
    h = h.lstrip("#")
    return tuple(int(h[i:i + 2], 16) for i in (0, 2, 4))


def rand_colour(rng: random.Random, sat=(0.3, 0.9), val=(0.3, 0.95)) -> tuple[int, int, int]:
    import colorsys
    r, g, b = colorsys.hsv_to_rgb(rng.random(), rng.uniform(*sat), rng.uniform(*val))
    return int(r * 255), int(g * 255), int(b * 255)


def pastel(rng: random.Random) -> tuple[int, int, int]:
    return rand_colour(rng, (0.08, 0.35), (0.85, 1.0))


def mix(c1, c2, t: float) -> tuple[int, int, int]:
    return tuple(int(round(a + (b - a) * t)) for a, b in zip(c1, c2))


def luminance(c) -> float:
    return 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2]


def contrast_text(c) -> tuple[int, int, int]:
    return (20, 20, 20) if luminance(c) > 140 else (250, 250, 250)


# ------------------------------------------------------------------------------------------ photos

def load_rgb(path: str) -> Image.Image:
    with Image.open(path) as im:
        im.load()
        return im.convert("RGB")


def cover(img: Image.Image, w: int, h: int, focus=(0.5, 0.5)) -> tuple[Image.Image, list[float]]:
    """Crops img to the aspect w:h around focus and resizes it to w×h. Returns the image and the
    visible part of the source as fractions [x0, y0, x1, y1]."""
    w, h = max(1, int(w)), max(1, int(h))
    sw, sh = img.size
    target = w / h
    if sw / sh > target:  # too wide: crop the sides
        cw = min(sw, sh * target)
        x0 = max(0.0, (sw - cw) * focus[0])
        box = (x0, 0, min(sw, x0 + cw), sh)
    else:  # too tall: crop top and bottom (max/min: float rounding must not leave the image)
        ch = min(sh, sw / target)
        y0 = max(0.0, (sh - ch) * focus[1])
        box = (0, y0, sw, min(sh, y0 + ch))
    out = img.resize((w, h), Image.Resampling.LANCZOS if w < sw else Image.Resampling.BICUBIC, box=box)
    return out, [round(box[0] / sw, 3), round(box[1] / sh, 3), round(box[2] / sw, 3), round(box[3] / sh, 3)]


def contain(img: Image.Image, w: int, h: int) -> tuple[Image.Image, tuple[int, int, int, int]]:
    """Resizes img to fit inside w×h keeping its aspect; returns it and its (x, y, w, h) centred in the box."""
    sw, sh = img.size
    s = min(w / sw, h / sh)
    nw, nh = max(1, round(sw * s)), max(1, round(sh * s))
    out = img.resize((nw, nh), Image.Resampling.LANCZOS if s < 1 else Image.Resampling.BICUBIC)
    return out, ((w - nw) // 2, (h - nh) // 2, nw, nh)


def resize_w(img: Image.Image, w: int) -> Image.Image:
    w = max(1, int(w))
    h = max(1, round(img.height * w / img.width))
    return img.resize((w, h), Image.Resampling.LANCZOS if w < img.width else Image.Resampling.BICUBIC)


def clamp_aspect(img: Image.Image, lo: float, hi: float) -> float:
    """The photo's w/h clamped into [lo, hi]."""
    return min(hi, max(lo, img.width / img.height))


def blurred_cover(img: Image.Image, w: int, h: int, radius: float, zoom: float = 1.0,
                  darken: float = 0.0) -> Image.Image:
    """A blurred, zoomed background: blur at a small size (fast), then upscale."""
    small_w = max(8, w // 8)
    small_h = max(8, h // 8)
    sw, sh = img.size
    if zoom > 1:
        cw, ch = sw / zoom, sh / zoom
        img = img.crop((int((sw - cw) / 2), int((sh - ch) / 2), int((sw + cw) / 2), int((sh + ch) / 2)))
    small, _ = cover(img, small_w, small_h)
    small = small.filter(ImageFilter.GaussianBlur(max(0.5, radius / 8)))
    out = small.resize((w, h), Image.Resampling.BICUBIC)
    if darken:
        out = Image.blend(out, Image.new("RGB", out.size, (0, 0, 0)), darken)
    return out


# --------------------------------------------------------------------------------- masks and shading

def rounded_mask(size: tuple[int, int], radius: float, scale: int = 3) -> Image.Image:
    """An anti-aliased rounded-rectangle alpha mask."""
    w, h = size
    if radius <= 0:
        return Image.new("L", (w, h), 255)
    big = Image.new("L", (w * scale, h * scale), 0)
    ImageDraw.Draw(big).rounded_rectangle((0, 0, w * scale - 1, h * scale - 1), radius=radius * scale, fill=255)
    return big.resize((w, h), Image.Resampling.LANCZOS)


def paste_rounded(canvas: Image.Image, img: Image.Image, xy, radius: float) -> None:
    xy = (int(round(xy[0])), int(round(xy[1])))
    canvas.paste(img, xy, rounded_mask(img.size, radius) if radius > 0 else None)


def drop_shadow(canvas: Image.Image, rect, radius: float, blur: float, offset=(0, 6), opacity: float = 0.45) -> None:
    x, y, w, h = [int(round(v)) for v in rect]
    pad = int(blur * 3) + 2
    m = Image.new("L", (w + 2 * pad, h + 2 * pad), 0)
    ImageDraw.Draw(m).rounded_rectangle((pad, pad, pad + w, pad + h), radius=radius, fill=int(255 * opacity))
    m = m.filter(ImageFilter.GaussianBlur(blur))
    canvas.paste(Image.new("RGB", m.size, (0, 0, 0)), (x - pad + offset[0], y - pad + offset[1]), m)


def gradient(w: int, h: int, colours, angle_deg: float = 90.0) -> Image.Image:
    """Linear gradient through 2+ colours along angle_deg (0 = left→right, 90 = top→bottom)."""
    a = math.radians(angle_deg)
    xs = np.linspace(-0.5, 0.5, w, dtype=np.float32)[None, :]
    ys = np.linspace(-0.5, 0.5, h, dtype=np.float32)[:, None]
    t = xs * math.cos(a) * (w / max(w, h)) + ys * math.sin(a) * (h / max(w, h))
    t = (t - t.min()) / max(1e-6, float(t.max() - t.min()))
    cols = np.array(colours, dtype=np.float32)
    n = len(cols) - 1
    idx = np.clip((t * n).astype(np.int32), 0, n - 1)
    frac = (t * n - idx)[..., None]
    out = cols[idx] * (1 - frac) + cols[idx + 1] * frac
    return Image.fromarray(np.clip(out, 0, 255).astype(np.uint8), "RGB")


def radial_alpha(w: int, h: int, cx: float, cy: float, r: float, peak: float) -> Image.Image:
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    d = np.sqrt((xs - cx) ** 2 + (ys - cy) ** 2) / max(1.0, r)
    a = np.clip(1 - d, 0, 1) ** 2 * peak * 255
    return Image.fromarray(a.astype(np.uint8), "L")


# ------------------------------------------------------------------------------------------ geometry

def rotated_rect_bbox(x: float, y: float, w: float, h: float, angle_deg: float, cx: float, cy: float):
    """Corners of the rect (x, y, w, h) rotated by angle_deg (counter-clockwise on screen, as PIL's
    Image.rotate) about (cx, cy), and their bounding box."""
    a = math.radians(angle_deg)
    ca, sa = math.cos(a), math.sin(a)
    pts = []
    for px, py in ((x, y), (x + w, y), (x + w, y + h), (x, y + h)):
        dx, dy = px - cx, py - cy
        pts.append((cx + dx * ca + dy * sa, cy - dx * sa + dy * ca))
    xs = [p[0] for p in pts]
    ys = [p[1] for p in pts]
    return pts, (min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys))


def homography(src, dst) -> np.ndarray:
    """3×3 H with dst ~ H·src for four point pairs."""
    a = []
    b = []
    for (x, y), (u, v) in zip(src, dst):
        a.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        a.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        b += [u, v]
    h = np.linalg.solve(np.array(a, dtype=np.float64), np.array(b, dtype=np.float64))
    return np.append(h, 1.0).reshape(3, 3)


def apply_h(hm: np.ndarray, pts):
    out = []
    for x, y in pts:
        u, v, w = hm @ np.array([x, y, 1.0])
        out.append((u / w, v / w))
    return out


def rotate_about(img: Image.Image, angle: float, fill=(0, 0, 0, 0)) -> Image.Image:
    return img.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=fill)


def clip_box(box, w: int, h: int):
    x, y, bw, bh = box
    x0, y0 = max(0.0, x), max(0.0, y)
    x1, y1 = min(float(w), x + bw), min(float(h), y + bh)
    return (x0, y0, max(0.0, x1 - x0), max(0.0, y1 - y0))


def scale_box(box, s: float):
    return tuple(v * s for v in box)


def int_box(box, w: int, h: int) -> list[int]:
    x, y, bw, bh = clip_box(box, w, h)
    x0, y0 = int(round(x)), int(round(y))
    x1, y1 = int(round(x + bw)), int(round(y + bh))
    x0, y0 = min(max(0, x0), w - 1), min(max(0, y0), h - 1)
    x1, y1 = min(max(x0 + 1, x1), w), min(max(y0 + 1, y1), h)
    return [x0, y0, x1 - x0, y1 - y0]


def weighted(rng: random.Random, options: dict):
    keys = list(options)
    return rng.choices(keys, weights=[options[k] for k in keys])[0]


# -------------------------------------------------------------------------------------------- context

class Ctx:
    """What a kind renderer gets: its own random streams, the main photo (the copied reference, or for a
    distractor a filler photo), and a source of further filler photos that never repeats within a query."""

    def __init__(self, rng: random.Random, main: Image.Image, filler_names: list[str], loader, main_name: str):
        self.rng = rng
        self.np = np.random.default_rng(rng.getrandbits(64))
        self.main = main
        self._names = filler_names
        self._load = loader
        self.used: list[str] = []
        self._taken = {main_name}

    def filler(self) -> Image.Image:
        for _ in range(1000):
            name = self.rng.choice(self._names)
            if name not in self._taken:
                break
        self._taken.add(name)
        self.used.append(name)
        return self._load(name)


def finish_scale(img: Image.Image, box, s: float):
    """Downscales a rendered query by s (as a phone screenshot shared at a lower resolution)."""
    if abs(s - 1.0) < 1e-3:
        return img, box
    w, h = max(1, round(img.width * s)), max(1, round(img.height * s))
    sx, sy = w / img.width, h / img.height
    out = img.resize((w, h), Image.Resampling.LANCZOS)
    x, y, bw, bh = box
    return out, (x * sx, y * sy, bw * sx, bh * sy)
