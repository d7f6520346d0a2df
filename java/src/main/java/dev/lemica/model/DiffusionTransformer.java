package dev.lemica.model;

import java.util.List;
import org.bytedeco.pytorch.Tensor;

/**
 * A denoising transformer loaded from a diffusers folder. Its block stack runs through a
 * {@link BlockStackHook}, which is how caching policies skip it without knowing the model.
 */
public interface DiffusionTransformer extends AutoCloseable {
  /** The diffusers {@code _class_name} this implementation reproduces. */
  String className();

  ComputeTarget target();

  /** Number of blocks in the stack (every block of every list, in execution order). */
  int blockCount();

  /** Names of the forward's required tensor inputs, as the diffusers forward names its arguments. */
  List<String> inputNames();

  /** The velocity/noise prediction, (B, C, ...) in the compute dtype. */
  Tensor forward(ForwardInputs inputs, BlockStackHook hook);

  default Tensor forward(ForwardInputs inputs) {
    return forward(inputs, BlockStackHook.RUN_ALL);
  }

  @Override
  void close();
}
