import { execa } from "execa";
import { buildPlugin } from "./build-plugin.js";

export type ProbeResult =
  | { ok: true; qemu: string; version: string }
  | { ok: false; qemu: string; reason: "not-found" | "no-plugin-support" | "missing-symbols"; missing: readonly string[]; message: string };

export interface ProbeOptions {
  /** The emulator (default `qemu-system-arm` on the PATH). */
  qemu?: string;
  /** The compiled plugin (default: `buildPlugin()`). */
  plugin?: string;
  env?: Record<string, string | undefined>;
}

/** How long a probe may take: QEMU loads the plugin and exits before creating a machine. */
const PROBE_TIMEOUT_MS = 20_000;

/**
 * Can this QEMU be stepped? Starts it with the plugin in probe mode (`-M none`,
 * the plugin checks every symbol it needs and exits), and says why not when it
 * cannot: no such executable, no plugin support, or symbols missing. Rejects with
 * QemuBuildError when the plugin cannot be built (no gcc).
 */
export async function probeQemu(options: ProbeOptions = {}): Promise<ProbeResult> {
  const qemu = options.qemu ?? "qemu-system-arm";
  const env = options.env === undefined ? {} : { env: options.env, extendEnv: false };
  const version = await execa(qemu, ["--version"], { ...env, reject: false, timeout: PROBE_TIMEOUT_MS });
  if (version.failed && (version.code === "ENOENT" || version.exitCode === undefined)) {
    return { ok: false, qemu, reason: "not-found", missing: [], message: `no ${qemu} (on Debian: apt-get install qemu-system-arm)` };
  }
  // Built only once QEMU is known to be there: without it, a missing gcc is not the news.
  const plugin = options.plugin ?? (await buildPlugin({ env: options.env })).path;
  const run = await execa(qemu, ["-M", "none", "-display", "none", "-monitor", "none", "-plugin", `${plugin.replaceAll(",", ",,")},probe=on`], {
    ...env,
    reject: false,
    all: true,
    timeout: PROBE_TIMEOUT_MS,
  });
  const out = String(run.all ?? "");
  const firstLine = String(version.stdout).split("\n")[0] ?? "";
  if (run.exitCode === 0 && out.includes("sim-qemu-step: ok")) return { ok: true, qemu, version: firstLine };
  const refused = /refusing to load: this QEMU does not export ([^.]+)\./.exec(out);
  if (refused !== null) {
    return { ok: false, qemu, reason: "missing-symbols", missing: refused[1]!.split(",").map((s) => s.trim()), message: out.trim().split("\n")[0]! };
  }
  return { ok: false, qemu, reason: "no-plugin-support", missing: [], message: `${firstLine}: ${out.trim().split("\n").slice(-2).join(" / ") || `exit ${run.exitCode}`}` };
}
