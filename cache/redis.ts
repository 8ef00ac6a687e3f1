// The results cache in Redis (shared by every frontend replica), through
// ioredis. When Redis is down or slow, commands fail fast instead of queueing,
// so requests go on uncached; the client reconnects by itself. ioredis is loaded when a backend is
// created: a process without a Redis cache does not pay its ~8 MB of RSS.
import { createHash } from "node:crypto";
import type { ConnectionOptions } from "node:tls";
import type { Redis, RedisOptions } from "ioredis";
import { ByteLru, type CacheBackend } from "./backend.js";

export interface RedisBackendOptions {
  /** host:port. */
  address: string;
  db?: number;
  username?: string;
  password?: string;
  /** Connect with TLS: true trusts the system CAs; an object gives a CA, a client certificate, a server name. */
  tls?: boolean | RedisTlsOptions;
  /** Prepended to every key, so several orrery fleets can share one Redis. */
  keyPrefix?: string;
  /** Expiry of every entry, ms; 0: none. */
  ttlMs?: number;
  /** Longest wait for one command or for a connection, ms. */
  timeoutMs?: number;
  /** Bytes of entries read and their decoded forms kept in this process (checked against Redis's bytes on every read); default 64 MiB, 0: none. */
  keptMaxBytes?: number;
}

const KEPT_MAX_BYTES = 64 << 20;

/** Beside every entry, under its key with this suffix: the SHA-256 of its bytes, written with them in one transaction. */
const DIGEST_SUFFIX = ":digest";

/** A form kept in process, with the digest and length of the bytes it came from. */
interface KeptForm {
  form: unknown;
  digest: Buffer;
  length: number;
}

const digestOf = (value: Buffer): Buffer => createHash("sha256").update(value).digest();

/** TLS to Redis, as Thanos's redis `tls_config`; certificates and keys as PEM text. */
export interface RedisTlsOptions {
  ca?: string;
  cert?: string;
  key?: string;
  serverName?: string;
  insecureSkipVerify?: boolean;
}

export class RedisBackend implements CacheBackend {
  readonly name = "redis";
  /** The client once ioredis is loaded; commands wait for it. */
  private readonly client: Promise<Redis>;
  private loaded: Redis | undefined = undefined;
  private readonly ttlMs: number;
  private readonly kept: ByteLru | undefined;

  constructor(options: RedisBackendOptions) {
    const keptMaxBytes = options.keptMaxBytes ?? KEPT_MAX_BYTES;
    this.kept = keptMaxBytes > 0 ? new ByteLru({ maxSizeBytes: keptMaxBytes, ...(options.ttlMs !== undefined ? { ttlMs: options.ttlMs } : {}) }) : undefined;
    const { host, port } = hostPort(options.address);
    const timeout = options.timeoutMs ?? 500;
    this.ttlMs = options.ttlMs ?? 0;
    const redisOptions: RedisOptions = {
      host,
      port,
      db: options.db ?? 0,
      username: options.username || undefined,
      password: options.password || undefined,
      tls: tlsOptions(options.tls),
      keyPrefix: options.keyPrefix ?? "",
      connectTimeout: timeout,
      commandTimeout: timeout,
      // Fail at once while disconnected: a cache that is down must not hold requests back.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: (attempt) => Math.min(attempt * 100, 2000),
    };
    this.client = import("ioredis").then(({ Redis }) => {
      const client = new Redis(redisOptions);
      // Connection errors surface as failed commands, which the frontend counts; without a listener ioredis logs each one.
      client.on("error", () => undefined);
      this.loaded = client;
      return client;
    });
    // A failed load is reported by every command that waits for the client, never as an unhandled rejection.
    this.client.catch(() => undefined);
  }

  async get(key: string): Promise<Buffer | undefined> {
    return (await (await this.client).getBuffer(key)) ?? undefined;
  }

  /** The entry and its digest together (MULTI): a reader never sees one without the other changing too. */
  async set(key: string, value: Buffer): Promise<void> {
    const client = await this.client;
    const digest = digestOf(value);
    const tx = client.multi();
    if (this.ttlMs > 0) tx.set(key, value, "PX", this.ttlMs).set(key + DIGEST_SUFFIX, digest, "PX", this.ttlMs);
    else tx.set(key, value).set(key + DIGEST_SUFFIX, digest);
    const replies = await tx.exec();
    const failed = replies?.find(([err]) => err !== null)?.[0];
    if (replies === null || failed) throw failed ?? new Error("redis transaction aborted");
  }

  keptForm(key: string, value: Buffer): unknown {
    return (this.kept?.keptForm(key, value) as KeptForm | undefined)?.form;
  }

  keepForm(key: string, value: Buffer, form: unknown, bytes: number): void {
    this.kept?.keepForm(key, value, { form, digest: digestOf(value), length: value.length } satisfies KeptForm, bytes);
  }

  /**
   * The kept form while Redis holds an entry of the same length and digest: 32 bytes read instead
   * of the whole entry on every hit. The length catches a writer that leaves the digest as it was
   * (an older orrery); an entry gone (evicted, expired) has none.
   */
  async currentForm(key: string): Promise<unknown> {
    const kept = this.kept?.form(key) as KeptForm | undefined;
    if (kept === undefined) return undefined;
    const replies = await (await this.client).pipeline().strlen(key).getBuffer(key + DIGEST_SUFFIX).exec();
    const [length, digest] = (replies ?? []).map(([err, reply]) => (err === null ? reply : undefined));
    return length === kept.length && Buffer.isBuffer(digest) && digest.equals(kept.digest) ? kept.form : undefined;
  }

  /** Bytes of entries and forms kept in this process now. */
  get keptBytes(): number {
    return this.kept?.sizeBytes ?? 0;
  }

  /** Whether the client is connected now. */
  get connected(): boolean {
    return this.loaded?.status === "ready";
  }

  async close(): Promise<void> {
    this.kept?.clear();
    // A client that never loaded has nothing to disconnect.
    (await this.client.catch(() => undefined))?.disconnect();
  }
}

function tlsOptions(tls: RedisBackendOptions["tls"]): ConnectionOptions | undefined {
  if (tls === undefined || tls === false) return undefined;
  if (tls === true) return {};
  return { ca: tls.ca || undefined, cert: tls.cert || undefined, key: tls.key || undefined, servername: tls.serverName || undefined, rejectUnauthorized: tls.insecureSkipVerify !== true };
}

/** host and port of "host:port" or "[v6]:port"; the port defaults to 6379. */
export function hostPort(address: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+))(?::(\d+))?$/.exec(address.trim());
  if (m === null) throw new Error(`invalid Redis address ${JSON.stringify(address)}: want host:port`);
  const port = m[3] === undefined ? 6379 : Number(m[3]);
  if (port < 1 || port > 65535) throw new Error(`invalid Redis address ${JSON.stringify(address)}: port out of range`);
  return { host: m[1] ?? m[2]!, port };
}
