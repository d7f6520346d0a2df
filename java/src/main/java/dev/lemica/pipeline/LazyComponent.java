package dev.lemica.pipeline;

import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * One component of a pipeline, loaded when a phase asks for it and freed afterwards unless the
 * pipeline keeps it ({@link Residency}).
 */
public final class LazyComponent<T extends AutoCloseable> implements AutoCloseable {
  private final Supplier<T> loader;
  private final Residency residency;
  private T loaded;
  /** Uses in progress: a nested use shares the load, and only the outermost one frees it. */
  private int depth;

  public LazyComponent(Supplier<T> loader, Residency residency) {
    this.loader = loader;
    this.residency = residency;
  }

  /** Runs {@code work} with the component loaded. */
  public synchronized <R> R use(Function<T, R> work) {
    if (loaded == null) {
      loaded = loader.get();
    }
    depth++;
    try {
      return work.apply(loaded);
    } finally {
      depth--;
      if (depth == 0 && residency == Residency.RELEASE_AFTER_USE) {
        close();
      }
    }
  }

  public synchronized void run(Consumer<T> work) {
    use(c -> {
      work.accept(c);
      return null;
    });
  }

  @Override
  public synchronized void close() {
    if (loaded != null) {
      T c = loaded;
      loaded = null;
      try {
        c.close();
      } catch (RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
  }
}
