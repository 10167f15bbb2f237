import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { randomUUID } from "node:crypto";
import { dirname, extname, join } from "node:path";
import { pathToFileURL } from "node:url";

/** Extensions of the module files tsx transpiles; anything else goes to Node's own import(). */
const TYPESCRIPT = new Set([".ts", ".mts", ".cts"]);

/** Extensions a node module may have (docs/custom-nodes.md). */
export const MODULE_EXTENSIONS: readonly string[] = Object.freeze([".ts", ".mts", ".cts", ".js", ".mjs", ".cjs"]);

/**
 * Imports the module files of one run's custom nodes, each once. TypeScript goes
 * through tsx's scoped loader on every Node version sim supports (Node 20 cannot strip
 * types, and one loader everywhere means a module that loads on one Node loads on the
 * other; see docs/custom-nodes.md for the choice and its cost); JavaScript through
 * Node's import(), which costs nothing more.
 */
export class ModuleImporter {
  private readonly loaded = new Map<string, Promise<Record<string, unknown>>>();

  /** The module's exports; rejects with whatever loading or evaluating it threw. */
  import(file: string): Promise<Record<string, unknown>> {
    let exports = this.loaded.get(file);
    if (exports === undefined) {
      const imported = TYPESCRIPT.has(extname(file)) ? importTypeScript(file) : (import(pathToFileURL(file).href) as Promise<Record<string, unknown>>);
      exports = imported.then(moduleExports);
      this.loaded.set(file, exports);
    }
    return exports;
  }
}

/**
 * The exports as the module's author wrote them. A .ts or .js file in a folder whose
 * package.json does not say `"type": "module"` is CommonJS by Node's rules; compiled
 * from `export` syntax (by tsx, tsc, esbuild) it is marked `__esModule`, and Node's
 * import() hands its exports over as `default`, so that `export default class` would
 * arrive as `default.default`. Such a module is read through `default`.
 */
function moduleExports(imported: Record<string, unknown>): Record<string, unknown> {
  const inner = imported.default;
  if (inner !== null && typeof inner === "object" && (inner as { __esModule?: unknown }).__esModule === true) return inner as Record<string, unknown>;
  return imported;
}

/**
 * One tsx namespace per file, turned off once the file is imported: its hooks only
 * apply to imports under that namespace, so nothing else in the process is transpiled,
 * and a module is evaluated afresh for every run. The file's own tsconfig.json (the
 * nearest one above it) decides how it is transpiled, never the one of the folder
 * sim happens to run in: the same module behaves the same from anywhere.
 */
async function importTypeScript(file: string): Promise<Record<string, unknown>> {
  // tsx (and esbuild with it) is loaded only for a run that has a TypeScript module.
  const { register } = await import("tsx/esm/api");
  // Stack traces in the author's lines, not in tsx's output (what `tsx` itself turns on):
  // a constructor that throws, or a node failing mid-run, is reported where it is written.
  // Process-wide, and only the modules compiled from now on are mapped.
  if (!process.sourceMapsEnabled) process.setSourceMapsEnabled(true);
  const namespace = randomUUID();
  const tsconfig = nearestAbove(dirname(file), "tsconfig.json") ?? false;
  if (isCommonJs(file)) {
    // A CommonJS file goes through tsx's require: Node 24 hands a CommonJS file that an
    // ES import reached to its CommonJS loader with the namespace still in the path
    // ("Cannot find module …/x.ts?namespace=…"); Node 20 did not.
    // tsx's require takes its tsconfig from TSX_TSCONFIG_PATH when it registers (else the
    // working folder's): point it at the module's own, or at an empty one.
    const { register: registerCjs } = await import("tsx/cjs/api");
    const before = process.env.TSX_TSCONFIG_PATH;
    const tsconfigFile = tsconfig === false ? writeEmptyTsconfig() : tsconfig;
    process.env.TSX_TSCONFIG_PATH = tsconfigFile;
    let api: { require(id: string, fromFile: string): unknown; unregister(): void } | undefined;
    try {
      api = registerCjs({ namespace });
      return api.require(file, import.meta.url) as Record<string, unknown>;
    } finally {
      api?.unregister();
      if (tsconfig === false) rmSync(dirname(tsconfigFile), { recursive: true, force: true });
      if (before === undefined) delete process.env.TSX_TSCONFIG_PATH;
      else process.env.TSX_TSCONFIG_PATH = before;
    }
  }
  const api = register({ namespace, tsconfig });
  try {
    return (await api.import(pathToFileURL(file).href, import.meta.url)) as Record<string, unknown>;
  } finally {
    await api.unregister();
  }
}

/**
 * Writes a tsconfig.json with no options to a new temporary folder and returns its
 * path; the caller removes the folder once tsx has compiled (a vitest worker or a
 * killed run never fires "exit", so removing it then left one folder behind per process).
 */
function writeEmptyTsconfig(): string {
  const file = join(mkdtempSync(join(tmpdir(), "sim-tsconfig-")), "tsconfig.json");
  writeFileSync(file, "{}\n");
  return file;
}

/** Node's rule: .cts is CommonJS, .mts is not, and .ts is unless the nearest package.json says `"type": "module"`. */
function isCommonJs(file: string): boolean {
  const extension = extname(file);
  if (extension !== ".ts") return extension === ".cts";
  const manifest = nearestAbove(dirname(file), "package.json");
  if (manifest === null) return true;
  try {
    return (JSON.parse(readFileSync(manifest, "utf8")) as { type?: unknown }).type !== "module";
  } catch {
    return true; // an unreadable package.json: Node would fail on it either way; tsx's require reports it
  }
}

/** The file `name` in `dir` or the nearest folder above it, as Node and TypeScript look for theirs. */
function nearestAbove(dir: string, name: string): string | null {
  for (let at = dir; ; at = dirname(at)) {
    const candidate = join(at, name);
    if (existsSync(candidate)) return candidate;
    if (dirname(at) === at) return null;
  }
}
