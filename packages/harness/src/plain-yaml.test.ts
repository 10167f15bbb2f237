import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { parse } from "yaml";
import { NotPlainDataError, plainDataToYaml } from "./plain-yaml.js";

/** What JSON can hold, with the strings most likely to be misread: YAML words, numbers, syntax, controls, any Unicode. */
const tricky = fc.constantFrom("true", "No", "null", "~", "", " ", "0", "1e3", "0x1F", ".inf", "-", "- a", "a: b", "#x", "&a", "*a", "!t", "<<", "'", '"', "\\", "a #b", "\u007f", "\u0085", "\u2028", "\ufeff", "\uffff", "x\ny", "\t", "é");
const text = fc.oneof(fc.string({ unit: "grapheme" }), fc.string({ unit: "binary" }), tricky, fc.stringMatching(/^[A-Za-z_/][A-Za-z0-9_./@+-]{0,8}$/));
const number = fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Object.is(n, -0)), fc.constantFrom(Number.MAX_SAFE_INTEGER, 1e21, 5e-324));
const plain = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: "small" }, fc.constant(null), fc.boolean(), number, text, tie("list"), tie("map")),
  list: fc.array(tie("value"), { maxLength: 4 }),
  map: fc.dictionary(text, tie("value"), { maxKeys: 4 }),
})).value;

describe("plainDataToYaml", () => {
  test("the yaml package reads back exactly what was written, whatever the data, and every character is one YAML allows", () => {
    fc.assert(
      fc.property(plain, (value) => {
        const written = plainDataToYaml(value);
        expect(parse(written, { uniqueKeys: true })).toEqual(value);
        // YAML 1.2's c-printable (stricter readers such as PyYAML refuse anything else).
        expect(written).toMatch(/^[\t\n\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]*$/u);
      }),
      { numRuns: 3000, seed: 11 },
    );
  });

  test("block style, with plain strings where nothing else could be read, quoted ones elsewhere", () => {
    const written = plainDataToYaml({ name: "lab", nodes: [{ id: "sensor_0", sensors: ["temperature"], anomaly: null, tags: {} }, [1, "2"]], empty: [], skipped: undefined, yes: "yes", "a b": "/tmp/x y" });
    expect(written).toBe(
      [
        "name: lab",
        "nodes:",
        "  - id: sensor_0",
        "    sensors:",
        "      - temperature",
        "    anomaly: null",
        "    tags: {}",
        "  - - 1",
        '    - "2"',
        "empty: []",
        '"yes": "yes"',
        '"a b": "/tmp/x y"',
        "",
      ].join("\n"),
    );
  });

  test("anything that is not plain data is refused with a typed error", () => {
    expect(() => plainDataToYaml({ at: new Date(0) })).toThrow(NotPlainDataError);
    expect(() => plainDataToYaml([1n])).toThrow(/a bigint/);
    expect(() => plainDataToYaml({ f: () => 1 })).toThrow(/a function/);
  });
});
