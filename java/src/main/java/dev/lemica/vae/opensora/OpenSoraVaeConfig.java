package dev.lemica.vae.opensora;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lemica.model.ModelConfig;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The {@code config.json} of Open-Sora 1.2's VAE ({@code VideoAutoencoderPipelineConfig}, as
 * transformers' {@code save_pretrained} writes it, e.g. hpcai-tech/OpenSora-VAE-v1.2): {@code
 * micro_frame_size}, the latent {@code scale} and {@code shift}, {@code vae_temporal} (see {@link
 * TemporalVaeConfig}) and {@code vae_2d}, which names where the spatial VAE's diffusers config lives
 * ({@code from_pretrained} + {@code subfolder}) and how many frames it codes per call ({@code
 * micro_batch_size}).
 */
public final class OpenSoraVaeConfig {
  public static final String ARCHITECTURE = "VideoAutoencoderPipeline";

  private final Path file;
  private final int microFrameSize;
  private final int microBatchSize;
  private final float[] scale;
  private final float[] shift;
  private final TemporalVaeConfig temporal;
  private final String spatialFrom;
  private final String spatialSubfolder;

  private OpenSoraVaeConfig(ModelConfig c) {
    file = c.file();
    if (c.optional("cal_loss").isPresent() && c.requireBoolean("cal_loss")) {
      throw c.fault("cal_loss", "is true (the training configuration, which skips scale and shift): only false is supported");
    }
    if (c.optional("from_pretrained").isPresent()) {
      c.requireString("from_pretrained"); // transformers' own loading of this folder; the weights are this folder's
    }
    microFrameSize = c.optional("micro_frame_size").isPresent() ? c.requirePositiveInt("micro_frame_size") : 0;
    temporal = TemporalVaeConfig.from(c.json().get("vae_temporal"), file);
    scale = statistic(c, "scale", 1.0);
    shift = statistic(c, "shift", 0.0);
    for (float s : scale) {
      if (!(s != 0) || !Float.isFinite(s)) {
        throw c.fault("scale", "must hold finite non-zero numbers, got " + s);
      }
    }
    JsonNode spatial = c.json().get("vae_2d");
    if (spatial == null || !spatial.isObject()) {
      throw c.fault("vae_2d", "must be an object");
    }
    ModelConfig s = ModelConfig.parse(spatial.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8), Path.of(file + " vae_2d"));
    if (!s.requireString("type").equals("VideoAutoencoderKL")) {
      throw s.fault("type", "is '" + s.requireString("type") + "': only VideoAutoencoderKL (a diffusers AutoencoderKL per frame) is supported");
    }
    spatialFrom = s.requireString("from_pretrained");
    spatialSubfolder = s.optional("subfolder").isPresent() ? s.requireString("subfolder") : "";
    microBatchSize = s.optional("micro_batch_size").isPresent() ? s.requirePositiveInt("micro_batch_size") : 0;
  }

  public static OpenSoraVaeConfig from(ModelConfig c) {
    return new OpenSoraVaeConfig(c);
  }

  /** Whether {@code c} is this kind of config: transformers' {@code architectures} or {@code model_type} says so. */
  public static boolean describes(ModelConfig c) {
    Optional<JsonNode> arch = c.optional("architectures");
    if (arch.isPresent() && arch.get().isArray() && arch.get().size() == 1 && ARCHITECTURE.equals(arch.get().get(0).asText())) {
      return true;
    }
    Optional<JsonNode> type = c.optional("model_type");
    return type.isPresent() && ARCHITECTURE.equals(type.get().asText());
  }

  public Path file() {
    return file;
  }

  /** Video frames per temporal-VAE call ({@code micro_frame_size}), or 0 for the whole video at once. */
  public int microFrameSize() {
    return microFrameSize;
  }

  /** Frames per spatial-VAE call ({@code vae_2d.micro_batch_size}), or 0 for all at once. */
  public int microBatchSize() {
    return microBatchSize;
  }

  /** Per latent channel (or one for all), float32 as {@code torch.tensor} holds it. */
  public float[] scale() {
    return scale.clone();
  }

  public float[] shift() {
    return shift.clone();
  }

  public TemporalVaeConfig temporal() {
    return temporal;
  }

  /** {@code vae_2d.from_pretrained}: a hub id or a folder, relative to this config's folder. */
  public String spatialFrom() {
    return spatialFrom;
  }

  public String spatialSubfolder() {
    return spatialSubfolder;
  }

  /** The latent frames a video of {@code frames} frames encodes to: VideoAutoencoderPipeline's {@code get_latent_size} in time. */
  public long latentFrames(long frames) {
    return new MicroFrames(microFrameSize, temporal).latentFrames(frames);
  }

  /** Latent frames per temporal-VAE call: the temporal VAE's latent size of {@link #microFrameSize()} frames. */
  public long microLatentFrames() {
    return temporal.latentFrames(microFrameSize);
  }

  private float[] statistic(ModelConfig c, String key, double fallback) {
    Optional<JsonNode> n = c.optional(key);
    int channels = temporal.embedDim();
    if (n.isEmpty()) {
      return new float[] {(float) fallback};
    }
    JsonNode v = n.get();
    if (v.isNumber()) {
      return new float[] {(float) v.asDouble()};
    }
    if (!v.isArray() || v.size() != channels) {
      throw c.fault(key, "must be a number or an array of embed_dim=" + channels + " numbers");
    }
    float[] out = new float[channels];
    for (int i = 0; i < channels; i++) {
      if (!v.get(i).isNumber()) {
        throw c.fault(key, "must be a number or an array of embed_dim=" + channels + " numbers");
      }
      out[i] = (float) v.get(i).asDouble();
    }
    return out;
  }
}
