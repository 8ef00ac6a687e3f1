// A certificate authority and leaf certificates made with openssl for a test, in a folder it owns.
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { request } from "node:https";
import { join } from "node:path";

/** A leaf certificate's file stem and its openssl x509 extensions (SANs, key usage). */
export interface LeafCert {
  readonly name: string;
  readonly ext: string;
}

/** The leaves most TLS tests need: a server for store.orrery.test and 127.0.0.1, and a client. */
export const DEFAULT_LEAVES: readonly LeafCert[] = [
  { name: "server", ext: "subjectAltName=DNS:store.orrery.test,DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n" },
  { name: "client", ext: "subjectAltName=DNS:client.orrery.test\nextendedKeyUsage=clientAuth\n" },
];

/** Writes ca.crt/ca.key (CA "/CN=<caName>") and <name>.crt/<name>.key for each leaf, signed by it, into `dir`. */
export function makeCerts(dir: string, leaves: readonly LeafCert[] = DEFAULT_LEAVES, caName = "ca"): void {
  const ssl = (...args: string[]): void => {
    execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  };
  // P-256 keys: RSA key generation takes seconds on a loaded machine.
  const newKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"];
  ssl("req", "-x509", ...newKey, "-nodes", "-keyout", `${caName}.key`, "-out", `${caName}.crt`, "-days", "1", "-subj", `/CN=orrery test ${caName}`);
  for (const { name, ext } of leaves) {
    writeFileSync(join(dir, `${name}.ext`), ext);
    ssl("req", ...newKey, "-nodes", "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", `/CN=${name}`);
    ssl("x509", "-req", "-in", `${name}.csr`, "-CA", `${caName}.crt`, "-CAkey", `${caName}.key`, "-CAcreateserial", "-out", `${name}.crt`, "-days", "1", "-extfile", `${name}.ext`);
  }
}

export interface HttpsAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** GET over TLS trusting `ca`, with an optional client certificate and headers; rejects when the handshake fails. */
export function httpsGet(url: string, options: { ca: Buffer | string; cert?: Buffer | string; key?: Buffer | string; headers?: Record<string, string> }): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca: options.ca, cert: options.cert, key: options.key, headers: options.headers, agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}
