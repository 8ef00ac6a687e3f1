// Test helper (Node only, not part of the library): the PromQL queries of the
// shared spec corpus — promqltest scripts and the compliance query list — read
// with the conformance module's readers, so there is one reader per format.
import { readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { expandTemplate, parseQueryFile, parseScript } from "../../conformance/index.js";

export interface CorpusQuery {
  query: string;
  /** file:line */
  source: string;
  /** The script or config says this query fails; the message when one is given. */
  expectFail?: string;
}

/** Every `eval …` query of the promqltest scripts, with its `expect fail` expectation. */
export function promqltestQueries(dir: string): CorpusQuery[] {
  const out: CorpusQuery[] = [];
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".test"))
    .sort();
  for (const f of files) {
    for (const cmd of parseScript(readFileSync(join(dir, f), "utf8"), f).commands) {
      if (cmd.type !== "eval") continue;
      const entry: CorpusQuery = { query: cmd.query, source: `${f}:${cmd.line}` };
      const messages = cmd.expect.fail.map((m) => (m.kind === "msg" ? m.text : m.kind === "regex" ? m.source : ""));
      if (cmd.expectedFailMessage !== undefined) messages.push(cmd.expectedFailMessage);
      if (cmd.expectedFailRegexp !== undefined) messages.push(cmd.expectedFailRegexp.source);
      if (cmd.legacy.fail || cmd.expect.fail.length > 0) entry.expectFail = messages.join("\n");
      out.push(entry);
    }
  }
  return out;
}

/** Every query of the compliance list with its variants expanded. */
export function complianceQueries(file: string): CorpusQuery[] {
  const parsed = parseQueryFile(readFileSync(file, "utf8"));
  const out: CorpusQuery[] = [];
  for (const t of parsed.templates) {
    for (const c of expandTemplate(t, parsed.variantValues)) {
      const entry: CorpusQuery = { query: c.query, source: `${basename(file)}:${t.line}` };
      if (c.shouldFail) entry.expectFail = "";
      out.push(entry);
    }
  }
  return out;
}

/** The whole corpus. */
export function specCorpus(shared: string): CorpusQuery[] {
  return [...promqltestQueries(join(shared, "promqltest")), ...complianceQueries(join(shared, "compliance", "promql-test-queries.yml"))];
}
