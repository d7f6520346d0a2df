package dev.lemica.text;

import dev.lemica.model.ModelConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;

/** The bundled config.json files of real text encoders, for measurements with random weights. */
public final class TextEncoderPresets {
  private TextEncoderPresets() {}

  /**
   * The preset {@code name}, one of {@code known}; {@code family} names the encoder family in the
   * message for an unknown name.
   */
  public static ModelConfig read(String name, List<String> known, String family) {
    String resource = "/dev/lemica/presets/" + name + ".json";
    try (InputStream in = TextEncoderPresets.class.getResourceAsStream(resource)) {
      if (in == null || !known.contains(name)) {
        throw new IllegalArgumentException(family + " preset '" + name + "': unknown (known: " + String.join(", ", known) + ")");
      }
      return ModelConfig.parse(in.readAllBytes(), Path.of("preset " + name));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
