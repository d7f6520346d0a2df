package dev.lemica.evaluation;

import dev.lemica.cache.CachePolicy;

/**
 * One way of sampling to compare with the full run: a policy name (e.g. "lemica lex-minimax",
 * "uniform", "fewer steps", "teacache"), the budget it targets, the steps it samples with, and its
 * cache policy.
 */
public record Variant(String policy, int budget, int steps, CachePolicy cache) {}
