package io.doppel.extractor.pipeline;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;

/** A webtoon-like strip: pictures stacked top to bottom, centred, {@code gap} pixels of background around each. */
final class StripFixture {

  private StripFixture() {}

  static BufferedImage strip(int width, Color background, int gap, BufferedImage... pictures) {
    int height = gap;
    for (BufferedImage picture : pictures) {
      height += picture.getHeight() + gap;
    }
    BufferedImage strip = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
    Graphics2D g = strip.createGraphics();
    try {
      g.setColor(background);
      g.fillRect(0, 0, width, height);
      int y = gap;
      for (BufferedImage picture : pictures) {
        g.drawImage(picture, (width - picture.getWidth()) / 2, y, null);
        y += picture.getHeight() + gap;
      }
    } finally {
      g.dispose();
    }
    return strip;
  }
}
