package io.doppel.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.AbstractConstruct;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Loads a Compose file the way Docker Compose reads it before validation: YAML merge keys
 * ({@code <<: *anchor}) resolved, and the Compose tags {@code !reset} (an empty value) and
 * {@code !override} (the plain value) understood.
 */
final class ComposeYaml {

  private static final ObjectMapper JSON = new ObjectMapper();

  private ComposeYaml() {}

  static JsonNode load(Path file) {
    try {
      Object document = new Yaml(new ComposeConstructor()).load(Files.readString(file));
      return JSON.valueToTree(document);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  private static final class ComposeConstructor extends SafeConstructor {

    ComposeConstructor() {
      super(new LoaderOptions());
      yamlConstructors.put(new Tag("!reset"), new ConstructReset());
      yamlConstructors.put(new Tag("!override"), new ConstructOverride());
    }

    private static final class ConstructReset extends AbstractConstruct {
      @Override
      public Object construct(Node node) {
        if (node instanceof MappingNode) {
          return new LinkedHashMap<>();
        }
        if (node instanceof SequenceNode) {
          return new ArrayList<>();
        }
        return null;
      }
    }

    private final class ConstructOverride extends AbstractConstruct {
      @Override
      public Object construct(Node node) {
        node.setTag(
            node instanceof MappingNode
                ? Tag.MAP
                : node instanceof SequenceNode ? Tag.SEQ : Tag.STR);
        return constructObject(node);
      }
    }
  }
}
