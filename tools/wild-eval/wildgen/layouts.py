"""Flat layout kinds: collage, pip, before_after, meme."""
from __future__ import annotations

from PIL import Image, ImageDraw

from .common import (DISPLAY_FONTS, LANG_NAMES, Ctx, clamp_aspect, contain, contrast_text, cover, drop_shadow, font,
                     gradient, handle, mix, pastel, rand_colour, rounded_mask, sentence, weighted, wrap)

# ========================================================================================== collage

# cells as fractions (x, y, w, h) of the inner area; "cols/rows" give the natural canvas aspect
GRIDS = {
    "2x2": (2, 2, [(0, 0, .5, .5), (.5, 0, .5, .5), (0, .5, .5, .5), (.5, .5, .5, .5)]),
    "1x3": (3, 1, [(0, 0, 1 / 3, 1), (1 / 3, 0, 1 / 3, 1), (2 / 3, 0, 1 / 3, 1)]),
    "3x1": (1, 3, [(0, 0, 1, 1 / 3), (0, 1 / 3, 1, 1 / 3), (0, 2 / 3, 1, 1 / 3)]),
    "2x3": (3, 2, [(c / 3, r / 2, 1 / 3, .5) for r in range(2) for c in range(3)]),
    "3x2": (2, 3, [(c / 2, r / 3, .5, 1 / 3) for r in range(3) for c in range(2)]),
}


def _uneven(rng):
    kind = rng.choice(["big_left", "big_top", "big_left3", "two_cols", "big_right"])
    s = rng.uniform(0.5, 0.67)
    if kind == "big_left":
        return kind, 1.5, 1, [(0, 0, s, 1), (s, 0, 1 - s, .5), (s, .5, 1 - s, .5)]
    if kind == "big_right":
        return kind, 1.5, 1, [(1 - s, 0, s, 1), (0, 0, 1 - s, .5), (0, .5, 1 - s, .5)]
    if kind == "big_left3":
        return kind, 1.4, 1, [(0, 0, s, 1)] + [(s, k / 3, 1 - s, 1 / 3) for k in range(3)]
    if kind == "big_top":
        n = rng.choice([2, 3])
        return kind, 1, 1.2, [(0, 0, 1, s)] + [(k / n, s, 1 / n, 1 - s) for k in range(n)]
    t = rng.uniform(0.35, 0.65)
    return kind, 1.2, 1, [(0, 0, .5, t), (0, t, .5, 1 - t), (.5, 0, .5, 1 - t), (.5, 1 - t, .5, t)]


def collage(ctx: Ctx):
    rng = ctx.rng
    if rng.random() < 0.7:
        grid = rng.choice(list(GRIDS))
        cols, rows, cells = GRIDS[grid]
        cell_aspect = rng.uniform(0.75, 1.33)  # h / w of a cell
    else:
        grid, cols, rows, cells = _uneven(rng)
        cell_aspect = rng.uniform(0.8, 1.25)
    W = rng.randint(640, 1600)
    H = int(W * rows / cols * cell_aspect)
    if H > 2000:
        W, H = int(W * 2000 / H), 2000
    gap = 0 if rng.random() < 0.35 else rng.randint(2, max(3, int(W * 0.025)))
    margin = 0 if rng.random() < 0.5 else gap + rng.randint(0, int(W * 0.03))
    title = rng.random() < 0.15
    bg = weighted(rng, {"white": 4, "black": 2, "pastel": 2, "colour": 1})
    bgc = {"white": (255, 255, 255), "black": (0, 0, 0), "pastel": pastel(rng), "colour": rand_colour(rng)}[bg]
    title_h = int(W * rng.uniform(0.07, 0.12)) if title else 0
    canvas = Image.new("RGB", (W, H + title_h), bgc)
    fit = weighted(rng, {"crop": 8, "fit": 2})
    radius = 0 if rng.random() < 0.75 or gap == 0 else rng.uniform(0.01, 0.04) * W
    copy_idx = rng.randrange(len(cells))
    iw, ih = W - 2 * margin + gap, H - 2 * margin + gap  # so outer cells end flush with the margin
    box = None
    crop = None
    for i, (fx, fy, fw, fh) in enumerate(cells):
        x = margin - gap / 2 + fx * iw + gap / 2
        y = title_h + margin - gap / 2 + fy * ih + gap / 2
        w = fw * iw - gap
        h = fh * ih - gap
        xi, yi, wi, hi = int(round(x)), int(round(y)), int(round(w)), int(round(h))
        photo = ctx.main if i == copy_idx else ctx.filler()
        if fit == "crop":
            tile, c = cover(photo, wi, hi, focus=(rng.uniform(0.35, 0.65), rng.uniform(0.35, 0.65)))
            rect = (xi, yi, wi, hi)
            if radius:
                canvas.paste(tile, (xi, yi), rounded_mask(tile.size, radius))
            else:
                canvas.paste(tile, (xi, yi))
        else:
            tile, (ox, oy, tw, th) = contain(photo, wi, hi)
            c = [0, 0, 1, 1]
            rect = (xi + ox, yi + oy, tw, th)
            canvas.paste(tile, (xi + ox, yi + oy))
        if i == copy_idx:
            box, crop = rect, c
    d = ImageDraw.Draw(canvas)
    more = None
    if rng.random() < 0.12:  # "+N" on the last tile, as feeds show albums
        fx, fy, fw, fh = cells[-1]
        x = int(margin + fx * iw)
        y = int(title_h + margin + fy * ih)
        w, h = int(fw * iw - gap), int(fh * ih - gap)
        ov = Image.new("RGB", (w, h), (0, 0, 0))
        canvas.paste(ov, (x, y), Image.new("L", (w, h), 110))
        d = ImageDraw.Draw(canvas)
        more = rng.randint(1, 12)
        d.text((x + w / 2, y + h / 2), f"+{more}", font=font("sans_bold", min(w, h) * 0.3), fill=(255, 255, 255), anchor="mm")
    if title:
        lang = rng.choice(LANG_NAMES)
        tf = font(rng.choice(DISPLAY_FONTS), title_h * 0.55)
        d.text((W / 2, title_h * 0.55), sentence(rng, lang, 1, 4), font=tf, fill=contrast_text(bgc), anchor="mm")
    params = {"grid": grid, "tiles": len(cells), "tile": copy_idx, "fit": fit, "gap": gap, "margin": margin,
              "background": bg, "corner_radius": round(radius), "title": title, "crop": crop, "more_overlay": more}
    return canvas, box, params


# ============================================================================================== pip

def pip(ctx: Ctx):
    rng = ctx.rng
    role = "inset" if rng.random() < 0.7 else "background"
    aspect = rng.choice([16 / 9, 16 / 9, 4 / 3, 1.0, 9 / 16, 4 / 5])
    long_side = rng.randint(720, 1600)
    W, H = (long_side, int(long_side / aspect)) if aspect >= 1 else (int(long_side * aspect), long_side)
    back_photo = ctx.main if role == "background" else ctx.filler()
    inset_photo = ctx.main if role == "inset" else ctx.filler()
    canvas, bcrop = cover(back_photo, W, H, focus=(rng.uniform(0.3, 0.7), rng.uniform(0.3, 0.7)))
    wf = rng.uniform(0.30, 0.55)
    iw = int(W * wf)
    a = clamp_aspect(inset_photo, 0.6, 1.8) if rng.random() < 0.6 else rng.choice([16 / 9, 4 / 3, 1.0, 3 / 4])
    ih = int(iw / a)
    if ih > H * 0.75:
        ih = int(H * 0.75)
        iw = min(iw, int(ih * a))
    inset, icrop = cover(inset_photo, iw, ih)
    border = 0 if rng.random() < 0.45 else max(1, int(W * rng.uniform(0.004, 0.018)))
    border_c = rng.choice([(255, 255, 255), (0, 0, 0), rand_colour(rng)])
    radius = 0 if rng.random() < 0.5 else rng.uniform(0.02, 0.1) * iw
    shadow = rng.random() < 0.5
    place = "corner" if rng.random() < 0.6 else "anywhere"
    tw, th = iw + 2 * border, ih + 2 * border
    if place == "corner":
        m = int(min(W, H) * rng.uniform(0.015, 0.06))
        cx, cy = rng.choice([0, 1]), rng.choice([0, 1])
        x = m if cx == 0 else W - tw - m
        y = m if cy == 0 else H - th - m
    else:
        x = rng.randint(0, max(0, W - tw))
        y = rng.randint(0, max(0, H - th))
    if shadow:
        drop_shadow(canvas, (x, y, tw, th), radius + border, blur=max(2, W * 0.01), offset=(int(W * 0.004), int(W * 0.008)))
    if border:
        frame = Image.new("RGB", (tw, th), border_c)
        frame.paste(inset, (border, border), rounded_mask(inset.size, max(0, radius - border)) if radius else None)
        canvas.paste(frame, (x, y), rounded_mask(frame.size, radius) if radius else None)
    else:
        canvas.paste(inset, (x, y), rounded_mask(inset.size, radius) if radius else None)
    inset_rect = (x + border, y + border, iw, ih)
    d = ImageDraw.Draw(canvas)
    ui_extra = weighted(rng, {"none": 5, "player": 2, "live": 1, "subtitle": 1})
    if ui_extra == "player":
        bh = int(H * 0.1)
        fade = Image.new("L", (W, bh))
        fd = ImageDraw.Draw(fade)
        for k in range(bh):
            fd.line((0, k, W, k), fill=int(170 * k / bh))
        canvas.paste((0, 0, 0), (0, H - bh), fade)
        d = ImageDraw.Draw(canvas)
        py = H - bh * 0.55
        p = rng.uniform(0.05, 0.95)
        d.line((W * 0.03, py, W * 0.97, py), fill=(150, 150, 150), width=max(2, int(H * 0.006)))
        d.line((W * 0.03, py, W * (0.03 + 0.94 * p), py), fill=(230, 30, 30), width=max(2, int(H * 0.006)))
        r = H * 0.012
        d.ellipse((W * (0.03 + 0.94 * p) - r, py - r, W * (0.03 + 0.94 * p) + r, py + r), fill=(230, 30, 30))
        s = bh * 0.25
        ty = H - bh * 0.22
        d.polygon([(W * 0.03, ty - s / 2), (W * 0.03, ty + s / 2), (W * 0.03 + s * 0.8, ty)], fill=(255, 255, 255))
        d.text((W * 0.03 + s * 1.6, ty), f"{rng.randint(0, 9)}:{rng.randint(0, 59):02d} / {rng.randint(10, 59)}:{rng.randint(0, 59):02d}",
               font=font("sans", s * 0.9), fill=(255, 255, 255), anchor="lm")
    elif ui_extra == "live":
        f = font("sans_bold", H * 0.035)
        lx, ly = W * 0.02, H * 0.03
        d.rounded_rectangle((lx, ly, lx + f.getlength("LIVE") + H * 0.03, ly + H * 0.05), radius=H * 0.008, fill=(230, 30, 50))
        d.text((lx + H * 0.015, ly + H * 0.025), "LIVE", font=f, fill=(255, 255, 255), anchor="lm")
        d.text((lx, ly + H * 0.06), f"{rng.randint(10, 9999)} watching", font=font("sans", H * 0.03), fill=(255, 255, 255),
               anchor="lt", stroke_width=1, stroke_fill=(0, 0, 0))
    elif ui_extra == "subtitle":
        f = font(rng.choice(["sans", "sans_bold", "cond_bold"]), H * 0.045)
        lines = wrap(sentence(rng, rng.choice(LANG_NAMES), 3, 12), f, W * 0.8, max_lines=2)
        for i, line in enumerate(lines):
            yy = H * 0.9 - (len(lines) - 1 - i) * H * 0.06
            tw_ = f.getlength(line)
            if rng.random() < 0.5:
                d.rectangle((W / 2 - tw_ / 2 - 8, yy - H * 0.028, W / 2 + tw_ / 2 + 8, yy + H * 0.028), fill=(0, 0, 0))
            d.text((W / 2, yy), line, font=f, fill=(255, 255, 255), anchor="mm", stroke_width=1, stroke_fill=(0, 0, 0))
    if role == "inset":
        box = inset_rect
    else:
        box = (0, 0, W, H)
    params = {"copy_role": role, "inset": list(inset_rect), "inset_width_frac": round(iw / W, 3),
              "placement": place, "border": border, "corner_radius": round(radius), "shadow": shadow, "overlay_ui": ui_extra,
              "crop": icrop if role == "inset" else bcrop}
    return canvas, box, params


# ===================================================================================== before_after

LABEL_PAIRS = [("Before", "After"), ("Me", "Also me"), ("Expectation", "Reality"), ("2015", "2025"),
               ("Vorher", "Nachher"), ("Antes", "Después"), ("Avant", "Après"), ("Day 1", "Day 100"),
               ("How it started", "How it's going"), ("Monday", "Friday"), ("You", "The guy she tells you not to worry about"),
               ("Prima", "Dopo"), ("До", "После"), ("Önce", "Sonra"), ("What I ordered", "What I got"), ("Mine", "Yours"),
               ("Then", "Now"), ("Przed", "Po")]


def before_after(ctx: Ctx):
    rng = ctx.rng
    orient = "side" if rng.random() < 0.6 else "stacked"
    slot = rng.randrange(2)
    labels = rng.choice(LABEL_PAIRS)
    label_style = weighted(rng, {"band": 3, "overlay": 3, "big_text": 2, "title": 1, "none": 1})
    bg = rng.choice([(255, 255, 255), (0, 0, 0), (255, 255, 255), pastel(rng), (30, 30, 30)])
    fg = contrast_text(bg)
    gap = rng.choice([0, 0, rng.randint(2, 20)])
    margin = rng.choice([0, rng.randint(4, 40)])
    pw = rng.randint(320, 720)
    panel_aspect = rng.uniform(0.75, 1.4)  # h / w
    ph = int(pw * panel_aspect)
    photos = [ctx.main if k == slot else ctx.filler() for k in range(2)]
    fstyle = rng.choice(DISPLAY_FONTS)
    f = font(fstyle, pw * rng.uniform(0.07, 0.12))
    band_h = int(f.size * 1.8) if label_style == "band" else 0
    title_h = int(f.size * 2.0) if label_style == "title" else 0
    band_pos = rng.choice(["above", "below"])
    if orient == "side":
        W = 2 * pw + gap + 2 * margin
        H = ph + band_h + title_h + 2 * margin
        origins = [(margin + k * (pw + gap), margin + title_h + (band_h if band_pos == "above" else 0)) for k in range(2)]
    else:
        W = pw + 2 * margin
        H = 2 * (ph + band_h) + gap + title_h + 2 * margin
        origins = [(margin, margin + title_h + k * (ph + band_h + gap) + (band_h if band_pos == "above" else 0))
                   for k in range(2)]
    canvas = Image.new("RGB", (W, H), bg)
    box = crop = None
    for k in range(2):
        tile, c = cover(photos[k], pw, ph, focus=(rng.uniform(0.35, 0.65), rng.uniform(0.35, 0.65)))
        canvas.paste(tile, origins[k])
        if k == slot:
            box, crop = (origins[k][0], origins[k][1], pw, ph), c
    d = ImageDraw.Draw(canvas)
    if gap == 0 and rng.random() < 0.5:  # a divider line
        lw = rng.randint(2, 8)
        lc = rng.choice([(255, 255, 255), (0, 0, 0), rand_colour(rng)])
        if orient == "side":
            x = origins[1][0]
            d.rectangle((x - lw // 2, origins[0][1], x + lw // 2, origins[0][1] + ph), fill=lc)
        else:
            y = origins[1][1] - band_h * (band_pos == "above")
            d.rectangle((origins[0][0], y - lw // 2, origins[0][0] + pw, y + lw // 2), fill=lc)
    for k in range(2):
        ox, oy = origins[k]
        lab = labels[k]
        if label_style == "band":
            by = oy - band_h if band_pos == "above" else oy + ph
            bf = f
            while bf.getlength(lab) > pw * 0.95 and bf.size > 9:
                bf = font(fstyle, bf.size * 0.9)
            d.text((ox + pw / 2, by + band_h / 2), lab, font=bf, fill=fg, anchor="mm")
        elif label_style == "overlay":
            lstyle = rng.choice(["sans_bold", "cond_bold", "sans"])
            lf = font(lstyle, pw * 0.06)
            while lf.getlength(lab) > pw * 0.85 and lf.size > 9:  # a long label gets a smaller font
                lf = font(lstyle, lf.size * 0.9)
            tw = lf.getlength(lab)
            corner = rng.choice(["tl", "tc", "bl", "bc"]) if k == 0 else corner  # same place on both
            lx = ox + pw * 0.04 if corner[1] == "l" else ox + pw / 2 - tw / 2 - lf.size * 0.5
            ly = oy + ph * 0.04 if corner[0] == "t" else oy + ph * 0.96 - lf.size * 1.6
            pill = Image.new("RGB", (int(tw + lf.size), int(lf.size * 1.6)), (0, 0, 0))
            canvas.paste(pill, (int(lx), int(ly)), rounded_mask(pill.size, lf.size * 0.5).point(lambda v: v * 150 // 255))
            d = ImageDraw.Draw(canvas)
            d.text((lx + pill.width / 2, ly + pill.height / 2), lab, font=lf, fill=(255, 255, 255), anchor="mm")
        elif label_style == "big_text":
            bf = font(rng.choice(["cond_bold", "sans_bold"]), pw * 0.1)
            lines = wrap(lab.upper(), bf, pw * 0.92, max_lines=2)
            for i, line in enumerate(lines):
                d.text((ox + pw / 2, oy + ph * 0.03 + i * bf.size * 1.1), line, font=bf, fill=(255, 255, 255), anchor="mt",
                       stroke_width=max(2, bf.size // 12), stroke_fill=(0, 0, 0))
    if label_style == "title":
        title = f"{labels[0]} vs {labels[1]}" if rng.random() < 0.5 else sentence(rng, rng.choice(LANG_NAMES), 2, 5)
        while f.getlength(title) > W * 0.95 and f.size > 9:
            f = font(fstyle, f.size * 0.9)
        d.text((W / 2, margin + title_h / 2), title, font=f, fill=fg, anchor="mm")
    params = {"orientation": orient, "slot": slot, "labels": list(labels), "label_style": label_style, "gap": gap,
              "margin": margin, "panel": [pw, ph], "crop": crop}
    return canvas, box, params


# ============================================================================================= meme

MEME_DOMAINS = ["memegen.example", "funnyhub", "9lolz", "imgfun", "mematic", "r/meirl", "@daily.memes", "dankland"]


def meme(ctx: Ctx):
    rng = ctx.rng
    variant = weighted(rng, {"band": 5, "classic": 3, "poster": 2})
    lang = rng.choice(LANG_NAMES)
    photo = ctx.main
    a = clamp_aspect(photo, 0.6, 2.0)
    if variant == "band":
        W = rng.randint(480, 1200)
        ph = int(W / a)
        img, crop = cover(photo, W, ph)
        white = rng.random() < 0.75
        band_c = (255, 255, 255) if white else (0, 0, 0)
        fstyle = weighted(rng, {"cond_bold": 4, "sans_bold": 3, "sans": 2, "serif_bold": 1})
        f = font(fstyle, W * rng.uniform(0.05, 0.09))
        align = "centre" if rng.random() < 0.6 else "left"
        text = sentence(rng, lang, 4, 24)
        if rng.random() < 0.3:
            text = "When " + text.lower() if lang == "english" else text
        lines = wrap(text, f, W * 0.92, max_lines=rng.randint(1, 3))
        lh = f.size * 1.25
        pad = f.size * rng.uniform(0.5, 1.0)
        top_h = int(len(lines) * lh + 2 * pad)
        bottom = rng.random() < 0.3
        blines = wrap(sentence(rng, lang, 2, 10), f, W * 0.92, max_lines=2) if bottom else []
        bot_h = int(len(blines) * lh + 2 * pad) if bottom else 0
        canvas = Image.new("RGB", (W, top_h + ph + bot_h), band_c)
        canvas.paste(img, (0, top_h))
        d = ImageDraw.Draw(canvas)
        tc = contrast_text(band_c)
        for i, line in enumerate(lines):
            y = pad + i * lh + lh / 2
            if align == "centre":
                d.text((W / 2, y), line, font=f, fill=tc, anchor="mm")
            else:
                d.text((W * 0.04, y), line, font=f, fill=tc, anchor="lm")
        for i, line in enumerate(blines):
            d.text((W / 2, top_h + ph + pad + i * lh + lh / 2), line, font=f, fill=tc, anchor="mm")
        box = (0, top_h, W, ph)
        params = {"variant": "band", "band": "white" if white else "black", "font": fstyle, "align": align,
                  "lines": len(lines), "bottom_band": bottom, "crop": crop}
    elif variant == "classic":
        W = rng.randint(400, 1000)
        ph = int(W / a)
        canvas, crop = cover(photo, W, ph)
        d = ImageDraw.Draw(canvas)
        fstyle = rng.choice(["cond_bold", "sans_bold"])
        f = font(fstyle, W * rng.uniform(0.08, 0.12))
        stroke = max(2, f.size // 11)
        top = wrap(sentence(rng, lang, 2, 8).upper(), f, W * 0.94, max_lines=2)
        bottom = wrap(sentence(rng, lang, 2, 8).upper(), f, W * 0.94, max_lines=2) if rng.random() < 0.8 else []
        lh = f.size * 1.1
        for i, line in enumerate(top):
            d.text((W / 2, ph * 0.02 + i * lh), line, font=f, fill=(255, 255, 255), anchor="mt", stroke_width=stroke,
                   stroke_fill=(0, 0, 0))
        for i, line in enumerate(bottom):
            d.text((W / 2, ph * 0.98 - (len(bottom) - 1 - i) * lh), line, font=f, fill=(255, 255, 255), anchor="mb",
                   stroke_width=stroke, stroke_fill=(0, 0, 0))
        box = (0, 0, W, ph)
        params = {"variant": "classic", "font": fstyle, "top_lines": len(top), "bottom_lines": len(bottom), "crop": crop}
    else:
        pw = rng.randint(360, 800)
        ph = int(pw / a)
        bw = max(2, pw // 150)
        m = int(pw * rng.uniform(0.08, 0.14))
        tf = font(rng.choice(["serif", "serif_bold"]), pw * rng.uniform(0.09, 0.13))
        sf = font(rng.choice(["sans", "serif"]), pw * 0.04)
        W = pw + 2 * m
        H = m + ph + int(tf.size * 1.8 + sf.size * 2.6)
        canvas = Image.new("RGB", (W, H), (0, 0, 0))
        d = ImageDraw.Draw(canvas)
        g = bw * 2
        d.rectangle((m - g - bw, m - g - bw, m + pw + g + bw - 1, m + ph + g + bw - 1), outline=(255, 255, 255), width=bw)
        img, crop = cover(photo, pw, ph)
        canvas.paste(img, (m, m))
        d.text((W / 2, m + ph + tf.size * 0.3), sentence(rng, lang, 1, 2).upper(), font=tf, fill=(255, 255, 255), anchor="mt")
        d.text((W / 2, m + ph + tf.size * 1.55), sentence(rng, lang, 3, 9, cap=True), font=sf, fill=(225, 225, 225), anchor="mt")
        box = (m, m, pw, ph)
        params = {"variant": "poster", "crop": crop}
    if rng.random() < 0.3:  # a watermark
        d = ImageDraw.Draw(canvas)
        wf = font("sans", max(10, canvas.width * 0.022))
        d.text((canvas.width * 0.015 + (box[0] if variant != "classic" else 0), box[1] + box[3] - 4), rng.choice(MEME_DOMAINS),
               font=wf, fill=(235, 235, 235), anchor="lb", stroke_width=1, stroke_fill=(40, 40, 40))
        params["watermark"] = True
    params["lang"] = lang
    return canvas, box, params
