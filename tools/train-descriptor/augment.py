"""Copy-detection augmentations: the transform families of DEV's transforms.csv, drawn with PIL.

Every function takes a PIL RGB image and a `random.Random`, so a view is a pure function of
(image, rng state): the trainer seeds one rng per (seed, epoch, image, view) and the data order
and the augmentations are reproducible whatever the number of loader workers.
"""
import io
import math
import random

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageFont, ImageOps

CROP_AREA_REMOVED = (0.10, 0.60)
ROTATION_DEGREES = (5.0, 20.0)
RESCALE_FACTOR = (0.3, 0.9)
ASPECT_STRETCH = (1.3, 1.9)
BRIGHTNESS = (0.5, 1.9)
CONTRAST = (0.5, 2.2)
SATURATION = (0.0, 2.6)
GAMMA = (0.5, 2.5)
BLUR_RADIUS = (1.0, 3.5)
GAUSSIAN_SIGMA = (5.0, 25.0)
SALT_PEPPER_SHARE = (0.01, 0.05)
HEAVY_JPEG_QUALITY = (10, 30)
SAVED_JPEG_QUALITY = (70, 95)
PAD_SHARE_OF_SIDE = (0.05, 0.5)
TEXT_SIZE_SHARE = (0.07, 0.17)
SHAPE_SIZE_SHARE = (0.07, 0.15)
STRIP_WIDTH = (300, 400)
STRIP_PHOTOS = (3, 7)
STRIP_GAP = (0, 20)
STRIP_CONTEXT_SHARE = (0.0, 0.6)

WORDS = ("omg", "cute", "news", "find", "IF", "FOLLOW", "lol", "her", "never", "make", "#NewsAtHas",
         "wow", "SALE", "repost", "like", "share", "top", "best", "2024", "look", "this", "@user")


def _uniform(rng, bounds):
    return rng.uniform(bounds[0], bounds[1])


def _random_colour(rng):
    return (rng.randrange(256), rng.randrange(256), rng.randrange(256))


def crop(img, rng, others):
    w, h = img.size
    keep = 1.0 - _uniform(rng, CROP_AREA_REMOVED)
    aspect = math.exp(rng.uniform(math.log(0.6), math.log(1.6)))
    cw = min(w, max(8, int(round(math.sqrt(keep * w * h * aspect)))))
    ch = min(h, max(8, int(round(keep * w * h / cw))))
    if rng.random() < 0.3:
        x0, y0 = (w - cw) // 2, (h - ch) // 2
    else:
        x0, y0 = rng.randint(0, w - cw), rng.randint(0, h - ch)
    return img.crop((x0, y0, x0 + cw, y0 + ch))


def hflip(img, rng, others):
    return ImageOps.mirror(img)


def rotate(img, rng, others):
    angle = _uniform(rng, ROTATION_DEGREES) * rng.choice((-1, 1))
    if rng.random() < 0.7:
        fill = (0, 0, 0) if rng.random() < 0.7 else _random_colour(rng)
        return img.rotate(angle, resample=Image.BILINEAR, expand=True, fillcolor=fill)
    rotated = img.rotate(angle, resample=Image.BILINEAR, expand=False)
    w, h = img.size
    # largest axis-aligned box inside the rotated frame, so no fill shows
    a = math.radians(abs(angle))
    shrink = 1.0 / (math.cos(a) + math.sin(a) * max(w, h) / max(1, min(w, h)))
    cw, ch = max(8, int(w * shrink)), max(8, int(h * shrink))
    return rotated.crop(((w - cw) // 2, (h - ch) // 2, (w - cw) // 2 + cw, (h - ch) // 2 + ch))


def rescale(img, rng, others):
    f = _uniform(rng, RESCALE_FACTOR)
    w, h = img.size
    return img.resize((max(8, int(w * f)), max(8, int(h * f))), Image.BILINEAR)


def aspect(img, rng, others):
    s = _uniform(rng, ASPECT_STRETCH)
    w, h = img.size
    size = (int(w * s), h) if rng.random() < 0.5 else (w, int(h * s))
    return img.resize(size, Image.BILINEAR)


def colour(img, rng, others):
    ops = rng.sample(("brightness", "contrast", "saturation", "gamma"), rng.randint(1, 3))
    for op in ops:
        if op == "brightness":
            img = ImageEnhance.Brightness(img).enhance(_uniform(rng, BRIGHTNESS))
        elif op == "contrast":
            img = ImageEnhance.Contrast(img).enhance(_uniform(rng, CONTRAST))
        elif op == "saturation":
            img = ImageEnhance.Color(img).enhance(_uniform(rng, SATURATION))
        else:
            g = _uniform(rng, GAMMA)
            lut = [min(255, int(round(255.0 * (i / 255.0) ** g))) for i in range(256)]
            img = img.point(lut * 3)
    return img


def greyscale(img, rng, others):
    return ImageOps.grayscale(img).convert("RGB")


def blur(img, rng, others):
    return img.filter(ImageFilter.GaussianBlur(_uniform(rng, BLUR_RADIUS)))


def noise(img, rng, others):
    a = np.asarray(img, dtype=np.float32)
    nrng = np.random.default_rng(rng.getrandbits(32))
    if rng.random() < 0.5:
        a = a + nrng.normal(0.0, _uniform(rng, GAUSSIAN_SIGMA), a.shape)
    else:
        p = _uniform(rng, SALT_PEPPER_SHARE)
        u = nrng.random(a.shape[:2])
        a = a.copy()
        a[u < p / 2] = 0.0
        a[u > 1 - p / 2] = 255.0
    return Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))


def jpeg(img, rng, others, quality_bounds=HEAVY_JPEG_QUALITY):
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=rng.randint(*quality_bounds))
    buf.seek(0)
    return Image.open(buf).convert("RGB")


def pad(img, rng, others):
    w, h = img.size
    colour_ = _random_colour(rng) if rng.random() < 0.8 else (0, 0, 0)
    style = rng.choice(("uniform", "letterbox", "random_sides"))
    if style == "uniform":
        p = int(_uniform(rng, PAD_SHARE_OF_SIDE) * min(w, h) * 0.5)
        l = t = r = b = p
    elif style == "letterbox":
        p = int(_uniform(rng, PAD_SHARE_OF_SIDE) * max(w, h) * 0.5)
        if w >= h:
            l, t, r, b = 0, p, 0, p
        else:
            l, t, r, b = p, 0, p, 0
    else:
        l, t, r, b = (int(rng.uniform(0, PAD_SHARE_OF_SIDE[1] * 0.5) * s) for s in (w, h, w, h))
    return ImageOps.expand(img, border=(l, t, r, b), fill=colour_)


def text_overlay(img, rng, others):
    w, h = img.size
    draw = ImageDraw.Draw(img)
    for _ in range(rng.randint(1, 3)):
        size = max(10, int(_uniform(rng, TEXT_SIZE_SHARE) * max(w, h)))
        font = ImageFont.load_default(size=size)
        words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 4)))
        xy = (rng.randint(0, max(1, w - size)), rng.randint(0, max(1, h - size)))
        draw.text(xy, words, fill=_random_colour(rng), font=font,
                  stroke_width=rng.choice((0, 0, 1, 2)), stroke_fill=_random_colour(rng))
    return img


def shape_overlay(img, rng, others):
    """Emoji-like stickers: filled discs, rounded squares and stars with faces, partly opaque."""
    w, h = img.size
    base = img.convert("RGBA")
    layer = Image.new("RGBA", base.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    for _ in range(rng.randint(1, 4)):
        s = max(8, int(_uniform(rng, SHAPE_SIZE_SHARE) * max(w, h)))
        x, y = rng.randint(-s // 3, max(0, w - s)), rng.randint(-s // 3, max(0, h - s))
        alpha = int(255 * rng.uniform(0.7, 1.0))
        fill = _random_colour(rng) + (alpha,)
        kind = rng.randrange(3)
        if kind == 0:
            draw.ellipse((x, y, x + s, y + s), fill=fill)
        elif kind == 1:
            draw.rounded_rectangle((x, y, x + s, y + s), radius=s // 4, fill=fill)
        else:
            cx, cy, r = x + s / 2, y + s / 2, s / 2
            pts = [(cx + (r if i % 2 == 0 else r / 2.2) * math.cos(math.pi * i / 5 - math.pi / 2),
                    cy + (r if i % 2 == 0 else r / 2.2) * math.sin(math.pi * i / 5 - math.pi / 2)) for i in range(10)]
            draw.polygon(pts, fill=fill)
        eye = max(1, s // 10)
        dark = (20, 20, 20, alpha)
        draw.ellipse((x + s * 0.3 - eye, y + s * 0.38 - eye, x + s * 0.3 + eye, y + s * 0.38 + eye), fill=dark)
        draw.ellipse((x + s * 0.7 - eye, y + s * 0.38 - eye, x + s * 0.7 + eye, y + s * 0.38 + eye), fill=dark)
        draw.arc((x + s * 0.28, y + s * 0.45, x + s * 0.72, y + s * 0.8), 20, 160, fill=dark, width=max(1, s // 16))
    return Image.alpha_composite(base, layer).convert("RGB")


def tall_strip(img, rng, others):
    """The image stacked with other photos in a narrow strip, then a crop around it (a strip tile)."""
    width = rng.randint(*STRIP_WIDTH)
    n = rng.randint(*STRIP_PHOTOS)
    pos = rng.randrange(n)
    gap = rng.randint(*STRIP_GAP)
    background = _random_colour(rng) if rng.random() < 0.5 else (255, 255, 255)
    tiles = []
    for i in range(n):
        photo = img if i == pos else others(rng)
        inner = width - 2 * gap
        tiles.append(photo.resize((inner, max(8, int(photo.height * inner / photo.width))), Image.BILINEAR))
    height = sum(t.height for t in tiles) + gap * (n + 1)
    strip = Image.new("RGB", (width, height), background)
    y, top = gap, 0
    for i, t in enumerate(tiles):
        strip.paste(t, (gap, y))
        if i == pos:
            top, bottom = y, y + t.height
        y += t.height + gap
    context = _uniform(rng, STRIP_CONTEXT_SHARE) * (bottom - top)
    y0 = max(0, int(top - rng.uniform(0, context)))
    y1 = min(height, int(bottom + rng.uniform(0, context)))
    return strip.crop((0, y0, width, y1))


GEOMETRIC = (crop, hflip, rotate, rescale, aspect, pad, tall_strip)
PHOTOMETRIC = (colour, greyscale, blur, noise, jpeg, text_overlay, shape_overlay)
# crops are the commonest real edit and the hardest for a global descriptor: draw them more often
WEIGHTS = {crop: 3.0, hflip: 1.5, rotate: 1.5, rescale: 0.7, aspect: 1.0, pad: 1.5, tall_strip: 1.0,
           colour: 1.5, greyscale: 0.7, blur: 1.0, noise: 1.0, jpeg: 1.0, text_overlay: 1.2, shape_overlay: 1.2}
FAMILY_COUNT_WEIGHTS = ((1, 0.45), (2, 0.35), (3, 0.20))


def make_view(img, rng, others):
    """One augmented view: 1-3 families (geometric before photometric, as edits usually are) and a final save."""
    count = rng.choices([c for c, _ in FAMILY_COUNT_WEIGHTS], [w for _, w in FAMILY_COUNT_WEIGHTS])[0]
    families = list(WEIGHTS)
    chosen = []
    while len(chosen) < count:
        f = rng.choices(families, [WEIGHTS[x] for x in families])[0]
        if f not in chosen:
            chosen.append(f)
    chosen.sort(key=lambda f: 0 if f in GEOMETRIC else 1)
    out = img.copy()  # overlays draw in place; the cached original must stay intact
    for f in chosen:
        out = f(out, rng, others)
    if rng.random() < 0.5:
        out = jpeg(out, rng, others, SAVED_JPEG_QUALITY)
    return out
