// The endpoint set: stores from static addresses (`--endpoint`) and file SD (`--endpoint.sd-files`),
// each polled for info(); unreachable ones are marked unhealthy with their error and retried with
// exponential backoff. Queries use only healthy endpoints and their cached info, never waiting on a check;
// an unhealthy endpoint is not contacted but named in a warning (or error), never silently left out.
import { readFile } from "node:fs/promises";
import { parseYaml, type YamlValue } from "../storeapi/index.js";
import type { Labels, Store, StoreInfo } from "../storeapi/index.js";
import type { StoreRef } from "./proxy.js";

/** Makes the Store for an address (the gRPC StoreAPI client in production); close() is called on removal. */
export type StoreFactory = (address: string) => Store & { close?(): void };

export interface EndpointSetOptions {
  readonly factory: StoreFactory;
  /** `--endpoint=host:port`, repeatable. */
  readonly staticAddresses?: readonly string[];
  /** `--endpoint.sd-files`: Thanos file SD (YAML or JSON list of `{targets: [...]}`), re-read on change. */
  readonly sdFiles?: readonly string[];
  /** How often a healthy endpoint's info() is polled, ms (default 5000). */
  readonly infoIntervalMs?: number;
  /** Longest wait for info(), ms (default 5000). */
  readonly infoTimeoutMs?: number;
  /** First retry delay after a failure, doubled per failure up to backoffMaxMs (defaults 1000, 60000). */
  readonly backoffInitialMs?: number;
  readonly backoffMaxMs?: number;
  /** How often start() runs update(), ms (default 1000). */
  readonly tickMs?: number;
  /** Clock, ms (tests pass a fake one). */
  readonly now?: () => number;
}

/** One endpoint as /api/v1/stores shows it. */
export interface EndpointStatus {
  readonly name: string;
  readonly healthy: boolean;
  /** When info() was last tried, ms; undefined before the first try. */
  readonly lastCheckMs: number | undefined;
  readonly lastError: string | undefined;
  readonly labelSets: readonly Labels[];
  readonly minTime: number;
  readonly maxTime: number;
  /** Downsampling resolutions the endpoint holds, ms (0: raw); empty before its first info(). */
  readonly resolutions: readonly number[];
}

interface Endpoint {
  readonly address: string;
  readonly store: Store & { close?(): void };
  healthy: boolean;
  info: StoreInfo | undefined;
  lastCheckMs: number | undefined;
  lastError: string | undefined;
  failures: number;
  nextCheckMs: number;
  checking: boolean;
}

interface SdFileState {
  content: string | undefined;
  targets: readonly string[];
  error: string | undefined;
}

/** Targets listed by a file SD document; throws naming the entry that is wrong. */
export function parseSdTargets(source: string, path: string): string[] {
  const doc: YamlValue = path.endsWith(".json") ? (JSON.parse(source) as YamlValue) : parseYaml(source);
  if (doc === null) return [];
  if (!Array.isArray(doc)) throw new Error(`${path}: expected a list of target groups`);
  const out: string[] = [];
  doc.forEach((group, i) => {
    if (group === null || typeof group !== "object" || Array.isArray(group)) throw new Error(`${path}: group ${i}: expected a mapping with "targets"`);
    const targets = group["targets"];
    if (targets === undefined || targets === null) return;
    if (!Array.isArray(targets)) throw new Error(`${path}: group ${i}: "targets" must be a list`);
    targets.forEach((t, j) => {
      if (typeof t !== "string" || t === "") throw new Error(`${path}: group ${i}: target ${j} must be a non-empty host:port string`);
      out.push(t);
    });
  });
  return out;
}

/** Info of an endpoint never heard from: selected by every query. */
const MATCH_ALL_INFO: StoreInfo = {
  labelSets: [],
  minTime: Number.MIN_SAFE_INTEGER,
  maxTime: Number.MAX_SAFE_INTEGER,
  resolutions: [0],
  supportsAggregationPushdown: false,
};

/** A store standing for an unhealthy endpoint: every call fails with its health check's error. */
function unavailableStore(lastError: string): Store {
  const fail = (): Error => new Error(`unhealthy: ${lastError}`);
  return {
    info: () => Promise.reject(fail()),
    series: async function* () {
      throw fail();
    },
    labelNames: () => Promise.reject(fail()),
    labelValues: () => Promise.reject(fail()),
  };
}

export class EndpointSet {
  private readonly endpoints = new Map<string, Endpoint>();
  private readonly sdFiles = new Map<string, SdFileState>();
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private updating: Promise<void> | undefined;

  constructor(private readonly options: EndpointSetOptions) {
    this.now = options.now ?? Date.now;
    for (const path of options.sdFiles ?? []) this.sdFiles.set(path, { content: undefined, targets: [], error: undefined });
    this.sync();
  }

  /** Polls in the background every tickMs; the first round starts at once. */
  start(): void {
    if (this.timer !== undefined) return;
    void this.update();
    this.timer = setInterval(() => void this.update(), this.options.tickMs ?? 1000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    for (const e of this.endpoints.values()) e.store.close?.();
  }

  /** One round: re-read changed SD files, add/remove endpoints, check those due. Rounds never overlap. */
  update(): Promise<void> {
    this.updating ??= this.round().finally(() => (this.updating = undefined));
    return this.updating;
  }

  /**
   * ProxyStore's `stores`: healthy endpoints with their cached info, and each checked unhealthy one as a
   * store that fails at once with its last error, never contacted: its data are missing, so the query
   * gets a warning naming it (or, partial response off, an error) instead of a silently smaller answer.
   * It keeps its last known info (selection by external labels and time as before), or matches all.
   * An endpoint not checked yet matches every query, which waits for its first check (at most the info
   * timeout) and then reads it, or fails naming it: its data are never left out unnoticed.
   */
  storeRefs(): StoreRef[] {
    const out: StoreRef[] = [];
    for (const e of this.endpoints.values()) {
      if (e.healthy && e.info !== undefined) out.push({ name: e.address, store: e.store, info: e.info });
      else if (e.lastError !== undefined) out.push({ name: e.address, store: unavailableStore(e.lastError), info: e.info ?? MATCH_ALL_INFO });
      // Not checked yet (just started or just discovered): never silently left out.
      else out.push({ name: e.address, store: this.awaitingFirstCheck(e), info: MATCH_ALL_INFO });
    }
    return out;
  }

  /** A store for an endpoint before its first check: each call waits for that check, then goes on as it found. */
  private awaitingFirstCheck(e: Endpoint): Store {
    const ready = async (): Promise<Store> => {
      if (e.lastCheckMs === undefined) await this.update();
      if (e.healthy || e.lastError === undefined) return e.store;
      return unavailableStore(e.lastError);
    };
    return {
      info: async () => (await ready()).info(),
      series: async function* (request, signal) {
        yield* (await ready()).series(request, signal);
      },
      labelNames: async (request, signal) => (await ready()).labelNames(request, signal),
      labelValues: async (request, signal) => (await ready()).labelValues(request, signal),
    };
  }

  /** Every endpoint's status, sorted by address. */
  status(): EndpointStatus[] {
    return [...this.endpoints.values()]
      .sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0))
      .map((e) => ({
        name: e.address,
        healthy: e.healthy,
        lastCheckMs: e.lastCheckMs,
        lastError: e.lastError,
        labelSets: e.info?.labelSets ?? [],
        minTime: e.info?.minTime ?? 0,
        maxTime: e.info?.maxTime ?? 0,
        resolutions: e.info?.resolutions ?? [],
      }));
  }

  /** SD files that could not be read or parsed (their last good targets stay in use). */
  sdFileErrors(): { path: string; error: string }[] {
    const out: { path: string; error: string }[] = [];
    for (const [path, s] of this.sdFiles) if (s.error !== undefined) out.push({ path, error: s.error });
    return out;
  }

  private async round(): Promise<void> {
    await Promise.all([...this.sdFiles.keys()].map((p) => this.readSdFile(p)));
    this.sync();
    const now = this.now();
    const due = [...this.endpoints.values()].filter((e) => !e.checking && e.nextCheckMs <= now);
    await Promise.all(due.map((e) => this.check(e)));
  }

  private async readSdFile(path: string): Promise<void> {
    const state = this.sdFiles.get(path)!;
    try {
      const content = await readFile(path, "utf8");
      if (content === state.content) return;
      state.targets = parseSdTargets(content, path);
      state.content = content;
      state.error = undefined;
    } catch (e) {
      state.error = e instanceof Error ? e.message : String(e);
    }
  }

  /** Adds endpoints newly listed and removes those no longer listed. */
  private sync(): void {
    const wanted = new Set<string>(this.options.staticAddresses ?? []);
    for (const s of this.sdFiles.values()) for (const t of s.targets) wanted.add(t);
    for (const [address, e] of this.endpoints) {
      if (wanted.has(address)) continue;
      this.endpoints.delete(address);
      e.store.close?.();
    }
    for (const address of wanted) {
      if (this.endpoints.has(address)) continue;
      this.endpoints.set(address, {
        address,
        store: this.options.factory(address),
        healthy: false,
        info: undefined,
        lastCheckMs: undefined,
        lastError: undefined,
        failures: 0,
        nextCheckMs: Number.NEGATIVE_INFINITY,
        checking: false,
      });
    }
  }

  private async check(e: Endpoint): Promise<void> {
    e.checking = true;
    const timeoutMs = this.options.infoTimeoutMs ?? 5000;
    let timer: NodeJS.Timeout | undefined;
    try {
      const info = await Promise.race([
        e.store.info(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`info() did not answer within ${timeoutMs}ms`)), timeoutMs);
        }),
      ]);
      e.info = info;
      e.healthy = true;
      e.lastError = undefined;
      e.failures = 0;
      e.nextCheckMs = this.now() + (this.options.infoIntervalMs ?? 5000);
    } catch (err) {
      e.healthy = false;
      e.lastError = err instanceof Error ? err.message : String(err);
      e.failures++;
      const initial = this.options.backoffInitialMs ?? 1000;
      const max = this.options.backoffMaxMs ?? 60_000;
      e.nextCheckMs = this.now() + Math.min(max, initial * 2 ** Math.min(e.failures - 1, 30));
    } finally {
      clearTimeout(timer);
      e.lastCheckMs = this.now();
      e.checking = false;
    }
  }
}
