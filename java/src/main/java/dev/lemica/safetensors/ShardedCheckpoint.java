package dev.lemica.safetensors;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lemica.io.StrictJson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.bytedeco.pytorch.Tensor;

/**
 * A checkpoint split across shards by a {@code *.safetensors.index.json} weight map, as diffusers
 * saves large transformers. Shards open lazily, once each.
 */
public final class ShardedCheckpoint implements TensorSource {
  private final Path index;
  private final Map<String, Path> shardOf;
  private final Map<Path, SafetensorsFile> open = new LinkedHashMap<>();

  private ShardedCheckpoint(Path index, Map<String, Path> shardOf) {
    this.index = index;
    this.shardOf = shardOf;
  }

  public static ShardedCheckpoint open(Path index) {
    JsonNode root;
    try {
      root = StrictJson.mapper().readTree(Files.readString(index));
    } catch (NoSuchFileException e) {
      throw new SafetensorsException(index, "no such file");
    } catch (IOException e) {
      throw new SafetensorsException(index, "is not valid JSON (" + e.getMessage().lines().findFirst().orElse("") + ")");
    }
    JsonNode map = root == null ? null : root.get("weight_map");
    if (map == null || !map.isObject()) {
      throw new SafetensorsException(index, "has no \"weight_map\" object");
    }
    Map<String, Path> shardOf = new LinkedHashMap<>();
    Path dir = index.toAbsolutePath().getParent();
    map.fields()
        .forEachRemaining(
            e -> {
              if (!e.getValue().isTextual()) {
                throw new SafetensorsException(index, "weight_map entry '" + e.getKey() + "' is not a file name");
              }
              Path shard = dir.resolve(e.getValue().asText()).normalize();
              if (!shard.startsWith(dir)) {
                throw new SafetensorsException(index, "weight_map entry '" + e.getKey() + "' points outside its folder");
              }
              shardOf.put(e.getKey(), shard);
            });
    ShardedCheckpoint checkpoint = new ShardedCheckpoint(index, shardOf);
    checkpoint.checkShardsAgreeWithIndex();
    return checkpoint;
  }

  /** A stale index (tensor listed in a shard that lacks it) would otherwise fail deep inside a model load. */
  private void checkShardsAgreeWithIndex() {
    for (Map.Entry<String, Path> e : shardOf.entrySet()) {
      if (!shard(e.getValue()).names().contains(e.getKey())) {
        throw new SafetensorsException(index, "lists '" + e.getKey() + "' in " + e.getValue().getFileName() + ", which lacks it");
      }
    }
  }

  private synchronized SafetensorsFile shard(Path file) {
    return open.computeIfAbsent(file, SafetensorsFile::open);
  }

  @Override
  public Set<String> names() {
    return Collections.unmodifiableSet(shardOf.keySet());
  }

  private Path shardPath(String name) {
    Path p = shardOf.get(name);
    if (p == null) {
      throw new SafetensorsException(index, "has no tensor '" + name + "'");
    }
    return p;
  }

  @Override
  public TensorEntry describe(String name) {
    return shard(shardPath(name)).describe(name);
  }

  @Override
  public Tensor tensor(String name) {
    return shard(shardPath(name)).tensor(name);
  }

  @Override
  public synchronized void close() {
    open.values().forEach(SafetensorsFile::close);
    open.clear();
  }
}
