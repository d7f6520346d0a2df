package dev.lemica.nn;

import org.bytedeco.pytorch.Tensor;

/**
 * How a transformer's token sequence is split across processes (sequence parallelism). Each process
 * carries a contiguous run of the tokens through the whole block stack: per-token layers (norms,
 * modulation, feed-forward, cross-attention to the text) run on those tokens unchanged, and only
 * self-attention needs the whole sequence, which {@link TokenShards#attend} provides. A model
 * consults it in its forward: {@link #split} once, shard after the patch embedding (with the
 * rotary tables), attend through it, gather before unpatchify. The block stack, and so the cache
 * seam, then sees this process's tokens only, and a cached residual is split the same way.
 */
public interface SequenceParallel {
  /** The whole sequence in this process. */
  SequenceParallel NONE = new SequenceParallel() {
    @Override
    public int size() {
      return 1;
    }

    @Override
    public TokenShards split(long tokens, int heads) {
      return TokenShards.whole(tokens);
    }

    @Override
    public String toString() {
      return "none";
    }
  };

  /** Processes sharing the sequence. */
  int size();

  /**
   * The split of one forward's sequence of {@code tokens} tokens, for a model of {@code heads}
   * attention heads. Every process sharing the sequence calls it with the same arguments.
   *
   * @throws IllegalArgumentException when the model cannot be split this way (fewer heads or tokens
   *     than processes)
   */
  TokenShards split(long tokens, int heads);

  /** One forward's tokens as this process holds them, and the collectives that cross the split. */
  interface TokenShards {
    /** Tokens of the whole sequence. */
    long tokens();

    /** Tokens this process holds. */
    long localTokens();

    /** This process's tokens of {@code full}, whose dimension {@code dim} is the whole sequence (a view). */
    Tensor shard(Tensor full, int dim);

    /** The whole sequence along {@code dim} from every process's {@code local} part, in token order. */
    Tensor gather(Tensor local, int dim);

    /**
     * Self-attention of this process's queries against the whole sequence's keys and values; q, k
     * and v are (batch, local tokens, heads, head_dim), the result (batch, local tokens, heads·head_dim).
     *
     * @param mask see {@link Attention#attend(Qkv, Tensor)}, over the whole sequence; null for none
     */
    Tensor attend(Qkv local, Tensor mask);

    /** The whole sequence in one process: identities and {@link Attention#attend}. */
    static TokenShards whole(long tokens) {
      return new TokenShards() {
        @Override
        public long tokens() {
          return tokens;
        }

        @Override
        public long localTokens() {
          return tokens;
        }

        @Override
        public Tensor shard(Tensor full, int dim) {
          return full;
        }

        @Override
        public Tensor gather(Tensor local, int dim) {
          return local;
        }

        @Override
        public Tensor attend(Qkv local, Tensor mask) {
          return Attention.attend(local, mask);
        }
      };
    }
  }
}
