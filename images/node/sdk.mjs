// Puts the node-side SDK of @sim/protocol (`@sim/protocol/sdk`) into an image's root
// filesystem, at /node_modules/@sim/protocol, so that any script in the image can
// `import { runNode } from "@sim/protocol/sdk"` (ESM looks for node_modules in every
// parent folder, up to /).
//
// The SDK is transpiled from the workspace sources (TypeScript's transpileModule
// strips types; no bundler, no prior build): sdk-entry.ts and every file it imports
// relatively. The SDK must stay dependency-free; a bare import is an error here.
//
//   node images/node/sdk.mjs --fingerprint   prints a hash of the SDK's sources
//   node images/node/sdk.mjs <root>          writes the SDK under <root>/node_modules
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const src = resolve(dirname(fileURLToPath(import.meta.url)), "../../packages/protocol/src");
const entry = "sdk-entry.ts";

function sdkSources() {
  const files = new Map();
  const pending = [entry];
  while (pending.length > 0) {
    const file = pending.shift();
    if (files.has(file)) continue;
    const text = readFileSync(join(src, file), "utf8");
    files.set(file, text);
    const info = ts.preProcessFile(text, true, true);
    for (const { fileName } of info.importedFiles) {
      if (fileName.startsWith("./")) pending.push(fileName.slice(2).replace(/\.js$/, ".ts"));
      else if (!fileName.startsWith("node:")) throw new Error(`${file} imports "${fileName}": the SDK must stay dependency-free`);
    }
  }
  return [...files.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
}

const sources = sdkSources();
if (process.argv[2] === "--fingerprint") {
  const hash = createHash("sha256");
  for (const [file, text] of sources) hash.update(`${file}\0${text}\0`);
  console.log(hash.digest("hex").slice(0, 16));
} else if (process.argv[2]) {
  const out = join(process.argv[2], "node_modules/@sim/protocol");
  mkdirSync(out, { recursive: true });
  for (const [file, text] of sources) {
    const { outputText } = ts.transpileModule(text, {
      fileName: file,
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
    });
    writeFileSync(join(out, file.replace(/\.ts$/, ".js")), outputText);
  }
  const manifest = { name: "@sim/protocol", private: true, type: "module", exports: { "./sdk": "./sdk-entry.js" } };
  writeFileSync(join(out, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
} else {
  console.error("usage: node images/node/sdk.mjs --fingerprint | <root>");
  process.exit(2);
}
