// The synthetic dataset for compliance comparisons and benchmarks (OpenMetrics text).
export {
  generateDataset,
  generateDatasetText,
  benchLayout,
  exactTimestamp,
  hash32,
  Prng,
  DEMO_INSTANCES,
  type DatasetOptions,
} from "./generate.js";
export { writeDatasetFile } from "./write.js";
