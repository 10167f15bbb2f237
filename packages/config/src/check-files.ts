import { realpath, stat } from "node:fs/promises";
import { relative, resolve } from "node:path";
import type { PathSegment } from "./positions.js";
import { sourceOf } from "./positions.js";
import { classifyHostPath, splitVolume } from "./host-paths.js";
import { ProblemCollector, describePath, type ProblemInput } from "./problem.js";
import type { Problem, ResolvedScenario } from "./types.js";

interface FileCheck {
  path: readonly PathSegment[];
  file: string;
  /** "any": a file or a directory (a volume may bind either). */
  kind: "file" | "directory" | "any";
  what: string;
}

/**
 * Checks that every file a scenario refers to exists: renode platform and
 * firmware, the ML model, docker build contexts and their Dockerfile, docker
 * volume host paths, process working directories. Reads the file system; returns
 * the problems (located in the scenario file when it was parsed from text).
 */
export async function checkScenarioFiles(scenario: ResolvedScenario): Promise<Problem[]> {
  const { file, locator } = sourceOf(scenario);
  const problems = new ProblemCollector(file, locator);
  const checks = collectChecks(scenario);
  const results = await Promise.all(checks.map(async (check) => ({ check, found: await kindOf(check.file) })));
  for (const { check, found } of results) {
    if (found === check.kind || (check.kind === "any" && (found === "file" || found === "directory"))) continue;
    const shown = relative(scenario.base_dir, check.file) || ".";
    const where = describePath(check.path);
    if (found === "missing") {
      problems.add({
        code: "missing-file",
        path: check.path,
        message: `${where}: ${check.what} ${JSON.stringify(shown)} does not exist (looked for ${check.file})`,
        hint: "paths are relative to the folder of the scenario file",
      });
    } else {
      problems.add({
        code: check.kind === "directory" ? "not-a-directory" : "not-a-file",
        path: check.path,
        message: `${where}: ${check.what} ${JSON.stringify(shown)} is ${found === "unreadable" ? "not accessible" : `a ${found}`}, not a ${check.kind === "any" ? "file or directory" : check.kind}`,
      });
    }
  }
  for (const problem of await realHostPathProblems(scenario)) problems.add(problem);
  return problems.result();
}

/**
 * The host paths of volumes, followed through symbolic links: a link inside the
 * scenario's folder must not lead to a system folder, or outside without consent.
 */
async function realHostPathProblems(scenario: ResolvedScenario): Promise<ProblemInput[]> {
  const found: ProblemInput[] = [];
  const seen = new Set<string>();
  const scenarioDir = await realpath(scenario.base_dir).catch(() => scenario.base_dir);
  for (const node of scenario.nodes) {
    if (node.type !== "docker") continue;
    for (const [j, volume] of node.volumes.entries()) {
      const { host } = splitVolume(volume);
      const path = ["nodes", node.group, "volumes", j];
      if (!host.startsWith("/") || seen.has(JSON.stringify(path))) continue;
      seen.add(JSON.stringify(path));
      const real = await realpath(host).catch(() => null);
      if (real === null || real === host) continue;
      const verdict = classifyHostPath(real, scenarioDir);
      if (verdict.kind === "refused") {
        found.push({ code: "host-path-refused", path, message: `${describePath(path)} binds ${host}, which leads to ${real}: refused, ${verdict.because}` });
      } else if (verdict.kind === "outside" && !node.allow_host_paths) {
        found.push({
          code: "host-path-outside",
          path,
          message: `${describePath(path)} binds ${host}, which leads to ${real}, outside the scenario's folder`,
          hint: "add `allow_host_paths: true` to the node to allow it (mounted read-only unless the mapping ends in :rw)",
        });
      }
    }
  }
  return found;
}

function collectChecks(scenario: ResolvedScenario): FileCheck[] {
  const checks: FileCheck[] = [];
  // Members of a group share the entry's paths: check each group once.
  const seen = new Set<string>();
  const add = (check: FileCheck) => {
    const key = `${JSON.stringify(check.path)}\u0000${check.file}`;
    if (seen.has(key)) return;
    seen.add(key);
    checks.push(check);
  };
  for (const node of scenario.nodes) {
    const at = (...rest: PathSegment[]) => ["nodes", node.group, ...rest];
    switch (node.type) {
      case "renode":
        add({ path: at("platform"), file: node.platform, kind: "file", what: "renode platform" });
        add({ path: at("firmware"), file: node.firmware, kind: "file", what: "firmware" });
        break;
      case "process":
        add({ path: at("cwd"), file: node.cwd, kind: "directory", what: "working directory" });
        break;
      case "docker":
        if (node.build) {
          add({ path: at("build", "context"), file: node.build.context, kind: "directory", what: "docker build context" });
          add({ path: at("build", "dockerfile"), file: resolve(node.build.context, node.build.dockerfile), kind: "file", what: "Dockerfile" });
        }
        node.volumes.forEach((volume, j) => {
          const host = volume.slice(0, volume.indexOf(":"));
          // Relative host paths were made absolute; a bare name is a named volume.
          if (host.startsWith("/")) add({ path: at("volumes", j), file: host, kind: "any", what: "volume host path" });
        });
        break;
      default:
        break;
    }
  }
  const ml = scenario.ml_inference;
  if (ml) {
    const own = ml.placement === "edge" ? ml.edge_config : ml.cloud_config;
    const config = own.model_path === ml.model_path ? `${ml.placement}_config` : ml.placement === "edge" ? "cloud_config" : "edge_config";
    add({ path: ["ml_inference", config, "model_path"], file: ml.model_path, kind: "file", what: "ML model" });
  }
  return checks;
}

async function kindOf(path: string): Promise<"file" | "directory" | "missing" | "unreadable" | "special file"> {
  try {
    const info = await stat(path);
    return info.isFile() ? "file" : info.isDirectory() ? "directory" : "special file";
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === "ENOENT" || code === "ENOTDIR" ? "missing" : "unreadable";
  }
}
