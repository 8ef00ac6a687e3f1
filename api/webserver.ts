// The web config applied to a listener: the HTTP or HTTPS server it asks for, basic auth and
// headers on every request, and reloads when the config or a file it names changes. A bad file
// on reload keeps the config in force, and is logged and counted.
import { createHash } from "node:crypto";
import { statSync } from "node:fs";
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from "node:http";
import { createServer as createHttpsServer, type Server as HttpsServer } from "node:https";
import type { SecureContextOptions, TLSSocket } from "node:tls";
import bcrypt from "bcryptjs";
import type { FastifyInstance } from "fastify";
import { LRUCache } from "lru-cache";
import { Counter, Gauge, type Registry } from "prom-client";
import { loadWebConfig, type TlsServerSettings, type WebConfig } from "./webconfig.js";

/** Compared against when the user is unknown, so that a wrong name costs as long as a wrong password. */
const DECOY_HASH = "$2b$10$IiFEsamkXWkpl1.25zxNuuTxCI0vgjhLYYACNC.xXXyGDCKqzOg1W";
/** Successful verifications remembered, so bcrypt runs once per user and password, not per request. */
const VERIFIED_CACHE_ENTRIES = 1024;
const DEFAULT_POLL_MS = 1000;

export interface WebConfigDeps {
  readonly registry: Registry;
  readonly log: { info(msg: string): void; error(msg: string): void };
  /** How often the config and the files it names are checked for changes. */
  readonly pollMs?: number;
}

/** Checks basic-auth credentials against bcrypt hashes; successes cached under a hash of user, hash and password. */
export class BasicAuthVerifier {
  private readonly verified = new LRUCache<string, true>({ max: VERIFIED_CACHE_ENTRIES });
  /** bcrypt runs one at a time: it is CPU-bound, and concurrent wrong guesses must not starve the server. */
  private queue: Promise<unknown> = Promise.resolve();

  /** Whether the Authorization header names a user of `users` with the right password. */
  async verify(users: ReadonlyMap<string, string>, authorization: string | undefined): Promise<boolean> {
    const credentials = basicCredentials(authorization);
    if (credentials === undefined) return false;
    const hash = users.get(credentials.user);
    const key = createHash("sha256").update(`${credentials.user}\0${hash ?? DECOY_HASH}\0${credentials.password}`).digest("base64");
    if (hash !== undefined && this.verified.has(key)) return true;
    const match = this.queue.then(() => bcrypt.compare(credentials.password, hash ?? DECOY_HASH));
    this.queue = match.catch(() => false);
    const ok = (await match.catch(() => false)) && hash !== undefined;
    if (ok) this.verified.set(key, true);
    return ok;
  }
}

/** user and password of a `Basic` Authorization header; undefined when it is absent or not one. */
export function basicCredentials(authorization: string | undefined): { user: string; password: string } | undefined {
  if (authorization === undefined) return undefined;
  const m = /^basic +(\S+)\s*$/i.exec(authorization);
  if (m === null) return undefined;
  const decoded = Buffer.from(m[1]!, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** A web config file in force on one or more listeners, reloaded when it (or a file it names) changes. */
export class LiveWebConfig {
  private current: WebConfig;
  private signature: string;
  private readonly verifier = new BasicAuthVerifier();
  private readonly servers: HttpsServer[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly reloads: Counter<"result">;
  private readonly lastSuccess: Gauge;

  constructor(
    readonly file: string,
    initial: WebConfig,
    private readonly deps: WebConfigDeps,
  ) {
    this.current = initial;
    this.signature = filesSignature(initial.files);
    this.reloads = new Counter({
      name: "orrery_web_config_reloads_total",
      help: "Reloads of --web.config.file after a change, by result (success, failure: the previous config stays in force).",
      labelNames: ["result"],
      registers: [deps.registry],
    });
    this.lastSuccess = new Gauge({ name: "orrery_web_config_last_reload_successful", help: "1 when the last reload of --web.config.file succeeded.", registers: [deps.registry] });
    this.lastSuccess.set(1);
  }

  /** Reads the file; a WebConfigError says what is wrong in it. */
  static open(file: string, deps: WebConfigDeps): LiveWebConfig {
    return new LiveWebConfig(file, loadWebConfig(file), deps);
  }

  get config(): WebConfig {
    return this.current;
  }

  get scheme(): "http" | "https" {
    return this.current.tls === undefined ? "http" : "https";
  }

  /** A fastify serverFactory: HTTPS when the config has tls_server_config, HTTP otherwise. */
  createServer(handler: (req: IncomingMessage, res: ServerResponse) => void, options: { maxHeaderSize?: number } = {}): HttpServer | HttpsServer {
    const tls = this.current.tls;
    if (tls === undefined) return createHttpServer({ maxHeaderSize: options.maxHeaderSize }, handler);
    const server = createHttpsServer({ ...secureContext(tls), ...clientCertRequest(tls), maxHeaderSize: options.maxHeaderSize }, handler);
    // The client-auth policy in force when the connection is made, not when the server was.
    server.on("secureConnection", (socket: TLSSocket) => {
      const reason = this.current.tls === undefined ? undefined : refusedClientCert(this.current.tls, socket);
      if (reason !== undefined) socket.destroy();
    });
    this.servers.push(server);
    return server;
  }

  /** Headers and basic auth on every request of `app`, before its body is read. */
  install(app: FastifyInstance): void {
    app.addHook("onRequest", async (request, reply) => {
      const config = this.current;
      for (const [name, value] of Object.entries(config.headers)) reply.header(name, value);
      if (config.users.size === 0) return;
      if (await this.verifier.verify(config.users, request.headers.authorization)) return;
      return reply.code(401).header("www-authenticate", "Basic").type("text/plain; charset=utf-8").send("Unauthorized\n");
    });
  }

  /** Polls for changes until close(). */
  start(): void {
    this.timer = setInterval(() => this.reloadIfChanged(), this.deps.pollMs ?? DEFAULT_POLL_MS);
    this.timer.unref();
  }

  close(): void {
    clearInterval(this.timer);
  }

  /** Reloads when a file's size or mtime changed; true when a new config is in force. */
  reloadIfChanged(): boolean {
    const signature = filesSignature(this.current.files);
    if (signature === this.signature) return false;
    this.signature = signature;
    return this.reload();
  }

  /** Reads the file again; on any problem the config in force stays, and the failure is logged and counted. */
  reload(): boolean {
    try {
      const next = loadWebConfig(this.file);
      if ((next.tls === undefined) !== (this.current.tls === undefined)) {
        throw new Error(`tls_server_config cannot be ${next.tls === undefined ? "removed" : "added"} by a reload: the listener is ${this.scheme}; restart to change it`);
      }
      if (next.tls !== undefined) for (const server of this.servers) applyTls(server, next.tls);
      this.current = next;
      this.signature = filesSignature(next.files);
      this.reloads.inc({ result: "success" });
      this.lastSuccess.set(1);
      this.deps.log.info(`reloaded web config ${this.file}`);
      return true;
    } catch (err) {
      this.reloads.inc({ result: "failure" });
      this.lastSuccess.set(0);
      this.deps.log.error(`web config reload failed, the previous config stays in force: ${(err as Error).message}`);
      return false;
    }
  }
}

function secureContext(tls: TlsServerSettings): SecureContextOptions {
  return {
    cert: tls.cert,
    key: tls.key,
    ca: tls.clientCa,
    minVersion: tls.minVersion,
    maxVersion: tls.maxVersion,
    ciphers: tls.ciphers,
    ecdhCurve: tls.ecdhCurve,
    honorCipherOrder: tls.honorCipherOrder,
  };
}

/** Whether the handshake asks for a client certificate, and whether one that does not verify ends it. */
function clientCertRequest(tls: TlsServerSettings): { requestCert: boolean; rejectUnauthorized: boolean } {
  return { requestCert: tls.clientAuth !== "NoClientCert", rejectUnauthorized: tls.clientAuth === "RequireAndVerifyClientCert" };
}

/** A new certificate, key, CA or policy on a running server; new connections get it. */
function applyTls(server: HttpsServer, tls: TlsServerSettings): void {
  server.setSecureContext(secureContext(tls));
  // tls.Server reads these per connection.
  Object.assign(server, clientCertRequest(tls));
}

/** Why a connection's client certificate is not acceptable under the policy, or undefined. */
function refusedClientCert(tls: TlsServerSettings, socket: TLSSocket): string | undefined {
  const cert = socket.getPeerCertificate();
  const presented = cert !== null && Object.keys(cert).length > 0;
  switch (tls.clientAuth) {
    case "NoClientCert":
    case "RequestClientCert":
      return undefined;
    case "RequireAnyClientCert":
      if (!presented) return "no client certificate";
      break;
    case "VerifyClientCertIfGiven":
      return presented && !socket.authorized ? "client certificate does not verify" : undefined;
    case "RequireAndVerifyClientCert":
      if (!presented || !socket.authorized) return "no verified client certificate";
      break;
  }
  if (tls.clientAllowedSans === undefined) return undefined;
  const sans = (cert.subjectaltname ?? "").split(/,\s*/).map((s) => s.slice(s.indexOf(":") + 1));
  return sans.some((s) => tls.clientAllowedSans!.includes(s)) ? undefined : "client certificate has none of client_allowed_sans";
}

/** Size and mtime of each file: what changes when one is rewritten. */
function filesSignature(files: readonly string[]): string {
  return files
    .map((f) => {
      try {
        const s = statSync(f);
        return `${f}:${s.size}:${s.mtimeMs}`;
      } catch {
        return `${f}:missing`;
      }
    })
    .join("\n");
}
