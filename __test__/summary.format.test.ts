// Value formatting of the end-of-test summary (spec 12.2). Expected strings marked "golden" are
// printed by k6 v0.49.0 in k6-golden/run-cvus-console.txt for the exact values of
// summary-export-cvus.json.

import {
  formatBytes,
  formatDuration,
  formatGenericDuration,
  formatNumber,
  formatRate,
  humanizeValue,
  strWidth,
} from '../ts/summary';

describe('durations in automatic units', () => {
  test.each([
    [0.39672209375000006, '396.72µs'],
    [1.029593, '1.02ms'],
    [471.9022227352942, '471.9ms'],
    [0.004056, '4.05µs'],
    [0.6617003499999999, '661.7µs'],
    [0.05900746875000001, '59µs'],
    [3.69336, '3.69ms'],
    [0.2418, '241.8µs'],
    [0, '0s'],
  ])('golden: %p ms prints %p', (ms, text) => {
    expect(formatGenericDuration(ms)).toBe(text);
  });

  test('below a microsecond prints whole nanoseconds, truncated', () => {
    expect(formatGenericDuration(0.000123)).toBe('123ns');
    expect(formatGenericDuration(0.0009999)).toBe('999ns');
    expect(formatGenericDuration(0.0000004)).toBe('0ns');
  });

  test('µs and ms keep two decimals, truncated, without trailing zeros', () => {
    expect(formatGenericDuration(0.0015)).toBe('1.5µs');
    expect(formatGenericDuration(0.999999)).toBe('999.99µs');
    expect(formatGenericDuration(1)).toBe('1ms');
    expect(formatGenericDuration(999.999)).toBe('999.99ms');
  });

  test('seconds below a minute keep two truncated decimals', () => {
    expect(formatGenericDuration(1000)).toBe('1s');
    expect(formatGenericDuration(1100)).toBe('1.1s');
    expect(formatGenericDuration(1123.4)).toBe('1.12s');
    expect(formatGenericDuration(59_999)).toBe('59.99s');
    // Exactly one minute still takes the two-decimal branch (k6 tests `> 60000`).
    expect(formatGenericDuration(60_000)).toBe('1m0s');
  });

  test('minutes and hours print whole seconds', () => {
    expect(formatGenericDuration(61_000)).toBe('1m1s');
    expect(formatGenericDuration(90_500)).toBe('1m30s');
    expect(formatGenericDuration(3_723_000)).toBe('1h2m3s');
    expect(formatGenericDuration(3_600_000)).toBe('1h0m0s');
    expect(formatGenericDuration(90_000_000)).toBe('25h0m0s');
  });

  test('NaN and infinities are printed as such instead of k6 NaNhNaNmNaNs', () => {
    expect(formatGenericDuration(NaN)).toBe('NaN');
    expect(formatGenericDuration(Infinity)).toBe('Infinity');
  });
});

describe('durations in a fixed --summary-time-unit', () => {
  test('always two decimals, rounded', () => {
    expect(formatDuration(1.029593, 'ms')).toBe('1.03ms');
    expect(formatDuration(1.029593, 's')).toBe('0.00s');
    expect(formatDuration(1234.5678, 's')).toBe('1.23s');
    expect(formatDuration(1.029593, 'us')).toBe('1029.59µs');
    expect(formatDuration(0, 'ms')).toBe('0.00ms');
    expect(formatDuration(90_500, 's')).toBe('90.50s');
  });

  test('an empty or unknown unit falls back to the automatic one', () => {
    expect(formatDuration(1.029593, '')).toBe('1.02ms');
    expect(formatDuration(1.029593)).toBe('1.02ms');
    expect(formatDuration(1.029593, 'min')).toBe('1.02ms');
    expect(formatDuration(1.029593, 'toString')).toBe('1.02ms');
  });
});

describe('data sizes', () => {
  test.each([
    [8672, '8.7 kB'],
    [2560, '2.6 kB'],
    [1080.5648486873827, '1.1 kB'],
    [318.98593319184727, '319 B'],
  ])('golden: %p bytes prints %p', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });

  test('below 10 bytes prints the raw number', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(5)).toBe('5 B');
    expect(formatBytes(9.5)).toBe('9.5 B');
    expect(formatBytes(10)).toBe('10 B');
  });

  test('SI units of 1000, one decimal below 10', () => {
    expect(formatBytes(1000)).toBe('1.0 kB');
    expect(formatBytes(1_500_000)).toBe('1.5 MB');
    expect(formatBytes(1e9)).toBe('1.0 GB');
    expect(formatBytes(99_999)).toBe('100 kB');
  });

  test('the unit is chosen before rounding, as in k6', () => {
    expect(formatBytes(999.96)).toBe('1000 B');
    expect(formatBytes(999_999)).toBe('1000 kB');
  });

  test('huge sizes stay in YB instead of k6 "undefined" unit', () => {
    expect(formatBytes(123e24)).toBe('123 YB');
    expect(formatBytes(5e30)).toBe('5000000 YB');
  });

  test('NaN is guarded', () => {
    expect(formatBytes(NaN)).toBe('NaN B');
    expect(formatBytes(Infinity)).toBe('Infinity B');
  });
});

describe('rates and plain numbers', () => {
  test('rates are percentages truncated to two decimals', () => {
    expect(formatRate(1)).toBe('100.00%');
    expect(formatRate(0)).toBe('0.00%');
    expect(formatRate(0.75)).toBe('75.00%');
    expect(formatRate(0.99999)).toBe('99.99%');
    // Seen in real k6 v1 output: 423 of 444 checks succeeded, 21 failed.
    expect(formatRate(423 / 444)).toBe('95.27%');
    expect(formatRate(21 / 444)).toBe('4.72%');
    expect(formatRate(NaN)).toBe('NaN%');
  });

  test('plain numbers keep up to six rounded decimals', () => {
    expect(formatNumber(3.9873241648980913)).toBe('3.987324');
    expect(formatNumber(32)).toBe('32');
    expect(formatNumber(1.5)).toBe('1.5');
    expect(formatNumber(0.0000004)).toBe('0');
    expect(formatNumber(2.0000005)).toBe('2.000001');
    expect(formatNumber(NaN)).toBe('NaN');
  });
});

describe('humanizeValue', () => {
  test('a rate is a percentage whatever it contains', () => {
    expect(humanizeValue(0.5, { type: 'rate', contains: 'time' })).toBe('50.00%');
  });

  test('otherwise by contents: data, time (with the unit), default', () => {
    expect(humanizeValue(318.98593319184727, { type: 'counter', contains: 'data' })).toBe('319 B');
    expect(humanizeValue(1.029593, { type: 'trend', contains: 'time' }, 'us')).toBe('1029.59µs');
    expect(humanizeValue(3.9873241648980913, { type: 'counter', contains: 'default' })).toBe('3.987324');
  });
});

describe('strWidth', () => {
  test('counts code points and skips ANSI escapes', () => {
    expect(strWidth('396.72µs')).toBe(8);
    expect(strWidth('✓ 32')).toBe(4);
    expect(strWidth('\x1b[36m396.72µs\x1b[0m')).toBe(8);
    expect(strWidth('\x1b[2;37m...:\x1b[0m')).toBe(4);
  });
});
