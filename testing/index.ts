// Helpers for tests: where ../shared is, and how to say a test did not run.
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (the folder holding package.json), from dist/ or source. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json"))) {
    const up = dirname(dir);
    if (up === dir) throw new Error("package.json not found above " + fileURLToPath(import.meta.url));
    dir = up;
  }
  return dir;
}

/** ../shared beside the repository, or undefined when this clone has none. */
export function sharedDir(): string | undefined {
  const dir = process.env.ORRERY_SHARED ?? resolve(repoRoot(), "..", "shared");
  return existsSync(join(dir, "promqltest")) ? dir : undefined;
}

/** The reason a test that needs ../shared gives when it does not run. */
export const NO_SHARED = "did not run: ../shared (promqltest, compliance) is not beside this clone";


export { rng } from "./random.js";
export { makeCerts, httpsGet, DEFAULT_LEAVES, type HttpsAnswer, type LeafCert } from "./tls.js";
export { nativeHistogram } from "./histogram.js";
