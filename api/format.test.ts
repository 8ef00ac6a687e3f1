// Formatting tables; expected strings were checked against Prometheus 2.42's responses.
import { test } from "node:test";
import assert from "node:assert/strict";
import { formatSampleTime, formatSampleValue, formatScalarTime, jsonString, writeSampleTime, writeSampleValue, writeShortestFraction } from "./format.js";

test("formatSampleValue switches to a two-digit-exponent 'e' format below 1e-6 and from 1e21", () => {
  const table: [number, string][] = [
    [1e-7, "1e-07"],
    [-1e-7, "-1e-07"],
    [9.02e-7, "9.02e-07"],
    [1.5e-10, "1.5e-10"],
    [2e-300, "2e-300"],
    [5e-324, "5e-324"],
    [0.000001, "0.000001"],
    [1e20, "100000000000000000000"],
    [1e21, "1e+21"],
    [1e300, "1e+300"],
    [-0, "-0"],
    [0, "0"],
    [NaN, "NaN"],
    [Infinity, "+Inf"],
    [-Infinity, "-Inf"],
    [123456, "123456"],
    [0.30000000000000004, "0.30000000000000004"],
  ];
  for (const [v, want] of table) assert.equal(formatSampleValue(v), want, `formatSampleValue(${v})`);
});

test("formatSampleValue writes the shortest round-trip digits of any finite value", () => {
  let seed = 42;
  const rand = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let i = 0; i < 20_000; i++) {
    const v = (rand() - 0.5) * 10 ** Math.floor(rand() * 40 - 12);
    const got = formatSampleValue(v);
    assert.equal(Number(got), v, `formatSampleValue(${v}) = ${got} does not round-trip`);
    if (Math.abs(v) >= 1e-6 && Math.abs(v) < 1e21) assert.equal(got, String(v));
  }
});

test("sample timestamps keep three fraction digits; scalar timestamps are shortest", () => {
  const samples: [number, string][] = [
    [0, "0"],
    [1, "0.001"],
    [5, "0.005"],
    [1050, "1.050"],
    [1500, "1.500"],
    [-500, "-0.500"],
    [-1500, "-1.500"],
    [100000, "100"],
    [1435781451780, "1435781451.780"],
    [1435781451781, "1435781451.781"],
  ];
  for (const [t, want] of samples) assert.equal(formatSampleTime(t), want, `formatSampleTime(${t})`);
  const scalars: [number, string][] = [
    [0, "0"],
    [1, "0.001"],
    [1500, "1.5"],
    [-1500, "-1.5"],
    [1435781451780, "1435781451.78"],
    [1435781451700, "1435781451.7"],
  ];
  for (const [t, want] of scalars) assert.equal(formatScalarTime(t), want, `formatScalarTime(${t})`);
});

test("jsonString escapes as Go's encoding/json", () => {
  const table: [string, string][] = [
    ["plain", '"plain"'],
    ['x"\n\\é<>&\t\u2028\u0001\u007f', '"x\\"\\n\\\\é\\u003c\\u003e\\u0026\\t\\u2028\\u0001\u007f"'],
    ["\r\b\f", '"\\r\\u0008\\u000c"'],
    ["😀", '"😀"'],
    ["a\ud800b", '"a\\ufffdb"'],
    ["\udc00", '"\\ufffd"'],
    ["", '""'],
  ];
  for (const [s, want] of table) assert.equal(jsonString(s), want, `jsonString(${JSON.stringify(s)})`);
  for (const [s] of table.slice(0, 4)) assert.equal(JSON.parse(jsonString(s)), s);
});

test("writeSampleValue writes formatSampleValue's bytes: integers, short decimals, long fractions, edges", () => {
  const buf = Buffer.alloc(64);
  const check = (v: number): void => {
    const end = writeSampleValue(buf, 3, v);
    assert.equal(buf.toString("latin1", 3, end), formatSampleValue(v), `writeSampleValue(${v})`);
  };
  const edges = [0, -0, NaN, Infinity, -Infinity, 1, -1, 0.1, 0.000001, 0.0000015, 9.999999e-7, 1e-6 - 1e-22, 0.30000000000000004, 2 ** 49, 2 ** 49 - 1, 2 ** 49 + 1];
  edges.push(2 ** 49 - 0.5, 2 ** 48 + 0.25, 562949953421311.9, 1e15, 1e16, 1e20, 1e21, 5e-324, Number.MAX_VALUE, Number.MIN_VALUE, 123456.789, 0.5, 12.25, 1.005);
  for (let e = -8; e <= 16; e++) edges.push(10 ** e, 10 ** e - 10 ** (e - 7), 10 ** e + 10 ** (e - 15), 9.999999 * 10 ** e);
  for (const v of edges) {
    check(v);
    check(-v);
  }
  let seed = 7;
  const rand = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const bits = new Float64Array(1);
  const words = new Uint32Array(bits.buffer);
  for (let i = 0; i < 200_000; i++) {
    const d = Math.floor(rand() * 9);
    const k = Math.floor(rand() * 10 ** Math.floor(rand() * 17));
    check(k / 10 ** d); // short decimals of every length, and integers (d = 0)
    check((rand() - 0.5) * 10 ** Math.floor(rand() * 30 - 10)); // long fractions
    check(Math.round(rand() * 2 ** 53) * (rand() < 0.5 ? 1 : 2 ** -Math.floor(rand() * 60)));
    words[0] = Math.floor(rand() * 2 ** 32);
    words[1] = Math.floor(rand() * 2 ** 32);
    check(bits[0]!); // any bit pattern
  }
});

test("writeShortestFraction writes String(v)'s digits for a million fractions, declining almost none", () => {
  const buf = Buffer.alloc(64);
  let seed = 11;
  const rand = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const bits = new Float64Array(1);
  const words = new Uint32Array(bits.buffer);
  let tried = 0;
  let declined = 0;
  const check = (a: number): void => {
    if (!(a >= 1e-6 && a < 2 ** 53) || Number.isInteger(a)) return;
    tried++;
    const end = writeShortestFraction(buf, 5, a);
    // Nine digits or fewer are the short-decimal path's: declining them is by design.
    if (end < 0 && String(a).replace(/^[0.]+|\./g, "").length > 9) declined++;
    if (end < 0) return;
    assert.equal(buf.toString("latin1", 5, end), String(a), `writeShortestFraction(${a})`);
  };
  for (let i = 0; i < 200_000; i++) {
    // Any mantissa with a binary exponent from −20 to 52.
    words[0] = Math.floor(rand() * 2 ** 32);
    words[1] = Math.floor(rand() * 2 ** 20) + (1003 + Math.floor(rand() * 73)) * 2 ** 20;
    check(bits[0]!);
    check(Math.floor(rand() * 1e9) / (1 + Math.floor(rand() * 1e4))); // rates: counts over seconds
    const short = Math.floor(rand() * 1e6) / 10 ** Math.floor(rand() * 9);
    check(short * (1 + 2 ** -52)); // a short decimal's neighbours: 16 or 17 digits
    check(short * (1 - 2 ** -53));
    // 2^50 + k + 0.25: halfway between two 17-digit candidates (the even one wins).
    check(2 ** 50 + Math.floor(rand() * 2 ** 49) + 0.25 + 0.5 * Math.floor(rand() * 2));
  }
  for (const a of [1e-6 + 2 ** -72, 2 ** 53 - 0.5, 2 ** 52 + 0.5, 0.1 + 0.2, 1 / 3, 2 / 3, 0.9999999999999999, 1.0000000000000002, 4.35, 9007199254740.991]) check(a);
  assert.ok(tried > 900_000);
  assert.ok(declined < tried / 100_000, `declined ${declined} of ${tried}`);
});

test("writeSampleTime writes formatSampleTime's bytes, negative, fractional and huge times included", () => {
  const buf = Buffer.alloc(64);
  const times = [0, 1, 5, 999, 1000, 1050, 1500, -1, -500, -1500, -1000, 1435781451780, 1435781451781, 1796221080000, 2 ** 49 - 1, 2 ** 49, 2 ** 53, 1.5, -2.25];
  let seed = 5;
  const rand = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let i = 0; i < 100_000; i++) times.push(Math.floor((rand() - 0.1) * 10 ** Math.floor(rand() * 14)));
  for (const t of times) {
    const end = writeSampleTime(buf, 2, t);
    assert.equal(buf.toString("latin1", 2, end), formatSampleTime(t), `writeSampleTime(${t})`);
  }
});
