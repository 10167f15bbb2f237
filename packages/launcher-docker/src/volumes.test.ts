import { describe, expect, it } from "vitest";
import { bindEntry, parseVolume } from "./volumes.js";

describe("parseVolume", () => {
  it("reads bind mounts with and without a mode", () => {
    expect(parseVolume("/srv/data:/data:ro")).toEqual({ spec: "/srv/data:/data:ro", kind: "bind", source: "/srv/data", target: "/data", readOnly: true });
    expect(parseVolume("/srv/data:/data")).toMatchObject({ kind: "bind", readOnly: false });
    expect(parseVolume("/srv/data:/data:rw")).toMatchObject({ kind: "bind", readOnly: false });
  });

  it("tells named and anonymous volumes apart", () => {
    expect(parseVolume("cache:/cache")).toMatchObject({ kind: "named", source: "cache", target: "/cache" });
    expect(parseVolume("/scratch")).toMatchObject({ kind: "anonymous", source: null, target: "/scratch" });
  });

  it("rejects relative container paths and stray colons", () => {
    expect(() => parseVolume("/srv:data")).toThrow(/container path must be absolute/);
    expect(() => parseVolume("/a:/b:/c")).toThrow(/too many ":"/);
    expect(() => parseVolume("./rel:/data")).toThrow(/neither an absolute host path nor a volume name/);
  });
});

describe("bindEntry", () => {
  it("writes Docker's Binds syntax, or null for an anonymous volume", () => {
    expect(bindEntry(parseVolume("/srv/data:/data:ro"))).toBe("/srv/data:/data:ro");
    expect(bindEntry(parseVolume("cache:/cache"))).toBe("cache:/cache");
    expect(bindEntry(parseVolume("/scratch"))).toBeNull();
  });
});
