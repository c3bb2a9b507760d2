"""Writes the few test images the JDK and TwelveMonkeys cannot write themselves: a WebP, a CMYK
JPEG and a JPEG with EXIF orientation 6 (rotate 90° clockwise to display). All are tiny and
synthetic. Run from the repository root:

    /work/main/.venv/bin/python extractor-service/src/test/python/make_image_fixtures.py
"""
import pathlib

from PIL import Image

OUT_DIR = pathlib.Path(__file__).resolve().parents[1] / "resources" / "images"
EXIF_ORIENTATION_TAG = 0x0112
ROTATE_90_CW = 6


def two_halves(width, height, left, right, mode="RGB"):
    image = Image.new(mode, (width, height), left)
    image.paste(Image.new(mode, (width // 2, height), right), (width // 2, 0))
    return image


def main():
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    two_halves(48, 32, (255, 0, 0), (0, 0, 255)).save(OUT_DIR / "halves-48x32.webp", lossless=True)
    # CMYK: left half pure cyan, right half pure yellow.
    two_halves(48, 32, (255, 0, 0, 0), (0, 0, 255, 0), mode="CMYK").save(OUT_DIR / "halves-48x32-cmyk.jpg", quality=95)
    exif = Image.Exif()
    exif[EXIF_ORIENTATION_TAG] = ROTATE_90_CW
    # Stored 48x32, left red / right blue; displayed 32x48 with red on top, blue below.
    two_halves(48, 32, (255, 0, 0), (0, 0, 255)).save(OUT_DIR / "halves-48x32-exif6.jpg", quality=95, exif=exif.tobytes())


if __name__ == "__main__":
    main()
