// ULIDs as Prometheus names blocks: 48-bit millisecond time then 80 random bits, in
// Crockford's base32 (26 characters), so names sort by creation time.
const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/** A new ULID for time `ms`; `random` fills its 10 random bytes (crypto by default). */
export function newUlid(ms: number = Date.now(), random: (buf: Uint8Array) => void = fillRandom): string {
  if (!Number.isSafeInteger(ms) || ms < 0 || ms >= 2 ** 48) throw new RangeError(`ULID time ${ms} is outside [0, 2^48)`);
  let out = "";
  // 10 characters of time: 50 bits, the top 2 always zero.
  let t = ms;
  const time: string[] = [];
  for (let i = 0; i < 10; i++) {
    time.push(CROCKFORD[t % 32]!);
    t = Math.floor(t / 32);
  }
  out = time.reverse().join("");
  const bytes = new Uint8Array(10);
  random(bytes);
  // 80 bits → 16 characters of 5 bits, most significant first.
  let acc = 0;
  let bits = 0;
  for (const b of bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += CROCKFORD[(acc >>> bits) & 31];
    }
    acc &= (1 << bits) - 1;
  }
  return out;
}

/** The millisecond time a ULID was made at. */
export function ulidTime(ulid: string): number {
  let t = 0;
  for (let i = 0; i < 10; i++) {
    const d = CROCKFORD.indexOf(ulid[i]!.toUpperCase());
    if (d < 0) throw new RangeError(`"${ulid}" is not a ULID: bad character "${ulid[i]}"`);
    t = t * 32 + d;
  }
  return t;
}

function fillRandom(buf: Uint8Array): void {
  globalThis.crypto.getRandomValues(buf);
}
