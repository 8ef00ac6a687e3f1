// `orrery rule`: the ruler (Thanos Ruler): rule groups evaluated on their interval against the
// global view, recording rules written into a head, alerts sent to Alertmanager.
// `orrery rule check FILE…`: validates rule files as `promtool check rules` does.
import { readFile } from "node:fs/promises";
import { parseRuleFile } from "../ruler/index.js";

export async function run(argv: string[]): Promise<number> {
  if (argv[0] === "check") return check(argv.slice(1));
  console.error("orrery rule: the ruler server is started with `orrery start --rule-file=…`; `orrery rule check FILE…` validates rule files");
  return 2;
}

/** promtool's output: per file "Checking F", then SUCCESS with the rule count or FAILED with the errors; exit 1 on any failure. */
export async function check(files: readonly string[]): Promise<number> {
  if (files.length === 0 || files.includes("--help")) {
    console.log("usage: orrery rule check FILE…\n\nValidates Prometheus rule files as `promtool check rules` does.");
    return files.length === 0 ? 2 : 0;
  }
  let failed = false;
  for (const file of files) {
    console.log(`Checking ${file}`);
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (err) {
      console.error(`  FAILED:\n${file}: ${(err as Error).message}\n`);
      failed = true;
      continue;
    }
    const { groups, errors } = parseRuleFile(text, file);
    if (errors.length > 0) {
      console.error(`  FAILED:\n${errors.join("\n")}\n`);
      failed = true;
      continue;
    }
    console.log(`  SUCCESS: ${groups.reduce((n, g) => n + g.rules.length, 0)} rules found\n`);
  }
  return failed ? 1 : 0;
}
