package io.doppel.matcher.index;

import java.util.Objects;

/** One indexed image: the tenant that owns it and its id within the tenant. */
public record ImageRef(String tenant, String imageId) {
  public ImageRef {
    Objects.requireNonNull(tenant, "tenant");
    Objects.requireNonNull(imageId, "imageId");
  }
}
