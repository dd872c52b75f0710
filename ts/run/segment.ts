/**
 * k6's execution segments (`--execution-segment 1/3:2/3`, `--execution-segment-sequence
 * 0,1/3,2/3,1`): N instances started with the N segments of [0,1) split one test between them,
 * as k6-operator runs k6 on Kubernetes. Whole quantities (VUs, iterations) of a segment [a,b)
 * are floor(n*b) - floor(n*a), so the segments of a partition always add up to exactly n; rates
 * are scaled by b-a through the time unit.
 */
import type { ScenarioOptions } from '../native';
import { ConfigError } from './plan';

/** An exact fraction p/q. */
interface Fraction {
  p: bigint;
  q: bigint;
}

function gcd(a: bigint, b: bigint): bigint {
  return b === 0n ? a : gcd(b, a % b);
}

function fraction(text: string, what: string): Fraction {
  const t = text.trim();
  let m = /^(\d+)\/(\d+)$/.exec(t);
  if (m && BigInt(m[2]) > 0n) return reduce(BigInt(m[1]), BigInt(m[2]));
  m = /^(\d+(?:\.\d+)?)%$/.exec(t);
  if (m) return decimal(m[1], 100n);
  m = /^(\d+(?:\.\d+)?)$/.exec(t);
  if (m) return decimal(m[1], 1n);
  throw new ConfigError(`invalid ${what} "${text}": expected a fraction like 1/3, a decimal like 0.5, or a percentage like 50%`);
}

function decimal(text: string, scale: bigint): Fraction {
  const [whole, frac = ''] = text.split('.');
  const q = 10n ** BigInt(frac.length) * scale;
  return reduce(BigInt(whole + frac), q);
}

function reduce(p: bigint, q: bigint): Fraction {
  const g = gcd(p, q) || 1n;
  return { p: p / g, q: q / g };
}

function less(a: Fraction, b: Fraction): boolean {
  return a.p * b.q < b.p * a.q;
}

function same(a: Fraction, b: Fraction): boolean {
  return a.p * b.q === b.p * a.q;
}

export interface ExecutionSegment {
  from: Fraction;
  to: Fraction;
}

/** `a:b`, or `b` alone meaning `0:b`. */
export function parseSegment(text: string, sequence?: string): ExecutionSegment {
  const parts = text.split(':');
  if (parts.length > 2) throw new ConfigError(`invalid --execution-segment "${text}": expected from:to, like 1/3:2/3`);
  const from = parts.length === 2 ? fraction(parts[0], '--execution-segment') : { p: 0n, q: 1n };
  const to = fraction(parts[parts.length - 1], '--execution-segment');
  const one = { p: 1n, q: 1n };
  if (!less(from, to) || less(one, to)) throw new ConfigError(`invalid --execution-segment "${text}": needs 0 <= from < to <= 1`);
  if (sequence !== undefined) {
    const points = sequence.split(',').map((s) => fraction(s, '--execution-segment-sequence'));
    for (let i = 1; i < points.length; i++) {
      if (!less(points[i - 1], points[i])) throw new ConfigError(`invalid --execution-segment-sequence "${sequence}": the points must increase`);
    }
    const adjacent = points.some((p, i) => i + 1 < points.length && same(p, from) && same(points[i + 1], to));
    if (!adjacent) throw new ConfigError(`--execution-segment "${text}" is not one of the segments of --execution-segment-sequence "${sequence}"`);
  }
  return { from, to };
}

/** This segment's share of a whole quantity: floor(n*b) - floor(n*a). */
export function scaleWhole(n: number, seg: ExecutionSegment): number {
  const big = BigInt(n);
  return Number((big * seg.to.p) / seg.to.q - (big * seg.from.p) / seg.from.q);
}

function share(seg: ExecutionSegment): number {
  return Number(seg.to.p) / Number(seg.to.q) - Number(seg.from.p) / Number(seg.from.q);
}

/** The scenario as this instance runs it. */
export function scaleScenario(s: ScenarioOptions, seg: ExecutionSegment): ScenarioOptions {
  const w = (n: number | undefined) => (n === undefined ? undefined : scaleWhole(n, seg));
  const out: ScenarioOptions = { ...s, vus: scaleWhole(s.vus, seg), maxVus: w(s.maxVus), preAllocatedVus: w(s.preAllocatedVus) };
  switch (s.executor) {
    case 'shared-iterations':
      out.iterations = w(s.iterations);
      break;
    case 'ramping-vus':
      out.stages = s.stages?.map((st) => ({ ...st, target: scaleWhole(st.target, seg) }));
      break;
    case 'constant-arrival-rate':
    case 'ramping-arrival-rate':
      // Same rates per a longer time unit: the instance starts its share of the arrivals.
      out.timeUnitMs = (s.timeUnitMs ?? 1000) / share(seg);
      break;
  }
  return out;
}
