package dev.lemica.testing;

import dev.lemica.torch.TorchRuntime;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Every test class runs LibTorch as the CLI does, with one intra-op thread: its default (a pool of
 * every core) on top of the BLAS threads made tests 10-50x slower on the 2-core machines, and which
 * pool a class got depended on whether a CLI test had run before it in the same JVM. Registered for
 * all tests through META-INF/services and junit-platform.properties.
 */
public final class SingleTorchThread implements BeforeAllCallback {
  @Override
  public void beforeAll(ExtensionContext context) {
    TorchRuntime.configure(null);
  }
}
