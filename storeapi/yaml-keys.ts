// Typed reads of parsed YAML for config files: every error names the file (the source) and the
// key's path, so a user learns what is wrong and where. One reader for every config file orrery
// loads (objstore, remote_read, cache, limits).
import { parseDuration } from "../promql/index.js";
import type { YamlValue } from "./yaml.js";

export type YamlMapping = { readonly [key: string]: YamlValue };

export class YamlKeyError extends Error {
  override name = "YamlKeyError";
}

export class YamlKeyReader {
  /** `makeError` builds the error thrown for a bad key (a YamlKeyError by default). */
  constructor(
    private readonly source: string,
    private readonly makeError: (message: string) => Error = (message) => new YamlKeyError(message),
  ) {}

  error(path: string, detail: string): Error {
    return this.makeError(`${this.source}: ${path}: ${detail}`);
  }

  mapping(value: YamlValue, path: string): YamlMapping {
    if (value === null) return {};
    if (typeof value !== "object" || Array.isArray(value)) throw this.error(path === "" ? "top level" : path, `want a mapping of keys, got ${describeYaml(value)}`);
    return value;
  }

  list(value: YamlValue | undefined, path: string): readonly YamlValue[] {
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) throw this.error(path, `want a list, got ${describeYaml(value)}`);
    return value;
  }

  onlyKeys(m: YamlMapping, path: string, known: readonly string[]): void {
    for (const key of Object.keys(m)) {
      if (!known.includes(key)) throw this.error(joinKey(path, key), `unknown key (known here: ${known.join(", ")})`);
    }
  }

  string(m: YamlMapping, path: string, key: string, dflt: string): string {
    const v = m[key];
    return v === undefined || v === null ? dflt : this.scalar(v, joinKey(path, key));
  }

  /** A scalar read as a string (numbers and booleans as written). */
  scalar(v: YamlValue, path: string): string {
    if (typeof v === "string") return v;
    if (typeof v === "number" || typeof v === "boolean") return String(v);
    throw this.error(path, `want a string, got ${describeYaml(v)}`);
  }

  bool(m: YamlMapping, path: string, key: string, dflt: boolean): boolean {
    const v = m[key];
    if (v === undefined || v === null) return dflt;
    if (typeof v === "boolean") return v;
    throw this.error(joinKey(path, key), `want true or false, got ${describeYaml(v)}`);
  }

  integer(m: YamlMapping, path: string, key: string, dflt: number, min: number): number {
    const v = m[key];
    if (v === undefined || v === null) return dflt;
    if (typeof v === "number" && Number.isSafeInteger(v) && v >= min) return v;
    throw this.error(joinKey(path, key), `want an integer ≥ ${min}, got ${describeYaml(v)}`);
  }

  /** A finite number ≥ min (fractions allowed, e.g. a rate per second). */
  number(m: YamlMapping, path: string, key: string, dflt: number, min: number): number {
    const v = m[key];
    if (v === undefined || v === null) return dflt;
    if (typeof v === "number" && Number.isFinite(v) && v >= min) return v;
    throw this.error(joinKey(path, key), `want a number ≥ ${min}, got ${describeYaml(v)}`);
  }

  duration(m: YamlMapping, path: string, key: string, dfltMs: number): number {
    const v = m[key];
    if (v === undefined || v === null) return dfltMs;
    try {
      if (typeof v !== "string" && typeof v !== "number") throw new Error();
      return parseDuration(String(v));
    } catch {
      throw this.error(joinKey(path, key), `want a duration such as 90s or 1m30s, got ${describeYaml(v)}`);
    }
  }

  stringMap(m: YamlMapping, path: string, key: string): Record<string, string> {
    const inner = this.mapping(m[key] ?? {}, joinKey(path, key));
    const out: Record<string, string> = {};
    for (const k of Object.keys(inner)) out[k] = this.string(inner, joinKey(path, key), k, "");
    return out;
  }
}

/** `path.key`, or `key` at the top level. */
export function joinKey(path: string, key: string): string {
  return path === "" ? key : `${path}.${key}`;
}

function describeYaml(v: YamlValue): string {
  if (Array.isArray(v)) return "a list";
  if (v !== null && typeof v === "object") return "a mapping";
  return JSON.stringify(v);
}
