// V8 object sizes the head's memory estimate counts beside the bytes it can measure (typed arrays'
// lengths), from heap snapshots on Node 20 (64-bit, no pointer compression): see
// stores/head/estimate-memory.test.ts, which checks the estimate against the measured heap.

/** A JS array's object and its elements' header; each element is 8 bytes more. */
export const ARRAY_OBJECT_BYTES = 48;
/** A typed array's object (96) and its own ArrayBuffer's (88), beside the buffer's bytes. */
export const TYPED_ARRAY_OBJECT_BYTES = 184;
/** A MemSeries object (its numbers live in its SeriesFloats slot). */
export const SERIES_OBJECT_BYTES = 80;
/** A SeriesExtras object. */
export const SERIES_EXTRAS_BYTES = 80;
/** A Map entry with its share of the table's slack. */
export const MAP_ENTRY_BYTES = 40;
/** A label pair's postings list object, map entry, interned label and value string, beside its ids. */
export const LABEL_PAIR_OBJECT_BYTES = 200;
