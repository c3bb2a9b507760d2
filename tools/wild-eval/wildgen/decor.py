"""sticker_frame: decorative frames (polaroid, thick border, rounded mat) plus stickers over the photo."""
from __future__ import annotations

import math

from PIL import Image, ImageDraw, ImageFilter

from . import ui
from .common import (HAND_FONTS, LANG_NAMES, Ctx, blurred_cover, clamp_aspect, clip_box, contrast_text, cover,
                     drop_shadow, font, gradient, mix, pastel, rand_colour, rotated_rect_bbox, rounded_mask, sentence,
                     weighted)

STICKER_WORDS = ["LOL", "omg", "wow", "yay!", "cute", "mood", "BFF", "no way", "OMG", "love it", "slay", "haha", "xoxo",
                 "wtf", "best day", "mdr", "jaja", "kkkk", "крутo", "süß", "top", "ciao!", "100%", "#goals"]


def _star_points(cx, cy, r_out, r_in, n=5, rot=-90):
    pts = []
    for i in range(2 * n):
        r = r_out if i % 2 == 0 else r_in
        a = math.radians(rot + i * 180 / n)
        pts.append((cx + r * math.cos(a), cy + r * math.sin(a)))
    return pts


def _face(d, s, rng):
    m = s * 0.08
    c = (s / 2, s / 2)
    r = s / 2 - m
    d.ellipse((c[0] - r - m * 0.7, c[1] - r - m * 0.7, c[0] + r + m * 0.7, c[1] + r + m * 0.7), fill=(255, 255, 255, 255))
    yellow = rng.choice([(255, 204, 51), (255, 214, 70), (250, 190, 40)])
    d.ellipse((c[0] - r, c[1] - r, c[0] + r, c[1] + r), fill=yellow + (255,), outline=(200, 140, 20, 255),
              width=max(1, int(s * 0.02)))
    ink = (70, 45, 20, 255)
    eyes = rng.choice(["dots", "hearts", "smile", "wink", "shades", "big"])
    ey = c[1] - r * 0.22
    for sx in (-1, 1):
        ex = c[0] + sx * r * 0.36
        if eyes == "dots" or (eyes == "wink" and sx == -1):
            d.ellipse((ex - r * 0.09, ey - r * 0.15, ex + r * 0.09, ey + r * 0.15), fill=ink)
        elif eyes == "hearts":
            d.polygon(ui.heart_points(ex, ey, r * 0.45), fill=(230, 40, 60, 255))
        elif eyes in ("smile", "wink"):
            d.arc((ex - r * 0.16, ey - r * 0.12, ex + r * 0.16, ey + r * 0.16), 200, 340, fill=ink, width=max(1, int(r * 0.07)))
        elif eyes == "big":
            d.ellipse((ex - r * 0.18, ey - r * 0.22, ex + r * 0.18, ey + r * 0.22), fill=(255, 255, 255, 255), outline=ink,
                      width=max(1, int(r * 0.04)))
            d.ellipse((ex - r * 0.08, ey - r * 0.05, ex + r * 0.08, ey + r * 0.15), fill=ink)
    if eyes == "shades":
        d.rounded_rectangle((c[0] - r * 0.75, ey - r * 0.18, c[0] - r * 0.06, ey + r * 0.2), radius=r * 0.1, fill=(20, 20, 20, 255))
        d.rounded_rectangle((c[0] + r * 0.06, ey - r * 0.18, c[0] + r * 0.75, ey + r * 0.2), radius=r * 0.1, fill=(20, 20, 20, 255))
        d.line((c[0] - r * 0.1, ey - r * 0.1, c[0] + r * 0.1, ey - r * 0.1), fill=(20, 20, 20, 255), width=max(1, int(r * 0.06)))
    mouth = rng.choice(["smile", "laugh", "tongue", "o", "flat"])
    my = c[1] + r * 0.22
    if mouth == "smile":
        d.arc((c[0] - r * 0.5, my - r * 0.35, c[0] + r * 0.5, my + r * 0.3), 15, 165, fill=ink, width=max(1, int(r * 0.08)))
    elif mouth in ("laugh", "tongue"):
        d.chord((c[0] - r * 0.5, my - r * 0.3, c[0] + r * 0.5, my + r * 0.45), 0, 180, fill=(90, 30, 20, 255))
        if mouth == "tongue":
            d.ellipse((c[0] - r * 0.18, my + r * 0.05, c[0] + r * 0.18, my + r * 0.42), fill=(240, 90, 110, 255))
        if rng.random() < 0.5:  # tears of joy
            for sx in (-1, 1):
                tx = c[0] + sx * r * 0.62
                d.ellipse((tx - r * 0.1, ey + r * 0.05, tx + r * 0.1, ey + r * 0.32), fill=(90, 170, 240, 255))
    elif mouth == "o":
        d.ellipse((c[0] - r * 0.12, my - r * 0.05, c[0] + r * 0.12, my + r * 0.25), fill=(90, 30, 20, 255))
    else:
        d.line((c[0] - r * 0.3, my + r * 0.08, c[0] + r * 0.3, my + r * 0.08), fill=ink, width=max(1, int(r * 0.08)))
    return f"face_{eyes}_{mouth}"


def make_sticker(rng, s: int) -> tuple[Image.Image, str]:
    s = max(16, int(s))
    kind = weighted(rng, {"face": 4, "heart": 2, "star": 2, "label": 3, "sparkle": 1})
    if kind == "label":
        word = rng.choice(STICKER_WORDS)
        f = font(rng.choice(["cond_bold", "sans_bold", "serif_bold_italic", "mono_bold"]), s * 0.32)
        tw = f.getlength(word)
        w, h = int(tw + s * 0.35), int(s * 0.55)
        im = Image.new("RGBA", (w + 12, h + 12), (0, 0, 0, 0))
        d = ImageDraw.Draw(im)
        c = rand_colour(rng, (0.6, 1.0), (0.75, 1.0))
        shape = rng.choice(["round", "pill", "burst"])
        if shape == "burst":
            pts = _star_points(im.width / 2, im.height / 2, max(w, h) * 0.62, max(w, h) * 0.48, n=12)
            pts = [(im.width / 2 + (x - im.width / 2), im.height / 2 + (y - im.height / 2) * h / w) for x, y in pts]
            d.polygon(pts, fill=c + (255,), outline=(255, 255, 255, 255), width=max(2, s // 30))
        else:
            d.rounded_rectangle((6, 6, 6 + w, 6 + h), radius=h / 2 if shape == "pill" else h * 0.2, fill=c + (255,),
                                outline=(255, 255, 255, 255), width=max(2, s // 25))
        d.text((im.width / 2, im.height / 2), word, font=f, fill=contrast_text(c), anchor="mm")
        im = im.rotate(rng.uniform(-30, 30), resample=Image.Resampling.BICUBIC, expand=True)
        return im, "label"
    im = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    if kind == "face":
        name = _face(d, s, rng)
    elif kind == "heart":
        c = rng.choice([(235, 40, 70), (255, 105, 180), (220, 20, 60), (255, 80, 120), (170, 60, 220)])
        d.polygon(ui.heart_points(s / 2, s / 2 + s * 0.04, s * 1.05), fill=(255, 255, 255, 255))
        d.polygon(ui.heart_points(s / 2, s / 2 + s * 0.04, s * 0.88), fill=c + (255,))
        d.ellipse((s * 0.28, s * 0.28, s * 0.4, s * 0.4), fill=(255, 255, 255, 150))
        name = "heart"
    elif kind == "star":
        c = rng.choice([(255, 210, 40), (255, 170, 20), (255, 240, 120), (120, 200, 255)])
        d.polygon(_star_points(s / 2, s / 2 + s * 0.03, s * 0.49, s * 0.22), fill=(255, 255, 255, 255))
        d.polygon(_star_points(s / 2, s / 2 + s * 0.03, s * 0.42, s * 0.18), fill=c + (255,))
        name = "star"
    else:
        c = rng.choice([(255, 255, 255), (255, 240, 150), (200, 240, 255)])
        d.polygon(_star_points(s / 2, s / 2, s * 0.48, s * 0.1, n=4, rot=0), fill=c + (255,))
        d.polygon(_star_points(s * 0.8, s * 0.2, s * 0.16, s * 0.04, n=4, rot=0), fill=c + (255,))
        name = "sparkle"
    im = im.rotate(rng.uniform(-25, 25), resample=Image.Resampling.BICUBIC, expand=True)
    return im, name


def _background(ctx: Ctx, w, h):
    rng = ctx.rng
    mode = weighted(rng, {"filler_blur": 3, "pastel": 2, "gradient": 2, "cork": 1})
    if mode == "filler_blur":
        return blurred_cover(ctx.filler(), w, h, radius=rng.uniform(4, 30)), mode
    if mode == "pastel":
        return Image.new("RGB", (w, h), pastel(rng)), mode
    if mode == "gradient":
        return gradient(w, h, [pastel(rng), rand_colour(rng)], rng.uniform(0, 180)), mode
    base = rng.choice([(196, 154, 108), (181, 140, 96), (160, 120, 80)])
    noise = ctx.np.normal(0, 18, (h // 4 + 1, w // 4 + 1, 1))
    import numpy as np
    arr = np.clip(np.array(base, dtype=np.float32)[None, None, :] + noise, 0, 255).astype(np.uint8)
    return Image.fromarray(arr, "RGB").resize((w, h), Image.Resampling.BICUBIC), mode


def sticker_frame(ctx: Ctx):
    rng = ctx.rng
    frame = weighted(rng, {"polaroid": 4, "border": 3, "mat": 3})
    lang = rng.choice(LANG_NAMES)
    params: dict = {"frame": frame}
    if frame == "polaroid":
        p = rng.randint(360, 760)
        ar = rng.choice([1.0, 1.0, 4 / 3, 3 / 4])  # w / h of the photo window
        pw, ph = (p, int(p / ar))
        photo, crop = cover(ctx.main, pw, ph, focus=(rng.uniform(0.35, 0.65), rng.uniform(0.35, 0.65)))
        m = int(pw * rng.uniform(0.05, 0.08))
        bottom = int(pw * rng.uniform(0.22, 0.32))
        card_c = rng.choice([(252, 252, 250), (248, 244, 232), (255, 255, 255), (240, 240, 236)])
        card = Image.new("RGBA", (pw + 2 * m, ph + m + bottom), card_c + (255,))
        card.paste(photo, (m, m))
        d = ImageDraw.Draw(card)
        hf = rng.choice(HAND_FONTS)
        f = font(hf, bottom * rng.uniform(0.32, 0.45))
        ink = rng.choice([(30, 40, 110), (20, 20, 20), (140, 20, 30), (40, 40, 40)])
        cap = sentence(rng, lang, 1, 4, cap=rng.random() < 0.5)
        while f.getlength(cap) > pw and " " in cap:
            cap = cap.rsplit(" ", 1)[0]
        txt = Image.new("RGBA", card.size, (0, 0, 0, 0))
        ImageDraw.Draw(txt).text((card.width / 2 + rng.uniform(-0.1, 0.1) * pw, m + ph + bottom / 2), cap, font=f,
                                 fill=ink + (235,), anchor="mm")
        txt = txt.rotate(rng.uniform(-3, 3), resample=Image.Resampling.BICUBIC, center=(card.width / 2, m + ph + bottom / 2))
        card.alpha_composite(txt)
        angle = rng.uniform(-12, 12)
        rot = card.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True)
        fill = rng.uniform(0.5, 0.85)
        W = max(int(rot.width * 1.04), int(card.width / fill * rng.uniform(0.9, 1.3)))
        H = max(int(rot.height * 1.04), int(card.height / fill))
        canvas, bgmode = _background(ctx, W, H)
        if rng.random() < 0.3:  # another polaroid under it
            other, _ = cover(ctx.filler(), pw, ph)
            oc = Image.new("RGBA", card.size, card_c + (255,))
            oc.paste(other, (m, m))
            oc = oc.rotate(rng.uniform(-25, 25), resample=Image.Resampling.BICUBIC, expand=True)
            canvas.paste(oc, (int(rng.uniform(-0.3, 0.7) * (W - oc.width)), int(rng.uniform(-0.3, 0.7) * (H - oc.height))), oc)
            params["second_polaroid"] = True
        ox = int(rng.uniform(0.2, 0.8) * (W - rot.width))
        oy = int(rng.uniform(0.2, 0.8) * (H - rot.height))
        drop_shadow(canvas, (ox + rot.width * 0.05, oy + rot.height * 0.05, rot.width * 0.9, rot.height * 0.9), 4,
                    blur=max(3, pw * 0.02), offset=(int(pw * 0.01), int(pw * 0.02)))
        canvas.paste(rot, (ox, oy), rot)
        # the photo rect in the card, rotated about the card centre, then moved to the paste offset
        ccx, ccy = card.width / 2, card.height / 2
        _, bb = rotated_rect_bbox(m, m, pw, ph, angle, ccx, ccy)
        box = (bb[0] - ccx + rot.width / 2 + ox, bb[1] - ccy + rot.height / 2 + oy, bb[2], bb[3])
        params.update({"angle": round(angle, 2), "caption_font": hf, "background": bgmode, "crop": crop})
    elif frame == "border":
        a = clamp_aspect(ctx.main, 0.65, 1.8)
        pw = rng.randint(420, 1000)
        ph = int(pw / a)
        photo, crop = cover(ctx.main, pw, ph)
        t = int(max(pw, ph) * rng.uniform(0.05, 0.16))
        W, H = pw + 2 * t, ph + 2 * t
        fill = weighted(rng, {"solid": 3, "gradient": 3, "dots": 1, "stripes": 1})
        if fill == "gradient":
            canvas = gradient(W, H, [rand_colour(rng, (0.4, 1), (0.6, 1)) for _ in range(rng.randint(2, 3))], rng.uniform(0, 180))
        else:
            c = rand_colour(rng, (0.3, 1), (0.5, 1)) if rng.random() < 0.7 else pastel(rng)
            canvas = Image.new("RGB", (W, H), c)
            d = ImageDraw.Draw(canvas)
            c2 = mix(c, (255, 255, 255), 0.5)
            if fill == "dots":
                step = max(8, t // 3)
                for yy in range(0, H, step):
                    for xx in range((yy // step) % 2 * step // 2, W, step):
                        d.ellipse((xx - step * 0.18, yy - step * 0.18, xx + step * 0.18, yy + step * 0.18), fill=c2)
            elif fill == "stripes":
                step = max(8, t // 2)
                for k in range(-H, W, step):
                    d.line((k, 0, k + H, H), fill=c2, width=max(2, step // 3))
        radius = 0 if rng.random() < 0.6 else pw * rng.uniform(0.02, 0.06)
        canvas.paste(photo, (t, t), rounded_mask(photo.size, radius) if radius else None)
        d = ImageDraw.Draw(canvas)
        if rng.random() < 0.4:
            lw = max(2, t // 10)
            d.rounded_rectangle((t - 2 * lw, t - 2 * lw, t + pw + 2 * lw, t + ph + 2 * lw), radius=radius + 2 * lw,
                                outline=(255, 255, 255), width=lw)
        if rng.random() < 0.3:  # a caption in the border
            f = font(rng.choice(HAND_FONTS + ["cond_bold"]), t * 0.5)
            d.text((W / 2, H - t / 2), sentence(rng, lang, 1, 4), font=f, fill=(255, 255, 255), anchor="mm",
                   stroke_width=max(1, f.size // 15), stroke_fill=(60, 60, 60))
        box = (t, t, pw, ph)
        params.update({"fill": fill, "thickness": t, "corner_radius": round(radius), "crop": crop})
    else:
        a = clamp_aspect(ctx.main, 0.65, 1.6)
        pw = rng.randint(380, 900)
        ph = int(pw / a)
        photo, crop = cover(ctx.main, pw, ph)
        mat_w = int(pw * rng.uniform(0.08, 0.2))
        fw = int(pw * rng.uniform(0.03, 0.07))
        W, H = pw + 2 * (mat_w + fw), ph + 2 * (mat_w + fw)
        frame_c = rng.choice([(92, 58, 30), (30, 30, 30), (190, 150, 60), (240, 240, 240), (120, 80, 50), (60, 80, 110)])
        mat_c = rng.choice([(246, 243, 236), (255, 255, 255), (20, 20, 20), pastel(rng)])
        canvas = Image.new("RGB", (W, H), frame_c)
        d = ImageDraw.Draw(canvas)
        for k in range(fw):  # bevel: lighter towards the inside
            d.rectangle((k, k, W - 1 - k, H - 1 - k), outline=mix(frame_c, (255, 255, 255), 0.25 * k / fw))
        outer_r = rng.choice([0, fw * 0.5])
        d.rounded_rectangle((fw, fw, W - fw, H - fw), radius=outer_r, fill=mat_c)
        radius = pw * rng.uniform(0.0, 0.12)
        d.rounded_rectangle((fw + mat_w - 3, fw + mat_w - 3, fw + mat_w + pw + 2, fw + mat_w + ph + 2), radius=radius + 3,
                            fill=mix(mat_c, (0, 0, 0), 0.2))  # bevel of the mat opening
        canvas.paste(photo, (fw + mat_w, fw + mat_w), rounded_mask(photo.size, radius) if radius > 1 else None)
        box = (fw + mat_w, fw + mat_w, pw, ph)
        params.update({"frame_colour": list(frame_c), "mat": list(mat_c), "corner_radius": round(radius), "crop": crop})
    # stickers over the photo's edges and corners, some inside
    x, y, w, h = box
    n = rng.randint(2, 7)
    names = []
    for _ in range(n):
        s = int(min(w, h) * rng.uniform(0.12, 0.3))
        st, nm = make_sticker(rng, s)
        names.append(nm)
        where = weighted(rng, {"corner": 4, "edge": 4, "inside": 1, "outside": 1})
        if where == "corner":
            px = x + rng.choice([0, 1]) * w + rng.uniform(-0.08, 0.08) * w
            py = y + rng.choice([0, 1]) * h + rng.uniform(-0.08, 0.08) * h
        elif where == "edge":
            if rng.random() < 0.5:
                px, py = x + rng.uniform(0, 1) * w, y + rng.choice([0, 1]) * h + rng.uniform(-0.05, 0.05) * h
            else:
                px, py = x + rng.choice([0, 1]) * w + rng.uniform(-0.05, 0.05) * w, y + rng.uniform(0, 1) * h
        elif where == "inside":
            px, py = x + rng.uniform(0.2, 0.8) * w, y + rng.uniform(0.2, 0.8) * h
        else:
            px, py = rng.uniform(0, canvas.width), rng.uniform(0, canvas.height)
        canvas.paste(st, (int(px - st.width / 2), int(py - st.height / 2)), st)
    params["stickers"] = names
    params["lang"] = lang
    return canvas, clip_box(box, canvas.width, canvas.height), params
