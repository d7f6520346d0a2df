package dev.lemica.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lemica.torch.Tensors;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsFileTest {
  @TempDir Path dir;

  /** A file with the given header text and data bytes, exactly as given (no validation). */
  private Path raw(String header, byte[] data) throws IOException {
    return raw(header.getBytes(StandardCharsets.UTF_8), data);
  }

  private Path raw(byte[] header, byte[] data) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(8 + header.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(header.length).put(header).put(data);
    Path p = Files.createTempFile(dir, "t", ".safetensors");
    Files.write(p, b.array());
    return p;
  }

  private String failure(Path file) {
    SafetensorsException e = assertThrows(SafetensorsException.class, () -> SafetensorsFile.open(file).close());
    assertTrue(e.getMessage().startsWith(file.toString() + ": "), "message names the file: " + e.getMessage());
    assertEquals(1, e.getMessage().lines().count(), "one line: " + e.getMessage());
    return e.getMessage();
  }

  @Test
  void roundTripsEveryDtypeThroughTheWriter() {
    Tensor f32 = Tensors.fromFloats(new float[] {1.5f, -2f, 3.25f, 0f, 7f, 9f}, 2, 3);
    Tensor bf16 = f32.to(ScalarType.BFloat16);
    Tensor f16 = f32.to(ScalarType.Half);
    Tensor i64 = Tensors.fromLongs(new long[] {1, -5, 1L << 40}, 3);
    Tensor bool = f32.gt(new org.bytedeco.pytorch.Scalar(1.0));
    Path p = dir.resolve("all.safetensors");
    new SafetensorsWriter()
        .put("f32", f32).put("bf16", bf16).put("f16", f16).put("i64", i64).put("bool", bool)
        .metadata("format", "pt")
        .write(p);
    try (SafetensorsFile f = SafetensorsFile.open(p)) {
      assertEquals(java.util.List.of("f32", "bf16", "f16", "i64", "bool"), java.util.List.copyOf(f.names()));
      assertEquals("pt", f.metadata().get("format"));
      assertArrayEquals(Tensors.toFloats(f32), Tensors.toFloats(f.tensor("f32")));
      assertArrayEquals(Tensors.toFloats(f32), Tensors.toFloats(f.tensor("bf16")));
      assertArrayEquals(Tensors.toFloats(f32), Tensors.toFloats(f.tensor("f16")));
      assertArrayEquals(new float[] {1, -5, (float) (1L << 40)}, Tensors.toFloats(f.tensor("i64")));
      assertArrayEquals(new float[] {1, 0, 1, 0, 1, 1}, Tensors.toFloats(f.tensor("bool")));
      assertEquals(Dtype.BF16, f.describe("bf16").dtype());
      assertArrayEquals(new long[] {2, 3}, Tensors.shape(f.tensor("bf16")));
    }
  }

  @Test
  void readsTheGoldenCheckpointZeroCopy() {
    try (SafetensorsFile f = SafetensorsFile.open(Path.of("src/test/resources/golden/wan/diffusion_pytorch_model.safetensors"))) {
      Tensor w = f.tensor("patch_embedding.weight");
      assertArrayEquals(new long[] {32, 4, 1, 2, 2}, Tensors.shape(w));
      assertEquals(ScalarType.Float.value, w.scalar_type().value);
    }
  }

  @Test
  void rejectsAFileShorterThanTheLengthField() throws IOException {
    Path p = dir.resolve("short.safetensors");
    Files.write(p, new byte[] {1, 2, 3});
    assertTrue(failure(p).contains("truncated"));
  }

  @Test
  void rejectsAHeaderLengthLargerThanTheFile() throws IOException {
    Path p = dir.resolve("long.safetensors");
    ByteBuffer b = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putLong(1000).put("{}  ".getBytes());
    Files.write(p, b.array());
    assertTrue(failure(p).contains("header length 1000 exceeds the file"));
  }

  @Test
  void rejectsAHugeLengthFieldWithoutAllocatingIt() throws IOException {
    Path p = dir.resolve("neg.safetensors");
    ByteBuffer b = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putLong(-1L).put("{}  ".getBytes());
    Files.write(p, b.array());
    assertTrue(failure(p).contains("exceeds the file"));
  }

  @Test
  void rejectsOffsetsOutsideTheData() throws IOException {
    Path p = raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", new byte[8]);
    assertTrue(failure(p).contains("outside the 8-byte data section"), failure(p));
  }

  @Test
  void rejectsOverlappingTensors() throws IOException {
    Path p =
        raw(
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}",
            new byte[12]);
    assertTrue(failure(p).contains("'a' and 'b' overlap"), failure(p));
  }

  @Test
  void rejectsAnUnknownDtype() throws IOException {
    Path p = raw("{\"a\":{\"dtype\":\"F8_E9\",\"shape\":[2],\"data_offsets\":[0,2]}}", new byte[2]);
    assertTrue(failure(p).contains("unknown dtype 'F8_E9'"));
  }

  @Test
  void rejectsAShapeThatDisagreesWithTheByteCount() throws IOException {
    Path p = raw("{\"a\":{\"dtype\":\"BF16\",\"shape\":[3,2],\"data_offsets\":[0,8]}}", new byte[8]);
    assertTrue(failure(p).contains("needs 12 bytes but data_offsets span 8"), failure(p));
  }

  @Test
  void rejectsANegativeOrFractionalShape() throws IOException {
    Path p = raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", new byte[4]);
    assertTrue(failure(p).contains("not a non-negative integer"));
    Path q = raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}", new byte[4]);
    assertTrue(failure(q).contains("not a non-negative integer"));
  }

  @Test
  void rejectsAHeaderThatIsNotUtf8() throws IOException {
    byte[] header = "{\"a\":{}}".getBytes(StandardCharsets.UTF_8);
    header[2] = (byte) 0xC3;
    header[3] = (byte) 0x28; // 0xC3 0x28 is an invalid two-byte sequence
    assertTrue(failure(raw(header, new byte[0])).contains("not valid UTF-8"));
  }

  @Test
  void rejectsMalformedJson() throws IOException {
    assertTrue(failure(raw("{\"a\": {\"dtype\": ", new byte[0])).contains("not valid JSON"));
    assertTrue(failure(raw("[1, 2]", new byte[0])).contains("not a JSON object"));
    assertTrue(failure(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]}} x", new byte[4])).contains("not valid JSON"));
    assertTrue(failure(raw("{\"a\":{\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[4])).contains("no dtype"));
    assertTrue(failure(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4]}}", new byte[4])).contains("expected 2"));
  }

  @Test
  void rejectsDuplicateTensorNames() throws IOException {
    Path p =
        raw(
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
            new byte[8]);
    assertTrue(failure(p).contains("not valid JSON"));
  }

  @Test
  void namesAMissingTensor() throws IOException {
    Path p = raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[4]);
    try (SafetensorsFile f = SafetensorsFile.open(p)) {
      SafetensorsException e = assertThrows(SafetensorsException.class, () -> f.tensor("b"));
      assertTrue(e.getMessage().contains("has no tensor 'b'"));
    }
  }

  /**
   * A real 10 GB shard cannot be one Java mapping. A sparse file puts a tensor beyond the 2 GiB mark
   * without using the disk space.
   */
  @Test
  void readsTensorsBeyondTwoGibibytes() throws IOException {
    long pad = (1L << 31) + 4096;
    String header =
        "{\"pad\":{\"dtype\":\"U8\",\"shape\":[" + pad + "],\"data_offsets\":[0," + pad + "]},"
            + "\"far\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[" + pad + "," + (pad + 12) + "]}}";
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    Path p = dir.resolve("big.safetensors");
    try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
      ByteBuffer head = ByteBuffer.allocate(8 + h.length).order(ByteOrder.LITTLE_ENDIAN);
      head.putLong(h.length).put(h);
      f.write(head.array());
      long dataStart = 8 + h.length;
      f.seek(dataStart + pad);
      ByteBuffer values = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putFloat(1.5f).putFloat(-2f).putFloat(8f);
      f.write(values.array());
    }
    try (SafetensorsFile f = SafetensorsFile.open(p)) {
      assertArrayEquals(new float[] {1.5f, -2f, 8f}, Tensors.toFloats(f.tensor("far")));
    }
  }

  @Test
  void copiesTensorsLargerThanOneMapping() {
    Tensor t = Tensors.fromFloats(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 10);
    Path p = dir.resolve("copy.safetensors");
    new SafetensorsWriter().put("t", t).write(p);
    long saved = SafetensorsFile.maxMappedTensorBytes;
    SafetensorsFile.maxMappedTensorBytes = 12; // forces the chunked copy path, 12 bytes at a time
    try (SafetensorsFile f = SafetensorsFile.open(p)) {
      assertArrayEquals(Tensors.toFloats(t), Tensors.toFloats(f.tensor("t")));
    } finally {
      SafetensorsFile.maxMappedTensorBytes = saved;
    }
  }
}
