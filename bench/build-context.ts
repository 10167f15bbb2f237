// Build contexts (@sim/launcher-docker's packContext: @balena/dockerignore + tar-stream).
//
// 1. Against the Docker CLI: a folder of 38 files with a .dockerignore of 22 tricky
//    patterns (`!` re-includes, `**`, folders, character classes, escapes, regex
//    characters in literal names, case) is sent to `docker build` by the CLI's classic
//    builder, and the files that arrive in the image are compared with the files sim
//    sends. Needs a Docker engine and CLI; builds sim-test/busybox:1 when missing.
// 2. Packing time: a context of --files files (default 3,000, more than half ignored) listed
//    and packed into a stream that is read to its end, the median of --rounds rounds,
//    wall and CPU time, beside GNU tar packing the same folder (no .dockerignore).
//
//   node --conditions=@sim/source --import tsx bench/build-context.ts [--files 3000] [--rounds 9] [--no-docker]
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs, promisify } from "node:util";
import { contextEntries, packContext } from "../packages/launcher-docker/src/build-context.js";
import { BUSYBOX, REPO_ROOT } from "../packages/launcher-docker/src/__fixtures__/context.js";

const exec = promisify(execFile);
const { values } = parseArgs({
  options: {
    files: { type: "string", default: "3000" },
    rounds: { type: "string", default: "9" },
    "no-docker": { type: "boolean", default: false },
  },
});

const CLI_FILES = [
  "a+b.txt", "aab.txt", "A.LOG", "a.log", "src/a.log", "src/deep/x.tmp", "src/deep/er/y.tmp", "x.tmp",
  "file (1).txt", "file 1.txt", "x|y", "q{1}", "q", "docs/a.md", "docs/ab.md", "README.md", "README-keep.md",
  "notes.md", "node_modules/keep/k.js", "node_modules/drop/d.js", "build/out.bin", "cache/x/old.bin",
  "cache/x/y/z.keep", "cache/top.keep", "out(put)/a", "output.txt", "Build/b", "file7.bin", "fileX.bin",
  "lit*eral", "litXeral", "xby", "xay", "src/deep/er/c++", "cc", "caret^",
];
const CLI_IGNORE = [
  "# comment", "a+b.txt", "*.log", "**/*.tmp", "file (1).txt", "x|y", "q{1}", "docs/?.md", "*.md", "!README*.md",
  "README.md", "node_modules", "!node_modules/keep/**", "build/", "cache/", "!cache/**/*.keep", "out(put)/**", "Build",
  "file[0-9].bin", "lit\\*eral", "x[^a]y", "**/c++", "caret^",
];

async function compareWithCli(): Promise<{ files: number; patterns: number; sent_by_cli: number; differences: string[] }> {
  await exec(join(REPO_ROOT, "images/build.sh"), ["busybox"], { cwd: REPO_ROOT });
  const dir = await mkdtemp(join(tmpdir(), "sim-ctx-cli-"));
  const tag = `sim-bench/dockerignore-${process.pid}:1`;
  try {
    for (const file of CLI_FILES) {
      await mkdir(join(dir, file, ".."), { recursive: true });
      await writeFile(join(dir, file), file);
    }
    await writeFile(join(dir, ".dockerignore"), `${CLI_IGNORE.join("\n")}\n`);
    await writeFile(join(dir, "Dockerfile"), `FROM ${BUSYBOX}\nCOPY . /ctx\nRUN find /ctx -type f | sort\n`);
    const { stdout } = await exec("docker", ["build", "--no-cache", "--rm", "-t", tag, dir], {
      env: { ...process.env, DOCKER_BUILDKIT: "0" },
      maxBuffer: 16 * 1024 * 1024,
    });
    const cli = stdout
      .split("\n")
      .filter((line) => line.startsWith("/ctx/"))
      .map((line) => line.slice("/ctx/".length))
      .sort();
    const ours = (await contextEntries(dir, "Dockerfile"))
      .filter((e) => e.type === "file")
      .map((e) => e.name)
      .sort();
    const differences = [
      ...cli.filter((f) => !ours.includes(f)).map((f) => `only the CLI sends ${f}`),
      ...ours.filter((f) => !cli.includes(f)).map((f) => `only sim sends ${f}`),
    ];
    return { files: CLI_FILES.length + 2, patterns: CLI_IGNORE.length - 1, sent_by_cli: cli.length, differences };
  } finally {
    await exec("docker", ["rmi", "--force", tag]).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}

async function timePacking(files: number, rounds: number): Promise<Record<string, unknown>> {
  const dir = await mkdtemp(join(tmpdir(), "sim-ctx-bench-"));
  try {
    await writeFile(join(dir, "Dockerfile"), "FROM scratch\nCOPY . /\n");
    await writeFile(join(dir, ".dockerignore"), "**/*.tmp\nnode_modules\n!node_modules/keep/**\nbuild/\n*.log\n");
    for (let i = 0; i < files; i++) {
      const sub = `${["src", "node_modules", "build", "assets"][i % 4]}/d${i % 50}${i % 7 === 0 ? "/keep" : ""}`;
      await mkdir(join(dir, sub), { recursive: true });
      await writeFile(join(dir, sub, `f${i}${[".js", ".tmp", ".log", ".json", ".bin"][i % 5]}`), Buffer.alloc(256 + (i % 16) * 256, i % 251));
    }
    const wall: number[] = [];
    const cpu: number[] = [];
    const tar: number[] = [];
    let bytes = 0;
    let entries = 0;
    for (let round = 0; round < rounds; round++) {
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      const packed = await packContext(dir, "Dockerfile");
      bytes = 0;
      for await (const chunk of packed.stream) bytes += (chunk as Buffer).length;
      const c = process.cpuUsage(c0);
      wall.push(performance.now() - t0);
      cpu.push((c.user + c.system) / 1000);
      entries = packed.entries.length;
      const t1 = performance.now();
      await exec("tar", ["-cf", "/dev/null", "--sort=name", "-C", dir, "."]);
      tar.push(performance.now() - t1);
    }
    const median = (xs: number[]) => +[...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!.toFixed(1);
    return { files, entries_sent: entries, archive_bytes: bytes, rounds, pack_wall_ms: median(wall), pack_cpu_ms: median(cpu), gnu_tar_wall_ms: median(tar) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (!values["no-docker"]) {
  const result = await compareWithCli();
  console.log(JSON.stringify({ bench: "dockerignore-vs-cli", ...result }));
  if (result.differences.length > 0) process.exitCode = 1;
}
console.log(JSON.stringify({ bench: "pack", ...(await timePacking(Number(values.files), Number(values.rounds))) }));
