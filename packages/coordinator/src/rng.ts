import seedrandom from "seedrandom";
import type { Rng } from "./types.js";

/**
 * The seeded stream for one consumer, e.g. `createRng("42/sensor_1")` or
 * `createRng("42/link/sensor_1->gateway_1")`. Same key, same numbers, on every
 * platform and Node version.
 *
 * Generator: seedrandom's `alea` (measured against xor128, xorwow, xorshift7,
 * xor4096 and tychei, see docs/engine.md): 32-bit resolution, cheap to draw.
 */
export function createRng(key: string): Rng {
  // The prng is a plain closure that ignores `this`, so it can be the method itself.
  return { next: seedrandom.alea(key) };
}

/** Key of a node's stream. */
export function nodeRngKey(seed: number, nodeId: string): string {
  return `${seed}/${nodeId}`;
}

/** Key of a directed link's stream. */
export function linkRngKey(seed: number, from: string, to: string): string {
  return `${seed}/link/${from}->${to}`;
}
