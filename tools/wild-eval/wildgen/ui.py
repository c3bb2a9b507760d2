"""App chrome drawn with shapes: icons, status bars, nav bars, avatars, phone bodies, stickers."""
from __future__ import annotations

import math
import random

from PIL import Image, ImageDraw

from .common import (clock_text, contrast_text, cover, font, mix, rand_colour, rounded_mask)

PHONE_SIZES = [(1080, 2340), (1170, 2532), (750, 1334), (1080, 1920), (1284, 2778), (828, 1792),
               (720, 1600), (1080, 2400), (1440, 3088)]


class Theme:
    """Colours of an app screen. dark / light, with an accent."""

    def __init__(self, rng: random.Random, dark: bool | None = None, accent=None):
        self.dark = rng.random() < 0.45 if dark is None else dark
        if self.dark:
            self.bg = rng.choice([(0, 0, 0), (18, 18, 18), (21, 32, 43), (24, 25, 26), (11, 20, 26)])
            self.fg = (245, 245, 245)
            self.sub = (142, 146, 152)
            self.line = mix(self.bg, (255, 255, 255), 0.16)
            self.card = mix(self.bg, (255, 255, 255), 0.08)
        else:
            self.bg = rng.choice([(255, 255, 255), (250, 250, 250), (255, 255, 255), (240, 242, 245)])
            self.fg = (15, 20, 25)
            self.sub = (101, 103, 107)
            self.line = mix(self.bg, (0, 0, 0), 0.1)
            self.card = (255, 255, 255) if self.bg != (255, 255, 255) else (245, 246, 248)
        self.accent = accent or rng.choice([(0, 149, 246), (29, 155, 240), (24, 119, 242), (237, 73, 86),
                                            (0, 168, 132), (124, 77, 255), (255, 90, 0), (225, 48, 108)])


# ---------------------------------------------------------------------------------------------- icons

def heart_points(cx, cy, s, n=40):
    pts = []
    for i in range(n):
        t = 2 * math.pi * i / n
        x = 16 * math.sin(t) ** 3
        y = 13 * math.cos(t) - 5 * math.cos(2 * t) - 2 * math.cos(3 * t) - math.cos(4 * t)
        pts.append((cx + x * s / 34, cy - y * s / 34 - s * 0.05))
    return pts


def icon_heart(d: ImageDraw.ImageDraw, cx, cy, s, col, filled=False, width=2):
    pts = heart_points(cx, cy, s)
    if filled:
        d.polygon(pts, fill=col)
    else:
        d.line(pts + [pts[0]], fill=col, width=max(1, int(width)), joint="curve")


def icon_comment(d, cx, cy, s, col, width=2):
    r = s * 0.42
    d.ellipse((cx - r, cy - r, cx + r, cy + r), outline=col, width=max(1, int(width)))
    d.line([(cx - r * 0.75, cy + r * 0.62), (cx - r * 1.0, cy + r * 1.05), (cx - r * 0.3, cy + r * 0.93)],
           fill=col, width=max(1, int(width)))


def icon_bubble_square(d, cx, cy, s, col, width=2):
    w = s * 0.86
    d.rounded_rectangle((cx - w / 2, cy - w * 0.4, cx + w / 2, cy + w * 0.3), radius=s * 0.15, outline=col,
                        width=max(1, int(width)))
    d.line([(cx - w * 0.2, cy + w * 0.3), (cx - w * 0.3, cy + w * 0.5), (cx, cy + w * 0.3)], fill=col,
           width=max(1, int(width)))


def icon_plane(d, cx, cy, s, col, width=2):
    h = s * 0.45
    pts = [(cx - h, cy - h * 0.8), (cx + h, cy - h), (cx + h * 0.1, cy + h), (cx - h * 0.1, cy - h * 0.1)]
    d.line(pts + [pts[0]], fill=col, width=max(1, int(width)), joint="curve")
    d.line([(cx - h * 0.1, cy - h * 0.1), (cx + h, cy - h)], fill=col, width=max(1, int(width)))


def icon_share_arrow(d, cx, cy, s, col, width=2):
    h = s * 0.42
    d.line([(cx, cy - h), (cx, cy + h * 0.3)], fill=col, width=max(1, int(width)))
    d.line([(cx - h * 0.5, cy - h * 0.5), (cx, cy - h), (cx + h * 0.5, cy - h * 0.5)], fill=col, width=max(1, int(width)))
    d.line([(cx - h * 0.8, cy), (cx - h * 0.8, cy + h), (cx + h * 0.8, cy + h), (cx + h * 0.8, cy)], fill=col,
           width=max(1, int(width)))


def icon_bookmark(d, cx, cy, s, col, width=2):
    w, h = s * 0.34, s * 0.45
    pts = [(cx - w, cy - h), (cx + w, cy - h), (cx + w, cy + h), (cx, cy + h * 0.45), (cx - w, cy + h)]
    d.line(pts + [pts[0]], fill=col, width=max(1, int(width)), joint="curve")


def icon_retweet(d, cx, cy, s, col, width=2):
    h = s * 0.4
    wd = max(1, int(width))
    d.line([(cx - h, cy + h * 0.2), (cx - h, cy - h * 0.5), (cx + h * 0.6, cy - h * 0.5)], fill=col, width=wd)
    d.line([(cx + h, cy - h * 0.2), (cx + h, cy + h * 0.5), (cx - h * 0.6, cy + h * 0.5)], fill=col, width=wd)
    d.polygon([(cx - h * 1.35, cy), (cx - h * 0.65, cy), (cx - h, cy + h * 0.45)], fill=col)
    d.polygon([(cx + h * 1.35, cy), (cx + h * 0.65, cy), (cx + h, cy - h * 0.45)], fill=col)


def icon_dots(d, cx, cy, s, col, vertical=False):
    r = max(1.5, s * 0.08)
    for k in (-1, 0, 1):
        x, y = (cx, cy + k * s * 0.28) if vertical else (cx + k * s * 0.28, cy)
        d.ellipse((x - r, y - r, x + r, y + r), fill=col)


def icon_chevron(d, cx, cy, s, col, width=3, left=True):
    h = s * 0.35
    sgn = 1 if left else -1
    d.line([(cx + sgn * h * 0.5, cy - h), (cx - sgn * h * 0.5, cy), (cx + sgn * h * 0.5, cy + h)], fill=col,
           width=max(1, int(width)), joint="curve")


def icon_close(d, cx, cy, s, col, width=2):
    h = s * 0.32
    d.line([(cx - h, cy - h), (cx + h, cy + h)], fill=col, width=max(1, int(width)))
    d.line([(cx - h, cy + h), (cx + h, cy - h)], fill=col, width=max(1, int(width)))


def icon_camera(d, cx, cy, s, col, width=2):
    w, h = s * 0.42, s * 0.3
    d.rounded_rectangle((cx - w, cy - h, cx + w, cy + h), radius=s * 0.08, outline=col, width=max(1, int(width)))
    r = s * 0.14
    d.ellipse((cx - r, cy - r, cx + r, cy + r), outline=col, width=max(1, int(width)))
    d.rectangle((cx - w * 0.4, cy - h - s * 0.08, cx - w * 0.05, cy - h), fill=col)


def icon_mic(d, cx, cy, s, col, width=2):
    w, h = s * 0.14, s * 0.26
    d.rounded_rectangle((cx - w, cy - h - s * 0.08, cx + w, cy + h * 0.4), radius=w, fill=col)
    d.arc((cx - w * 2, cy - h, cx + w * 2, cy + h * 0.9), 0, 180, fill=col, width=max(1, int(width)))
    d.line([(cx, cy + h * 0.9), (cx, cy + h * 1.4)], fill=col, width=max(1, int(width)))


def icon_plus(d, cx, cy, s, col, width=2, box=False):
    h = s * 0.3
    if box:
        d.rounded_rectangle((cx - s * 0.42, cy - s * 0.42, cx + s * 0.42, cy + s * 0.42), radius=s * 0.12,
                            outline=col, width=max(1, int(width)))
    d.line([(cx - h, cy), (cx + h, cy)], fill=col, width=max(1, int(width)))
    d.line([(cx, cy - h), (cx, cy + h)], fill=col, width=max(1, int(width)))


def icon_home(d, cx, cy, s, col, width=2):
    h = s * 0.4
    pts = [(cx - h, cy - h * 0.1), (cx, cy - h), (cx + h, cy - h * 0.1), (cx + h * 0.8, cy - h * 0.1),
           (cx + h * 0.8, cy + h), (cx - h * 0.8, cy + h), (cx - h * 0.8, cy - h * 0.1)]
    d.line(pts + [pts[0]], fill=col, width=max(1, int(width)), joint="curve")


def icon_search(d, cx, cy, s, col, width=2):
    r = s * 0.28
    d.ellipse((cx - r - s * 0.06, cy - r - s * 0.06, cx + r - s * 0.06, cy + r - s * 0.06), outline=col,
              width=max(1, int(width)))
    d.line([(cx + r * 0.55, cy + r * 0.55), (cx + s * 0.4, cy + s * 0.4)], fill=col, width=max(1, int(width * 1.3)))


def icon_person(d, cx, cy, s, col, width=2):
    r = s * 0.17
    d.ellipse((cx - r, cy - s * 0.38, cx + r, cy - s * 0.38 + 2 * r), outline=col, width=max(1, int(width)))
    d.arc((cx - s * 0.36, cy + s * 0.02, cx + s * 0.36, cy + s * 0.7), 180, 360, fill=col, width=max(1, int(width)))


def icon_reels(d, cx, cy, s, col, width=2):
    h = s * 0.4
    d.rounded_rectangle((cx - h, cy - h, cx + h, cy + h), radius=s * 0.12, outline=col, width=max(1, int(width)))
    t = s * 0.15
    d.polygon([(cx - t * 0.7, cy - t), (cx - t * 0.7, cy + t), (cx + t, cy)], fill=col)


def icon_bell(d, cx, cy, s, col, width=2):
    h = s * 0.38
    d.arc((cx - h * 0.8, cy - h, cx + h * 0.8, cy + h * 0.9), 180, 360, fill=col, width=max(1, int(width)))
    d.line([(cx - h * 0.8, cy - h * 0.05), (cx - h * 0.8, cy + h * 0.5), (cx - h, cy + h * 0.7), (cx + h, cy + h * 0.7),
            (cx + h * 0.8, cy + h * 0.5), (cx + h * 0.8, cy - h * 0.05)], fill=col, width=max(1, int(width)))
    d.ellipse((cx - h * 0.2, cy + h * 0.75, cx + h * 0.2, cy + h * 1.05), fill=col)


def icon_phone(d, cx, cy, s, col, width=2):
    h = s * 0.38
    d.arc((cx - h, cy - h, cx + h, cy + h), 100, 260, fill=col, width=max(2, int(width * 1.6)))


def icon_video(d, cx, cy, s, col, width=2):
    w, h = s * 0.3, s * 0.22
    d.rounded_rectangle((cx - w - s * 0.1, cy - h, cx + w * 0.6, cy + h), radius=s * 0.06, outline=col,
                        width=max(1, int(width)))
    d.polygon([(cx + w * 0.6, cy), (cx + s * 0.42, cy - h), (cx + s * 0.42, cy + h)], outline=col,
              width=max(1, int(width)))


def icon_globe(d, cx, cy, s, col, width=1):
    r = s * 0.4
    d.ellipse((cx - r, cy - r, cx + r, cy + r), outline=col, width=max(1, int(width)))
    d.ellipse((cx - r * 0.45, cy - r, cx + r * 0.45, cy + r), outline=col, width=max(1, int(width)))
    d.line([(cx - r, cy), (cx + r, cy)], fill=col, width=max(1, int(width)))


def icon_thumb(d, cx, cy, s, col):
    h = s * 0.38
    d.rectangle((cx - h, cy - h * 0.1, cx - h * 0.55, cy + h), fill=col)
    d.polygon([(cx - h * 0.4, cy - h * 0.1), (cx - h * 0.1, cy - h), (cx + h * 0.15, cy - h * 0.9),
               (cx + h * 0.05, cy - h * 0.25), (cx + h, cy - h * 0.25), (cx + h * 0.8, cy + h), (cx - h * 0.4, cy + h)],
              fill=col)


def icon_check(d, cx, cy, s, col, width=2, double=False):
    h = s * 0.35
    for k in ([0, 1] if double else [0]):
        off = k * h * 0.55
        d.line([(cx - h + off, cy), (cx - h * 0.35 + off, cy + h * 0.6), (cx + h * 0.7 + off, cy - h * 0.6)],
               fill=col, width=max(1, int(width)))


def icon_emoji(d, cx, cy, s, col, width=2):
    r = s * 0.4
    d.ellipse((cx - r, cy - r, cx + r, cy + r), outline=col, width=max(1, int(width)))
    e = r * 0.14
    for sx in (-1, 1):
        d.ellipse((cx + sx * r * 0.35 - e, cy - r * 0.3 - e, cx + sx * r * 0.35 + e, cy - r * 0.3 + e), fill=col)
    d.arc((cx - r * 0.5, cy - r * 0.3, cx + r * 0.5, cy + r * 0.55), 20, 160, fill=col, width=max(1, int(width)))


def icon_clip(d, cx, cy, s, col, width=2):
    h = s * 0.38
    d.rounded_rectangle((cx - h * 0.35, cy - h, cx + h * 0.35, cy + h), radius=h * 0.35, outline=col,
                        width=max(1, int(width)))
    d.line([(cx, cy - h * 0.5), (cx, cy + h * 0.5)], fill=col, width=max(1, int(width)))


ICONS = {"heart": icon_heart, "comment": icon_comment, "bubble": icon_bubble_square, "plane": icon_plane,
         "share": icon_share_arrow, "bookmark": icon_bookmark, "retweet": icon_retweet, "home": icon_home,
         "search": icon_search, "person": icon_person, "reels": icon_reels, "bell": icon_bell, "plus": icon_plus,
         "camera": icon_camera, "mic": icon_mic, "video": icon_video, "phone": icon_phone}


# ------------------------------------------------------------------------------------------- chrome

def status_bar(img: Image.Image, rng: random.Random, y0: int, h: int, fg, bg=None, style=None) -> dict:
    """Time on the left (or centred on older iPhones), signal bars, wifi arcs and battery on the right."""
    d = ImageDraw.Draw(img)
    W = img.width
    if bg is not None:
        d.rectangle((0, y0, W, y0 + h), fill=bg)
    style = style or rng.choice(["ios", "android", "ios_old"])
    u = h / 44 if style != "android" else h / 30
    cy = y0 + h * (0.58 if style == "ios" else 0.5)
    t = clock_text(rng)
    fs = h * (0.36 if style == "ios" else 0.5)
    f = font("sans_bold" if style == "ios" else "sans", fs)
    if style == "ios_old":
        d.text((W / 2, cy), t, font=f, fill=fg, anchor="mm")
        x = W * 0.04
        for i in range(5):
            r = fs * 0.13
            d.ellipse((x + i * r * 2.6, cy - r, x + i * r * 2.6 + 2 * r, cy + r), fill=fg if i < 4 else None,
                      outline=fg)
        d.text((x + 14 * fs * 0.13, cy), rng.choice(["Carrier", "Vodafone", "T-Mobile", "Orange", "O2"]),
               font=font("sans", fs * 0.8), fill=fg, anchor="lm")
    else:
        x = W * (0.09 if style == "ios" else 0.04)
        d.text((x, cy), t, font=f, fill=fg, anchor="lm")
        if style == "android" and rng.random() < 0.6:  # notification icons
            nx = x + f.getlength(t) + fs * 0.8
            for _ in range(rng.randint(1, 3)):
                r = fs * 0.32
                d.rounded_rectangle((nx, cy - r, nx + 2 * r, cy + r), radius=r * 0.4, outline=fg, width=max(1, int(fs / 10)))
                nx += fs * 0.95
    # right side: battery, wifi, signal (right to left)
    bw, bh = fs * 1.35, fs * 0.62
    xr = W - W * (0.07 if style == "ios" else 0.04)
    d.rounded_rectangle((xr - bw, cy - bh / 2, xr, cy + bh / 2), radius=bh * 0.3, outline=fg, width=max(1, int(fs / 12)))
    lvl = rng.uniform(0.15, 1.0)
    pad = max(1, fs / 10)
    d.rounded_rectangle((xr - bw + pad, cy - bh / 2 + pad, xr - bw + pad + (bw - 2 * pad) * lvl, cy + bh / 2 - pad),
                        radius=bh * 0.2, fill=fg if lvl > 0.2 else (235, 60, 50))
    d.rectangle((xr + 1, cy - bh * 0.18, xr + max(2, fs * 0.08), cy + bh * 0.18), fill=fg)
    if rng.random() < 0.3:
        d.text((xr - bw - fs * 0.3, cy), f"{int(lvl * 100)}%", font=font("sans", fs * 0.8), fill=fg, anchor="rm")
        xr -= f.getlength("100%") * 0.85
    xw = xr - bw - fs * 1.0
    for k, r in enumerate((0.85, 0.58, 0.3)):
        rr = fs * r
        d.arc((xw - rr, cy + fs * 0.3 - rr, xw + rr, cy + fs * 0.3 + rr), 225, 315, fill=fg, width=max(1, int(fs / 7)))
    xs = xw - fs * 1.9
    for i in range(4):
        bh_i = fs * (0.25 + 0.17 * i)
        on = i < rng.randint(2, 4)
        d.rounded_rectangle((xs + i * fs * 0.3, cy + fs * 0.35 - bh_i, xs + i * fs * 0.3 + fs * 0.2, cy + fs * 0.35),
                            radius=fs * 0.05, fill=fg if on else mix(fg, bg or (128, 128, 128), 0.6))
    return {"status_style": style}


def home_indicator(img, y_center, fg):
    d = ImageDraw.Draw(img)
    W = img.width
    w = W * 0.36
    h = max(3, W * 0.012)
    d.rounded_rectangle((W / 2 - w / 2, y_center - h / 2, W / 2 + w / 2, y_center + h / 2), radius=h / 2, fill=fg)


def android_nav(img, y0, h, fg, bg):
    d = ImageDraw.Draw(img)
    W = img.width
    d.rectangle((0, y0, W, y0 + h), fill=bg)
    cy = y0 + h / 2
    s = h * 0.32
    d.polygon([(W * 0.25 + s * 0.5, cy - s * 0.6), (W * 0.25 + s * 0.5, cy + s * 0.6), (W * 0.25 - s * 0.5, cy)],
              outline=fg, width=max(1, int(h / 25)))
    d.ellipse((W * 0.5 - s * 0.6, cy - s * 0.6, W * 0.5 + s * 0.6, cy + s * 0.6), outline=fg, width=max(1, int(h / 25)))
    d.rectangle((W * 0.75 - s * 0.5, cy - s * 0.5, W * 0.75 + s * 0.5, cy + s * 0.5), outline=fg, width=max(1, int(h / 25)))


def avatar(img: Image.Image, cx, cy, r, rng: random.Random, photo: Image.Image | None = None, ring=None,
           ring_w: float = 0):
    """A round avatar: a crop of a photo, or a coloured disc with an initial."""
    d = ImageDraw.Draw(img)
    if ring is not None and ring_w > 0:
        if isinstance(ring, list):  # gradient ring: draw arcs of changing colour
            n = 24
            for i in range(n):
                c = mix(ring[0], ring[1], i / (n - 1))
                d.arc((cx - r - ring_w * 2, cy - r - ring_w * 2, cx + r + ring_w * 2, cy + r + ring_w * 2),
                      i * 360 / n - 90, (i + 1.2) * 360 / n - 90, fill=c, width=int(ring_w))
        else:
            d.ellipse((cx - r - ring_w * 2, cy - r - ring_w * 2, cx + r + ring_w * 2, cy + r + ring_w * 2),
                      outline=ring, width=int(ring_w))
    size = max(2, int(2 * r))
    if photo is not None:
        face, _ = cover(photo, size, size)
    else:
        c = rand_colour(rng)
        face = Image.new("RGB", (size, size), c)
        fd = ImageDraw.Draw(face)
        letter = rng.choice("ABCDEFGHJKLMNOPRSTUVWZ")
        fd.text((size / 2, size / 2), letter, font=font("sans_bold", size * 0.5), fill=contrast_text(c), anchor="mm")
    m = Image.new("L", (size * 3, size * 3), 0)
    ImageDraw.Draw(m).ellipse((0, 0, size * 3 - 1, size * 3 - 1), fill=255)
    img.paste(face, (int(cx - r), int(cy - r)), m.resize((size, size), Image.Resampling.LANCZOS))


def phone_frame(screen: Image.Image, rng: random.Random, background: Image.Image | None, bg_colour=None):
    """Puts a screenshot inside a drawn phone body on a background. Returns the new image, the offset and
    scale that map screen pixels into it, and params."""
    sw, sh = screen.size
    bez = int(sw * rng.uniform(0.025, 0.06))
    body_w, body_h = sw + 2 * bez, sh + 2 * bez
    radius = sw * rng.uniform(0.08, 0.14)
    body_col = rng.choice([(20, 20, 22), (40, 40, 44), (200, 200, 205), (214, 196, 170), (52, 70, 96), (90, 30, 40)])
    body = Image.new("RGBA", (body_w, body_h), (0, 0, 0, 0))
    bd = ImageDraw.Draw(body)
    bd.rounded_rectangle((0, 0, body_w - 1, body_h - 1), radius=radius + bez, fill=body_col + (255,))
    inner = Image.new("RGBA", (sw, sh), (10, 10, 10, 255))
    inner.paste(screen, (0, 0), rounded_mask((sw, sh), radius))
    body.paste(inner, (bez, bez), rounded_mask((sw, sh), radius))
    notch = rng.choice(["notch", "island", "punch", "none"])
    if notch == "notch":
        nw, nh = sw * 0.42, sh * 0.016 + sw * 0.03
        bd.rounded_rectangle((bez + sw / 2 - nw / 2, bez - nh, bez + sw / 2 + nw / 2, bez + nh), radius=nh * 0.6,
                             fill=(8, 8, 8, 255))
    elif notch == "island":
        nw, nh = sw * 0.3, sw * 0.085
        top = bez + sw * 0.03
        bd.rounded_rectangle((bez + sw / 2 - nw / 2, top, bez + sw / 2 + nw / 2, top + nh), radius=nh / 2,
                             fill=(5, 5, 5, 255))
    elif notch == "punch":
        r = sw * 0.025
        bd.ellipse((bez + sw / 2 - r, bez + sw * 0.035 - r, bez + sw / 2 + r, bez + sw * 0.035 + r), fill=(5, 5, 5, 255))
    # canvas around the body
    fill_frac = rng.uniform(0.72, 0.94)
    aspect = rng.choice([0.75, 0.8, 1.0, 9 / 16, 2 / 3])
    ch = int(body_h / fill_frac)
    cw = max(int(ch * aspect), int(body_w / 0.85))
    if background is not None:
        from .common import blurred_cover
        canvas = blurred_cover(background, cw, ch, radius=rng.uniform(6, 40))
    else:
        canvas = Image.new("RGB", (cw, ch), bg_colour or (230, 230, 230))
    ox = int(rng.uniform(0.15, 0.85) * (cw - body_w))
    oy = int(rng.uniform(0.2, 0.8) * (ch - body_h))
    from .common import drop_shadow
    drop_shadow(canvas, (ox, oy, body_w, body_h), radius + bez, blur=sw * 0.02, offset=(int(sw * 0.01), int(sw * 0.02)),
                opacity=0.5)
    canvas.paste(body, (ox, oy), body)
    return canvas, (ox + bez, oy + bez), {"phone_frame": {"body": list(body_col), "notch": notch}}
