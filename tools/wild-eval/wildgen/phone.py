"""Phone-screen kinds: feed_screenshot, chat_screenshot, story."""
from __future__ import annotations

import math

from PIL import Image, ImageDraw, ImageFilter

from . import ui
from .common import (DISPLAY_FONTS, HAND_FONTS, LANG_NAMES, UI_FONTS, Ctx, blurred_cover, clamp_aspect,
                     contain, contrast_text, count_text, cover, drop_shadow, finish_scale, font, gradient, handle,
                     mix, pastel, person_name, rand_colour, rotated_rect_bbox, rounded_mask, sentence, weighted, wrap)

_BRAND_SYL = ["pic", "gram", "snap", "feed", "loop", "tok", "ly", "vibe", "spot", "zap", "nook", "cast", "blip",
              "hub", "lens", "glow", "pix", "moji", "ster", "buzz"]


def brand_name(rng):
    w = "".join(rng.choice(_BRAND_SYL) for _ in range(rng.randint(1, 2)))
    return w if rng.random() < 0.6 else w.capitalize()


def _screen_size(rng):
    W, H = rng.choice(ui.PHONE_SIZES)
    return W, H


def _downscale(rng):
    return 1.0 if rng.random() < 0.4 else round(rng.uniform(0.5, 1.0), 3)


def _maybe_phone_frame(ctx: Ctx, screen, box, params, p=0.22):
    rng = ctx.rng
    if rng.random() >= p:
        return screen, box
    bg = ctx.filler() if rng.random() < 0.6 else None
    canvas, (ox, oy), fp = ui.phone_frame(screen, rng, bg, bg_colour=pastel(rng))
    params.update(fp)
    x, y, w, h = box
    return canvas, (x + ox, y + oy, w, h)


# ============================================================================================ feed

def _photo_block(ctx: Ctx, photo: Image.Image, width: int, mode: str, rng, theme, max_h=None):
    """The photo as a feed shows it: cropped to a fixed aspect, at its own (clamped) aspect, or fitted
    into a square / 4:5 box on a fill. Returns the block image and the photo's box inside it."""
    if mode == "letterbox":
        box_aspect = rng.choice([1.0, 0.8])
        bh = int(width / box_aspect)
        fill = weighted(rng, {"black": 3, "theme": 2, "white": 1, "blur": 2})
        if fill == "blur":
            block = blurred_cover(photo, width, bh, radius=30, zoom=1.3, darken=0.15)
        else:
            c = {"black": (0, 0, 0), "white": (255, 255, 255), "theme": theme.card}[fill]
            block = Image.new("RGB", (width, bh), c)
        img, (x, y, w, h) = contain(photo, width, bh)
        block.paste(img, (x, y))
        return block, (x, y, w, h), {"photo_mode": "letterbox", "box_aspect": box_aspect, "fill": fill}
    if mode == "natural":
        a = clamp_aspect(photo, 0.8, 1.91)
    else:
        a = {"1:1": 1.0, "4:5": 0.8, "16:9": 16 / 9, "1.91:1": 1.91}[mode]
    h = int(width / a)
    if max_h and h > max_h:
        h = max_h
    img, crop = cover(photo, width, h, focus=(rng.uniform(0.3, 0.7), rng.uniform(0.3, 0.7)))
    return img, (0, 0, width, h), {"photo_mode": mode, "crop": crop}


def _post_insta(ctx, c: Image.Image, y, photo, u, theme, fonts, lang, is_main, rng):
    d = ImageDraw.Draw(c)
    W = c.width
    reg, bold = fonts
    name = handle(rng)
    av_r = 16 * u
    ui.avatar(c, 14 * u + av_r, y + 28 * u, av_r, rng, photo=ctx.filler() if rng.random() < 0.5 else None,
              ring=[(250, 180, 40), (220, 40, 140)] if rng.random() < 0.4 else None, ring_w=2 * u)
    has_loc = rng.random() < 0.45
    d.text((58 * u, y + (20 if has_loc else 28) * u), name, font=font(bold, 13.5 * u), fill=theme.fg, anchor="lm")
    if has_loc:
        d.text((58 * u, y + 37 * u), sentence(rng, lang, 1, 3), font=font(reg, 11.5 * u), fill=theme.fg, anchor="lm")
    ui.icon_dots(d, W - 22 * u, y + 28 * u, 20 * u, theme.fg)
    y += 56 * u
    mode = weighted(rng, {"1:1": 3, "4:5": 3, "16:9": 1, "natural": 2, "letterbox": 2})
    block, (bx, by, bw, bh), pp = _photo_block(ctx, photo, W, mode, rng, theme)
    c.paste(block, (0, int(y)))
    pbox = (bx, y + by, bw, bh)
    y += block.height
    d = ImageDraw.Draw(c)
    cy = y + 23 * u
    lw = max(1, int(1.8 * u))
    liked = rng.random() < 0.3
    ui.icon_heart(d, 24 * u, cy, 25 * u, (237, 73, 86) if liked else theme.fg, filled=liked, width=lw)
    ui.icon_comment(d, 62 * u, cy, 24 * u, theme.fg, width=lw)
    ui.icon_plane(d, 100 * u, cy, 24 * u, theme.fg, width=lw)
    ui.icon_bookmark(d, W - 24 * u, cy, 24 * u, theme.fg, width=lw)
    if rng.random() < 0.25:
        n = rng.randint(2, 6)
        for i in range(n):
            r = 3 * u
            x = W / 2 + (i - (n - 1) / 2) * 9 * u
            d.ellipse((x - r, cy - r, x + r, cy + r), fill=theme.accent if i == 0 else theme.sub)
    y += 46 * u
    likes = (f"{count_text(rng)} likes" if rng.random() < 0.6 else f"Liked by {handle(rng)} and others")
    d.text((14 * u, y), likes, font=font(bold, 13.5 * u), fill=theme.fg, anchor="lt")
    y += 20 * u
    fnt = font(reg, 13.5 * u)
    cap = f"{name} " + sentence(rng, lang, 4, 30)
    for line in wrap(cap, fnt, W - 28 * u, max_lines=rng.randint(1, 3)):
        d.text((14 * u, y), line, font=fnt, fill=theme.fg, anchor="lt")
        y += 18 * u
    if rng.random() < 0.6:
        d.text((14 * u, y + 2 * u), f"View all {rng.randint(2, 900)} comments", font=fnt, fill=theme.sub, anchor="lt")
        y += 20 * u
    d.text((14 * u, y + 2 * u), f"{rng.randint(1, 23)} hours ago", font=font(reg, 11 * u), fill=theme.sub, anchor="lt")
    y += 30 * u
    return y, pbox, pp


def _post_twitter(ctx, c, y, photo, u, theme, fonts, lang, is_main, rng):
    d = ImageDraw.Draw(c)
    W = c.width
    reg, bold = fonts
    y += 12 * u
    av_r = 20 * u
    ui.avatar(c, 16 * u + av_r, y + av_r, av_r, rng, photo=ctx.filler() if rng.random() < 0.5 else None)
    x0, x1 = 68 * u, W - 16 * u
    name = person_name(rng)
    nf = font(bold, 15 * u)
    d.text((x0, y + 9 * u), name, font=nf, fill=theme.fg, anchor="lm")
    nx = x0 + nf.getlength(name) + 4 * u
    if rng.random() < 0.4:
        r = 7.5 * u
        d.ellipse((nx, y + 9 * u - r, nx + 2 * r, y + 9 * u + r), fill=theme.accent)
        ui.icon_check(d, nx + r, y + 9 * u, 10 * u, (255, 255, 255), width=max(1, int(1.6 * u)))
        nx += 2 * r + 4 * u
    d.text((nx, y + 9 * u), f"@{handle(rng, name)} · {rng.randint(1, 23)}{rng.choice('hm')}", font=font(reg, 15 * u),
           fill=theme.sub, anchor="lm")
    ui.icon_dots(d, x1 - 6 * u, y + 9 * u, 18 * u, theme.sub)
    y += 22 * u
    fnt = font(reg, 15 * u)
    for line in wrap(sentence(rng, lang, 3, 35), fnt, x1 - x0, max_lines=rng.randint(1, 3)):
        d.text((x0, y), line, font=fnt, fill=theme.fg, anchor="lt")
        y += 20 * u
    y += 8 * u
    mode = weighted(rng, {"16:9": 3, "natural": 3, "1:1": 1})
    pw = int(x1 - x0)
    a = {"16:9": 16 / 9, "1:1": 1.0}.get(mode) or clamp_aspect(photo, 0.75, 1.91)
    ph = int(pw / a)
    img, crop = cover(photo, pw, ph, focus=(0.5, rng.uniform(0.3, 0.6)))
    rad = 16 * u
    d.rounded_rectangle((x0 - 1, y - 1, x0 + pw, y + ph), radius=rad, outline=theme.line, width=max(1, int(u)))
    c.paste(img, (int(x0), int(y)), rounded_mask(img.size, rad))
    pbox = (int(x0), int(y), pw, ph)
    pp = {"photo_mode": mode, "crop": crop, "corner_radius": round(rad)}
    y += ph + 10 * u
    d = ImageDraw.Draw(c)
    cy = y + 10 * u
    sf = font(reg, 13 * u)
    items = [("comment", ui.icon_comment), ("retweet", ui.icon_retweet), ("heart", ui.icon_heart),
             ("views", None), ("share", ui.icon_share_arrow)]
    step = (x1 - x0) / len(items)
    for i, (nm, fn) in enumerate(items):
        x = x0 + i * step + 9 * u
        if fn is None:
            for k, hh in enumerate((6, 11, 8)):
                d.rectangle((x - 6 * u + k * 4.5 * u, cy + 6 * u - hh * u, x - 3.5 * u + k * 4.5 * u, cy + 6 * u),
                            fill=theme.sub)
        else:
            fn(d, x, cy, 19 * u, theme.sub, width=max(1, int(1.5 * u)))
        if nm != "share":
            d.text((x + 14 * u, cy), count_text(rng, 1, 90000), font=sf, fill=theme.sub, anchor="lm")
    y += 32 * u
    d.line((0, y, W, y), fill=theme.line, width=max(1, int(u)))
    return y + 1, pbox, pp


def _post_fb(ctx, c, y, photo, u, theme, fonts, lang, is_main, rng):
    d = ImageDraw.Draw(c)
    W = c.width
    reg, bold = fonts
    d.rectangle((0, y, W, y + 8 * u), fill=mix(theme.bg, (128, 128, 128), 0.25))
    y += 8 * u
    av_r = 20 * u
    ui.avatar(c, 12 * u + av_r, y + 12 * u + av_r, av_r, rng, photo=ctx.filler() if rng.random() < 0.5 else None)
    d.text((62 * u, y + 22 * u), person_name(rng), font=font(bold, 15 * u), fill=theme.fg, anchor="lm")
    t = f"{rng.randint(1, 23)}{rng.choice(['h', 'm', ' hrs', ' min'])} · "
    sf = font(reg, 12.5 * u)
    d.text((62 * u, y + 41 * u), t, font=sf, fill=theme.sub, anchor="lm")
    ui.icon_globe(d, 62 * u + sf.getlength(t) + 6 * u, y + 41 * u, 13 * u, theme.sub)
    ui.icon_dots(d, W - 52 * u, y + 24 * u, 20 * u, theme.sub)
    ui.icon_close(d, W - 18 * u, y + 24 * u, 20 * u, theme.sub, width=max(1, int(1.6 * u)))
    y += 64 * u
    fnt = font(reg, 15 * u)
    for line in wrap(sentence(rng, lang, 2, 40), fnt, W - 24 * u, max_lines=rng.randint(1, 3)):
        d.text((12 * u, y), line, font=fnt, fill=theme.fg, anchor="lt")
        y += 20 * u
    y += 8 * u
    mode = weighted(rng, {"natural": 4, "1:1": 1, "letterbox": 1, "4:5": 1})
    block, (bx, by, bw, bh), pp = _photo_block(ctx, photo, W, mode, rng, theme)
    c.paste(block, (0, int(y)))
    pbox = (bx, y + by, bw, bh)
    y += block.height
    d = ImageDraw.Draw(c)
    cy = y + 18 * u
    r = 9 * u
    d.ellipse((12 * u, cy - r, 12 * u + 2 * r, cy + r), fill=(24, 119, 242))
    ui.icon_thumb(d, 12 * u + r, cy, 12 * u, (255, 255, 255))
    d.ellipse((26 * u, cy - r, 26 * u + 2 * r, cy + r), fill=(240, 60, 80), outline=theme.bg, width=max(1, int(u)))
    ui.icon_heart(d, 26 * u + r, cy + u, 11 * u, (255, 255, 255), filled=True)
    d.text((50 * u, cy), count_text(rng, 3, 50000), font=sf, fill=theme.sub, anchor="lm")
    d.text((W - 12 * u, cy), f"{rng.randint(1, 800)} comments  {rng.randint(1, 300)} shares", font=sf, fill=theme.sub,
           anchor="rm")
    y += 36 * u
    d.line((12 * u, y, W - 12 * u, y), fill=theme.line, width=max(1, int(u)))
    cy = y + 22 * u
    bf = font(bold if rng.random() < 0.5 else reg, 14 * u)
    for i, (lab, fn) in enumerate([("Like", ui.icon_thumb), ("Comment", ui.icon_bubble_square), ("Share", ui.icon_share_arrow)]):
        x = W * (i + 0.5) / 3
        tw = bf.getlength(lab)
        if fn is ui.icon_thumb:
            fn(d, x - tw / 2 - 8 * u, cy, 18 * u, theme.sub)
        else:
            fn(d, x - tw / 2 - 8 * u, cy, 18 * u, theme.sub, width=max(1, int(1.5 * u)))
        d.text((x - tw / 2 + 6 * u, cy), lab, font=bf, fill=theme.sub, anchor="lm")
    y += 44 * u
    return y, pbox, pp


POSTS = {"insta": _post_insta, "twitter": _post_twitter, "fb": _post_fb}


def _stories_row(ctx, c, y, u, theme, fonts, rng):
    d = ImageDraw.Draw(c)
    r = 31 * u
    x = 12 * u + r
    while x < c.width + r:
        ui.avatar(c, x, y + 12 * u + r, r, rng, photo=ctx.filler() if rng.random() < 0.25 else None,
                  ring=[(250, 180, 40), (220, 40, 140)] if rng.random() < 0.7 else theme.line, ring_w=2.2 * u)
        d.text((x, y + 20 * u + 2 * r), handle(rng)[:10], font=font(fonts[0], 11 * u), fill=theme.fg, anchor="mt")
        x += 2 * r + 20 * u
    y2 = y + 2 * r + 40 * u
    d.line((0, y2, c.width, y2), fill=theme.line, width=max(1, int(u)))
    return y2 + 1


def _feed_header(scr, template, u, theme, fonts, rng, y0, brand):
    d = ImageDraw.Draw(scr)
    W = scr.width
    if template == "insta":
        h = 44 * u
        d.rectangle((0, y0, W, y0 + h), fill=theme.bg)
        bf = font(rng.choice(["serif_bold_italic", "serif_italic", "cond_bold", "sans_bold", "serif_bold"]), 25 * u)
        if rng.random() < 0.5:
            d.text((14 * u, y0 + h / 2), brand, font=bf, fill=theme.fg, anchor="lm")
        else:
            d.text((W / 2, y0 + h / 2), brand, font=bf, fill=theme.fg, anchor="mm")
            ui.icon_camera(d, 26 * u, y0 + h / 2, 26 * u, theme.fg, width=max(1, int(1.8 * u)))
        ui.icon_heart(d, W - 64 * u, y0 + h / 2, 24 * u, theme.fg, width=max(1, int(1.8 * u)))
        ui.icon_plane(d, W - 24 * u, y0 + h / 2, 24 * u, theme.fg, width=max(1, int(1.8 * u)))
        return h
    if template == "twitter":
        h = 50 * u
        d.rectangle((0, y0, W, y0 + h + 44 * u), fill=theme.bg)
        ui.avatar(scr, 30 * u, y0 + h / 2, 16 * u, rng)
        d.text((W / 2, y0 + h / 2), rng.choice(["X", brand[:1].upper(), "◆"]), font=font("sans_bold", 24 * u),
               fill=theme.fg, anchor="mm")
        ui.icon_bell(d, W - 28 * u, y0 + h / 2, 22 * u, theme.fg, width=max(1, int(1.6 * u)))
        tf = font(fonts[1], 15 * u)
        tabs = rng.choice([("For you", "Following"), ("Home", "Latest"), ("Für dich", "Folge ich"), ("Para ti", "Siguiendo")])
        for i, t in enumerate(tabs):
            x = W * (0.25 + 0.5 * i)
            d.text((x, y0 + h + 20 * u), t, font=tf, fill=theme.fg if i == 0 else theme.sub, anchor="mm")
            if i == 0:
                tw = tf.getlength(t)
                d.rounded_rectangle((x - tw / 2, y0 + h + 40 * u, x + tw / 2, y0 + h + 44 * u), radius=2 * u, fill=theme.accent)
        d.line((0, y0 + h + 44 * u, W, y0 + h + 44 * u), fill=theme.line, width=max(1, int(u)))
        return h + 44 * u + 1
    h = 56 * u
    d.rectangle((0, y0, W, y0 + h), fill=theme.bg)
    d.text((14 * u, y0 + h / 2), brand.lower(), font=font(rng.choice(["sans_bold", "cond_bold"]), 27 * u),
           fill=theme.accent, anchor="lm")
    for i, fn in enumerate([ui.icon_plane, ui.icon_search, ui.icon_plus]):
        x = W - (28 + i * 46) * u
        r = 18 * u
        d.ellipse((x - r, y0 + h / 2 - r, x + r, y0 + h / 2 + r), fill=mix(theme.bg, (128, 128, 128), 0.25))
        fn(d, x, y0 + h / 2, 20 * u, theme.fg, width=max(1, int(1.8 * u)))
    return h


def _bottom_nav(scr, u, theme, rng, status_style, icons):
    d = ImageDraw.Draw(scr)
    W, H = scr.size
    android = status_style == "android"
    extra = 34 * u if not android and status_style == "ios" else 0
    sys_h = 44 * u if android and rng.random() < 0.5 else 0
    h = 50 * u
    y0 = H - h - extra - sys_h
    d.rectangle((0, y0, W, H), fill=theme.bg)
    d.line((0, y0, W, y0), fill=theme.line, width=max(1, int(u)))
    for i, nm in enumerate(icons):
        x = W * (i + 0.5) / len(icons)
        ui.ICONS[nm](d, x, y0 + h / 2, 25 * u, theme.fg, width=max(1, int(1.9 * u)))
    if extra:
        ui.home_indicator(scr, H - extra / 2 + 4 * u, theme.fg)
    if sys_h:
        ui.android_nav(scr, H - sys_h, sys_h, theme.fg, theme.bg)
    return y0


def feed_screenshot(ctx: Ctx):
    rng = ctx.rng
    W, H = _screen_size(rng)
    u = W / 390
    theme = ui.Theme(rng)
    fonts = rng.choice(UI_FONTS[:3])
    lang = rng.choice(LANG_NAMES)
    template = weighted(rng, {"insta": 4, "twitter": 3, "fb": 3})
    post = POSTS[template]
    brand = brand_name(rng)
    # content: [stories row | previous post] main post, next post, drawn on a tall strip and scrolled
    strip = Image.new("RGB", (W, H * 5), theme.bg)
    y = 0
    prev = rng.random() < 0.6
    if not prev and template == "insta" and rng.random() < 0.6:
        y = _stories_row(ctx, strip, y, u, theme, fonts, rng)
    elif prev:
        y, _, _ = post(ctx, strip, y, ctx.filler(), u, theme, fonts, rng.choice(LANG_NAMES), False, rng)
    top_main = y
    y, pbox, pp = post(ctx, strip, y, ctx.main, u, theme, fonts, lang, True, rng)
    while y < pbox[1] + pbox[3] + H:  # following posts, enough to fill any scroll position
        y, _, _ = post(ctx, strip, y, ctx.filler(), u, theme, fonts, rng.choice(LANG_NAMES), False, rng)
    # screen chrome sizes
    status_style = "android" if W in (720, 1080) and H in (1600, 2400) else rng.choice(["ios", "ios", "android", "ios_old"])
    sb_h = {"ios": 47, "android": 30, "ios_old": 20}[status_style] * u
    scr = Image.new("RGB", (W, H), theme.bg)
    hdr_tmp = Image.new("RGB", (W, int(200 * u)), theme.bg)
    hdr_h = _feed_header(hdr_tmp, template, u, theme, fonts, rng, 0, brand)
    nav_icons = {"insta": ["home", "search", "plus", "reels", "person"], "twitter": ["home", "search", "bell", "plane"],
                 "fb": ["home", "reels", "person", "bell", "search"]}[template]
    view_top = sb_h + hdr_h
    nav_h_est = 50 * u + (34 * u if status_style == "ios" else 0)
    view_h = H - nav_h_est - view_top
    px, py, pw, ph = pbox
    lo, hi = py + ph - view_h, py  # scroll so the photo is fully in view
    if prev or top_main == 0:
        lo = max(lo, 0 if prev else 0)
    if lo > hi:  # photo taller than the view: show its middle
        scroll = (lo + hi) / 2
    else:
        if rng.random() < 0.12:  # now and then a photo cut by the header or the nav bar
            lo -= ph * 0.15
            hi += ph * 0.15
        scroll = rng.uniform(max(0, lo), max(0, hi))
    scroll = int(min(scroll, strip.height - view_h))
    scr.paste(strip.crop((0, scroll, W, scroll + int(H - view_top))), (0, int(view_top)))
    scr.paste(hdr_tmp.crop((0, 0, W, int(hdr_h))), (0, int(sb_h)))
    ui.status_bar(scr, rng, 0, int(sb_h), theme.fg, theme.bg, style=status_style)
    nav_top = _bottom_nav(scr, u, theme, rng, status_style, nav_icons)
    box = (px, py - scroll + view_top, pw, ph)
    # visible part only: clip to the view between the header and the nav bar
    vy0, vy1 = max(box[1], view_top), min(box[1] + box[3], nav_top)
    if template == "twitter" and rng.random() < 0.6:  # floating compose button
        d = ImageDraw.Draw(scr)
        r = 28 * u
        cx, cy = W - 16 * u - r, nav_top - 16 * u - r
        d.ellipse((cx - r, cy - r, cx + r, cy + r), fill=theme.accent)
        ui.icon_plus(d, cx, cy, 30 * u, (255, 255, 255), width=max(1, int(2.4 * u)))
    box = (box[0], vy0, box[2], vy1 - vy0)
    params = {"template": template, "screen": [W, H], "theme": "dark" if theme.dark else "light", "lang": lang,
              "font": fonts[0], "status": status_style, "prev_post": prev, **pp}
    img, box = _maybe_phone_frame(ctx, scr, box, params)
    s = _downscale(rng)
    params["downscale"] = s
    img, box = finish_scale(img, box, s)
    return img, box, params


# ============================================================================================ chat

def _doodle_wallpaper(W, H, base, rng, u):
    img = Image.new("RGB", (W, H), base)
    d = ImageDraw.Draw(img)
    ink = mix(base, (128, 128, 128) if sum(base) > 380 else (90, 110, 120), 0.18)
    step = int(46 * u)
    for gy in range(0, H + step, step):
        for gx in range(0, W + step, step):
            x, y = gx + rng.uniform(-10, 10) * u, gy + rng.uniform(-10, 10) * u
            s = rng.uniform(8, 16) * u
            k = rng.randrange(5)
            if k == 0:
                d.ellipse((x - s / 2, y - s / 2, x + s / 2, y + s / 2), outline=ink, width=max(1, int(1.3 * u)))
            elif k == 1:
                ui.icon_heart(d, x, y, s, ink, width=max(1, int(1.3 * u)))
            elif k == 2:
                d.line([(x - s / 2, y), (x + s / 2, y), (x, y - s / 2), (x - s / 2, y)], fill=ink, width=max(1, int(1.3 * u)))
            elif k == 3:
                d.arc((x - s / 2, y - s / 2, x + s / 2, y + s / 2), 0, 180, fill=ink, width=max(1, int(1.3 * u)))
            else:
                ui.icon_camera(d, x, y, s, ink, width=max(1, int(1.2 * u)))
    return img


def chat_screenshot(ctx: Ctx):
    rng = ctx.rng
    W, H = _screen_size(rng)
    u = W / 390
    style = weighted(rng, {"wa": 4, "imsg": 3, "tg": 3})
    theme = ui.Theme(rng)
    reg, bold = rng.choice(UI_FONTS[:3])
    lang = rng.choice(LANG_NAMES)
    dark = theme.dark
    # colours per style
    if style == "wa":
        out_c, in_c = ((0, 92, 75), (32, 44, 51)) if dark else ((217, 253, 211), (255, 255, 255))
        base = (11, 20, 26) if dark else rng.choice([(236, 229, 221), (229, 221, 213), (208, 231, 223)])
        radius = 8 * u
        head_bg = (31, 44, 52) if dark else rng.choice([(0, 128, 105), (7, 94, 84), (240, 242, 245)])
    elif style == "imsg":
        out_c, in_c = rng.choice([(10, 132, 255), (52, 199, 89)]), ((38, 38, 41) if dark else (233, 233, 235))
        base = (0, 0, 0) if dark else (255, 255, 255)
        radius = 18 * u
        head_bg = (22, 22, 24) if dark else (247, 247, 247)
    else:
        out_c = rng.choice([(43, 82, 120), (118, 106, 200)]) if dark else rng.choice([(239, 253, 222), (120, 100, 240), (0, 132, 255)])
        in_c = (24, 37, 51) if dark else (255, 255, 255)
        base = None
        radius = 14 * u
        head_bg = (23, 33, 43) if dark else rng.choice([(255, 255, 255), (81, 125, 162)])
    fg_in = (240, 240, 240) if dark else (17, 17, 17)
    fg_out = contrast_text(out_c)
    head_fg = contrast_text(head_bg)
    # background
    if style == "wa":
        scr = _doodle_wallpaper(W, H, base, rng, u) if rng.random() < 0.8 else Image.new("RGB", (W, H), base)
    elif style == "imsg":
        scr = Image.new("RGB", (W, H), base)
    else:
        if dark:
            scr = gradient(W, H, [(14, 22, 33), (30, 40, 60)], rng.uniform(0, 180))
        else:
            scr = gradient(W, H, [pastel(rng), pastel(rng), pastel(rng)], rng.uniform(0, 180))
    d = ImageDraw.Draw(scr)
    status_style = rng.choice(["ios", "android"]) if style != "imsg" else "ios"
    sb_h = (47 if status_style == "ios" else 30) * u
    head_h = (96 if style == "imsg" else 58) * u
    # input bar
    bottom_pad = 34 * u if status_style == "ios" else (44 * u if rng.random() < 0.5 else 0)
    in_h = 54 * u
    in_top = H - bottom_pad - in_h
    bar_bg = base if style == "wa" else (head_bg if style == "imsg" else ((23, 33, 43) if dark else (255, 255, 255)))
    d.rectangle((0, in_top, W, H), fill=bar_bg)
    field_c = (32, 44, 51) if (dark and style == "wa") else ((28, 28, 30) if dark else (255, 255, 255))
    icol = (140, 150, 155)
    mf = font(reg, 16 * u)
    if style == "wa":
        d.rounded_rectangle((8 * u, in_top + 6 * u, W - 62 * u, in_top + in_h - 6 * u), radius=22 * u, fill=field_c)
        ui.icon_emoji(d, 30 * u, in_top + in_h / 2, 24 * u, icol, width=max(1, int(1.6 * u)))
        d.text((50 * u, in_top + in_h / 2), rng.choice(["Message", "Nachricht", "Mensaje", "Сообщение", "Mesaj"]),
               font=mf, fill=icol, anchor="lm")
        ui.icon_clip(d, W - 120 * u, in_top + in_h / 2, 22 * u, icol, width=max(1, int(1.6 * u)))
        ui.icon_camera(d, W - 88 * u, in_top + in_h / 2, 22 * u, icol, width=max(1, int(1.6 * u)))
        r = 22 * u
        d.ellipse((W - 8 * u - 2 * r, in_top + in_h / 2 - r, W - 8 * u, in_top + in_h / 2 + r), fill=(0, 168, 132))
        ui.icon_mic(d, W - 8 * u - r, in_top + in_h / 2, 22 * u, (255, 255, 255), width=max(1, int(1.6 * u)))
    else:
        ui.icon_plus(d, 24 * u, in_top + in_h / 2, 26 * u, icol, width=max(1, int(2 * u)), box=style == "imsg")
        d.rounded_rectangle((48 * u, in_top + 9 * u, W - 50 * u, in_top + in_h - 9 * u), radius=18 * u,
                            fill=field_c if style != "imsg" else None, outline=(90, 90, 95) if style == "imsg" else None,
                            width=max(1, int(u)))
        d.text((62 * u, in_top + in_h / 2), rng.choice(["iMessage", "Message", "Text Message", "Write a message…"]),
               font=mf, fill=icol, anchor="lm")
        ui.icon_mic(d, W - 26 * u, in_top + in_h / 2, 24 * u, icol, width=max(1, int(1.6 * u)))
    if bottom_pad and status_style == "ios":
        ui.home_indicator(scr, H - bottom_pad / 2, contrast_text(bar_bg))
    elif bottom_pad:
        ui.android_nav(scr, H - bottom_pad, bottom_pad, contrast_text(bar_bg), bar_bg)
    # messages, bottom-up from the input bar
    y = in_top - 10 * u
    top_limit = sb_h + head_h
    n_after = rng.choice([0, 0, 1, 1, 2, 3, 4])
    img_side = rng.random() < 0.5  # True: sent by me (right)
    group = style != "imsg" and rng.random() < 0.3
    tf = font(reg, 16 * u)
    small = font(reg, 11 * u)
    pbox = None
    pparams = {}
    seq = [("text", rng.random() < 0.5) for _ in range(n_after)] + [("image", img_side)] + \
          [("text", rng.random() < 0.5) for _ in range(30)]
    last_side = None
    for kind, mine in seq:
        if y < top_limit - 200 * u:
            break
        gap = (4 if mine == last_side else 12) * u
        y -= gap
        last_side = mine
        bub_c = out_c if mine else in_c
        tcol = fg_out if mine else fg_in
        avatar_pad = 40 * u if (group and not mine) else 0
        if kind == "image":
            frac = rng.uniform(0.6, 0.8)
            pw = int(W * frac)
            a = clamp_aspect(ctx.main, 0.6, 1.8)
            ph = int(pw / a)
            if ph > (in_top - top_limit) * 0.8:
                ph = int((in_top - top_limit) * 0.8)
            photo, crop = cover(ctx.main, pw, ph)
            pad = (3 * u) if style in ("wa", "tg") else 0
            caption = style != "imsg" and rng.random() < 0.3
            cap_lines = wrap(sentence(rng, lang, 2, 14), tf, pw - 16 * u, max_lines=2) if caption else []
            bh = ph + 2 * pad + (len(cap_lines) * 21 * u + 22 * u if caption else 0)
            bx = W - 10 * u - pw - 2 * pad if mine else 10 * u + avatar_pad
            by = y - bh
            if pad:
                d.rounded_rectangle((bx, by, bx + pw + 2 * pad, by + bh), radius=radius, fill=bub_c)
            prad = radius if not pad else max(2, radius - pad)
            scr.paste(photo, (int(bx + pad), int(by + pad)), rounded_mask(photo.size, prad))
            pbox = (int(bx + pad), int(by + pad), pw, ph)
            d = ImageDraw.Draw(scr)
            ts = f"{rng.randint(0, 23)}:{rng.randint(0, 59):02d}"
            if style == "wa" and not caption:  # timestamp over the photo, on a dark fade
                fade = Image.new("L", (pw, int(30 * u)))
                fd = ImageDraw.Draw(fade)
                for k in range(fade.height):
                    fd.line((0, k, pw, k), fill=int(110 * k / fade.height))
                scr.paste((0, 0, 0), (int(bx + pad), int(by + pad + ph - fade.height)), fade)
                d = ImageDraw.Draw(scr)
                d.text((bx + pad + pw - 24 * u if mine else bx + pad + pw - 8 * u, by + pad + ph - 10 * u), ts,
                       font=small, fill=(255, 255, 255), anchor="rm")
                if mine:
                    ui.icon_check(d, bx + pad + pw - 13 * u, by + pad + ph - 10 * u, 11 * u, (83, 189, 235),
                                  width=max(1, int(1.3 * u)), double=True)
            for i, line in enumerate(cap_lines):
                d.text((bx + pad + 8 * u, by + pad + ph + 6 * u + i * 21 * u), line, font=tf, fill=tcol, anchor="lt")
            if caption:
                d.text((bx + pw + 2 * pad - 8 * u, by + bh - 6 * u), ts, font=small, fill=mix(tcol, bub_c, 0.4), anchor="rb")
            if style == "tg" and rng.random() < 0.35:  # a reaction chip
                cx0 = bx + 4 * u
                d.rounded_rectangle((cx0, by + bh + 3 * u, cx0 + 44 * u, by + bh + 27 * u), radius=12 * u,
                                    fill=mix(bub_c, (128, 128, 128), 0.3))
                ui.icon_heart(d, cx0 + 13 * u, by + bh + 15 * u, 14 * u, (237, 73, 86), filled=True)
                d.text((cx0 + 26 * u, by + bh + 15 * u), str(rng.randint(1, 9)), font=small, fill=tcol, anchor="lm")
            pparams = {"bubble_width_frac": round(frac, 3), "crop": crop, "sent": mine, "caption": caption,
                       "corner_radius": round(prad)}
            y = by
        else:
            msg = sentence(rng, lang if rng.random() < 0.85 else rng.choice(LANG_NAMES), 1, 22)
            lines = wrap(msg, tf, W * 0.68 - avatar_pad, max_lines=6)
            tw = max(tf.getlength(l) for l in lines)
            ts = f"{rng.randint(0, 23)}:{rng.randint(0, 59):02d}"
            ts_inline = style in ("wa", "tg")
            bw = tw + 24 * u + (46 * u if ts_inline else 0)
            bh = len(lines) * 21 * u + 16 * u + (14 * u if group and not mine else 0)
            bx = W - 10 * u - bw if mine else 10 * u + avatar_pad
            by = y - bh
            d.rounded_rectangle((bx, by, bx + bw, by + bh), radius=radius, fill=bub_c)
            ty = by + 8 * u
            if group and not mine:
                d.text((bx + 12 * u, ty), person_name(rng), font=font(bold, 13 * u), fill=rand_colour(rng, val=(0.6, 0.9)),
                       anchor="lt")
                ty += 16 * u
            for i, line in enumerate(lines):
                d.text((bx + 12 * u, ty + i * 21 * u), line, font=tf, fill=tcol, anchor="lt")
            if ts_inline:
                d.text((bx + bw - 8 * u, by + bh - 5 * u), ts, font=small, fill=mix(tcol, bub_c, 0.45), anchor="rb")
            if group and not mine:
                ui.avatar(scr, 10 * u + 16 * u, by + bh - 16 * u, 15 * u, rng)
                d = ImageDraw.Draw(scr)
            y = by
        if rng.random() < 0.08:  # a date chip between messages
            y -= 10 * u
            lab = rng.choice(["TODAY", "Yesterday", "Today 9:41", "Monday", "Heute", "Hoy"])
            cw = font(bold, 12 * u).getlength(lab) + 20 * u
            chip_c = (24, 34, 40) if dark else (255, 255, 255) if style != "imsg" else base
            d.rounded_rectangle((W / 2 - cw / 2, y - 24 * u, W / 2 + cw / 2, y), radius=8 * u, fill=chip_c)
            d.text((W / 2, y - 12 * u), lab, font=font(bold, 12 * u), fill=(140, 140, 140), anchor="mm")
            y -= 24 * u
    # header over the list
    d.rectangle((0, 0, W, sb_h + head_h), fill=head_bg)
    ui.status_bar(scr, rng, 0, int(sb_h), head_fg, head_bg, style=status_style)
    d = ImageDraw.Draw(scr)
    name = person_name(rng) if not group else sentence(rng, lang, 1, 3)
    hy = sb_h + head_h / 2
    if style == "imsg":
        ui.icon_chevron(d, 18 * u, hy - 10 * u, 24 * u, theme.accent, width=max(1, int(2.5 * u)))
        ui.avatar(scr, W / 2, sb_h + 30 * u, 24 * u, rng, photo=ctx.filler() if rng.random() < 0.4 else None)
        d.text((W / 2, sb_h + 68 * u), name + " ›", font=font(reg, 12 * u), fill=head_fg, anchor="mm")
        ui.icon_video(d, W - 30 * u, hy - 10 * u, 28 * u, theme.accent, width=max(1, int(1.8 * u)))
    else:
        ui.icon_chevron(d, 16 * u, hy, 22 * u, head_fg, width=max(1, int(2.2 * u)))
        ui.avatar(scr, 52 * u, hy, 19 * u, rng, photo=ctx.filler() if rng.random() < 0.4 else None)
        d.text((80 * u, hy - 8 * u), name, font=font(bold, 16 * u), fill=head_fg, anchor="lm")
        d.text((80 * u, hy + 11 * u), rng.choice(["online", "last seen today at 9:12", "typing…", "zuletzt online", "en línea",
                                                  f"{rng.randint(3, 200)} members"]),
               font=font(reg, 12.5 * u), fill=mix(head_fg, head_bg, 0.3), anchor="lm")
        ui.icon_video(d, W - 104 * u, hy, 24 * u, head_fg, width=max(1, int(1.8 * u)))
        ui.icon_phone(d, W - 60 * u, hy, 22 * u, head_fg, width=max(1, int(1.8 * u)))
        ui.icon_dots(d, W - 20 * u, hy, 20 * u, head_fg, vertical=True)
    d.line((0, sb_h + head_h, W, sb_h + head_h), fill=mix(head_bg, (128, 128, 128), 0.3), width=max(1, int(u)))
    # the photo may run under the header when the list is long: keep the visible part
    x, y0, w, h = pbox
    vy0 = max(y0, sb_h + head_h + 1)
    box = (x, vy0, w, y0 + h - vy0)
    params = {"template": style, "screen": [W, H], "theme": "dark" if dark else "light", "lang": lang, "font": reg,
              "status": status_style, "group": group, "messages_after": n_after, **pparams}
    img, box = _maybe_phone_frame(ctx, scr, box, params, p=0.15)
    s = _downscale(rng)
    params["downscale"] = s
    img, box = finish_scale(img, box, s)
    return img, box, params


# ============================================================================================ story

def _text_sticker(rng, lang, scale, theme_dark):
    """A story text sticker as RGBA: highlighted text, outlined text, @mention, #tag, location, poll, time."""
    kind = weighted(rng, {"highlight": 3, "plain": 2, "mention": 2, "hashtag": 1, "location": 1, "poll": 1, "time": 1})
    style = rng.choice(DISPLAY_FONTS + HAND_FONTS[:2])
    fs = int(rng.uniform(40, 80) * scale)
    f = font(style, fs)
    if kind in ("highlight", "plain"):
        text = sentence(rng, lang, 1, 5, cap=rng.random() < 0.5)
        if rng.random() < 0.3:
            text = text.upper()
    elif kind == "mention":
        text = "@" + handle(rng)
    elif kind == "hashtag":
        text = "#" + sentence(rng, lang, 1, 2).replace(" ", "").lower()
    elif kind == "location":
        text = "• " + sentence(rng, lang, 1, 2).upper()
    elif kind == "time":
        text = f"{rng.randint(0, 23)}:{rng.randint(0, 59):02d}"
        f = font("cond_bold", int(fs * 1.6))
    else:
        text = sentence(rng, lang, 2, 5) + "?"
    lines = wrap(text, f, 820 * scale, max_lines=3)
    lh = f.size * 1.25
    tw = max(f.getlength(l) for l in lines)
    pad = f.size * 0.45
    if kind == "poll":
        w, h = int(max(tw, 300 * scale) + 2 * pad), int(len(lines) * lh + 2 * pad + 80 * scale)
    else:
        w, h = int(tw + 2 * pad), int(len(lines) * lh + 2 * pad)
    im = Image.new("RGBA", (w + 8, h + 8), (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    col = rand_colour(rng, (0.5, 1.0), (0.7, 1.0)) if rng.random() < 0.5 else (255, 255, 255)
    if kind in ("highlight", "mention", "hashtag", "location", "poll", "time"):
        bg = (255, 255, 255) if kind in ("mention", "location", "poll") or rng.random() < 0.3 else col
        d.rounded_rectangle((4, 4, 4 + w, 4 + h), radius=min(w, h) * 0.25, fill=bg + (rng.choice([255, 255, 220]),))
        tcol = contrast_text(bg) if kind not in ("mention", "hashtag") else rand_colour(rng, (0.6, 1), (0.5, 0.85))
        stroke = 0
    else:
        tcol = col
        stroke = max(1, f.size // 14)
    for i, line in enumerate(lines):
        d.text((4 + w / 2, 4 + pad + i * lh + lh / 2), line, font=f, fill=tcol, anchor="mm", stroke_width=stroke,
               stroke_fill=(0, 0, 0))
    if kind == "poll":
        oy = 4 + pad + len(lines) * lh + 10 * scale
        for j, lab in enumerate(rng.choice([("YES", "NO"), ("JA", "NEIN"), ("SÍ", "NO"), ("A", "B"), ("ДА", "НЕТ")])):
            x0 = 4 + pad + j * (w - 2 * pad) / 2
            d.rounded_rectangle((x0 + 4, oy, x0 + (w - 2 * pad) / 2 - 4, oy + 58 * scale), radius=10 * scale,
                                fill=(235, 235, 235))
            d.text((x0 + (w - 2 * pad) / 4, oy + 29 * scale), lab, font=font("sans_bold", 26 * scale),
                   fill=rand_colour(rng, (0.6, 1), (0.6, 0.9)), anchor="mm")
    return im, kind


def story(ctx: Ctx):
    rng = ctx.rng
    size = rng.choice([(1080, 1920), (720, 1280), (1080, 1920), (1080, 2340), (750, 1334)])
    W, H = size
    phone_tall = H / W > 1.9  # story frame plus a black reply area below, as on tall phones
    FW, FH = (W, int(W * 16 / 9)) if phone_tall else (W, H)
    sc = W / 1080
    lang = rng.choice(LANG_NAMES)
    bg_mode = weighted(rng, {"gradient": 4, "filler_blur": 3, "self_blur": 2, "solid": 1})
    if bg_mode == "gradient":
        cols = [rand_colour(rng, (0.3, 0.9), (0.3, 0.95)) for _ in range(rng.randint(2, 3))]
        frame = gradient(FW, FH, cols, rng.uniform(0, 180))
    elif bg_mode == "filler_blur":
        frame = blurred_cover(ctx.filler(), FW, FH, radius=rng.uniform(20, 60), zoom=rng.uniform(1.2, 2.5),
                              darken=rng.uniform(0, 0.3))
    elif bg_mode == "self_blur":
        frame = blurred_cover(ctx.main, FW, FH, radius=rng.uniform(30, 70), zoom=rng.uniform(1.5, 3.0),
                              darken=rng.uniform(0.1, 0.4))
    else:
        frame = Image.new("RGB", (FW, FH), rand_colour(rng))
    # the photo
    wf = rng.uniform(0.6, 1.0)
    pw = int(FW * wf)
    a = clamp_aspect(ctx.main, 0.56, 2.0)
    ph = int(pw / a)
    if ph > FH * 0.78:
        ph = int(FH * 0.78)
        pw = int(ph * a)
    photo, crop = cover(ctx.main, pw, ph)
    angle = 0.0 if rng.random() < 0.6 else rng.uniform(-14, 14)
    rad = 0 if rng.random() < 0.5 else rng.uniform(10, 40) * sc
    cx = FW / 2 + rng.uniform(-0.12, 0.12) * FW
    cy = FH * rng.uniform(0.38, 0.6)
    _, bb0 = rotated_rect_bbox(cx - pw / 2, cy - ph / 2, pw, ph, angle, cx, cy)
    if bb0[2] <= FW:  # keep the photo on the frame where it fits (a rotated full-width photo may not)
        cx = min(max(cx, bb0[2] / 2), FW - bb0[2] / 2)
    else:
        cx = FW / 2
    x0, y0 = cx - pw / 2, cy - ph / 2
    rgba = photo.convert("RGBA")
    rgba.putalpha(rounded_mask(photo.size, rad))
    if angle:
        rot = rgba.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True)
    else:
        rot = rgba
    if rng.random() < 0.4:
        drop_shadow(frame, (cx - rot.width / 2 + 10, cy - rot.height / 2 + 10, rot.width - 20, rot.height - 20),
                    rad, blur=18 * sc, offset=(0, int(10 * sc)), opacity=0.5)
    frame.paste(rot, (int(round(cx - rot.width / 2)), int(round(cy - rot.height / 2))), rot)
    _, bbox = rotated_rect_bbox(x0, y0, pw, ph, angle, cx, cy)
    # stickers
    kinds = []
    for _ in range(rng.randint(1, 3)):
        st, k = _text_sticker(rng, lang, sc * rng.uniform(0.9, 1.5), False)
        kinds.append(k)
        st = st.rotate(rng.uniform(-15, 15), resample=Image.Resampling.BICUBIC, expand=True) if rng.random() < 0.6 else st
        if st.width > FW * 0.95:
            st = st.resize((int(FW * 0.95), max(1, int(st.height * FW * 0.95 / st.width))), Image.Resampling.LANCZOS)
        sx = rng.uniform(0.02, 0.98) * (FW - st.width)
        sy = rng.choice([rng.uniform(0.1, 0.3), rng.uniform(0.65, 0.85), rng.uniform(0.25, 0.75)]) * (FH - st.height)
        frame.paste(st, (int(sx), int(sy)), st)
    d = ImageDraw.Draw(frame)
    # progress bar and header
    n = rng.randint(1, 8)
    cur = rng.randrange(n)
    m = 8 * sc
    segw = (FW - 2 * m - (n - 1) * 4 * sc) / n
    top = (12 if not phone_tall else 56) * sc
    for i in range(n):
        x = m + i * (segw + 4 * sc)
        d.rounded_rectangle((x, top, x + segw, top + 4 * sc), radius=2 * sc, fill=(160, 160, 160))
        fillw = segw if i < cur else (segw * rng.uniform(0.05, 0.95) if i == cur else 0)
        if fillw:
            d.rounded_rectangle((x, top, x + fillw, top + 4 * sc), radius=2 * sc, fill=(255, 255, 255))
    hy = top + 62 * sc
    ui.avatar(frame, 52 * sc, hy, 32 * sc, rng, photo=ctx.filler() if rng.random() < 0.4 else None)
    d = ImageDraw.Draw(frame)
    nf = font("sans_bold", 38 * sc)
    nm = handle(rng)
    d.text((100 * sc, hy), nm, font=nf, fill=(255, 255, 255), anchor="lm", stroke_width=1, stroke_fill=(60, 60, 60))
    d.text((100 * sc + nf.getlength(nm) + 18 * sc, hy), f"{rng.randint(1, 23)}h", font=font("sans", 36 * sc),
           fill=(235, 235, 235), anchor="lm")
    ui.icon_dots(d, FW - 120 * sc, hy, 56 * sc, (255, 255, 255))
    ui.icon_close(d, FW - 48 * sc, hy, 60 * sc, (255, 255, 255), width=max(2, int(5 * sc)))
    if phone_tall:
        scr = Image.new("RGB", (W, H), (0, 0, 0))
        fm = rounded_mask((FW, FH), 28 * sc) if rng.random() < 0.6 else None
        scr.paste(frame, (0, 0), fm)
        reply_y = FH + (H - FH) / 2
        ui.status_bar(scr, rng, 0, int(44 * sc), (255, 255, 255), None, style="ios")
    else:
        scr = frame
        reply_y = H - 84 * sc
    d = ImageDraw.Draw(scr)
    own = rng.random() < 0.2
    if own:
        ui.avatar(scr, 60 * sc, reply_y, 22 * sc, rng)
        d = ImageDraw.Draw(scr)
        d.text((96 * sc, reply_y), f"Seen by {rng.randint(2, 400)}", font=font("sans", 34 * sc), fill=(255, 255, 255),
               anchor="lm")
    else:
        d.rounded_rectangle((24 * sc, reply_y - 44 * sc, FW - 190 * sc, reply_y + 44 * sc), radius=44 * sc,
                            outline=(220, 220, 220), width=max(1, int(2 * sc)))
        d.text((56 * sc, reply_y), rng.choice(["Send message", "Reply…", f"Reply to {nm}…", "Nachricht senden",
                                                "Enviar mensaje", "Отправить сообщение"]),
               font=font("sans", 36 * sc), fill=(235, 235, 235), anchor="lm")
        ui.icon_heart(d, FW - 136 * sc, reply_y, 58 * sc, (255, 255, 255), width=max(2, int(4.5 * sc)))
        ui.icon_plane(d, FW - 56 * sc, reply_y, 58 * sc, (255, 255, 255), width=max(2, int(4.5 * sc)))
    params = {"template": "phone_tall" if phone_tall else "full_frame", "story_size": [W, H], "background": bg_mode,
              "photo_width_frac": round(wf, 3), "angle": round(angle, 2), "corner_radius": round(rad), "crop": crop,
              "stickers": kinds, "lang": lang, "own_story": own}
    s = _downscale(rng)
    params["downscale"] = s
    img, box = finish_scale(scr, bbox, s)
    return img, box, params
