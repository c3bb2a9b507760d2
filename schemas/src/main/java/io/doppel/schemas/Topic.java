package io.doppel.schemas;

import org.apache.kafka.common.serialization.Serde;

/** A topic bundled with the serdes of its keys and values, so that no caller pairs them by hand. */
public record Topic<K, V>(String name, Serde<K> keySerde, Serde<V> valueSerde) {}
