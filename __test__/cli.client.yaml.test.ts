/**
 * What the REST API clients print, byte for byte. Expected texts come from the spec's examples
 * (§7) and from gopkg.in/yaml.v3 v3.0.1 itself (with guregu/null.v3 and structs shaped like
 * k6's) run over the same documents, including k6 golden responses.
 */
import { goJsonSyntaxError, parseGoJson } from '../ts/cli/client/goJson';
import { errorLine, goQuote } from '../ts/cli/client/logfmt';
import { metricsYaml, statusYaml } from '../ts/cli/client/render';
import { decodeMetrics, decodeStatus, statusPatchBody } from '../ts/cli/client/resources';
import { float, goFloat, goMap, int, seq, str, struct, toYaml, yamlKeyLess } from '../ts/cli/client/yaml';
import { readGolden } from './support/golden';

const statusOf = (json: string) => statusYaml(decodeStatus(parseGoJson(json)));
const metricsOf = (json: string) => metricsYaml(decodeMetrics(parseGoJson(json)));

describe('status YAML (k6 status, pause, resume, scale)', () => {
  test('the spec §7 example: nullable fields as quoted strings, status a plain integer', () => {
    const doc = '{"data":{"type":"status","id":"default","attributes":{"status":7,"paused":false,"vus":2,"vus-max":15,"stopped":false,"running":true,"tainted":true}}}';
    expect(statusOf(doc)).toBe(['status: 7', 'paused: "false"', 'vus: "2"', 'vus-max: "15"', 'stopped: false', 'running: true', 'tainted: true', ''].join('\n'));
  });

  test('k6 golden 04 (paused) prints as yaml.v3 prints it', () => {
    expect(statusOf(readGolden('04-get-status-while-paused.txt').text)).toBe(
      ['status: 7', 'paused: "true"', 'vus: "0"', 'vus-max: "10"', 'stopped: false', 'running: true', 'tainted: true', ''].join('\n'),
    );
  });

  test('null or missing nullable fields print as "" and the rest as Go zero values', () => {
    expect(statusOf('{"data":{"attributes":{"paused":null,"vus":""}}}')).toBe(
      ['status: 0', 'paused: ""', 'vus: ""', 'vus-max: ""', 'stopped: false', 'running: false', 'tainted: false', ''].join('\n'),
    );
    expect(statusOf('null')).toBe(statusOf('{}'));
  });

  test('keys match case-insensitively and the last one wins, as Go decodes', () => {
    expect(statusOf('{"DATA":{"Attributes":{"VUS":3,"vus":"4","Paused":true}}}')).toMatch(/^paused: "true"\nvus: "4"$/m);
  });

  test('values of the wrong type fail with Go\'s message', () => {
    expect(() => statusOf('[1]')).toThrow('json: cannot unmarshal array into Go value of type v1.StatusJSONAPI');
    expect(() => statusOf('{"data":{"attributes":{"paused":"yes"}}}')).toThrow('json: cannot unmarshal string into Go value of type null.Bool');
    expect(() => statusOf('{"data":{"attributes":{"vus":2.5}}}')).toThrow(
      'json: cannot unmarshal number 2.5 into Go struct field Status.data.attributes.vus of type int64',
    );
    expect(() => statusOf('{"data":{"attributes":{"status":-1}}}')).toThrow(
      'json: cannot unmarshal number -1 into Go struct field Status.data.attributes.status of type lib.ExecutionStatus',
    );
    expect(() => statusOf('{"data":{"attributes":{"running":"yes"}}}')).toThrow(
      'json: cannot unmarshal string into Go struct field Status.data.attributes.running of type bool',
    );
  });
});

describe('stats YAML (k6 stats)', () => {
  test('the spec §7 example: {type, valid} maps, tainted as a string, sample keys sorted', () => {
    const doc =
      '{"data":[{"type":"metrics","id":"http_req_duration","attributes":{"type":"trend","contains":"time","tainted":false,' +
      '"sample":{"p(95)":3.26,"avg":0.78,"max":4.69,"med":0.41,"min":0.08,"p(90)":2.19}}}]}';
    expect(metricsOf(doc)).toBe(
      [
        '- name: http_req_duration',
        '  type:',
        '    type: trend',
        '    valid: true',
        '  contains:',
        '    type: time',
        '    valid: true',
        '  tainted: "false"',
        '  sample:',
        '    avg: 0.78',
        '    max: 4.69',
        '    med: 0.41',
        '    min: 0.08',
        '    p(90): 2.19',
        '    p(95): 3.26',
        '',
      ].join('\n'),
    );
  });

  test('k6 golden metrics (counter, trend, gauge, rate, submetric) print as yaml.v3 prints them', () => {
    const files = ['33-get-metric-my_counter.txt', '35-get-metric-my_gauge.txt', '37-get-metric-checks.txt', '42-get-metric-submetric.txt'];
    const list = files.map((f) => (JSON.parse(readGolden(f).text) as { data: unknown }).data);
    expect(metricsOf(JSON.stringify({ data: list }))).toBe(
      [
        '- name: my_counter',
        '  type:',
        '    type: counter',
        '    valid: true',
        '  contains:',
        '    type: default',
        '    valid: true',
        '  tainted: "true"',
        '  sample:',
        '    count: 100',
        '    rate: 5.82938396159864',
        '- name: my_gauge',
        '  type:',
        '    type: gauge',
        '    valid: true',
        '  contains:',
        '    type: default',
        '    valid: true',
        '  tainted: ""',
        '  sample:',
        '    value: 2',
        '- name: checks',
        '  type:',
        '    type: rate',
        '    valid: true',
        '  contains:',
        '    type: default',
        '    valid: true',
        '  tainted: "false"',
        '  sample:',
        '    rate: 1',
        '- name: http_req_duration{expected_response:true}',
        '  type:',
        '    type: trend',
        '    valid: true',
        '  contains:',
        '    type: time',
        '    valid: true',
        '  tainted: ""',
        '  sample:',
        '    avg: 0.8029383899999998',
        '    max: 4.695062',
        '    med: 0.412938',
        '    min: 0.101051',
        '    p(90): 2.2359764000000006',
        '    p(95): 3.320742849999997',
        '',
      ].join('\n'),
    );
  });

  test('an empty list is [], an empty or null sample is {}, a null type is {counter, false}', () => {
    expect(metricsOf('{"data":[]}')).toBe('[]\n');
    expect(metricsOf('{}')).toBe('[]\n');
    expect(metricsOf('{"data":[{"id":"x","attributes":{"type":null,"sample":null}}]}')).toBe(
      ['- name: x', '  type:', '    type: counter', '    valid: false', '  contains:', '    type: default', '    valid: false', '  tainted: ""', '  sample: {}', ''].join('\n'),
    );
  });

  test('the list keeps the server\'s order', () => {
    const doc = '{"data":[{"id":"vus","attributes":{"type":"gauge"}},{"id":"checks","attributes":{"type":"rate"}}]}';
    expect(metricsOf(doc).match(/^- name: .*$/gm)).toEqual(['- name: vus', '- name: checks']);
  });

  test('an unknown metric or value type fails as k6\'s decoder does', () => {
    expect(() => metricsOf('{"data":[{"id":"x","attributes":{"type":"histogram"}}]}')).toThrow('invalid metric type');
    expect(() => metricsOf('{"data":[{"id":"x","attributes":{"contains":"bytes"}}]}')).toThrow('invalid value type');
    expect(() => metricsOf('{"data":{}}')).toThrow(
      'json: cannot unmarshal object into Go struct field MetricsJSONAPI.data of type []v1.metricData',
    );
  });
});

describe('yaml.v3 details', () => {
  // Each string as yaml.v3 v3.0.1 writes it as a struct field value.
  const scalars: Array<[string, string]> = [
    ['http_reqs', 'http_reqs'],
    ['http_req_duration{expected_response:true}', 'http_req_duration{expected_response:true}'],
    ['http_req_duration{status: 200}', "'http_req_duration{status: 200}'"],
    ['true', '"true"'],
    ['', '""'],
    ['null', '"null"'],
    ['~', '"~"'],
    ['yes', '"yes"'],
    ['off', '"off"'],
    ['y', '"y"'],
    ['2', '"2"'],
    ['-1', '"-1"'],
    ['1.5', '"1.5"'],
    ['.5', '".5"'],
    ['0x1F', '"0x1F"'],
    ['017', '"017"'],
    ['09', '"09"'],
    ['1e3', '"1e3"'],
    ['1:20', '"1:20"'],
    ['2024-01-02', '"2024-01-02"'],
    ['.inf', '".inf"'],
    ['<<', '<<'],
    ['---', "'---'"],
    ['- a', "'- a'"],
    ['a: b', "'a: b'"],
    ['a #b', "'a #b'"],
    ['a#b', 'a#b'],
    [' lead', "' lead'"],
    ['trail ', "'trail '"],
    ['#x', "'#x'"],
    ['{x}', "'{x}'"],
    ["it's", "it's"],
    ['say "hi"', 'say "hi"'],
    ['tab\there', '"tab\\there"'],
    ['é € 中', 'é € 中'],
    ['😀', '"\\U0001F600"'],
    ['line1\nline2', '|-\n        line1\n        line2'],
    ['line\n', '|\n        line'],
    ['\u0085x', '"\\Nx"'],
    ['a\u00a0b', 'a\u00a0b'],
    ['\ufeffbom', '"\\uFEFF\\x62\\x6F\\x6D"'],
  ];
  test.each(scalars)('string %j is written as %s', (value, written) => {
    expect(toYaml(seq([seq([struct([['name', str(value)]])])]))).toBe(`- - name: ${written}\n`);
  });

  const floats: Array<[number, string]> = [
    [0, '0'],
    [-0, '-0'],
    [100, '100'],
    [123456, '123456'],
    [1234567, '1.234567e+06'],
    [1e6, '1e+06'],
    [999999, '999999'],
    [0.0001, '0.0001'],
    [0.00001, '1e-05'],
    [1.5e-7, '1.5e-07'],
    [158.01587559999996, '158.01587559999996'],
    [6175324, '6.175324e+06'],
    [3479536.1309817513, '3.4795361309817513e+06'],
    [1e21, '1e+21'],
    [-2.5, '-2.5'],
    [5e-324, '5e-324'],
    [1.7976931348623157e308, '1.7976931348623157e+308'],
    [123456.7, '123456.7'],
    [12345678901234567000, '1.2345678901234567e+19'],
  ];
  test.each(floats)('float %p is written as %s (Go FormatFloat g -1)', (value, written) => {
    expect(goFloat(value)).toBe(written);
  });

  test('map keys sort in yaml.v3 natural order, digit runs compared as numbers', () => {
    const keys = ['p(99.9)', 'med', 'p(95)', 'count', 'p(90)', 'avg', 'p(99)', 'max', 'p(99.99)', 'min', 'rate', 'value', 'p(9)', 'p(100)', 'p(0)', 'a10', 'a9', 'a09', 'b'];
    const sorted = [...keys].sort((a, b) => (yamlKeyLess(a, b) ? -1 : yamlKeyLess(b, a) ? 1 : 0));
    expect(sorted).toEqual(['a9', 'a09', 'a10', 'avg', 'b', 'count', 'max', 'med', 'min', 'p(0)', 'p(9)', 'p(90)', 'p(95)', 'p(99)', 'p(99.9)', 'p(99.99)', 'p(100)', 'rate', 'value']);
  });

  test('keys that read as other types are quoted too; nested blocks snap to 4 columns', () => {
    const doc = struct([
      ['n', float(1)],
      ['list', seq([int(1), str('x')])],
      ['m', goMap([['b', int(2)], ['a', struct([['deep', int(3)]])]])],
      ['empty', seq([])],
    ]);
    expect(toYaml(doc)).toBe(['"n": 1', 'list:', '    - 1', '    - x', 'm:', '    a:', '        deep: 3', '    b: 2', 'empty: []', ''].join('\n'));
  });
});

describe('what goes on the wire', () => {
  test('the PATCH body is the full status envelope with unset fields null (spec §7)', () => {
    expect(statusPatchBody({ paused: true })).toBe(
      '{"data":{"type":"status","id":"default","attributes":{"status":0,"paused":true,"vus":null,"vus-max":null,"stopped":false,"running":false,"tainted":false}}}',
    );
    expect(statusPatchBody({ paused: false })).toContain('"paused":false,"vus":null,"vus-max":null');
    expect(statusPatchBody({ vus: 5n })).toContain('"paused":null,"vus":5,"vus-max":null');
    expect(statusPatchBody({ vusMax: 20n })).toContain('"paused":null,"vus":null,"vus-max":20');
    expect(statusPatchBody({ vus: 4n, vusMax: 15n })).toContain('"paused":null,"vus":4,"vus-max":15');
  });

  const syntax: Array<[string, string | null]> = [
    ['{"a":1}', null],
    ['', 'unexpected end of JSON input'],
    ['404 page not found\n', "invalid character 'p' after top-level value"],
    ['ok', "invalid character 'o' looking for beginning of value"],
    ['{"a"', 'unexpected end of JSON input'],
    ['{"a" 1}', "invalid character '1' after object key"],
    ['{"a":1 "b"}', 'invalid character \'"\' after object key:value pair'],
    ['[1 2]', "invalid character '2' after array element"],
    ['{1:2}', "invalid character '1' looking for beginning of object key string"],
    ['tru', "invalid character ' ' in literal true (expecting 'e')"],
    ['1.', "invalid character ' ' after decimal point in numeric literal"],
    ['"a\\x"', "invalid character 'x' in string escape code"],
    ['"a\u0001"', "invalid character '\\x01' in string literal"],
    ["'a'", "invalid character '\\'' looking for beginning of value"],
  ];
  test.each(syntax)('a body of %j reads as Go reads it: %s', (body, message) => {
    expect(goJsonSyntaxError(body)).toBe(message);
  });

  test('errors are one logrus line, quoted as Go %q when needed', () => {
    const at = new Date('2026-11-23T10:58:33.123Z');
    expect(errorLine('Config update error: the number of VUs can\'t be negative', at)).toBe(
      'time="2026-11-23T10:58:33Z" level=error msg="Config update error: the number of VUs can\'t be negative"\n',
    );
    expect(errorLine('EOF', at)).toBe('time="2026-11-23T10:58:33Z" level=error msg=EOF\n');
    expect(goQuote('Get "http://x/v1/status": a\tb\u0001\u00a0é')).toBe('"Get \\"http://x/v1/status\\": a\\tb\\x01\\u00a0é"');
  });
});
