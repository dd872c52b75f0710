/**
 * `--junit FILE`: the run's verdict for CI systems, in the JUnit XML shape they all read
 * (testsuites > testsuite > testcase > failure). One test case per threshold, named as k6's
 * jslib `jUnit()` names them (`metric - expression`), failed when the threshold failed, with the
 * value it was compared with; one per check, failed when any of its runs failed, with the
 * passes and fails.
 */
import type { GroupSnapshot } from '../native';
import type { ThresholdResult } from '../thresholds/evaluate';

export interface JunitInput {
  /** Threshold key (`metric` or `metric{tag:value}`) -> its results at the end of the run. */
  thresholds: Map<string, ThresholdResult[]>;
  /** The engine's group tree (checks live on their groups). */
  groups: GroupSnapshot[];
  durationMs: number;
}

interface Case {
  name: string;
  classname: string;
  failure?: { message: string; type: string; text: string };
}

/** XML 1.0 text and attribute escaping; characters XML cannot carry at all become U+FFFD. */
export function xmlEscape(text: string): string {
  return text
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;')
    .replace(/\t/g, '&#9;');
}

function num(v: number): string {
  return String(Number(v.toFixed(6)));
}

function thresholdCases(thresholds: Map<string, ThresholdResult[]>): Case[] {
  const cases: Case[] = [];
  for (const [key, results] of thresholds) {
    for (const r of results) {
      const name = `${key} - ${r.threshold.source}`;
      const c: Case = { name, classname: 'thresholds' };
      if (!r.ok) {
        const value = r.value === undefined ? 'no value' : `${r.threshold.aggregation}=${num(r.value)}`;
        c.failure = { type: 'threshold', message: `${r.threshold.source} failed: ${value}`, text: `${key}: ${r.threshold.source} failed with ${value}` };
      }
      cases.push(c);
    }
  }
  return cases;
}

function checkCases(groups: GroupSnapshot[]): Case[] {
  const cases: Case[] = [];
  for (const g of groups) {
    for (const check of g.checks) {
      const c: Case = { name: check.path, classname: g.path ? `checks${g.path}` : 'checks' };
      if (check.fails > 0) {
        const total = check.passes + check.fails;
        c.failure = { type: 'check', message: `${check.fails} of ${total} failed`, text: `passes: ${check.passes}, fails: ${check.fails}` };
      }
      cases.push(c);
    }
  }
  return cases;
}

function suite(name: string, cases: Case[], time: string): string {
  const failures = cases.filter((c) => c.failure).length;
  const lines = [`  <testsuite name="${xmlEscape(name)}" tests="${cases.length}" failures="${failures}" errors="0" time="${time}">`];
  for (const c of cases) {
    const open = `    <testcase name="${xmlEscape(c.name)}" classname="${xmlEscape(c.classname)}" time="0"`;
    if (c.failure) {
      lines.push(`${open}>`);
      lines.push(`      <failure message="${xmlEscape(c.failure.message)}" type="${c.failure.type}">${xmlEscape(c.failure.text)}</failure>`);
      lines.push('    </testcase>');
    } else {
      lines.push(`${open}/>`);
    }
  }
  lines.push('  </testsuite>');
  return lines.join('\n');
}

export function renderJunit(input: JunitInput): string {
  const time = (input.durationMs / 1000).toFixed(3);
  const suites: Array<[string, Case[]]> = [
    ['thresholds', thresholdCases(input.thresholds)],
    ['checks', checkCases(input.groups)],
  ];
  const tests = suites.reduce((n, [, cases]) => n + cases.length, 0);
  const failures = suites.reduce((n, [, cases]) => n + cases.filter((c) => c.failure).length, 0);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="volley" tests="${tests}" failures="${failures}" errors="0" time="${time}">`,
    ...suites.map(([name, cases]) => suite(name, cases, time)),
    '</testsuites>',
    '',
  ].join('\n');
}
