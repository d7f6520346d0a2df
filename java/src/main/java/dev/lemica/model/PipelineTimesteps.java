package dev.lemica.model;

/**
 * What a family's diffusers pipeline passes to its scheduler's {@code set_timesteps} besides the
 * step count: FLUX and Qwen-Image pass sigmas = linspace(1, 1/N, N) and, for the dynamic shift,
 * mu computed from the latents' token count.
 *
 * @param oneOverNSigmas whether the pipeline passes sigmas = linspace(1, 1/N, N)
 * @param imageSeqLen the image sequence length calculate_shift reads
 */
public record PipelineTimesteps(boolean oneOverNSigmas, int imageSeqLen) {}
