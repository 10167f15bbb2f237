const N = 100000;
const frozen = Object.freeze(["temperature"]);
const plain = ["temperature"];
function t(name, f) { const t0 = process.hrtime.bigint(); const out = []; for (let i = 0; i < N; i++) out.push(f(i)); console.log(name, Number(process.hrtime.bigint() - t0) / 1e6, "ms"); }
t("spread frozen", (i) => [...frozen]);
t("spread plain", (i) => [...plain]);
t("slice frozen", (i) => frozen.slice());
t("obj spread", (i) => { const base = { id: `s_${i}`, group: "s", group_index: i, group_size: N }; return { ...base, type: "sensor" }; });
t("obj literal", (i) => ({ id: `s_${i}`, group: "s", group_index: i, group_size: N, type: "sensor", a: null, b: 1 }));
