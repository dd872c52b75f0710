import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../ts/run/plan';
import { parseSegment, scaleWhole } from '../ts/run/segment';
import { runCli } from './support/cli';
import { startCountingServer } from './support/countingServer';

describe('execution segments', () => {
  test('the segments of a partition add up to exactly the whole', () => {
    const thirds = ['0:1/3', '1/3:2/3', '2/3:1'].map((s) => parseSegment(s, '0,1/3,2/3,1'));
    for (const n of [0, 1, 2, 7, 10, 100, 1001]) {
      expect(thirds.map((s) => scaleWhole(n, s)).reduce((a, b) => a + b, 0)).toBe(n);
    }
    expect(scaleWhole(10, parseSegment('50%'))).toBe(5);
    expect(scaleWhole(10, parseSegment('0.5:1'))).toBe(5);
  });

  test.each([
    ['2/3:1/3', /from < to/],
    ['0:3/2', /to <= 1/],
    ['x', /expected a fraction/],
    ['1/4:1/2', /not one of the segments/],
  ])('%s is refused', (segment, reason) => {
    expect(() => parseSegment(segment, '0,1/3,2/3,1')).toThrow(ConfigError);
    expect(() => parseSegment(segment, '0,1/3,2/3,1')).toThrow(reason);
  });

  test('three instances with the three segments run what one instance runs', async () => {
    const target = await startCountingServer();
    const dir = mkdtempSync(join(tmpdir(), 'volley-seg-'));
    try {
      const script = join(__dirname, 'fixtures', 'scripts-features', 'segmented.js');
      const runs = await Promise.all(
        ['0:1/3', '1/3:2/3', '2/3:1'].map((segment, i) =>
          runCli(['run', script, '-e', `URL=${target.url}`, '--execution-segment', segment, '--execution-segment-sequence', '0,1/3,2/3,1', '--address', '', '--quiet', '--summary-export', join(dir, `${i}.json`)]),
        ),
      );
      for (const r of runs) expect([r.code, r.stderr]).toEqual([0, '']);
      const counts = [0, 1, 2].map((i) => (JSON.parse(readFileSync(join(dir, `${i}.json`), 'utf8')) as { metrics: { iterations: { count: number } } }).metrics.iterations.count);
      // shared: 100 iterations; per-vu: 7 VUs x 3, with the VUs split 2/2/3.
      expect(counts.reduce((a, b) => a + b, 0)).toBe(121);
      expect(target.requests()).toBe(121);
    } finally {
      await target.close();
    }
  });
});
