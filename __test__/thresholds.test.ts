import { compare, evaluateSet, neededStats } from '../ts/thresholds/evaluate';
import { parseExpression, parseKey, parseThresholds, ThresholdError, type MetricType } from '../ts/thresholds/parse';

const types: Record<string, MetricType> = { http_req_duration: 'trend', http_reqs: 'counter', checks: 'rate', vus: 'gauge' };
const typeOf = (m: string) => types[m];

describe('threshold expressions', () => {
  test.each([
    ['p(95)<500', 'trend', 'p(95)', '<', 500],
    ['p(99.99) <= 1.5', 'trend', 'p(99.99)', '<=', 1.5],
    ['avg>=0', 'trend', 'avg', '>=', 0],
    ['med == 3', 'trend', 'med', '==', 3],
    ['count<1', 'counter', 'count', '<', 1],
    ['rate > 0.95', 'rate', 'rate', '>', 0.95],
    ['value!=2', 'gauge', 'value', '!=', 2],
    ['max===10', 'trend', 'max', '===', 10],
  ] as const)('%s on a %s', (source, type, aggregation, operator, value) => {
    expect(parseExpression(source, type)).toEqual({ source, aggregation, operator, value });
  });

  test.each([
    ['p(95)', 'trend', /expected "<aggregation> <operator> <number>"/],
    ['p(95) < abc', 'trend', /'abc' is not a number/],
    ['count < 10', 'trend', /the aggregation 'count' does not apply to a trend metric/],
    ['p(95) < 10', 'counter', /does not apply to a counter metric \(use count or rate\)/],
    ['avg < 10', 'rate', /does not apply to a rate metric/],
    ['p(101) < 10', 'trend', /between 0 and 100/],
    ['rate => 1', 'rate', /expected/],
  ] as const)('%s on a %s is refused with the expression and the reason', (source, type, reason) => {
    expect(() => parseExpression(source, type)).toThrow(ThresholdError);
    expect(() => parseExpression(source, type)).toThrow(reason);
    expect(() => parseExpression(source, type)).toThrow(`'${source}'`);
  });

  test('sub-metric keys carry their tags, read as k6 reads selectors; bad keys are refused', () => {
    expect(parseKey('http_req_duration{status:200, method:GET}')).toEqual({ metric: 'http_req_duration', tags: [['status', '200'], ['method', 'GET']], selector: 'status:200, method:GET' });
    expect(parseKey('http_reqs')).toEqual({ metric: 'http_reqs', tags: [], selector: '' });
    // Quotes and spaces trimmed, the value after the first colon, empty parts skipped.
    expect(parseKey(`checks{ "check": 'is ok' ,, group:::a::b }`)).toEqual({
      metric: 'checks',
      tags: [['check', 'is ok'], ['group', '::a::b']],
      selector: `"check": 'is ok' ,, group:::a::b`,
    });
    // k6 reads a part without a colon as the tag with an empty value.
    expect(parseKey('http_req_duration{status}').tags).toEqual([['status', '']]);
    expect(() => parseKey('http_reqs{:200}')).toThrow(/no tag name/);
    expect(() => parseKey('http_reqs{ }')).toThrow(/an empty selector/);
    expect(() => parseKey('bad name')).toThrow(ThresholdError);
  });

  test('options.thresholds with strings and objects', () => {
    const sets = parseThresholds(
      {
        http_req_duration: ['p(95)<500', { threshold: 'p(99.9)<1000', abortOnFail: true, delayAbortEval: '10s' }],
        'http_req_duration{expected_response:true}': 'avg<200',
        checks: ['rate>0.9'],
      },
      typeOf,
    );
    expect(sets.map((s) => s.key)).toEqual(['http_req_duration', 'http_req_duration{expected_response:true}', 'checks']);
    expect(sets[0].thresholds[1]).toMatchObject({ aggregation: 'p(99.9)', abortOnFail: true, delayAbortEvalMs: 10_000 });
    expect(neededStats(sets).sort()).toEqual(['avg', 'p(95)', 'p(99.9)', 'rate']);
    expect(() => parseThresholds({ checks: [{ threshold: 'rate>1', abortOnFail: 'yes' }] }, typeOf)).toThrow(/abortOnFail must be true or false/);
    expect(() => parseThresholds({ checks: [42] }, typeOf)).toThrow(/expected a string or/);
  });
});

describe('threshold evaluation', () => {
  test('every operator', () => {
    expect([compare(1, '<', 2), compare(2, '<=', 2), compare(3, '>', 2), compare(2, '>=', 3), compare(2, '==', 2), compare(2, '===', 3), compare(1, '!=', 2)]).toEqual([
      true,
      true,
      true,
      false,
      true,
      false,
      true,
    ]);
  });

  test('a set is compared with the metric values; a metric without values passes', () => {
    const [set] = parseThresholds({ http_req_duration: ['p(95)<500', 'avg<100'] }, typeOf);
    const results = evaluateSet(set, { 'p(95)': 420, avg: 120 });
    expect(results.map((r) => [r.threshold.source, r.value, r.ok])).toEqual([
      ['p(95)<500', 420, true],
      ['avg<100', 120, false],
    ]);
    expect(evaluateSet(set, undefined).every((r) => r.ok)).toBe(true);
  });
});
