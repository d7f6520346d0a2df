package dev.lemica.safetensors;

import java.util.Set;
import org.bytedeco.pytorch.Tensor;

/** Named tensors from one file or a sharded checkpoint; what model loaders read weights from. */
public interface TensorSource extends AutoCloseable {
  Set<String> names();

  default boolean has(String name) {
    return names().contains(name);
  }

  /** The header entry (dtype, shape) without touching the data. */
  TensorEntry describe(String name);

  /** The tensor on the CPU in its stored dtype; valid while this source is open. */
  Tensor tensor(String name);

  @Override
  void close();
}
