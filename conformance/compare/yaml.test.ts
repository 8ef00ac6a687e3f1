import { test } from "node:test";
import assert from "node:assert/strict";
import { parseYaml, YamlError } from "./yaml.js";

test("yaml: one-line flow mappings and sequences, nested, as values, list items or the whole document", () => {
  assert.deepEqual(parseYaml("type: FILESYSTEM\nconfig: {directory: /var/lib/x, 'quoted key': \"v, w\"}\n"), {
    type: "FILESYSTEM",
    config: { directory: "/var/lib/x", "quoted key": "v, w" },
  });
  assert.deepEqual(parseYaml("{type: S3, config: {bucket: b, endpoint: host:9000, insecure: true, part_size: 5, tags: [a, [b, c], {}], none: }}\n"), {
    type: "S3",
    config: { bucket: "b", endpoint: "host:9000", insecure: true, part_size: 5, tags: ["a", ["b", "c"], {}], none: null },
  });
  assert.deepEqual(parseYaml("- {a: 1}\n- [x, 'y']\n- {}\n- []\n"), [{ a: 1 }, ["x", "y"], {}, []]);
});

test("yaml: flow errors name the line and what is wrong", () => {
  const cases: [string, RegExp][] = [
    ["a: {b: 1\n", /^line 1: expected , or \} in flow mapping$/],
    ["x: 1\na: {b: 1, b: 2}\n", /^line 2: duplicate key "b"$/],
    ["a: {b}\n", /^line 1: expected ":" after the key "b" in flow mapping$/],
    ["a: {b: 1} c\n", /^line 1: text after the closing \}$/],
    ["a: [1, , 2]\n", /^line 1: empty item in flow sequence$/],
    ["a: {b: 'open}\n", /^line 1: unterminated/],
  ];
  for (const [text, want] of cases) assert.throws(() => parseYaml(text), (e: unknown) => e instanceof YamlError && want.test(e.message), text);
});
