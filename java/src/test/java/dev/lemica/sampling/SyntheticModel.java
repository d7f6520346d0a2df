package dev.lemica.sampling;

import dev.lemica.torch.Tensors;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Tensor;

/**
 * The scheduler goldens' synthetic model, evaluated exactly as their README prescribes (float32
 * elementwise, tanh and sin in float64 rounded once):
 * out = ((0.5·tanh(x)) + ((0.1·sin(3x))·(t/1000))) + 0.05. It records each step's output and timestep.
 */
final class SyntheticModel implements Denoiser {
  final List<float[]> outputs = new ArrayList<>();
  final List<Integer> steps = new ArrayList<>();
  final List<Double> timesteps = new ArrayList<>();

  static float[] evaluate(float[] x, double t) {
    float s = (float) (t / 1000.0);
    float[] out = new float[x.length];
    for (int i = 0; i < x.length; i++) {
      float th = (float) StrictMath.tanh(x[i]);
      float sn = (float) StrictMath.sin((double) (3f * x[i]));
      out[i] = ((0.5f * th) + ((0.1f * sn) * s)) + 0.05f;
    }
    return out;
  }

  @Override
  public Prediction predict(Tensor x, int step, double timestep) {
    float[] out = evaluate(Tensors.toFloats(x), timestep);
    outputs.add(out);
    steps.add(step);
    timesteps.add(timestep);
    return new Prediction(Tensors.fromFloats(out, Tensors.shape(x)), true);
  }
}
