import { describe, expect, it } from "vitest";
import { closestMatch, didYouMean, editDistance } from "./suggest.js";

describe("editDistance", () => {
  it("counts insertions, deletions, substitutions and transpositions as one edit each", () => {
    expect(editDistance("duraton_sec", "duration_sec")).toBe(1);
    expect(editDistance("period_ms", "perod_ms")).toBe(1);
    expect(editDistance("gatewya", "gateway")).toBe(1);
    expect(editDistance("latency", "latnecy")).toBe(1);
    expect(editDistance("", "abc")).toBe(3);
    expect(editDistance("sensor", "cloud")).toBe(6);
  });
});

describe("closestMatch", () => {
  const keys = ["duration_sec", "seed", "time_quantum_us", "nodes", "network", "startup_sec", "dir"];

  it("suggests close typos, ignoring case", () => {
    expect(closestMatch("duraton_sec", keys)).toBe("duration_sec");
    expect(closestMatch("Nodes", keys)).toBe("nodes");
    expect(closestMatch("node", keys)).toBe("nodes");
  });

  it("suggests a key that the word abbreviates or extends", () => {
    expect(closestMatch("startup", keys)).toBe("startup_sec");
    expect(closestMatch("directory", keys)).toBe("dir");
  });

  it("suggests nothing for unrelated words", () => {
    expect(closestMatch("banana", keys)).toBeUndefined();
    expect(didYouMean("x".repeat(1000), keys)).toBeUndefined();
  });
});
