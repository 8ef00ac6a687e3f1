// The shipper: head → TSDB block → bucket. Cuts blocks of the head once they leave its
// append window (Prometheus's rule), writes them locally, uploads them (meta.json last),
// keeps thanos.shipper.json as Thanos's shipper does, and only then lets the head truncate.
//
//   const shipper = await Shipper.open({ dir, bucket, blockDurationMs, source: "receive", externalLabels });
//   const { head } = await openHead(dir, { chunkRangeMs: blockDurationMs, truncationLimit: shipper.truncationLimit, appendFloor: shipper.appendFloor });
//   shipper.start(head);   // sync every 30 s, backoff after failures
//   await shipper.stop();
export { Shipper } from "./shipper.js";
export type { ShippableHead, ShipperLog, ShipperOptions, ShipperSyncReport } from "./shipper.js";
export { alignedRange, nextBlockRange } from "./plan.js";
export type { BlockRange, HeadSpan } from "./plan.js";
export { readShipperMeta, SHIPPER_META_FILE, ShipperMetaError, writeShipperMeta } from "./meta-file.js";
export type { ShipperMeta } from "./meta-file.js";
