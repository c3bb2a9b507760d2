"""screen_photo: a camera photo of a monitor, a phone/tablet or a print, at an angle, on a desk."""
from __future__ import annotations

import math

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from . import ui
from .common import (LANG_NAMES, Ctx, apply_h, blurred_cover, clip_box, contain, font, gradient, homography, mix, pastel,
                     rand_colour, rounded_mask, sentence, weighted, wrap)

CAMERA_SIZES = [(1280, 960), (1024, 768), (960, 1280), (1200, 1600), (1600, 900), (1080, 1080), (1440, 1080), (900, 1200)]


def _moire(img: Image.Image, rng, nprng) -> tuple[Image.Image, dict]:
    """A fine grating near the pixel pitch; resampling it in the warp makes moiré bands."""
    w, h = img.size
    period = rng.uniform(2.1, 3.6)
    ang = math.radians(rng.uniform(-8, 8))
    amp = rng.uniform(0.04, 0.12)
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    g = np.sin(2 * np.pi * (xs * math.cos(ang) + ys * math.sin(ang)) / period)
    arr = np.asarray(img, dtype=np.float32)
    arr = arr * (1 + amp * g[..., None])
    if rng.random() < 0.5:  # horizontal scan lines too
        arr = arr * (1 - amp * 0.6 * (np.sin(2 * np.pi * ys / rng.uniform(2.2, 3.2)) > 0.6)[..., None])
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB"), {"period": round(period, 2), "amp": round(amp, 3)}


def _screen_content(ctx: Ctx, sw: int, sh: int, mode: str):
    """What the screen shows; returns the content image and the photo's rect in it."""
    rng = ctx.rng
    if mode == "fullscreen":
        scr = Image.new("RGB", (sw, sh), (0, 0, 0) if rng.random() < 0.7 else (30, 30, 30))
        img, (x, y, w, h) = contain(ctx.main, sw, sh)
        scr.paste(img, (x, y))
        return scr, (x, y, w, h)
    if mode == "viewer":
        scr = gradient(sw, sh, [rand_colour(rng), rand_colour(rng)], rng.uniform(0, 180))
        d = ImageDraw.Draw(scr)
        tb = int(sh * 0.045)
        d.rectangle((0, sh - tb, sw, sh), fill=(30, 30, 35))
        for k in range(rng.randint(3, 8)):
            d.rounded_rectangle((sw * 0.3 + k * tb * 1.3, sh - tb * 0.85, sw * 0.3 + k * tb * 1.3 + tb * 0.7, sh - tb * 0.15),
                                radius=tb * 0.15, fill=rand_colour(rng))
        ww, wh = int(sw * rng.uniform(0.7, 0.95)), int((sh - tb) * rng.uniform(0.7, 0.97))
        wx, wy = rng.randint(0, sw - ww), rng.randint(0, sh - tb - wh)
        dark = rng.random() < 0.5
        d.rectangle((wx, wy, wx + ww, wy + wh), fill=(32, 32, 32) if dark else (245, 245, 245))
        th = int(sh * 0.04)
        d.rectangle((wx, wy, wx + ww, wy + th), fill=(50, 50, 50) if dark else (225, 225, 225))
        for k, c in enumerate([(255, 95, 86), (255, 189, 46), (39, 201, 63)]):
            r = th * 0.22
            d.ellipse((wx + th * (0.5 + k * 0.7) - r, wy + th / 2 - r, wx + th * (0.5 + k * 0.7) + r, wy + th / 2 + r), fill=c)
        d.text((wx + ww / 2, wy + th / 2), f"IMG_{rng.randint(1000, 9999)}.jpg", font=font("sans", th * 0.5),
               fill=(200, 200, 200) if dark else (60, 60, 60), anchor="mm")
        img, (x, y, w, h) = contain(ctx.main, ww - 8, wh - th - 8)
        scr.paste(img, (wx + 4 + x, wy + th + 4 + y))
        return scr, (wx + 4 + x, wy + th + 4 + y, w, h)
    # browser / web page
    scr = Image.new("RGB", (sw, sh), (255, 255, 255) if rng.random() < 0.7 else (24, 24, 28))
    fg = (20, 20, 20) if scr.getpixel((0, 0))[0] > 128 else (230, 230, 230)
    d = ImageDraw.Draw(scr)
    bar = int(sh * 0.07)
    d.rectangle((0, 0, sw, bar), fill=(222, 225, 230))
    d.rounded_rectangle((sw * 0.12, bar * 0.25, sw * 0.8, bar * 0.75), radius=bar * 0.25, fill=(255, 255, 255))
    d.text((sw * 0.14, bar / 2), f"https://{sentence(rng, 'latin', 1, 1).lower()}.example/{rng.randint(100, 99999)}",
           font=font("sans", bar * 0.3), fill=(80, 80, 80), anchor="lm")
    col_x = int(sw * rng.uniform(0.05, 0.25))
    col_w = int(sw * rng.uniform(0.5, 0.7))
    y = bar + int(sh * 0.04)
    lang = rng.choice(LANG_NAMES)
    tf = font("serif_bold" if rng.random() < 0.5 else "sans_bold", sh * 0.035)
    d.text((col_x, y), wrap(sentence(rng, lang, 3, 7), tf, sw - col_x - 10, max_lines=1)[0], font=tf, fill=fg, anchor="lt")
    y += int(sh * 0.07)
    ph = int(min(sh - y - sh * 0.12, col_w / max(0.6, ctx.main.width / ctx.main.height)))
    img, (x, yy, w, h) = contain(ctx.main, col_w, ph)
    scr.paste(img, (col_x + x, y + yy))
    box = (col_x + x, y + yy, w, h)
    y += ph + int(sh * 0.02)
    bf = font("sans", sh * 0.022)
    while y < sh - sh * 0.03:
        line = wrap(sentence(rng, lang, 5, 12), bf, col_w, max_lines=1)[0]
        d.text((col_x, y), line, font=bf, fill=mix(fg, (128, 128, 128), 0.3), anchor="lt")
        y += int(sh * 0.035)
    for k in range(rng.randint(2, 5)):  # a side column
        sx = col_x + col_w + int(sw * 0.04)
        if sx < sw - 40 and sx < sw - sw * 0.03:  # room for the column on wide screens too
            d.rectangle((sx, bar + sh * 0.05 + k * sh * 0.16, sw - sw * 0.03, bar + sh * 0.05 + k * sh * 0.16 + sh * 0.12),
                        fill=pastel(rng))
    return scr, box


def _flat_object(ctx: Ctx, target_w: int):
    """The object as seen head-on: RGBA, the photo's rect in it, whether it is a screen, params."""
    rng = ctx.rng
    obj = weighted(rng, {"monitor": 4, "phone": 3, "print": 3})
    if obj == "monitor":
        aspect = rng.choice([16 / 9, 16 / 10, 4 / 3, 21 / 9])
        sw = int(target_w * rng.uniform(0.9, 1.3))
        sh = int(sw / aspect)
        mode = weighted(rng, {"fullscreen": 3, "viewer": 3, "browser": 2})
        content, pr = _screen_content(ctx, sw, sh, mode)
        content, mo = _moire(content, rng, ctx.np)
        content = Image.eval(content, lambda v: min(255, int(v * 1.05 + 6)))
        bez = int(sw * rng.uniform(0.012, 0.04))
        chin = bez + (int(sw * rng.uniform(0.0, 0.04)) if rng.random() < 0.5 else 0)
        bc = rng.choice([(15, 15, 17), (40, 40, 44), (190, 192, 196), (235, 235, 235)])
        W, H = sw + 2 * bez, sh + bez + chin
        flat = Image.new("RGBA", (W, H), bc + (255,))
        flat.paste(content, (bez, bez))
        if chin > bez * 1.5:
            ImageDraw.Draw(flat).ellipse((W / 2 - chin * 0.1, H - chin * 0.55, W / 2 + chin * 0.1, H - chin * 0.35),
                                         fill=mix(bc, (255, 255, 255), 0.3) + (255,))
        photo = (pr[0] + bez, pr[1] + bez, pr[2], pr[3])
        return flat, photo, True, {"object": "monitor", "content": mode, "moire": mo}
    if obj == "phone":
        landscape = rng.random() < 0.35
        tablet = rng.random() < 0.25
        aspect = (4 / 3 if tablet else 19.5 / 9)
        if landscape:
            sw = int(target_w * rng.uniform(0.9, 1.2))
            sh = int(sw / aspect)
        else:
            sh = int(target_w * rng.uniform(1.0, 1.4))
            sw = int(sh / aspect)
        scr = Image.new("RGB", (sw, sh), (0, 0, 0) if rng.random() < 0.7 else (250, 250, 250))
        top = int(sh * 0.07) if not landscape else 0
        img, (x, y, w, h) = contain(ctx.main, sw, sh - 2 * top)
        scr.paste(img, (x, top + y))
        d = ImageDraw.Draw(scr)
        fg = (230, 230, 230) if scr.getpixel((0, 0))[0] < 128 else (30, 30, 30)
        if top:
            ui.status_bar(scr, rng, 0, int(top * 0.45), fg, None)
            ui.icon_chevron(d, sw * 0.06, top * 0.75, top * 0.4, fg, width=max(1, top // 14))
            ui.icon_share_arrow(d, sw * 0.1, sh - top * 0.5, top * 0.45, fg, width=max(1, top // 16))
            ui.icon_heart(d, sw * 0.5, sh - top * 0.5, top * 0.45, fg, width=max(1, top // 16))
            ui.icon_dots(d, sw * 0.9, sh - top * 0.5, top * 0.45, fg)
        scr, mo = _moire(scr, rng, ctx.np)
        bez = int(min(sw, sh) * rng.uniform(0.03, 0.07))
        bc = rng.choice([(12, 12, 14), (30, 30, 34), (200, 200, 205), (170, 150, 120)])
        W, H = sw + 2 * bez, sh + 2 * bez
        flat = Image.new("RGBA", (W, H), (0, 0, 0, 0))
        rad = min(W, H) * 0.1
        ImageDraw.Draw(flat).rounded_rectangle((0, 0, W - 1, H - 1), radius=rad, fill=bc + (255,))
        flat.paste(scr, (bez, bez), rounded_mask(scr.size, rad * 0.8))
        return flat, (x + bez, top + y + bez, w, h), True, {"object": "tablet" if tablet else "phone",
                                                           "orientation": "landscape" if landscape else "portrait",
                                                           "moire": mo}
    # a print on paper
    paper = rng.choice(["a4", "photo"])
    if paper == "a4":
        W = int(target_w * rng.uniform(0.8, 1.1))
        H = int(W * 1.414)
        if rng.random() < 0.3:
            W, H = H, W
    else:
        W = int(target_w * rng.uniform(0.8, 1.1))
        H = int(W * rng.choice([1.5, 2 / 3, 1.25, 0.8]))
    pc = rng.choice([(250, 250, 248), (246, 242, 232), (255, 255, 255)])
    flat = Image.new("RGBA", (W, H), pc + (255,))
    m = int(min(W, H) * rng.uniform(0.04, 0.12))
    text_area = int(H * rng.uniform(0.15, 0.35)) if paper == "a4" and rng.random() < 0.6 else 0
    img, (x, y, w, h) = contain(ctx.main, W - 2 * m, H - 2 * m - text_area)
    # printed: a little less contrast and saturation
    img = Image.blend(img, Image.new("RGB", img.size, (128, 128, 128)), rng.uniform(0.03, 0.15))
    flat.paste(img, (m + x, m + y))
    d = ImageDraw.Draw(flat)
    if text_area:
        f = font("serif", max(8, H * 0.014))
        ty = m + y + h + H * 0.03
        lang = rng.choice(LANG_NAMES)
        while ty < H - m:
            d.text((m, ty), sentence(rng, lang, 6, 14), font=f, fill=(60, 60, 60), anchor="lt")
            ty += f.size * 1.6
    # paper shading: a soft fold or curl
    shade = gradient(W, H, [(0, 0, 0), (255, 255, 255), (0, 0, 0)], rng.uniform(0, 180)).convert("L")
    depth = rng.uniform(0.05, 0.15)  # drawn once: point() calls the function for each of the 256 levels
    shade = shade.point(lambda v: int(255 - (255 - v) * depth))
    flat = Image.composite(flat, Image.new("RGBA", flat.size, (0, 0, 0, 255)), shade)
    flat.putalpha(255)
    return flat, (m + x, m + y, w, h), False, {"object": "print", "paper": paper}


def _tilt_quad(w, h, yaw, pitch, roll, focal):
    """Corners of a w×h plane rotated in 3D and projected with a pinhole camera (centred at 0)."""
    cy, sy = math.cos(math.radians(yaw)), math.sin(math.radians(yaw))
    cp, sp = math.cos(math.radians(pitch)), math.sin(math.radians(pitch))
    cr, sr = math.cos(math.radians(roll)), math.sin(math.radians(roll))
    ry = np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])
    rx = np.array([[1, 0, 0], [0, cp, -sp], [0, sp, cp]])
    rz = np.array([[cr, -sr, 0], [sr, cr, 0], [0, 0, 1]])
    r = rz @ ry @ rx
    out = []
    for x, y in ((-w / 2, -h / 2), (w / 2, -h / 2), (w / 2, h / 2), (-w / 2, h / 2)):
        p = r @ np.array([x, y, 0.0])
        z = p[2] + focal
        out.append((focal * p[0] / z, focal * p[1] / z))
    return out


def screen_photo(ctx: Ctx):
    rng = ctx.rng
    CW, CH = rng.choice(CAMERA_SIZES)
    flat, prect, is_screen, params = _flat_object(ctx, int(max(CW, CH) * 0.7))
    tilt = rng.uniform(3, 25)
    phi = rng.uniform(0, 2 * math.pi)
    yaw, pitch = tilt * math.cos(phi), tilt * math.sin(phi)
    roll = rng.uniform(-10, 10)
    focal = max(flat.size) * rng.uniform(1.2, 3.0)
    q = _tilt_quad(flat.width, flat.height, yaw, pitch, roll, focal)
    xs, ys = [p[0] for p in q], [p[1] for p in q]
    qw, qh = max(xs) - min(xs), max(ys) - min(ys)
    fill = rng.uniform(0.65, 0.97)
    s = min(CW * fill / qw, CH * fill / qh)
    over = rng.random() < 0.15  # now and then the object runs off the frame a little
    slack_x, slack_y = CW - qw * s, CH - qh * s
    ox = rng.uniform(-0.1 if over else 0.05, 1.1 if over else 0.95) * slack_x - min(xs) * s
    oy = rng.uniform(-0.1 if over else 0.05, 1.1 if over else 0.95) * slack_y - min(ys) * s
    dst = [(px * s + ox, py * s + oy) for px, py in q]
    src = [(0, 0), (flat.width, 0), (flat.width, flat.height), (0, flat.height)]
    hm = homography(src, dst)
    inv = np.linalg.inv(hm)
    inv = inv / inv[2, 2]
    warped = flat.transform((CW, CH), Image.Transform.PERSPECTIVE, tuple(inv.flatten()[:8]), Image.Resampling.BICUBIC)
    # the scene: a desk-like background made from a filler photo
    bg = blurred_cover(ctx.filler(), CW, CH, radius=rng.uniform(3, 25), zoom=rng.uniform(1.0, 1.8))
    if is_screen and rng.random() < 0.6:  # a dim room around a bright screen
        bg = Image.blend(bg, Image.new("RGB", bg.size, (0, 0, 0)), rng.uniform(0.2, 0.6))
    alpha = warped.getchannel("A")
    if not is_screen:  # a soft shadow under the paper
        sh = alpha.filter(ImageFilter.GaussianBlur(max(2, CW * 0.01))).point(lambda v: v * 90 // 255)
        bg.paste((0, 0, 0), (int(CW * 0.006), int(CW * 0.01)), sh)
    bg.paste(warped.convert("RGB"), (0, 0), alpha)
    img = bg
    # glare
    glare = weighted(rng, {"band": 3, "spot": 2, "none": 2})
    if glare != "none":
        strength = rng.uniform(0.1, 0.4)
        if glare == "band":
            g = gradient(CW, CH, [(0, 0, 0), (255, 255, 255), (0, 0, 0)], rng.uniform(0, 180)).convert("L")
            g = g.point(lambda v: int(max(0, v - 128) * 2 * strength))
        else:
            from .common import radial_alpha
            g = radial_alpha(CW, CH, rng.uniform(0, CW), rng.uniform(0, CH), rng.uniform(0.2, 0.6) * CW, strength)
        from PIL import ImageChops
        g = ImageChops.multiply(g, alpha)
        img.paste((255, 255, 250), (0, 0), g)
    arr = np.asarray(img, dtype=np.float32)
    cast = [rng.uniform(0.86, 1.12) for _ in range(3)]
    if is_screen and rng.random() < 0.5:
        cast[2] *= 1.08
    arr = arr * np.array(cast, dtype=np.float32)[None, None, :]
    if rng.random() < 0.4:  # vignette
        yy, xx = np.mgrid[0:CH, 0:CW].astype(np.float32)
        r = np.sqrt(((xx - CW / 2) / (CW / 2)) ** 2 + ((yy - CH / 2) / (CH / 2)) ** 2)
        arr = arr * (1 - rng.uniform(0.1, 0.35) * np.clip(r - 0.5, 0, 1)[..., None])
    sigma = rng.uniform(1.5, 8)
    arr = arr + ctx.np.normal(0, sigma, arr.shape).astype(np.float32)
    img = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB")
    blur = 0.0 if rng.random() < 0.3 else rng.uniform(0.3, 1.6)
    if blur:
        img = img.filter(ImageFilter.GaussianBlur(blur))
    pq = apply_h(hm, [(prect[0], prect[1]), (prect[0] + prect[2], prect[1]), (prect[0] + prect[2], prect[1] + prect[3]),
                      (prect[0], prect[1] + prect[3])])
    pxs, pys = [p[0] for p in pq], [p[1] for p in pq]
    box = clip_box((min(pxs), min(pys), max(pxs) - min(pxs), max(pys) - min(pys)), CW, CH)
    params.update({"camera": [CW, CH], "tilt": round(tilt, 1), "yaw": round(yaw, 1), "pitch": round(pitch, 1),
                   "roll": round(roll, 1), "quad": [[round(x), round(y)] for x, y in pq], "glare": glare,
                   "cast": [round(c, 3) for c in cast], "noise_sigma": round(sigma, 2), "blur": round(blur, 2)})
    return img, box, params
