import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { MEMBER_TRACE_THREAD_ENV, memberCommand, membersCrowdCores } from "./member-command.js";

describe("member processes", () => {
  test("members crowd the cores when two threads each would not fit", () => {
    expect(membersCrowdCores(1, 2)).toBe(false);
    expect(membersCrowdCores(2, 2)).toBe(true);
    expect(membersCrowdCores(1, 1)).toBe(true);
    expect(membersCrowdCores(4, 16)).toBe(false);
    expect(membersCrowdCores(8, 16)).toBe(false);
    expect(membersCrowdCores(9, 16)).toBe(true);
  });

  test("crowded members run on one thread: no V8 helper threads, the trace encoded on the engine's thread", () => {
    const crowded = memberCommand("/s", { crowded: true, env: {} });
    expect(crowded.args[0]).toBe("--single-threaded");
    expect(crowded.env[MEMBER_TRACE_THREAD_ENV]).toBe("0");
    const alone = memberCommand("/s", { crowded: false, env: {} });
    expect(alone.args).not.toContain("--single-threaded");
    expect(alone.env[MEMBER_TRACE_THREAD_ENV]).toBeUndefined();
    // The entry point is the last argument; the executors append the store and key.
    expect(alone.args.at(-1)).toMatch(/member-main\.(ts|js)$/);
  });

  test("members share a compile cache in the store, unless the caller chose one", () => {
    expect(memberCommand("/data/sweep", { crowded: false, env: {} }).env.NODE_COMPILE_CACHE).toBe(join("/data/sweep", ".node-compile-cache"));
    expect(memberCommand("/data/sweep", { crowded: false, env: { NODE_COMPILE_CACHE: "/cache" } }).env.NODE_COMPILE_CACHE).toBeUndefined();
  });
});
