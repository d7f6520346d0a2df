package dev.lemica.pipeline;

/**
 * Whether a pipeline keeps a component loaded between the runs that use it. Freeing after use is
 * what lets a video pipeline whose parts together exceed memory run at all (text encoder, then
 * transformer, then VAE); keeping them saves the load time when one process generates many times.
 */
public enum Residency {
  /** Load when a phase starts, free when it ends. */
  RELEASE_AFTER_USE,
  /** Load on first use, keep until the pipeline closes. */
  KEEP
}
