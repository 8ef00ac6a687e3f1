// Rule groups managed over the Cortex/Mimir ruler configuration API, kept as Prometheus rule
// files in --rules.dir: one file per namespace (<namespace, URL-encoded>.yaml), loaded by the
// ruler with its other rule files, so they survive a restart. A group is validated as part of
// its namespace's file (the rule-file checks `orrery rule check` makes) before anything is written.
import { readdir, readFile, rename, rm, writeFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { RuleConfigError, type RuleConfigSource } from "../api/index.js";
import { formatYaml, parseYaml, YamlError, type YamlValue } from "../storeapi/index.js";
import { parseRuleFile } from "./rulefile.js";

type Group = { [key: string]: YamlValue };

const SUFFIX = ".yaml";

export class RulesDir implements RuleConfigSource {
  /** Writes one after another, so two requests never interleave on a namespace's file. */
  private queue: Promise<unknown> = Promise.resolve();

  /** @param changed called after every write (the ruler reloads). */
  constructor(
    readonly dir: string,
    private readonly changed: () => Promise<unknown>,
  ) {}

  /** The glob the ruler loads these files with. */
  get glob(): string {
    return join(this.dir, `*${SUFFIX}`);
  }

  private file(namespace: string): string {
    return join(this.dir, encodeURIComponent(namespace) + SUFFIX);
  }

  private async namespaces(): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return [];
    }
    return names.filter((n) => n.endsWith(SUFFIX)).map((n) => decodeURIComponent(n.slice(0, -SUFFIX.length))).sort();
  }

  private async groups(namespace: string): Promise<Group[]> {
    let text: string;
    try {
      text = await readFile(this.file(namespace), "utf8");
    } catch {
      return [];
    }
    const doc = parseYaml(text);
    const groups = doc !== null && typeof doc === "object" && !Array.isArray(doc) ? doc["groups"] : undefined;
    return Array.isArray(groups) ? (groups.filter((g) => g !== null && typeof g === "object" && !Array.isArray(g)) as Group[]) : [];
  }

  async listYaml(namespace?: string): Promise<string | undefined> {
    const out: { [ns: string]: YamlValue } = {};
    for (const ns of namespace === undefined ? await this.namespaces() : [namespace]) {
      const groups = await this.groups(ns);
      if (groups.length > 0) out[ns] = groups;
    }
    return Object.keys(out).length === 0 ? undefined : formatYaml(out);
  }

  async groupYaml(namespace: string, name: string): Promise<string | undefined> {
    const g = (await this.groups(namespace)).find((x) => x["name"] === name);
    return g === undefined ? undefined : formatYaml(g);
  }

  setGroup(namespace: string, body: string): Promise<void> {
    return this.serial(async () => {
      if (namespace === "") throw new RuleConfigError("invalid namespace: empty");
      let group: YamlValue;
      try {
        group = parseYaml(body);
      } catch (err) {
        throw new RuleConfigError(`rule group is not valid YAML: ${err instanceof YamlError ? err.message : String(err)}`);
      }
      if (group === null || typeof group !== "object" || Array.isArray(group)) throw new RuleConfigError("rule group must be a YAML mapping with name and rules");
      const name = group["name"];
      if (typeof name !== "string" || name === "") throw new RuleConfigError("invalid rule group: name is missing or empty");
      const groups = await this.groups(namespace);
      const at = groups.findIndex((g) => g["name"] === name);
      if (at >= 0) groups[at] = group;
      else groups.push(group);
      await this.write(namespace, groups);
    });
  }

  deleteGroup(namespace: string, name: string): Promise<boolean> {
    return this.serial(async () => {
      const groups = await this.groups(namespace);
      const rest = groups.filter((g) => g["name"] !== name);
      if (rest.length === groups.length) return false;
      await this.write(namespace, rest);
      return true;
    });
  }

  deleteNamespace(namespace: string): Promise<boolean> {
    return this.serial(async () => {
      if ((await this.groups(namespace)).length === 0) return false;
      await this.write(namespace, []);
      return true;
    });
  }

  /** Validates the namespace's file as the ruler will read it, then replaces it (or removes it when empty). */
  private async write(namespace: string, groups: Group[]): Promise<void> {
    const path = this.file(namespace);
    if (groups.length === 0) {
      await rm(path, { force: true });
    } else {
      const text = formatYaml({ groups });
      const { errors } = parseRuleFile(text, `${namespace}${SUFFIX}`);
      if (errors.length > 0) throw new RuleConfigError(errors.join("\n"));
      await mkdir(this.dir, { recursive: true });
      await writeFile(`${path}.tmp`, text);
      await rename(`${path}.tmp`, path);
    }
    await this.changed();
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }
}
