import { Parser, Composer, Lexer } from "yaml";
const cpu = () => { const c = process.cpuUsage(); return (c.user + c.system) / 1000; };
const items = 300000;
const text = `duration_sec: 1\nnodes:\n  g: {type: gateway}\nx-pad:\n${"  - 1\n".repeat(items)}`;
let c0 = cpu();
const lex = [...new Lexer().lex(text)]; console.log("lex", Math.round(cpu() - c0), lex.length); c0 = cpu();
const tokens = [...new Parser().parse(text)]; console.log("lex+parse", Math.round(cpu() - c0)); c0 = cpu();
const docs = [...new Composer({ schema: "core" }).compose(tokens, true, text.length)]; console.log("compose", Math.round(cpu() - c0)); c0 = cpu();
docs[0]!.toJS(); console.log("toJS", Math.round(cpu() - c0));
