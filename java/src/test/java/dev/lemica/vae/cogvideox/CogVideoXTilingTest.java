package dev.lemica.vae.cogvideox;

import static dev.lemica.testing.OneLine.assertOneLine;
import static dev.lemica.vae.VaeChecks.close;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lemica.model.ComputeTarget;
import dev.lemica.model.ModelConfig;
import dev.lemica.testing.Golden;
import dev.lemica.torch.Tensors;
import dev.lemica.vae.VaeFolders;
import dev.lemica.vae.Vaes;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Tiled decoding (diffusers' {@code enable_tiling}, {@code tiled_decode}) on the golden's tiny VAE:
 * there is no golden of it, so the tile grid is checked against numbers worked out by hand from
 * diffusers' formulas, the blends against hand-computed tensors, and the whole tiled decode against
 * diffusers' algorithm written out literally here (every tile decoded alone and kept, blended in
 * place slice by slice with Python-float weights, cropped and concatenated).
 */
class CogVideoXTilingTest {
  /** Tiles of 4 x 8 latent pixels, overlaps of 1 and 2 latent pixels: step 3 x 6, blends 8 x 16, keeps 24 x 48. */
  static final CogVideoXTiling SMALL = CogVideoXTiling.of(32, 64, 0.25, 0.25);

  static AutoencoderKLCogVideoX vae;

  @BeforeAll
  static void load() {
    vae = (AutoencoderKLCogVideoX) Vaes.load(Golden.dir("cogvideox_vae"), ComputeTarget.CPU_FLOAT32);
  }

  @AfterAll
  static void release() {
    vae.close();
  }

  @BeforeEach
  void seed() {
    torch.manual_seed(11);
  }

  @AfterEach
  void untile() {
    vae.disableTiling();
    vae.disableSlicing();
  }

  /** CogVideoX 1.5 at 1360 x 768: its VAE config's sample size 480 x 720 makes tiles of 240 x 360, a 4 x 5 grid over the 96 x 170 latent. */
  @Test
  void theGridOfCogVideoX15AtItsRealSize() {
    CogVideoXVaeConfig config = CogVideoXVaeConfig.from(Vaes.preset("cogvideox1.5-vae"));
    CogVideoXTiling tiling = CogVideoXTiling.defaults(config);
    assertEquals(240, tiling.tileHeight());
    assertEquals(360, tiling.tileWidth());
    int s = config.spatialFactor();
    // height: tile 240 px = 30 latent, step int(30 * 5/6) = 25, blend int(240 / 6) = 40, keep 200.
    TileSpan rows = tiling.rows(s);
    assertEquals(List.of(30, 25, 40, 200), List.of(rows.latentTile(), rows.step(), rows.blendExtent(), rows.keepLimit()));
    // width: tile 360 px = 45 latent, step int(45 * 4/5) = 36, blend int(360 / 5) = 72, keep 288.
    TileSpan columns = tiling.columns(s);
    assertEquals(List.of(45, 36, 72, 288), List.of(columns.latentTile(), columns.step(), columns.blendExtent(), columns.keepLimit()));
    assertTrue(tiling.tiles(96, 170, s));

    // 768 / 8 = 96 latent rows: tiles at 0, 25, 50, 75 (the last 21 rows, 168 px kept).
    assertTiles(rows.plan(96), 768, new long[][] {
      {0, 30, 0, 200, 0}, {25, 30, 40, 200, 200}, {50, 30, 40, 200, 400}, {75, 21, 40, 168, 600}});
    // 1360 / 8 = 170 latent columns: tiles at 0, 36, 72, 108, 144 (the last 26 columns, 208 px kept).
    assertTiles(columns.plan(170), 1360, new long[][] {
      {0, 45, 0, 288, 0}, {36, 45, 72, 288, 288}, {72, 45, 72, 288, 576}, {108, 45, 72, 288, 864}, {144, 26, 72, 208, 1152}});

    // CogVideoX 1.0's 720 x 480 (latent 60 x 90): 3 x 3 tiles.
    assertTiles(rows.plan(60), 480, new long[][] {{0, 30, 0, 200, 0}, {25, 30, 40, 200, 200}, {50, 10, 40, 80, 400}});
    assertTiles(columns.plan(90), 720, new long[][] {{0, 45, 0, 288, 0}, {36, 45, 72, 288, 288}, {72, 18, 72, 144, 576}});
    // A last tile of 2 latent rows (16 px) clamps the blend to its own size, as blend_v does.
    assertTiles(rows.plan(77), 616, new long[][] {
      {0, 30, 0, 200, 0}, {25, 30, 40, 200, 200}, {50, 27, 40, 200, 400}, {75, 2, 16, 16, 600}});
  }

  /** diffusers tiles only a latent taller or wider than one tile (30 x 45 latent pixels here). */
  @Test
  void onlyALatentLargerThanATileIsTiled() {
    CogVideoXTiling tiling = CogVideoXTiling.defaults(CogVideoXVaeConfig.from(Vaes.preset("cogvideox1.5-vae")));
    assertFalse(tiling.tiles(30, 45, 8));
    assertTrue(tiling.tiles(31, 45, 8));
    assertTrue(tiling.tiles(30, 46, 8));
    assertFalse(tiling.tiles(2, 3, 8));
  }

  private static void assertTiles(TileAxis axis, long output, long[][] expected) {
    List<String> got = new ArrayList<>();
    for (TileAxis.Tile t : axis.tiles()) {
      got.add(List.of(t.start(), t.length(), t.blend(), t.keep(), t.offset()).toString());
    }
    List<String> want = new ArrayList<>();
    for (long[] e : expected) {
      want.add(List.of(e[0], e[1], e[2], e[3], e[4]).toString());
    }
    assertEquals(want, got, "tiles as [start, length, blend, keep, offset]");
    assertEquals(output, axis.output());
  }

  /** blend_v by hand: a's rows 1, 2, 3, 4 fade into b's rows of 10; the extent clamps to the smaller tensor. */
  @Test
  void blendsAsWorkedOutByHand() {
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode()) {
      Tensor a = Tensors.fromFloats(new float[] {1, 1, 2, 2, 3, 3, 4, 4}, 1, 1, 1, 4, 2);
      Tensor b = torch.full(new long[] {1, 1, 1, 3, 2}, new Scalar(10.0));
      TileBlend.blend(a, b, 2, 3); // y=0: a[2]·1 + 10·0 = 3; y=1: a[3]·1/2 + 10·1/2 = 7; row 2 untouched
      assertArrayEquals(new float[] {3, 3, 7, 7, 10, 10}, Tensors.toFloats(b), 1e-6f);

      b = torch.full(new long[] {1, 1, 1, 3, 2}, new Scalar(10.0));
      TileBlend.blend(a, b, 5, 3); // n = min(4, 3, 5) = 3: a[1] = 2; a[2]·2/3 + 10/3 = 16/3; a[3]/3 + 20/3 = 8
      assertArrayEquals(new float[] {2, 2, 16f / 3, 16f / 3, 8, 8}, Tensors.toFloats(b), 1e-6f);

      // blend_h: the same along the width (a's columns 1..4, b's columns of 10).
      Tensor ah = a.transpose(3, 4).contiguous();
      Tensor bh = torch.full(new long[] {1, 1, 1, 2, 3}, new Scalar(10.0));
      TileBlend.blend(ah, bh, 2, 4);
      assertArrayEquals(new float[] {3, 7, 10, 3, 7, 10}, Tensors.toFloats(bh), 1e-6f);

      Tensor untouched = torch.full(new long[] {1, 1, 1, 3, 2}, new Scalar(10.0));
      TileBlend.blend(a, untouched, 0, 3);
      assertArrayEquals(new float[] {10, 10, 10, 10, 10, 10}, Tensors.toFloats(untouched));
    }
  }

  /** One broadcast product per term is diffusers' per-slice loop with Python-float weights, bit for bit. */
  @Test
  void blendingEqualsDiffusersLoopExactly() {
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode()) {
      Tensor a = torch.randn(1, 3, 2, 9, 7);
      Tensor b = torch.randn(1, 3, 2, 6, 7);
      Tensor ours = b.clone();
      TileBlend.blend(a, ours, 7, 3);
      assertEquals(0.0, maxDifference(ours, loopBlend(a, b.clone(), 7, 3)));
      Tensor c = torch.randn(1, 3, 2, 6, 11);
      Tensor oursH = c.clone();
      TileBlend.blend(ours, oursH, 5, 4);
      assertEquals(0.0, maxDifference(oursH, loopBlend(ours, c.clone(), 5, 4)));
    }
  }

  /** The crop limits by hand: SMALL keeps 24 rows and 48 columns of each tile but the last, which keeps what it has. */
  @Test
  void cropLimitsOfSmallTiles() {
    assertTiles(SMALL.rows(8).plan(7), 56, new long[][] {{0, 4, 0, 24, 0}, {3, 4, 8, 24, 24}, {6, 1, 8, 8, 48}});
    assertTiles(SMALL.columns(8).plan(14), 112, new long[][] {{0, 8, 0, 48, 0}, {6, 8, 16, 48, 48}, {12, 2, 16, 16, 96}});
  }

  /** With tiles at least the latent's size nothing is tiled: the decode is the untiled one, bit for bit. */
  @Test
  void tilesAsLargeAsTheLatentDecodeUntiled() {
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode()) {
      Tensor z = torch.randn(1, 4, 3, 4, 8);
      Tensor untiled = vae.decode(z);
      vae.enableTiling(SMALL); // exactly 4 x 8 latent pixels
      assertEquals(0.0, maxDifference(vae.decode(z), untiled));
      vae.enableTiling(); // diffusers' defaults: 30 x 45
      assertEquals(0.0, maxDifference(vae.decode(z), untiled));
    }
  }

  /**
   * A 7 x 10 latent in 3 x 2 tiles of 4 x 8 (4 latent frames: two frame groups per tile, caches
   * carried inside each tile): the video has the untiled shape, equals diffusers' algorithm done
   * literally, and away from the blends each tile's part is that tile decoded alone.
   */
  @Test
  void aTiledDecodeIsDiffusersTiledDecode() {
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode()) {
      Tensor z = torch.randn(1, 4, 4, 7, 10);
      Tensor untiled = vae.decode(z);
      vae.enableTiling(SMALL);
      Tensor tiled = vae.decode(z);
      assertArrayEquals(new long[] {1, 3, 16, 56, 80}, Tensors.shape(tiled));
      assertEquals(0.0, maxDifference(tiled, literalTiledDecode(z, SMALL)));
      assertTrue(close(tiled, untiled) > 1e-3, "the tiles' seams differ from the untiled decode: " + close(tiled, untiled));

      // Rows: tiles at latent 0, 3, 6 (4, 4, 1 rows), keeping 24, 24, 8 at 0, 24, 48; columns: at 0, 6
      // (8, 4 columns), keeping 48, 32 at 0, 48. Tile (1, 1) is blended over its first 8 rows and 16
      // columns; tile (0, 0) blends nothing.
      Tensor alone = vae.decode(z.narrow(3, 3, 4).narrow(4, 6, 4));
      assertEquals(0.0, maxDifference(tiled.narrow(3, 32, 16).narrow(4, 64, 16), alone.narrow(3, 8, 16).narrow(4, 16, 16)));
      assertTrue(close(tiled.narrow(3, 24, 8).narrow(4, 48, 32), alone.narrow(3, 0, 8)) > 1e-3, "its first rows are blended");
      Tensor first = vae.decode(z.narrow(3, 0, 4).narrow(4, 0, 8));
      assertEquals(0.0, maxDifference(tiled.narrow(3, 0, 24).narrow(4, 0, 48), first.narrow(3, 0, 24).narrow(4, 0, 48)));
    }
  }

  /** Slicing decodes a batch one video at a time: each is exactly its own tiled decode. */
  @Test
  void slicingDecodesEachVideoAlone() {
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode()) {
      Tensor z = torch.randn(2, 4, 2, 5, 9); // 2 x 2 tiles
      vae.enableTiling(SMALL);
      Tensor batched = vae.decode(z);
      vae.enableSlicing();
      Tensor sliced = vae.decode(z);
      Tensor singles = torch.cat(new TensorVector(vae.decode(z.narrow(0, 0, 1)), vae.decode(z.narrow(0, 1, 1))), 0);
      assertEquals(0.0, maxDifference(sliced, singles));
      assertTrue(close(batched, sliced) < 1e-5, "batched vs sliced " + close(batched, sliced));
    }
  }

  @Test
  void badTilingSettingsAreRefusedInOneLine() {
    String name = "AutoencoderKLCogVideoX tiling: ";
    assertOneLine(name, "tile height 0 must be a positive multiple of the VAE's spatial factor 8", () -> vae.enableTiling(CogVideoXTiling.of(0, 64, 0.25, 0.25)));
    assertOneLine(name, "tile width 60 must be a positive multiple", () -> vae.enableTiling(CogVideoXTiling.of(32, 60, 0.25, 0.25)));
    assertOneLine(name, "overlap factor of the height must lie strictly between 0 and 1, got 0.0", () -> vae.enableTiling(SMALL.withOverlapFactors(0, 0.25)));
    assertOneLine(name, "overlap factor of the width must lie strictly between 0 and 1, got 1.0", () -> vae.enableTiling(SMALL.withOverlapFactors(0.25, 1)));
    assertOneLine(name, "got NaN", () -> vae.enableTiling(SMALL.withOverlapFactors(Double.NaN, 0.25)));
    // 30 latent rows x 0.25 = 7.5: tiles 22 latent rows (176 px) apart would each keep 180 px.
    assertOneLine(name, "tile height 240 with overlap factor 0.25 does not tile the video: tiles start 22 latent pixels (176 pixels) apart but each keeps 180 pixels",
        () -> vae.enableTiling(CogVideoXTiling.of(240, 360, 0.25, 0.2)));
    assertOneLine(name, "tiles start 0 latent pixels", () -> vae.enableTiling(SMALL.withTileSize(8, 64).withOverlapFactors(0.9, 0.25)));
    assertFalse(vae.tiling().isPresent(), "a refused setting leaves tiling off");
  }

  /** A config whose sample size gives default tiles that do not add up: enableTiling() names the file. */
  @Test
  void aConfigWhoseDefaultTilesDoNotWork() throws IOException {
    String config = VaeFolders.configWith("cogvideox_vae", "sample_height", "100");
    try (AutoencoderKLCogVideoX odd = (AutoencoderKLCogVideoX) Vaes.withRandomWeights(ModelConfig.parse(config.getBytes(), Path.of("odd/config.json")), ComputeTarget.CPU_FLOAT32, 1)) {
      assertOneLine("odd/config.json: sample_height 100 x sample_width 720", "tile height 50 must be a positive multiple of the VAE's spatial factor 8", odd::enableTiling);
    }
  }

  /**
   * diffusers' tiled_decode as written: every tile decoded (untiled) and kept, blend_v then blend_h
   * in place slice by slice with the tiles' full tensors, crops concatenated along width then height.
   */
  private static Tensor literalTiledDecode(Tensor z, CogVideoXTiling tiling) {
    TileSpan rs = tiling.rows(8);
    TileSpan cs = tiling.columns(8);
    List<List<Tensor>> rows = new ArrayList<>();
    for (long i = 0; i < z.size(3); i += rs.step()) {
      List<Tensor> row = new ArrayList<>();
      for (long j = 0; j < z.size(4); j += cs.step()) {
        row.add(vae.decode(z.narrow(3, i, Math.min(rs.latentTile(), z.size(3) - i)).narrow(4, j, Math.min(cs.latentTile(), z.size(4) - j))));
      }
      rows.add(row);
    }
    TensorVector resultRows = new TensorVector();
    for (int i = 0; i < rows.size(); i++) {
      TensorVector resultRow = new TensorVector();
      for (int j = 0; j < rows.get(i).size(); j++) {
        Tensor tile = rows.get(i).get(j);
        if (i > 0) {
          loopBlend(rows.get(i - 1).get(j), tile, rs.blendExtent(), 3);
        }
        if (j > 0) {
          loopBlend(rows.get(i).get(j - 1), tile, cs.blendExtent(), 4);
        }
        resultRow.push_back(tile.narrow(3, 0, Math.min(rs.keepLimit(), tile.size(3))).narrow(4, 0, Math.min(cs.keepLimit(), tile.size(4))));
      }
      resultRows.push_back(torch.cat(resultRow, 4));
    }
    return torch.cat(resultRows, 3);
  }

  /** blend_v / blend_h as diffusers loops them, in place on b. */
  private static Tensor loopBlend(Tensor a, Tensor b, long extent, int dim) {
    long n = Math.min(Math.min(a.size(dim), b.size(dim)), extent);
    for (long y = 0; y < n; y++) {
      Tensor mixed = a.narrow(dim, a.size(dim) - n + y, 1).mul(new Scalar(1 - (double) y / n)).add(b.narrow(dim, y, 1).mul(new Scalar((double) y / n)));
      b.narrow(dim, y, 1).copy_(mixed);
    }
    return b;
  }

  private static double maxDifference(Tensor a, Tensor b) {
    assertArrayEquals(Tensors.shape(b), Tensors.shape(a));
    return a.sub(b).abs().max().item_double();
  }
}
