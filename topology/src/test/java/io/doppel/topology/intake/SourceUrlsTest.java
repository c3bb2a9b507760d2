package io.doppel.topology.intake;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SourceUrlsTest {

  @Test
  void queriesFragmentsAndUserInformationAreDropped() {
    assertThat(SourceUrls.redacted(
            "https://bucket.s3.amazonaws.com/a/b.jpg?X-Amz-Signature=s3cr3t&X-Amz-Expires=60"))
        .isEqualTo("https://bucket.s3.amazonaws.com/a/b.jpg?redacted");
    assertThat(SourceUrls.redacted("https://user:pa55@cdn.example/b.png#token=s3cr3t"))
        .isEqualTo("https://cdn.example/b.png");
    assertThat(SourceUrls.redacted("https://user:pa55@cdn.example?sig=s3cr3t"))
        .isEqualTo("https://cdn.example?redacted");
    assertThat(SourceUrls.redacted("https://cdn.example/a@b/c.jpg"))
        .as("an @ in the path is no user information")
        .isEqualTo("https://cdn.example/a@b/c.jpg");
    assertThat(SourceUrls.redacted("file:///data/x.jpg")).isEqualTo("file:///data/x.jpg");
    assertThat(SourceUrls.redacted(null)).isNull();
  }

  @Test
  void everyUrlInAMessageIsRedacted() {
    String message =
        "more than 3 redirects from https://a.example/x?sig=s3cr3t, last http://b.example/y?token=s3cr3t: HTTP 302";

    assertThat(SourceUrls.scrubbed(message))
        .isEqualTo(
            "more than 3 redirects from https://a.example/x?redacted last http://b.example/y?redacted HTTP 302")
        .doesNotContain("s3cr3t");
    assertThat(SourceUrls.scrubbed("no url here")).isEqualTo("no url here");
  }
}
