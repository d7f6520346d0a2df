package dev.lemica.distributed;

import dev.lemica.nn.Attention;
import dev.lemica.nn.Qkv;
import dev.lemica.nn.SequenceParallel;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * DeepSpeed-Ulysses sequence parallelism over a group: each member holds a contiguous run of the
 * tokens; around every self-attention one all-to-all turns that token split into a head split (each
 * member gets the whole sequence's q, k and v for its heads), attention runs locally, and a second
 * all-to-all turns the result back. Token and head counts need not divide by the group size: the
 * first members take one token (one head) more, and the all-to-all moves uneven parts. A model with
 * fewer heads than members cannot split this way and is refused.
 */
public final class UlyssesAttention implements SequenceParallel {
  private final Communicator group;

  public UlyssesAttention(Communicator group) {
    this.group = group;
  }

  @Override
  public int size() {
    return group.size();
  }

  @Override
  public TokenShards split(long tokens, int heads) {
    int n = group.size();
    if (heads < n) {
      throw new IllegalArgumentException(
          "--parallel ulysses: the model's " + heads + " attention heads do not split over " + n
              + " ranks (Ulysses needs at least one head per rank; use fewer ranks, or --parallel cfg)");
    }
    if (tokens < n) {
      throw new IllegalArgumentException("--parallel ulysses: a sequence of " + tokens + " tokens does not split over " + n + " ranks");
    }
    return new Shards(new Split(tokens, n), new Split(heads, n));
  }

  @Override
  public String toString() {
    return "ulysses " + group.size();
  }

  /** {@code total} items over {@code parts} members in contiguous runs, the first {@code total % parts} one longer. */
  record Split(long total, int parts) {
    long count(int member) {
      return total / parts + (member < total % parts ? 1 : 0);
    }

    long offset(int member) {
      return member * (total / parts) + Math.min(member, total % parts);
    }

    long largest() {
      return count(0);
    }

    boolean even() {
      return total % parts == 0;
    }
  }

  private final class Shards implements TokenShards {
    private final Split tokens;
    private final Split heads;
    private final int me = group.rank();

    Shards(Split tokens, Split heads) {
      this.tokens = tokens;
      this.heads = heads;
    }

    @Override
    public long tokens() {
      return tokens.total();
    }

    @Override
    public long localTokens() {
      return tokens.count(me);
    }

    @Override
    public Tensor shard(Tensor full, int dim) {
      return full.narrow(dim, tokens.offset(me), tokens.count(me));
    }

    /** One all-gather of equal parts: shorter parts are padded to the longest and trimmed after. */
    @Override
    public Tensor gather(Tensor local, int dim) {
      Tensor rows = local.transpose(0, dim).contiguous();
      long longest = tokens.largest();
      if (rows.size(0) < longest) {
        long[] pad = rows.sizes().vec().get();
        pad[0] = longest - rows.size(0);
        rows = torch.cat(new TensorVector(rows, torch.zeros(pad, rows.options())), 0);
      }
      Tensor all = group.allGather(rows);
      Tensor whole;
      if (tokens.even()) {
        whole = all;
      } else {
        TensorVector parts = new TensorVector();
        for (int m = 0; m < tokens.parts(); m++) {
          parts.push_back(all.narrow(0, m * longest, tokens.count(m)));
        }
        whole = torch.cat(parts, 0);
      }
      return whole.transpose(0, dim);
    }

    @Override
    public Tensor attend(Qkv local, Tensor mask) {
      long batch = local.q().size(0);
      long headDim = local.q().size(3);
      long myHeads = heads.count(me);
      long myTokens = tokens.count(me);
      int n = tokens.parts();

      // Tokens -> heads: member m gets this member's tokens of its heads, q, k, v one after the other.
      TensorVector out = new TensorVector();
      long[] sendCounts = new long[n];
      long[] receiveCounts = new long[n];
      for (int m = 0; m < n; m++) {
        for (Tensor x : new Tensor[] {local.q(), local.k(), local.v()}) {
          out.push_back(x.narrow(2, heads.offset(m), heads.count(m)).contiguous().reshape(-1));
        }
        sendCounts[m] = 3 * batch * myTokens * heads.count(m) * headDim;
        receiveCounts[m] = 3 * batch * tokens.count(m) * myHeads * headDim;
      }
      Tensor received = group.allToAll(torch.cat(out, 0), sendCounts, receiveCounts);
      TensorVector[] qkv = {new TensorVector(), new TensorVector(), new TensorVector()};
      long at = 0;
      for (int m = 0; m < n; m++) {
        Tensor part = received.narrow(0, at, receiveCounts[m]).view(3, batch, tokens.count(m), myHeads, headDim);
        at += receiveCounts[m];
        for (int i = 0; i < 3; i++) {
          qkv[i].push_back(part.select(0, i));
        }
      }
      Qkv whole = new Qkv(torch.cat(qkv[0], 1), torch.cat(qkv[1], 1), torch.cat(qkv[2], 1));
      Tensor attended = Attention.splitHeads(Attention.attend(whole, headsOf(mask)), (int) myHeads);

      // Heads -> tokens: member m gets its tokens of this member's heads.
      TensorVector back = new TensorVector();
      for (int m = 0; m < n; m++) {
        back.push_back(attended.narrow(1, tokens.offset(m), tokens.count(m)).contiguous().reshape(-1));
        sendCounts[m] = batch * tokens.count(m) * myHeads * headDim;
        receiveCounts[m] = batch * myTokens * heads.count(m) * headDim;
      }
      Tensor returned = group.allToAll(torch.cat(back, 0), sendCounts, receiveCounts);
      TensorVector byHeads = new TensorVector();
      at = 0;
      for (int m = 0; m < n; m++) {
        byHeads.push_back(returned.narrow(0, at, receiveCounts[m]).view(batch, myTokens, heads.count(m), headDim));
        at += receiveCounts[m];
      }
      return Attention.mergeHeads(torch.cat(byHeads, 2));
    }

    /** A mask with a dimension per head keeps this member's heads; key masks and broadcast masks serve as they are. */
    private Tensor headsOf(Tensor mask) {
      if (mask != null && mask.dim() == 4 && mask.size(1) == heads.total() && heads.total() > 1) {
        return mask.narrow(1, heads.offset(me), heads.count(me));
      }
      return mask;
    }
  }
}
