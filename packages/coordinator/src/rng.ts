import type { Rng } from "./types.js";

/**
 * The alea generator of seedrandom 3.0.5 (Baagøe's algorithm), bit for bit: the
 * same key gives the same numbers as `seedrandom.alea(key)` (a test checks it for
 * many keys). Kept here as four fields on a plain object instead of seedrandom's
 * closures, so that a stream costs one small object and no cache misses through
 * closures: with 100k sensors and 100k links, streams are touched cold all the time.
 *
 * Chosen after measuring seedrandom's generators (alea, xor128, xorwow, xorshift7,
 * xor4096, tychei): alea and xor128 draw fastest, alea is the better generator.
 */
export interface AleaState {
  s0: number;
  s1: number;
  s2: number;
  c: number;
}

/**
 * Baagøe's Mash over `data`, continuing from state `n`; returns the new state (the
 * hash value is `frac(n)`). A plain function over a number instead of seedrandom's
 * closure: a mutated captured variable is a boxed double, one allocation per step.
 */
function mash(n: number, data: string): number {
  for (let i = 0; i < data.length; i++) {
    n += data.charCodeAt(i);
    let h = 0.02519603282416938 * n;
    n = h >>> 0;
    h -= n;
    h *= n;
    n = h >>> 0;
    h -= n;
    n += h * 0x100000000;
  }
  return n;
}

function frac(n: number): number {
  return (n >>> 0) * 2.3283064365386963e-10;
}

/** Seeds `st` from `key` exactly like seedrandom's alea. */
export function aleaSeed(st: AleaState, key: string): void {
  let n = 0xefc8249d;
  st.c = 1;
  n = mash(n, " ");
  st.s0 = frac(n);
  n = mash(n, " ");
  st.s1 = frac(n);
  n = mash(n, " ");
  st.s2 = frac(n);
  n = mash(n, key);
  st.s0 -= frac(n);
  if (st.s0 < 0) st.s0 += 1;
  n = mash(n, key);
  st.s1 -= frac(n);
  if (st.s1 < 0) st.s1 += 1;
  n = mash(n, key);
  st.s2 -= frac(n);
  if (st.s2 < 0) st.s2 += 1;
}

/** Next number in [0, 1) (32 bits of resolution). */
export function aleaNext(st: AleaState): number {
  const t = 2091639 * st.s0 + st.c * 2.3283064365386963e-10;
  st.s0 = st.s1;
  st.s1 = st.s2;
  return (st.s2 = t - (st.c = t | 0));
}

/**
 * Many alea streams' states in one Float64Array, four doubles each (s0, s1, s2, c):
 * the engine keeps every node's and every link's stream here. As fields of the node's
 * and link's objects each double was a separate heap number (V8 boxes fractional
 * fields), so a draw touched up to five scattered objects; here a stream is 32
 * adjacent bytes.
 */
export class AleaTable {
  /** Stream i's state is `a[4i..4i+3]`. Replaced when the table grows (`ensure`): read it through the table. */
  a: Float64Array;
  constructor(streams: number) {
    this.a = new Float64Array(4 * Math.max(16, streams));
  }

  /** Room for stream numbers below `streams`. */
  ensure(streams: number): void {
    if (4 * streams <= this.a.length) return;
    const grown = new Float64Array(Math.max(2 * this.a.length, 4 * streams));
    grown.set(this.a);
    this.a = grown;
  }

  /** Seeds stream `i` from `key` exactly like seedrandom's alea. */
  seed(i: number, key: string): void {
    const st: AleaState = { s0: 0.5, s1: 0.5, s2: 0.5, c: 1 };
    aleaSeed(st, key);
    const a = this.a;
    const o = i << 2;
    a[o] = st.s0;
    a[o + 1] = st.s1;
    a[o + 2] = st.s2;
    a[o + 3] = st.c;
  }
}

/**
 * The next number of the stream whose state starts at `a[o]` (an AleaTable's array):
 * `aleaNext` on a table. The step is written twice on purpose: `createRng`'s streams
 * keep their state in object fields, which measured faster than a Float64Array of
 * their own (the bare loop of `pnpm bench`, which draws through `createRng`: 0.32-0.35
 * s against 0.37-0.38 s at 10,000/50); the engine's many streams are faster in one
 * table. A test checks both against seedrandom.
 */
export function aleaNextAt(a: Float64Array, o: number): number {
  const c = a[o + 3]!;
  const t = 2091639 * a[o]! + c * 2.3283064365386963e-10;
  a[o] = a[o + 1]!;
  a[o + 1] = a[o + 2]!;
  const ct = t | 0;
  a[o + 3] = ct;
  return (a[o + 2] = t - ct);
}

class AleaRng implements Rng, AleaState {
  s0 = 0.5;
  s1 = 0.5;
  s2 = 0.5;
  c = 1;
  constructor(key: string) {
    aleaSeed(this, key);
  }
  next(): number {
    return aleaNext(this);
  }
}

/**
 * The seeded stream for one consumer, e.g. `createRng("42/sensor_1")` or
 * `createRng("42/link/sensor_1->gateway_1")`. Same key, same numbers, on every
 * platform and Node version.
 */
export function createRng(key: string): Rng {
  return new AleaRng(key);
}

/** Key of a node's stream. */
export function nodeRngKey(seed: number, nodeId: string): string {
  return `${seed}/${nodeId}`;
}

/** Key of a directed link's stream. */
export function linkRngKey(seed: number, from: string, to: string): string {
  return `${seed}/link/${from}->${to}`;
}
