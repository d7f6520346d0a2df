package dev.lemica.vae.kl;

import dev.lemica.model.WeightLoader;
import dev.lemica.nn.Conv2d;
import dev.lemica.nn.GroupNorm;

/** Loads AutoencoderKL's layers by their diffusers names, shape-checked against the config. */
final class KlVaeLayers {
  /** diffusers' 2D VAEs build every GroupNorm with eps 1e-6 (torch's default is 1e-5). */
  static final double EPS = 1e-6;

  private KlVaeLayers() {}

  /** {@code nn.Conv2d(in, out, 3, padding=1)}. */
  static Conv2d conv3(WeightLoader w, String prefix, long in, long out) {
    return new Conv2d(w.load(prefix + ".weight", out, in, 3, 3), w.load(prefix + ".bias", out), 1, 1);
  }

  /** {@code nn.Conv2d(in, out, 1)}. */
  static Conv2d pointwise(WeightLoader w, String prefix, long in, long out) {
    return new Conv2d(w.load(prefix + ".weight", out, in, 1, 1), w.load(prefix + ".bias", out), 1, 0);
  }

  static GroupNorm groupNorm(WeightLoader w, String prefix, int groups, long channels) {
    return new GroupNorm(groups, w.load(prefix + ".weight", channels), w.load(prefix + ".bias", channels), EPS);
  }
}
