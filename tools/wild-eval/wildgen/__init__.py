"""Renderers of the "copies in the wild" kinds. Each takes a Ctx and returns (image, box, params), with box
(x, y, w, h) the main photo's visible region in the returned image's pixels."""
from .decor import sticker_frame
from .layouts import before_after, collage, meme, pip
from .phone import chat_screenshot, feed_screenshot, story
from .screen import screen_photo

KINDS = {
    "feed_screenshot": feed_screenshot,
    "chat_screenshot": chat_screenshot,
    "collage": collage,
    "pip": pip,
    "meme": meme,
    "sticker_frame": sticker_frame,
    "screen_photo": screen_photo,
    "before_after": before_after,
    "story": story,
}
