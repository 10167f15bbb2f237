// The bare loop of BENCHMARK.md: the reference workload hand-written around one
// binary heap of typed arrays, with no engine, no objects per event and no trace.
// It does the same work as the engine's run: the same random streams
// (`${seed}/sensor_i`, `${seed}/link/from->to`, drawn with the engine's own
// generator, passed in as `createRng`), the same sensor signal (temperature: level
// + daily drift + triangular noise, clamped, rounded to 0.01), the same gateway
// means and cloud latency samples.

const P_US = 1_000_000;
const H_US = 60_000_000;
const END_US = 61_000_000;
// The temperature kind of @sim/nodes.
const BASELINE = 21, SPREAD = 2, AMPLITUDE = 3, NOISE = 0.1, MIN = -40, MAX = 85, SCALE = 100;
const OMEGA = (2 * Math.PI) / (86_400 * 1_000_000);

/** Runs N sensors / G gateways; returns the counts BENCHMARK.md asks for. */
export function runBare(N, G, seed, createRng) {
  let cap = 1 << 12;
  let time = new Float64Array(cap), seq = new Float64Array(cap), val = new Int32Array(cap);
  let size = 0, nextSeq = 0;
  function push(t, v) {
    if (size === cap) {
      cap *= 2;
      const a = new Float64Array(cap); a.set(time); time = a;
      const b = new Float64Array(cap); b.set(seq); seq = b;
      const c = new Int32Array(cap); c.set(val); val = c;
    }
    const s = nextSeq++;
    let i = size++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pt = time[p];
      if (pt < t || (pt === t && seq[p] < s)) break;
      time[i] = pt; seq[i] = seq[p]; val[i] = val[p]; i = p;
    }
    time[i] = t; seq[i] = s; val[i] = v;
  }
  function pop() {
    const top = val[0];
    const n = --size;
    if (n > 0) {
      const t = time[n], s = seq[n], v = val[n];
      let i = 0;
      const half = n >> 1;
      while (i < half) {
        let c = 2 * i + 1;
        let ct = time[c], cs = seq[c];
        const r = c + 1;
        if (r < n) {
          const rt = time[r];
          if (rt < ct || (rt === ct && seq[r] < cs)) { c = r; ct = rt; cs = seq[r]; }
        }
        if (t < ct || (t === ct && s < cs)) break;
        time[i] = ct; seq[i] = cs; val[i] = val[c]; i = c;
      }
      time[i] = t; seq[i] = s; val[i] = v;
    }
    return top;
  }

  // Heap values: i >= 0 sensor i samples; < 0 a delivery whose payload is in pool
  // slot (-1 - value): destination gateway (-1: the cloud), value, sample time.
  const level = new Float64Array(N), phase = new Float64Array(N), startUs = new Float64Array(N), samples = new Int32Array(N);
  const sensorRng = new Array(N), linkRng = new Array(N).fill(null), gatewayRng = new Array(G).fill(null);
  for (let i = 0; i < N; i++) {
    const rng = createRng(`${seed}/sensor_${i}`);
    sensorRng[i] = rng;
    level[i] = BASELINE + (2 * rng.next() - 1) * SPREAD;
    phase[i] = 2 * Math.PI * rng.next();
    startUs[i] = Math.round(((i * 1000) / N) * 1000);
    push(startUs[i], i);
  }
  let pcap = 1 << 12, pn = 0;
  let poolDest = new Int32Array(pcap), poolValue = new Float64Array(pcap), poolSampled = new Float64Array(pcap);
  const free = [];
  const alloc = (dest, value, sampled) => {
    const slot = free.length > 0 ? free.pop() : pn++;
    if (slot >= pcap) {
      pcap *= 2;
      const a = new Int32Array(pcap); a.set(poolDest); poolDest = a;
      const b = new Float64Array(pcap); b.set(poolValue); poolValue = b;
      const c = new Float64Array(pcap); c.set(poolSampled); poolSampled = c;
    }
    poolDest[slot] = dest; poolValue[slot] = value; poolSampled[slot] = sampled;
    return -1 - slot;
  };
  const gSum = new Float64Array(G), gCount = new Int32Array(G), gOldest = new Float64Array(G).fill(Infinity);
  let latencies = new Float64Array(1 << 12), nLat = 0;
  let cloudMessages = 0, events = 0;

  while (size > 0) {
    const t = time[0];
    if (t >= END_US) break;
    const v = pop();
    events++;
    if (v >= 0) {
      const rng = sensorRng[v];
      let value = level[v] + AMPLITUDE * Math.sin(OMEGA * t + phase[v]) + NOISE * (rng.next() + rng.next() - 1);
      value = Math.min(MAX, Math.max(MIN, value));
      value = Math.round(value * SCALE) / SCALE;
      const g = v % G;
      const link = linkRng[v] ?? (linkRng[v] = createRng(`${seed}/link/sensor_${v}->gateway_${g}`));
      push(t + 5000 + Math.floor(link.next() * 2000), alloc(g, value, t));
      const next = startUs[v] + ++samples[v] * P_US;
      if (next < H_US) push(next, v);
      continue;
    }
    const slot = -1 - v;
    const g = poolDest[slot];
    free.push(slot);
    if (g < 0) {
      cloudMessages++;
      if (nLat === latencies.length) { const a = new Float64Array(nLat * 2); a.set(latencies); latencies = a; }
      latencies[nLat++] = t - poolSampled[slot];
      continue;
    }
    gSum[g] += poolValue[slot];
    if (poolSampled[slot] < gOldest[g]) gOldest[g] = poolSampled[slot];
    if (++gCount[g] === 10) {
      const link = gatewayRng[g] ?? (gatewayRng[g] = createRng(`${seed}/link/gateway_${g}->cloud`));
      push(t + 20000 + Math.floor(link.next() * 5000), alloc(-1, gSum[g] / 10, gOldest[g]));
      gSum[g] = 0; gCount[g] = 0; gOldest[g] = Infinity;
    }
  }
  latencies.subarray(0, nLat).sort();
  return { events, cloudMessages };
}
