import { parseDocument } from "yaml";
import { parseScenario } from "../src/index.ts";
let text = `duration_sec: 1\nx-big: &big [${Array.from({ length: 100000 }, () => "1").join(",")}]\nnodes:\n  g: {type: gateway}\n  p:\n    type: process\n    command: [x]\n    config:\n`;
for (let i = 0; i < 200; i++) text += `      k${i}: *big\n`;
const cpu = () => { const c = process.cpuUsage(); return (c.user + c.system) / 1000; };
let c0 = cpu();
const doc = parseDocument(text, { schema: "core" });
console.log("yaml parse", cpu() - c0); c0 = cpu();
doc.toJS({ maxAliasCount: 10000 });
console.log("toJS", cpu() - c0); c0 = cpu();
parseScenario(text);
console.log("parseScenario total", cpu() - c0);
// plain 100k list without aliases
const t2 = `duration_sec: 1\nnodes:\n  g: {type: gateway}\n  p:\n    type: process\n    command: [x]\n    config: {big: [${Array.from({ length: 100000 }, () => "1").join(",")}]}\n`;
c0 = cpu(); parseScenario(t2); console.log("100k list no alias", cpu() - c0);
