/**
 * Content hashes of the files a run reads besides the scenario: ML models,
 * firmware and platform files, Docker build contexts (or the id of a prebuilt
 * image), the program files of process nodes and the module files of module
 * nodes. A member's key includes them, so that editing a model or a node's code
 * makes a new member.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { isAbsolute, join, relative, resolve } from "node:path";
import { assertNever, type ResolvedNode, type ResolvedScenario } from "@sim/config";
import { imageId } from "../reaper/docker-api.js";

export interface InputFingerprint {
  /** What it is: "model", "firmware", "platform", "build context", "image", "program", "node module". */
  kind: string;
  /** Relative to the scenario's folder when inside it, else absolute; the image name for images. */
  name: string;
  /** SHA-256 of the content (of every file, for a folder); the image id for images; "missing" when absent. */
  sha256: string;
}

/** Caches hashes across the members of one sweep: most share every input. */
export class InputHasher {
  private readonly files = new Map<string, Promise<string>>();
  private readonly images = new Map<string, Promise<string>>();

  async fingerprints(scenario: ResolvedScenario): Promise<InputFingerprint[]> {
    const wanted: { kind: string; path: string; folder?: boolean }[] = [];
    const images: { host: string | null; image: string }[] = [];
    if (scenario.ml_inference) wanted.push({ kind: "model", path: scenario.ml_inference.model_path });
    for (const node of uniqueGroups(scenario.nodes)) {
      // Every node type must say what its nodes read besides the scenario.
      switch (node.type) {
        case "sensor":
        case "gateway":
        case "cloud":
        case "actuator":
          break;
        case "module":
          // The module file itself; what it imports is not followed (docs/custom-nodes.md).
          if (node.module !== null) wanted.push({ kind: "node module", path: node.module });
          break;
        case "renode":
          wanted.push({ kind: "platform", path: node.platform }, { kind: "firmware", path: node.firmware });
          break;
        case "qemu":
          wanted.push({ kind: "firmware", path: node.firmware });
          break;
        case "docker":
          if (node.build) wanted.push({ kind: "build context", path: node.build.context, folder: true });
          else if (node.image) images.push({ host: node.docker_host, image: node.image });
          break;
        case "process":
          for (const path of await programFiles(node.command, node.cwd)) wanted.push({ kind: "program", path });
          break;
        default:
          assertNever(node, "node type");
      }
    }
    const shown = (path: string) => {
      const rel = relative(scenario.base_dir, path);
      return rel.startsWith("..") || isAbsolute(rel) ? path : rel;
    };
    const hashed = await Promise.all(wanted.map(async (w) => ({ kind: w.kind, name: shown(w.path), sha256: await this.hashOnce(w.path, w.folder === true) })));
    const imaged = await Promise.all(images.map(async (i) => ({ kind: "image", name: i.image, sha256: await this.imageOnce(i.host, i.image) })));
    const all = [...hashed, ...imaged];
    // Sorted and deduplicated: the key must not depend on the order nodes were listed in.
    const seen = new Set<string>();
    return all
      .filter((f) => {
        const id = `${f.kind}\u0000${f.name}`;
        if (seen.has(id)) return false;
        seen.add(id);
        return true;
      })
      .sort((a, b) => (a.kind === b.kind ? (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) : a.kind < b.kind ? -1 : 1));
  }

  private hashOnce(path: string, folder: boolean): Promise<string> {
    let hash = this.files.get(path);
    if (!hash) {
      hash = folder ? hashFolder(path) : hashFile(path);
      this.files.set(path, hash);
    }
    return hash;
  }

  private imageOnce(host: string | null, image: string): Promise<string> {
    const id = `${host ?? ""}\u0000${image}`;
    let hash = this.images.get(id);
    if (!hash) {
      // An image that is not there yet gets pulled or fails at launch; its key then
      // says "missing", and the member re-runs once the image exists.
      hash = imageId(host, image).then((found) => found ?? "missing", () => "missing");
      this.images.set(id, hash);
    }
    return hash;
  }
}

function uniqueGroups(nodes: readonly ResolvedNode[]): ResolvedNode[] {
  return nodes.filter((node) => node.group_index === 0);
}

/** Arguments of a process node's command that name existing files (the program, its script). */
async function programFiles(command: readonly string[], cwd: string): Promise<string[]> {
  const files: string[] = [];
  for (const [i, arg] of command.entries()) {
    // A bare program name is found on PATH: a system tool, not part of the experiment.
    if (i === 0 && !arg.includes("/")) continue;
    if (arg.startsWith("-") || arg.length > 4096) continue;
    const path = resolve(cwd, arg);
    if ((await stat(path).catch(() => null))?.isFile()) files.push(path);
  }
  return files;
}

async function hashFile(path: string): Promise<string> {
  const hash = createHash("sha256");
  try {
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  } catch {
    return "missing";
  }
  return hash.digest("hex");
}

/** Every regular file below `dir`, by relative path and content, in sorted order. */
async function hashFolder(dir: string): Promise<string> {
  const hash = createHash("sha256");
  let files: string[];
  try {
    files = (await listFiles(dir, "")).sort();
  } catch {
    return "missing";
  }
  for (const file of files) hash.update(`${file}\u0000${await hashFile(join(dir, file))}\n`);
  return hash.digest("hex");
}

async function listFiles(root: string, prefix: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(join(root, prefix), { withFileTypes: true })) {
    const rel = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) out.push(...(await listFiles(root, rel)));
    else if (entry.isFile()) out.push(rel);
  }
  return out;
}
