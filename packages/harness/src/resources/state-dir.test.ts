import { describe, expect, it } from "vitest";
import { defaultStateDir, registryFile } from "./state-dir.js";

describe("defaultStateDir", () => {
  it("follows XDG_STATE_HOME, defaulting to ~/.local/state", () => {
    expect(defaultStateDir({ XDG_STATE_HOME: "/xdg/state" }, "/home/ada")).toBe("/xdg/state/sim");
    expect(defaultStateDir({}, "/home/ada")).toBe("/home/ada/.local/state/sim");
    // A relative XDG path is invalid by the spec and ignored.
    expect(defaultStateDir({ XDG_STATE_HOME: "state" }, "/home/ada")).toBe("/home/ada/.local/state/sim");
    expect(registryFile("/s/sim", "run-1")).toBe("/s/sim/runs/run-1.json");
  });
});
