import { test } from "node:test";
import { trimBuckets } from "./trim.js";
import { assertHistogram, hist } from "./fixtures.js";

// Expected values are the results of ../shared/promqltest evals, cited as file:line.

function check(literal: string, cases: [string, number, string, string][]): void {
  for (const [op, rhs, want, at] of cases) {
    const h = trimBuckets(hist(literal), rhs, op === "</");
    try {
      assertHistogram(h, want);
    } catch (e) {
      throw new Error(`native_histograms.test:${at} ${op} ${rhs}: ${(e as Error).message}`);
    }
  }
}

test("trim exponential buckets, exponential interpolation inside a bucket: native_histograms.test:2043-2095", () => {
  check("{{schema:0 sum:123.75 count:34 z_bucket:1 z_bucket_w:0.001 buckets:[2 4 8 16] n_buckets:[1 2]}}", [
    [">/", -Infinity, "{{schema:0 sum:123.75 count:34 z_bucket:1 z_bucket_w:0.001 buckets:[2 4 8 16] n_buckets:[1 2]}}", "2043"],
    ["</", Infinity, "{{schema:0 sum:123.75 count:34 z_bucket:1 z_bucket_w:0.001 buckets:[2 4 8 16] n_buckets:[1 2]}}", "2046"],
    [">/", Infinity, "{{schema:0 z_bucket_w:0.001}}", "2049"],
    ["</", -Infinity, "{{schema:0 z_bucket_w:0.001}}", "2052"],
    [">/", 0, "{{schema:0 sum:120.20840280171308 count:30.5 z_bucket:0.5 z_bucket_w:0.001 buckets:[2 4 8 16]}}", "2055"],
    ["</", 0, "{{schema:0 sum:-3.53578390593273768 count:3.5 z_bucket:0.5 z_bucket_w:0.001 n_buckets:[1 2]}}", "2058"],
    ["</", 1.4142135624, "{{count:8 sum:0.2570938865989847 z_bucket:1 z_bucket_w:0.001 buckets:[2 2] n_buckets:[1 2]}}", "2063"],
    [">/", 1.4142135624, "{{count:26 sum:116.50067065070982 z_bucket_w:0.001 buckets:[0 2 8 16]}}", "2066"],
    ["</", 2, "{{count:10 sum:3.5355339059327373 z_bucket:1 z_bucket_w:0.001 buckets:[2 4] n_buckets:[1 2]}}", "2086"],
    [">/", 2, "{{count:24 sum:113.13708498984761 z_bucket_w:0.001 offset:2 buckets:[8 16]}}", "2089"],
    [">/", -1, "{{count:32 sum:119.50104602052653 z_bucket:1 z_bucket_w:0.001 buckets:[2 4 8 16] n_buckets:[1]}}", "2092"],
    ["</", -1, "{{count:2 sum:-2.8284271247461903 z_bucket_w:0.001 n_offset:1 n_buckets:[2]}}", "2095"],
  ]);
  check("{{schema:2 sum:12.8286080906 count:28 z_bucket:1 z_bucket_w:0.001 buckets:[1 2 4 7 3] n_buckets:[1 5 3 1]}}", [
    ["</", 1.13, "{{schema:2 count:13.410582181123704 sum:-9.385798726068233 z_bucket:1 z_bucket_w:0.001 buckets:[1 1.410582181123704] n_buckets:[1 5 3 1]}}", "2073"],
    [">/", 1.13, "{{schema:2 count:14.589417818876296 sum:22.168126492693734 z_bucket_w:0.001 offset:1 buckets:[0.589417818876296 4 7 3]}}", "2076"],
    [">/", -1.3, "{{schema:2 count:25.54213947904476 sum:16.29588491217537 z_bucket:1 z_bucket_w:0.001 buckets:[1 2 4 7 3] n_buckets:[1 5 1.54213947904476]}}", "2079"],
    ["</", -1.3, "{{schema:2 count:2.45786052095524 sum:-3.5189307983595066 z_bucket_w:0.001 n_offset:2 n_buckets:[1.45786052095524 1]}}", "2082"],
  ]);
});

test("trim the zero bucket, biased to the side with buckets: native_histograms.test:2103-2158", () => {
  check("{{schema:0 sum:8.0210678118654755 count:12 z_bucket:2 z_bucket_w:0.5 buckets:[10]}}", [
    [">/", 0.5, "{{schema:0 count:10 sum:7.0710678118654755 z_bucket:0 z_bucket_w:0.5 buckets:[10]}}", "2103"],
    [">/", 0.1, "{{schema:0 count:11.6 sum:7.551067811865476 z_bucket:1.6 z_bucket_w:0.5 buckets:[10]}}", "2106"],
    [">/", 0, "{{schema:0 sum:8.0210678118654755 count:12 z_bucket:2 z_bucket_w:0.5 buckets:[10]}}", "2109"],
    ["</", 0.5, "{{schema:0 count:2 sum:0.5 z_bucket:2 z_bucket_w:0.5}}", "2112"],
    ["</", 0.1, "{{schema:0 count:0.4 sum:0.02 z_bucket:0.4 z_bucket_w:0.5}}", "2115"],
    ["</", 0, "{{schema:0 z_bucket_w:0.5}}", "2118"],
  ]);
  check("{{schema:0 sum:-8.0210678118654755 count:12 z_bucket:2 z_bucket_w:0.5 n_buckets:[10]}}", [
    ["</", -0.5, "{{schema:0 count:10 sum:-7.0710678118654755 z_bucket:0 z_bucket_w:0.5 n_buckets:[10]}}", "2126"],
    ["</", -0.1, "{{schema:0 count:11.6 sum:-7.551067811865476 z_bucket:1.6 z_bucket_w:0.5 n_buckets:[10]}}", "2129"],
    [">/", -0.5, "{{schema:0 count:2 sum:-0.5 z_bucket:2 z_bucket_w:0.5}}", "2135"],
    [">/", 0, "{{schema:0 z_bucket_w:0.5}}", "2141"],
  ]);
  check("{{schema:0 count:5 sum:0 z_bucket:5 z_bucket_w:0.1 }}", [
    [">/", 0.1, "{{schema:0 count:0 sum:0 z_bucket:0 z_bucket_w:0.1 }}", "2149"],
    ["</", 0.1, "{{schema:0 count:5 sum:0 z_bucket:5 z_bucket_w:0.1 }}", "2152"],
    [">/", 0.05, "{{schema:0 count:1.25 sum:0.09375 z_bucket:1.25 z_bucket_w:0.1 }}", "2155"],
    ["</", 0.05, "{{schema:0 count:3.75 sum:-0.09375 z_bucket:3.75 z_bucket_w:0.1 }}", "2158"],
  ]);
});

test("trim custom buckets, linear inside a bucket, nothing interpolated toward ±Inf: native_histograms.test:2184-2234", () => {
  check("{{schema:-53 sum:172.5 count:15 custom_values:[5 10 15 20] buckets:[1 6 4 3 1]}}", [
    ["</", 15, "{{schema:-53 count:11 sum:97.5 custom_values:[5 10 15 20] buckets:[1 6 4]}}", "2184"],
    [">/", 15, "{{schema:-53 count:4 sum:72.5 custom_values:[5 10 15 20] offset:3 buckets:[3 1]}}", "2187"],
    ["</", 13, "{{schema:-53 count:9.4 sum:75.1 custom_values:[5 10 15 20] buckets:[1 6 2.4]}}", "2191"],
    [">/", 13, "{{schema:-53 count:5.6 sum:94.9 custom_values:[5 10 15 20] offset:2 buckets:[1.6 3 1]}}", "2194"],
    ["</", 7.5, "{{schema:-53 count:4 sum:21.25 custom_values:[5 10 15 20] buckets:[1 3]}}", "2197"],
    ["</", 50, "{{schema:-53 count:14 sum:150.0 custom_values:[5 10 15 20] buckets:[1 6 4 3]}}", "2201"],
    ["</", 0, "{{schema:-53 custom_values:[5 10 15 20]}}", "2220"],
  ]);
  check("{{schema:-53 sum:172.5 count:15 custom_values:[-10 5 10 15 20] buckets:[2 1 6 4 3 1]}}", [
    ["</", 2, "{{schema:-53 count:2.8 sum:-23.2 custom_values:[-10 5 10 15 20] buckets:[2 0.8]}}", "2228"],
    ["</", -4, "{{schema:-53 count:2.4 sum:-22.8 custom_values:[-10 5 10 15 20] buckets:[2 0.4]}}", "2231"],
    ["</", -15, "{{schema:-53 count:2 sum:-30 custom_values:[-10 5 10 15 20] buckets:[2]}}", "2234"],
  ]);
});
