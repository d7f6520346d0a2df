package dev.lemica.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lemica.io.StrictJson;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A diffusers pipeline folder's {@code model_index.json}: the pipeline class and, per component
 * (transformer, text_encoder, vae, ...), the library and class that made it. Entries written as
 * {@code [null, null]} (e.g. Wan's unused transformer_2) are absent components.
 */
public final class ModelIndex {
  public static final String FILE = "model_index.json";

  /** One component entry: its subfolder name, the library ("diffusers", "transformers") and class. */
  public record Component(String name, String library, String className) {}

  private final Path folder;
  private final Path file;
  private final JsonNode root;
  private final String className;
  private final Map<String, Component> components;

  private ModelIndex(Path folder, Path file, JsonNode root, String className, Map<String, Component> components) {
    this.folder = folder;
    this.file = file;
    this.root = root;
    this.className = className;
    this.components = components;
  }

  /** Whether {@code folder} is a diffusers pipeline folder. */
  public static boolean present(Path folder) {
    return Files.isRegularFile(folder.resolve(FILE));
  }

  public static ModelIndex read(Path folder) {
    Path file = folder.resolve(FILE);
    JsonNode root = StrictJson.readObject(file);
    JsonNode name = root.get("_class_name");
    if (name == null || !name.isTextual() || name.asText().isBlank()) {
      throw new IllegalArgumentException(file + ": \"_class_name\" is " + StrictJson.describe(name) + ", expected the pipeline class name");
    }
    Map<String, Component> components = new LinkedHashMap<>();
    for (var it = root.fields(); it.hasNext(); ) {
      var e = it.next();
      if (e.getKey().startsWith("_") || !e.getValue().isArray()) {
        continue; // settings such as boundary_ratio, or _diffusers_version
      }
      JsonNode v = e.getValue();
      if (v.size() != 2) {
        throw new IllegalArgumentException(file + ": \"" + e.getKey() + "\" must be [library, class], got " + v.size() + " entries");
      }
      if (v.get(0).isNull() && v.get(1).isNull()) {
        continue;
      }
      if (!v.get(0).isTextual() || !v.get(1).isTextual()) {
        throw new IllegalArgumentException(file + ": \"" + e.getKey() + "\" must be [library, class] strings");
      }
      components.put(e.getKey(), new Component(e.getKey(), v.get(0).asText(), v.get(1).asText()));
    }
    return new ModelIndex(folder, file, root, name.asText(), components);
  }

  public Path folder() {
    return folder;
  }

  public Path file() {
    return file;
  }

  public String className() {
    return className;
  }

  public JsonNode json() {
    return root;
  }

  public Map<String, Component> components() {
    return java.util.Collections.unmodifiableMap(components);
  }

  public Optional<Component> component(String name) {
    return Optional.ofNullable(components.get(name));
  }

  /** The component's entry; one line naming the file when it is missing or has no folder. */
  public Component require(String name) {
    Component c = components.get(name);
    if (c == null) {
      throw new IllegalArgumentException(file + ": has no \"" + name + "\" component, which " + className + " needs");
    }
    if (!Files.isDirectory(folder.resolve(name))) {
      throw new IllegalArgumentException(
          folder + ": model_index.json names " + name + " (" + c.className() + ") but the folder " + name + "/ is missing");
    }
    return c;
  }

  /** The subfolder of a component that {@link #require} accepted. */
  public Path folderOf(String name) {
    require(name);
    return folder.resolve(name);
  }

  /** Fails with one line when the component's class is not the expected one. */
  public void expectClass(String component, String... accepted) {
    Component c = require(component);
    for (String a : accepted) {
      if (a.equals(c.className())) {
        return;
      }
    }
    throw new IllegalArgumentException(
        file + ": " + component + " is " + c.className() + "; " + className + " here supports " + String.join(", ", accepted));
  }
}
