package io.doppel.extractor;

import io.doppel.extractor.config.ExtractorConfig;
import java.util.HashMap;
import java.util.Map;

/** Configuration pointing at the committed test fixture model. */
public final class Fixtures {

  public static final String FIXTURE_MANIFEST = "classpath:models/fixture/manifest.json";

  private Fixtures() {}

  public static ExtractorConfig config(String... keyValues) {
    Map<String, String> values = new HashMap<>();
    values.put("model.manifest", FIXTURE_MANIFEST);
    values.put("model.intra-op-threads", "1");
    values.put("pipeline.worker-threads", "2");
    for (int i = 0; i < keyValues.length; i += 2) {
      values.put(keyValues[i], keyValues[i + 1]);
    }
    return ExtractorConfig.of(values);
  }
}
