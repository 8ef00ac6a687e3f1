// Set operations on sorted series-ref lists (Uint32Array), for resolving matchers.

/** Intersection of sorted lists. */
export function intersectPostings(lists: readonly Uint32Array[]): Uint32Array {
  const sorted = [...lists].sort((a, b) => a.length - b.length);
  let acc = sorted[0] ?? new Uint32Array(0);
  for (let k = 1; k < sorted.length && acc.length > 0; k++) {
    const b = sorted[k]!;
    const out = new Uint32Array(acc.length);
    let n = 0;
    let j = 0;
    for (let i = 0; i < acc.length; i++) {
      const v = acc[i]!;
      while (j < b.length && b[j]! < v) j++;
      if (j < b.length && b[j] === v) out[n++] = v;
    }
    acc = out.subarray(0, n);
  }
  return acc;
}

/** Union of sorted lists, each value once. */
export function unionPostings(lists: readonly Uint32Array[]): Uint32Array {
  if (lists.length === 1) return lists[0]!;
  let total = 0;
  for (const l of lists) total += l.length;
  const all = new Uint32Array(total);
  let n = 0;
  for (const l of lists) {
    all.set(l, n);
    n += l.length;
  }
  all.sort();
  let m = 0;
  for (let i = 0; i < all.length; i++) if (m === 0 || all[i] !== all[m - 1]) all[m++] = all[i]!;
  return all.subarray(0, m);
}

/** Values of sorted `a` not in sorted `b`. */
export function subtractPostings(a: Uint32Array, b: Uint32Array): Uint32Array {
  const out = new Uint32Array(a.length);
  let n = 0;
  let j = 0;
  for (let i = 0; i < a.length; i++) {
    const v = a[i]!;
    while (j < b.length && b[j]! < v) j++;
    if (j >= b.length || b[j] !== v) out[n++] = v;
  }
  return out.subarray(0, n);
}
