// Which blocks another block already holds: after a compaction is uploaded and before its
// sources are deleted, both are in the bucket. A block whose compaction sources are all among
// another block's (at the same resolution) is covered by it and must not be read twice (the
// role of Thanos's DeduplicateFilter). The store gateway serves without them; the compactor
// marks them for deletion.
import type { BlockMeta } from "./format.js";

/** ULIDs of the blocks in `metas` whose sources another block of the same resolution includes (of two with equal sources, the older ULID). */
export function coveredBlocks(metas: readonly BlockMeta[]): Set<string> {
  const covered = new Set<string>();
  // Larger source sets first: a block can only be covered by one with at least as many sources.
  const bySize = [...metas].sort((a, b) => b.compaction.sources.length - a.compaction.sources.length || (a.ulid < b.ulid ? 1 : -1));
  for (let i = 0; i < bySize.length; i++) {
    const m = bySize[i]!;
    for (let j = 0; j < i; j++) {
      const o = bySize[j]!;
      if (covered.has(o.ulid) || resolution(o) !== resolution(m)) continue;
      if (includesAll(o.compaction.sources, m.compaction.sources)) {
        covered.add(m.ulid);
        break;
      }
    }
  }
  return covered;
}

/** A block's downsampling resolution in ms (0: raw). */
export function resolution(meta: BlockMeta): number {
  return meta.thanos?.downsample.resolution ?? 0;
}

function includesAll(outer: readonly string[], inner: readonly string[]): boolean {
  if (inner.length === 0) return false;
  const set = new Set(outer);
  return inner.every((s) => set.has(s));
}
