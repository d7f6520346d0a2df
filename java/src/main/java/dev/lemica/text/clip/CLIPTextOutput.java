package dev.lemica.text.clip;

import org.bytedeco.pytorch.Tensor;

/**
 * One forward of {@link CLIPTextEncoder}, named as transformers' {@code BaseModelOutputWithPooling}.
 *
 * @param lastHiddenState (B, L, hidden) after the final layer norm
 * @param pooledOutput (B, hidden): the row of {@code lastHiddenState} at each row's end token
 */
public record CLIPTextOutput(Tensor lastHiddenState, Tensor pooledOutput) {}
