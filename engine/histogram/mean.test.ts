import { test } from "node:test";
import assert from "node:assert/strict";
import { CombineFlags } from "./float_histogram.js";
import { HistogramMean } from "./mean.js";
import { assertHistogram, hist } from "./fixtures.js";

function meanOf(literals: string[]) {
  const m = new HistogramMean(hist(literals[0]!));
  for (const l of literals.slice(1)) assert.equal(m.add(hist(l)), CombineFlags.None);
  return m.result();
}

test("the mean of histograms whose sum stays finite is the sum divided: native_histograms.test:1499", () => {
  const input = [
    "{{schema:0 count:25 sum:1234.5 z_bucket:4 z_bucket_w:0.001 buckets:[1 2 0 1 1] n_buckets:[2 4 0 0 1 9]}}",
    "{{schema:0 count:41 sum:2345.6 z_bucket:5 z_bucket_w:0.001 buckets:[1 3 1 2 1 1 1] n_buckets:[0 1 4 2 7 0 0 0 0 5 5 2]}}",
    "{{schema:0 count:41 sum:1111.1 z_bucket:5 z_bucket_w:0.001 buckets:[1 3 1 2 1 1 1] n_buckets:[0 1 4 2 7 0 0 0 0 5 5 2]}}",
    "{{schema:1 count:0}}",
  ];
  assertHistogram(
    meanOf(input),
    "{{schema:0 count:26.75 sum:1172.8 z_bucket:3.5 z_bucket_w:0.001 buckets:[0.75 2 0.5 1.25 0.75 0.5 0.5] n_buckets:[0.5 1.5 2 1 3.75 2.25 0 0 0 2.5 2.5 1]}}",
  );
});

test("once the count would overflow, the mean goes on incrementally: native_histograms.test:1561", () => {
  const input = [
    "{{schema:0 count:1.7976931348623157e+308 sum:1}}",
    "{{schema:0 count:1e308 sum:1e100}}",
    "{{schema:0 count:1e-6 sum:1}}",
    "{{schema:0 count:1e-6 sum:-1e100}}",
  ];
  assertHistogram(meanOf(input), "{{schema:0 count:6.99423283715579e+307 sum:0.5}}");
});

test("an overflowing bucket switches to the incremental mean too: native_histograms.test:1468", () => {
  const input = [
    "{{schema:0 count:1.7976931348623157e+308 sum:5.30921651659898 z_bucket:1.78264e50 z_bucket_w:0.001 buckets:[1.78264E+50 1.78264E+215 1.78264E+219 3363.5121756487] n_buckets:[1178.20696291113 731.697776280323 715.201503759399 1386.11378876781 855.572553278132]}}",
    "{{schema:0 count:1e308 sum:0.961118537914768 z_bucket:0.76342771 z_bucket_w:0.001 buckets:[0.76342771 0.76342771 0.76342771 195.70084087969] n_buckets:[421.30382970055 0 450441.779]}}",
    "{{schema:0 count:1e-6 sum:1.62091361305318 z_bucket:1.9592258 z_bucket_w:0.001 buckets:[1.9592258 1.9592258 1.9592258 1135.74692279] n_buckets:[0 4504.41779 588.599358265103 40.3760942760943]}}",
    "{{schema:0 count:1e-6 sum:0.865089463758091 z_bucket:7.69805412 z_bucket_w:0.001 buckets:[2.258E+220 2.258E+220 2.3757689E+217 1078.68071312804] n_buckets:[349.905284031261 0 0 0.161173466838949 588.599358]}}",
    "{{schema:0 count:1e-6 sum:0.323055185914577 z_bucket:458.90154 z_bucket_w:0.001 buckets:[7.69805412 7.69805412 2.258E+220 3173.28218135701]}}",
    "{{schema:0 count:1e-6 sum:0.951811357687154 z_bucket:1.78264e50 z_bucket_w:0.001 buckets:[458.90154 458.90154 7.69805412 2178.35] n_buckets:[2054.92644438789 844.560108898123]}}",
    "{{schema:0 count:1e-6 sum:0 z_bucket:5 z_bucket_w:0.001 buckets:[0 0 1.78264E+219 376.770478890989]}}",
    "{{schema:0 count:1e-6 sum:0 z_bucket:0 z_bucket_w:0.001 buckets:[0 0 458.90154 250325.5] n_buckets:[0 0.0000000011353 0 608.697257]}}",
  ];
  assertHistogram(
    meanOf(input),
    "{{schema:0 count:3.497116418577895e+307 sum:1.2539005843658437 z_bucket:4.4566e49 z_bucket_w:0.001 buckets:[2.8225e+219 2.822522283e+219 3.271129711125e+219 32728.442914086805] n_buckets:[500.5428151288539 760.0844593974477 56468.19748275306 254.4185391888429 180.5214889097665]}}",
  );
});

test("exponential and custom buckets do not mix: the flag says so", () => {
  const m = new HistogramMean(hist("{{schema:0 count:1 sum:1 buckets:[1]}}"));
  const flags = m.add(hist("{{schema:-53 count:1 sum:1 custom_values:[1] buckets:[1]}}"));
  assert.ok((flags & CombineFlags.IncompatibleSchema) !== 0);
});

test("the inputs are left untouched", () => {
  const first = hist("{{schema:0 count:2 sum:2 buckets:[2]}}");
  const second = hist("{{schema:0 count:4 sum:4 buckets:[4]}}");
  const m = new HistogramMean(first);
  m.add(second);
  assertHistogram(m.result(), "{{schema:0 count:3 sum:3 buckets:[3]}}");
  assertHistogram(first, "{{schema:0 count:2 sum:2 buckets:[2]}}");
  assertHistogram(second, "{{schema:0 count:4 sum:4 buckets:[4]}}");
});

test("large values that do not overflow keep the direct mean", () => {
  // The magnitudes add up past the safe bound, so the sum is tried on a copy; it stays finite.
  assertHistogram(meanOf(["{{schema:0 count:1 sum:1e308}}", "{{schema:0 count:3 sum:-1e308}}"]), "{{schema:0 count:2 sum:0}}");
  assertHistogram(meanOf(["{{schema:0 count:8e307 sum:1}}", "{{schema:0 count:8e307 sum:3}}"]), "{{schema:0 count:8e307 sum:2}}");
});
