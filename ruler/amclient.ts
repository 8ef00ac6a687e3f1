// One Alertmanager cluster as the notifier talks to it: a keep-alive agent carrying the TLS
// settings, the Authorization header (secret files re-read at every send, so rotation needs no
// restart), and the current addresses (static, plus file_sd files re-read once per refresh
// interval when a send needs them; a bad file keeps the previous targets).
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { Agent as HttpAgent, request as httpRequest } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { extname } from "node:path";
import { parseYaml, type YamlValue } from "../storeapi/index.js";
import { AlertmanagerConfigError, type AlertmanagerSetConfig, type FileSdConfig, type HttpClientConfig } from "./alertmanagers.js";
import { expandGlobs } from "./manager.js";

export interface PostResult {
  status: number;
  body: string;
}

export class AlertmanagerClient {
  private readonly agent: HttpAgent | HttpsAgent;
  private readonly discovered: string[][];
  private readonly refreshedAt: number[];

  /** Reads the TLS files now: a missing or unreadable one is an error at startup, naming the key. */
  constructor(
    readonly config: AlertmanagerSetConfig,
    private readonly onDiscoveryError: (message: string) => void = () => undefined,
  ) {
    this.agent = config.scheme === "https" ? new HttpsAgent({ keepAlive: true, ...tlsOptions(config.http) }) : new HttpAgent({ keepAlive: true });
    this.discovered = config.fileSd.map(() => []);
    this.refreshedAt = config.fileSd.map(() => -Infinity);
  }

  /** The alerts endpoint of every address the cluster has now. */
  async endpoints(now: number): Promise<string[]> {
    const addresses = new Set(this.config.staticAddresses);
    for (let i = 0; i < this.config.fileSd.length; i++) {
      const sd = this.config.fileSd[i]!;
      if (now - this.refreshedAt[i]! >= sd.refreshIntervalMs) {
        this.refreshedAt[i] = now;
        await this.refresh(i, sd);
      }
      for (const a of this.discovered[i]!) addresses.add(a);
    }
    return [...addresses].map((a) => `${this.config.scheme}://${a}${this.config.pathPrefix}/api/v2/alerts`);
  }

  private async refresh(i: number, sd: FileSdConfig): Promise<void> {
    const targets: string[] = [];
    for (const file of await expandGlobs(sd.files)) {
      try {
        targets.push(...parseFileSd(await readFile(file, "utf8"), file));
      } catch (err) {
        this.onDiscoveryError(`file_sd ${file}: ${(err as Error).message}; keeping the previous targets`);
        return;
      }
    }
    this.discovered[i] = targets;
  }

  /** POSTs a JSON body with the configured credentials; rejects on a network error or timeout. */
  async postJson(url: string, body: string): Promise<PostResult> {
    const headers: Record<string, string> = { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) };
    const authorization = await authorizationHeader(this.config.http);
    if (authorization !== undefined) headers["authorization"] = authorization;
    const request = url.startsWith("https:") ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = request(url, { method: "POST", headers, agent: this.agent, signal: AbortSignal.timeout(this.config.timeoutMs) }, (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => (text += d));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
        res.on("error", reject);
      });
      req.on("error", reject);
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Reads the TLS files of every https cluster, as the notifier will: a missing one is an AlertmanagerConfigError naming the key and path. */
export function checkTlsFiles(sets: readonly AlertmanagerSetConfig[]): void {
  for (const set of sets) if (set.scheme === "https") tlsOptions(set.http);
}

function tlsOptions(http: HttpClientConfig): { ca?: string; cert?: string; key?: string; servername?: string; rejectUnauthorized: boolean } {
  const t = http.tls;
  return {
    ca: t.caFile === "" ? undefined : readConfigFile("tls_config.ca_file", t.caFile),
    cert: t.certFile === "" ? undefined : readConfigFile("tls_config.cert_file", t.certFile),
    key: t.keyFile === "" ? undefined : readConfigFile("tls_config.key_file", t.keyFile),
    servername: t.serverName === "" ? undefined : t.serverName,
    rejectUnauthorized: !t.insecureSkipVerify,
  };
}

function readConfigFile(key: string, path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    throw new AlertmanagerConfigError(`http_config.${key}: cannot read ${path}: ${(err as Error).message}`);
  }
}

/** Prometheus's round trippers: bearer token (inline or file) or basic auth (password inline or file); file contents trimmed of surrounding space. */
async function authorizationHeader(http: HttpClientConfig): Promise<string | undefined> {
  if (http.bearerToken !== "") return `Bearer ${http.bearerToken}`;
  if (http.bearerTokenFile !== "") return `Bearer ${await readSecret("bearer_token_file", http.bearerTokenFile)}`;
  const b = http.basicAuth;
  if (b === undefined) return undefined;
  const password = b.passwordFile !== "" ? await readSecret("basic_auth.password_file", b.passwordFile) : b.password;
  return `Basic ${Buffer.from(`${b.username}:${password}`).toString("base64")}`;
}

async function readSecret(key: string, path: string): Promise<string> {
  try {
    return (await readFile(path, "utf8")).trim();
  } catch (err) {
    throw new Error(`http_config.${key}: cannot read ${path}: ${(err as Error).message}`);
  }
}

/** A file_sd file: `[{targets: [host:port, …], labels: {…}}]` in JSON (.json) or YAML (.yml, .yaml). */
export function parseFileSd(text: string, file: string): string[] {
  const ext = extname(file);
  if (ext !== ".json" && ext !== ".yml" && ext !== ".yaml") throw new Error(`want a .json, .yml or .yaml file`);
  const doc = (ext === ".json" ? JSON.parse(text) : parseYaml(text)) as YamlValue;
  if (doc === null) return [];
  if (!Array.isArray(doc)) throw new Error("want a list of target groups ({targets: [host:port], labels: {}})");
  const out: string[] = [];
  doc.forEach((group, i) => {
    if (group === null || typeof group !== "object" || Array.isArray(group)) throw new Error(`target group ${i}: want a mapping with targets`);
    const targets = group["targets"] ?? [];
    if (!Array.isArray(targets)) throw new Error(`target group ${i}: targets: want a list of host:port`);
    targets.forEach((t, j) => {
      if (typeof t !== "string" || t === "" || t.includes("/")) throw new Error(`target group ${i}: targets[${j}]: want host:port, got ${JSON.stringify(t)}`);
      out.push(t);
    });
  });
  return out;
}
