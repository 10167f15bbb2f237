import { realpath, stat } from "node:fs/promises";
import { relative } from "node:path";
import type { PathSegment } from "./positions.js";
import { sourceOf } from "./positions.js";
import { classifyHostPath, splitVolume } from "./host-paths.js";
import type { NodeFile } from "./node-kind.js";
import { nodeKind } from "./node-kinds.js";
import { ProblemCollector, describePath, type ProblemInput } from "./problem.js";
import type { Problem, ResolvedScenario } from "./types.js";

/** A file to check and the key path it is named at. */
interface FileCheck extends Omit<NodeFile, "key"> {
  path: readonly PathSegment[];
}

/**
 * Checks that every file a scenario refers to exists: those each node's row of the
 * table of node kinds names (renode platform and firmware, docker build contexts,
 * their Dockerfile and volume host paths, process working directories) and the ML
 * model. Reads the file system; returns
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
    for (const { key, file, kind, what } of nodeKind(node.type).files?.(node) ?? []) add({ path: ["nodes", node.group, ...key], file, kind, what });
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
