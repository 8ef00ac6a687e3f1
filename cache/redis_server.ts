// A real redis-server on 127.0.0.1 for the tests and the bench that need one.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { stopProcess } from "../conformance/index.js";

export const REDIS_BIN = "/usr/bin/redis-server";

export function hasRedis(): boolean {
  return existsSync(REDIS_BIN);
}

export interface RunningRedis {
  port: number;
  pid: number;
  /** SIGKILL, as a crash: no chance to say goodbye to clients. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

/** TLS for a test's redis-server: its certificate and key, and the CA its clients' certificates must chain to. */
export interface RedisServerTls {
  certFile: string;
  keyFile: string;
  caFile: string;
}

export interface RedisServerOptions {
  /** Serve TLS only (no plaintext port), requiring a client certificate. */
  tls?: RedisServerTls;
  /** requirepass. */
  password?: string;
}

/** Starts redis-server on 127.0.0.1:port (no persistence) and waits until it accepts connections. */
export async function startRedisServer(port: number, timeoutMs = 10_000, options: RedisServerOptions = {}): Promise<RunningRedis> {
  const tls = options.tls === undefined ? ["--port", String(port)] : ["--port", "0", "--tls-port", String(port), "--tls-cert-file", options.tls.certFile, "--tls-key-file", options.tls.keyFile, "--tls-ca-cert-file", options.tls.caFile, "--tls-auth-clients", "yes"];
  const auth = options.password === undefined ? [] : ["--requirepass", options.password];
  const child = spawn(REDIS_BIN, [...tls, ...auth, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "no"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  await waitForLine(child, /Ready to accept connections/, timeoutMs);
  const kill = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
  };
  return { port, pid: child.pid!, kill, stop: () => stopProcess(child) };
}

function waitForLine(child: ChildProcess, pattern: RegExp, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`redis-server did not start in ${timeoutMs}ms: ${out.slice(-500)}`));
    }, timeoutMs);
    const onData = (d: Buffer): void => {
      out += d.toString();
      if (!pattern.test(out)) return;
      clearTimeout(timer);
      child.stdout?.off("data", onData);
      child.stdout?.resume();
      resolve();
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", (d: Buffer) => (out += d.toString()));
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with ${code}: ${out.slice(-500)}`));
    });
  });
}
