package dev.lemica.safetensors;

import dev.lemica.torch.Tensors;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * One safetensors file, memory-mapped. Tensors are zero-copy, read-only views of the mapping: keep
 * this object reachable while its tensors are in use, and never write into them in place (copy with
 * {@code clone()} or {@code to(...)} first; checkpoints are often on read-only storage, so a
 * copy-on-write mapping is not available).
 *
 * <p>Each tensor gets its own mapping rather than one per file, because a Java mapping cannot exceed
 * 2 GiB while real shards reach 10 GB. A single tensor over that limit is copied into LibTorch memory
 * instead (no Wan/FLUX tensor is that large, but the format allows it).
 */
public final class SafetensorsFile implements TensorSource {
  /** Package-private so tests can exercise the copy path without writing a 2 GiB tensor. */
  static long maxMappedTensorBytes = Integer.MAX_VALUE;

  private final Path path;
  private final FileChannel channel;
  private final long dataStart;
  private final SafetensorsHeader header;
  /** Keeps every mapping reachable: the tensors point into them but do not own them. */
  private final List<ByteBuffer> mappings = Collections.synchronizedList(new ArrayList<>());

  private SafetensorsFile(Path path, FileChannel channel, long dataStart, SafetensorsHeader header) {
    this.path = path;
    this.channel = channel;
    this.dataStart = dataStart;
    this.header = header;
  }

  public static SafetensorsFile open(Path path) {
    FileChannel channel;
    try {
      channel = FileChannel.open(path, StandardOpenOption.READ);
    } catch (NoSuchFileException e) {
      throw new SafetensorsException(path, "no such file");
    } catch (IOException e) {
      throw new SafetensorsException(path, "cannot open (" + e.getMessage() + ")", e);
    }
    try {
      long size = channel.size();
      if (size < 8) {
        throw new SafetensorsException(
            path, "truncated: " + size + " bytes, too short for the 8-byte header length");
      }
      ByteBuffer lengthBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      readFully(channel, lengthBytes, 0);
      long headerLength = lengthBytes.flip().getLong();
      if (headerLength < 0 || headerLength > size - 8) {
        throw new SafetensorsException(
            path,
            "header length " + Long.toUnsignedString(headerLength) + " exceeds the file ("
                + size + " bytes): truncated or not a safetensors file");
      }
      if (headerLength > SafetensorsHeader.MAX_HEADER_BYTES) {
        throw new SafetensorsException(
            path, "header length " + headerLength + " exceeds the format's 100 MB limit");
      }
      ByteBuffer headerBytes = ByteBuffer.allocate((int) headerLength);
      readFully(channel, headerBytes, 8);
      headerBytes.flip();
      long dataStart = 8 + headerLength;
      SafetensorsHeader header = SafetensorsHeader.parse(path, headerBytes, size - dataStart);
      return new SafetensorsFile(path, channel, dataStart, header);
    } catch (IOException e) {
      closeQuietly(channel);
      throw new SafetensorsException(path, "read failed (" + e.getMessage() + ")", e);
    } catch (RuntimeException e) {
      closeQuietly(channel);
      throw e;
    }
  }

  public Path path() {
    return path;
  }

  @Override
  public Set<String> names() {
    return Collections.unmodifiableSet(header.tensors.keySet());
  }

  public Optional<TensorEntry> entry(String name) {
    return Optional.ofNullable(header.tensors.get(name));
  }

  public Map<String, String> metadata() {
    return Collections.unmodifiableMap(header.metadata);
  }

  @Override
  public TensorEntry describe(String name) {
    return entry(name)
        .orElseThrow(() -> new SafetensorsException(path, "has no tensor '" + name + "'"));
  }

  /** The named tensor on the CPU in its stored dtype, viewing the file's bytes without a copy. */
  @Override
  public Tensor tensor(String name) {
    TensorEntry e = describe(name);
    TensorOptions options = new TensorOptions(e.dtype().scalarType());
    if (e.byteLength() == 0) {
      return Tensors.empty(e.shape(), e.dtype().scalarType());
    }
    try {
      if (e.byteLength() > maxMappedTensorBytes) {
        return copyIntoNewTensor(e);
      }
      MappedByteBuffer mapping =
          channel.map(FileChannel.MapMode.READ_ONLY, dataStart + e.begin(), e.byteLength());
      mappings.add(mapping);
      return torch.from_blob(new BytePointer(mapping), e.shape(), options);
    } catch (IOException ex) {
      throw new SafetensorsException(path, "cannot map tensor '" + name + "' (" + ex.getMessage() + ")", ex);
    }
  }

  private Tensor copyIntoNewTensor(TensorEntry e) throws IOException {
    Tensor t = Tensors.empty(e.shape(), e.dtype().scalarType());
    BytePointer target = new BytePointer(t.mutable_data_ptr()).capacity(e.byteLength());
    long chunk = Math.min(maxMappedTensorBytes, 1L << 30);
    for (long done = 0; done < e.byteLength(); done += chunk) {
      long n = Math.min(chunk, e.byteLength() - done);
      ByteBuffer window = target.position(done).limit(done + n).asByteBuffer();
      readFully(channel, window, dataStart + e.begin() + done);
    }
    return t;
  }

  private static void readFully(FileChannel channel, ByteBuffer into, long position) throws IOException {
    while (into.hasRemaining()) {
      int n = channel.read(into, position);
      if (n < 0) {
        throw new IOException("unexpected end of file at byte " + position);
      }
      position += n;
    }
  }

  private static void closeQuietly(FileChannel channel) {
    try {
      channel.close();
    } catch (IOException ignored) {
      // Already failing with a better message.
    }
  }

  /** Closes the file; mappings stay valid until their tensors are gone (the OS keeps them alive). */
  @Override
  public void close() {
    closeQuietly(channel);
  }
}
