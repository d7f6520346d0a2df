package dev.lemica.model;

import dev.lemica.nn.Linear;
import dev.lemica.safetensors.TensorEntry;
import dev.lemica.safetensors.TensorSource;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.DeviceOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Reads a model's weights by their diffusers names, checks each shape against what the config
 * implies, and places them on the compute device in the compute dtype. Tensors are retained so that
 * a caller's PointerScope cannot free them; {@link #close} gives them back.
 */
public final class WeightLoader implements AutoCloseable {
  private final Path folder;
  private final TensorSource source;
  private final ComputeTarget target;
  private final Set<String> used;
  private final List<Tensor> retained;
  /** Prepended to every name: non-empty for a view made by {@link #under}. */
  private final String prefix;
  private final boolean view;

  public WeightLoader(Path folder, TensorSource source, ComputeTarget target) {
    this(folder, source, target, new HashSet<>(), new ArrayList<>(), "", false);
  }

  private WeightLoader(
      Path folder, TensorSource source, ComputeTarget target, Set<String> used, List<Tensor> retained, String prefix, boolean view) {
    this.folder = folder;
    this.source = source;
    this.target = target;
    this.used = used;
    this.retained = retained;
    this.prefix = prefix;
    this.view = view;
  }

  /**
   * The weights under {@code prefix} (asked for by their names without it), for a model nested in a
   * larger checkpoint: Open-Sora's VAE holds a diffusers AutoencoderKL as {@code spatial_vae.module.*}.
   * The view shares this loader's source and bookkeeping: what it loads counts as used here, and this
   * loader frees it. Closing the view does nothing.
   */
  public WeightLoader under(String prefix) {
    return new WeightLoader(folder, source, target, used, retained, this.prefix + prefix, true);
  }

  /** Whether the weights are made up ({@link #random}) rather than read from a checkpoint. */
  public boolean madeUp() {
    return source == null;
  }

  /**
   * A loader that makes every weight up: normal values scaled by 0.02, of whatever shape the config
   * implies, drawn on the compute device. For speed and memory measurements of architectures whose
   * checkpoints are not at hand; the outputs mean nothing.
   */
  public static WeightLoader random(ComputeTarget target, long seed) {
    torch.manual_seed(seed);
    return new WeightLoader(Path.of("(random weights)"), null, target);
  }

  public ComputeTarget target() {
    return target;
  }

  /** The folder the weights come from, for messages. */
  public Path folder() {
    return folder;
  }

  public boolean has(String name) {
    return source == null || source.has(prefix + name);
  }

  /** The named weight in the compute dtype. */
  public Tensor load(String name, long... expectedShape) {
    return place(name, target.dtype(), expectedShape);
  }

  /**
   * The named weight in float32 whatever the compute dtype: diffusers keeps norms, modulation tables
   * and the time embedder in float32 even in bf16 runs, and matching its numerics needs the same.
   */
  public Tensor loadFloat32(String name, long... expectedShape) {
    return place(name, ScalarType.Float, expectedShape);
  }

  public Linear linear(String prefix, long out, long in) {
    return new Linear(load(prefix + ".weight", out, in), load(prefix + ".bias", out));
  }

  public Linear linearFloat32(String prefix, long out, long in) {
    return new Linear(loadFloat32(prefix + ".weight", out, in), loadFloat32(prefix + ".bias", out));
  }

  /**
   * Several linears sharing an input, stacked into one (their outputs concatenated in order): one
   * large matrix product instead of several small ones. The separate weights are not kept.
   */
  public Linear fusedLinear(List<String> prefixes, long outEach, long in) {
    long out = outEach * prefixes.size();
    if (source == null) {
      // Made-up weights mean nothing part by part: draw the stacked matrix at once, no parts to cat.
      return new Linear(load(String.join("+", prefixes) + ".weight", out, in), load(String.join("+", prefixes) + ".bias", out));
    }
    Tensor weight;
    Tensor bias;
    // The parts live in a scope of their own, so that they are freed here and not when the caller's
    // scope ends: the vectors and the scope would otherwise hold every block's q, k and v copies
    // until then (2.4 GB for CogVideoX-5B in bf16, more for Wan-14B).
    try (PointerScope parts = new PointerScope()) {
      TensorVector weights = new TensorVector();
      TensorVector biases = new TensorVector();
      for (String prefix : prefixes) {
        weights.push_back(load(prefix + ".weight", outEach, in));
        dropLastRetained();
        biases.push_back(load(prefix + ".bias", outEach));
        dropLastRetained();
      }
      weight = torch.cat(weights, 0);
      bias = torch.cat(biases, 0);
      weight.retainReference();
      bias.retainReference();
    }
    retained.add(weight);
    retained.add(bias);
    return new Linear(weight, bias);
  }

  /** Gives back the tensor loaded last, for weights only used to build others. */
  private void dropLastRetained() {
    retained.remove(retained.size() - 1).releaseReference();
  }

  private Tensor place(String shortName, ScalarType dtype, long[] expectedShape) {
    String name = prefix + shortName;
    if (source == null) {
      Tensor made =
          torch.randn(expectedShape, new TensorOptions(dtype).device(new DeviceOptional(target.device())))
              .mul_(new Scalar(0.02)); // in place: no second copy of a large table
      made.retainReference();
      retained.add(made);
      used.add(name);
      return made;
    }
    if (!source.has(name)) {
      throw new IllegalArgumentException(folder + ": checkpoint lacks tensor '" + name + "'");
    }
    TensorEntry entry = source.describe(name);
    if (!Arrays.equals(entry.shape(), expectedShape)) {
      throw new IllegalArgumentException(
          folder + ": tensor '" + name + "' has shape " + Arrays.toString(entry.shape())
              + " but config.json implies " + Arrays.toString(expectedShape));
    }
    if (!entry.dtype().name().startsWith("F") && !entry.dtype().name().equals("BF16")) {
      throw new IllegalArgumentException(
          folder + ": tensor '" + name + "' has dtype " + entry.dtype() + ", expected a floating type");
    }
    Tensor stored = source.tensor(name);
    // to() returns the mapped tensor itself when nothing changes: fp32 CPU weights stay zero-copy.
    Tensor placed = stored.to(target.device(), dtype);
    placed.retainReference();
    retained.add(placed);
    used.add(name);
    return placed;
  }

  /** Bytes of the weights this loader holds now (placed, made up or built from others). */
  public long heldBytes() {
    return retained.stream().mapToLong(Tensor::nbytes).sum();
  }

  /** Checkpoint tensors no loader asked for: a sign of a mismatched config or an unsupported variant. */
  public Set<String> unused() {
    if (source == null) {
      return Set.of();
    }
    Set<String> rest = new TreeSet<>(source.names());
    rest.removeAll(used);
    return rest;
  }

  @Override
  public void close() {
    if (view) {
      return;
    }
    retained.forEach(Tensor::releaseReference);
    retained.clear();
    if (source != null) {
      source.close();
    }
  }
}
