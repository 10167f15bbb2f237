const N = 100000;
function make(useDefine: boolean) {
  const input: Record<string, unknown> = {};
  const src = { type: "sensor", count: N };
  for (const [k, v] of Object.entries(src)) {
    if (useDefine) Object.defineProperty(input, k, { value: v, enumerable: true, writable: true, configurable: true });
    else input[k] = v;
  }
  return input as any;
}
const defaults = Object.freeze({ sensors: Object.freeze(["temperature"]), period_ms: 1000, payload_bytes: 32 });
for (const useDefine of [false, true, false, true]) {
  const input = make(useDefine);
  const t0 = process.hrtime.bigint();
  const out = [];
  for (let i = 0; i < N; i++) {
    const base = { id: `s_${i}`, group: "s", group_index: i, group_size: N };
    const period = input.period_ms ?? defaults.period_ms;
    out.push({ ...base, type: "sensor", sensors: [...(input.sensors ?? defaults.sensors)], period_ms: period, start_ms: input.start_ms ?? (i * period) / N, until_sec: input.until_sec ?? null, target: `g_${i % 3}`, payload_bytes: input.payload_bytes ?? defaults.payload_bytes, anomaly: input.anomaly ? 1 : null });
  }
  console.log(useDefine, Number(process.hrtime.bigint() - t0) / 1e6, "ms");
}
