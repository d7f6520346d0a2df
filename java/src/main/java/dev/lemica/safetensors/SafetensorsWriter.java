package dev.lemica.safetensors;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lemica.torch.Tensors;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Writes tensors as a safetensors file that Python's {@code safetensors.torch.load_file} reads. The file
 * appears atomically (written beside it, then renamed), so a crash never leaves a half file behind.
 */
public final class SafetensorsWriter {
  private final Map<String, Tensor> tensors = new LinkedHashMap<>();
  private final Map<String, String> metadata = new LinkedHashMap<>();

  public SafetensorsWriter put(String name, Tensor tensor) {
    if (name.equals(SafetensorsHeader.METADATA_KEY)) {
      throw new IllegalArgumentException(name + " is reserved");
    }
    tensors.put(name, tensor);
    return this;
  }

  public SafetensorsWriter metadata(String key, String value) {
    metadata.put(key, value);
    return this;
  }

  public void write(Path file) {
    List<Tensor> contiguous = new ArrayList<>();
    ObjectNode header = new ObjectMapper().createObjectNode();
    if (!metadata.isEmpty()) {
      ObjectNode meta = header.putObject(SafetensorsHeader.METADATA_KEY);
      metadata.forEach(meta::put);
    }
    long offset = 0;
    for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
      Tensor cpu = e.getValue().to(new Device(torch.DeviceType.CPU), e.getValue().scalar_type()).contiguous();
      contiguous.add(cpu);
      Dtype dtype = Dtype.of(cpu.scalar_type());
      ObjectNode entry = header.putObject(e.getKey());
      entry.put("dtype", dtype.name());
      ArrayNode shape = entry.putArray("shape");
      for (long d : Tensors.shape(cpu)) {
        shape.add(d);
      }
      long bytes = cpu.nbytes();
      entry.putArray("data_offsets").add(offset).add(offset + bytes);
      offset += bytes;
    }
    byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
    int padded = (json.length + 7) / 8 * 8; // keeps every tensor 8-byte aligned for zero-copy readers
    ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
    head.putLong(padded).put(json);
    while (head.hasRemaining()) {
      head.put((byte) ' ');
    }
    head.flip();
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try {
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      try (FileChannel out =
          FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
        writeFully(out, head);
        for (Tensor t : contiguous) {
          long n = t.nbytes();
          BytePointer data = new BytePointer(t.const_data_ptr()).capacity(n);
          for (long done = 0; done < n; done += 1L << 30) {
            long len = Math.min(1L << 30, n - done);
            writeFully(out, data.position(done).limit(done + len).asByteBuffer());
          }
        }
      }
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException(file + ": cannot write (" + e.getMessage() + ")", e);
    }
  }

  private static void writeFully(FileChannel out, ByteBuffer buffer) throws IOException {
    while (buffer.hasRemaining()) {
      out.write(buffer);
    }
  }
}
