// The --summary-export file (spec 12.6), checked against the one k6 v0.49.0 wrote for the
// golden cvus run.

import { existsSync, readFileSync } from 'fs';
import { serializeSummaryExport, toSummaryExport, type SummaryData } from '../ts/summary';
import { cvusSummaryData } from './fixtures/summary-cvus';
import { cvusGoldenSummaryExportText } from './fixtures/summary-export-cvus';

// The shared spec folder, when this checkout has it: the fixture is checked against it.
const GOLDEN_EXPORT = '/work/shared/spec/k6-golden/summary-export-cvus.json';

test('the export of the golden data equals the golden summary-export file', () => {
  const golden: unknown = JSON.parse(cvusGoldenSummaryExportText);
  expect(JSON.parse(serializeSummaryExport(cvusSummaryData))).toEqual(golden);
});

(existsSync(GOLDEN_EXPORT) ? test : test.skip)('the embedded golden file is the one in the spec folder', () => {
  expect(cvusGoldenSummaryExportText).toBe(readFileSync(GOLDEN_EXPORT, 'utf8'));
});

test('the file text is 4-space indented JSON without a trailing newline', () => {
  const text = serializeSummaryExport(cvusSummaryData);
  expect(text.startsWith('{\n    "root_group": {\n        "name": "",')).toBe(true);
  expect(text.endsWith('}')).toBe(true);
  expect(text).toBe(JSON.stringify(toSummaryExport(cvusSummaryData), null, 4));
});

test('a rate keeps passes and fails, then thresholds, then value, as k6 orders them', () => {
  const exported = toSummaryExport(cvusSummaryData);
  expect(Object.keys(exported.metrics.checks)).toEqual(['passes', 'fails', 'thresholds', 'value']);
  expect(exported.metrics.checks).toEqual({ passes: 32, fails: 0, thresholds: { 'rate>0.5': false }, value: 1 });
});

test('a threshold is exported as true when it FAILED', () => {
  const exported = toSummaryExport(cvusSummaryData);
  expect(exported.metrics.my_counter.thresholds).toEqual({ 'count<1': true });
  expect(exported.metrics['http_req_duration{expected_response:true}']).not.toHaveProperty('thresholds');
});

test('options and state are dropped, groups and checks keyed by name', () => {
  const exported = toSummaryExport(cvusSummaryData);
  expect(exported).not.toHaveProperty('options');
  expect(exported).not.toHaveProperty('state');
  expect(Object.keys(exported.root_group.groups)).toEqual(['setup', 'visit homepage', 'teardown']);
  const visit = exported.root_group.groups['visit homepage'];
  expect(visit.checks['status is 200']).toMatchObject({ passes: 32, fails: 0 });
  expect(visit.groups['nested level 1'].groups['nested level 2'].groups).toEqual({});
});

test('setup_data is absent without setup data, and empty thresholds are left out', () => {
  const noSetup: SummaryData = {
    ...cvusSummaryData,
    setup_data: undefined,
    metrics: { vus: { type: 'gauge', contains: 'default', values: { value: 1, min: 1, max: 1 }, thresholds: {} } },
  };
  const exported = toSummaryExport(noSetup);
  expect(exported).not.toHaveProperty('setup_data');
  expect(exported.metrics).toEqual({ vus: { value: 1, min: 1, max: 1 } });
});

test('the input data is not modified', () => {
  const before = JSON.stringify(cvusSummaryData);
  toSummaryExport(cvusSummaryData);
  expect(JSON.stringify(cvusSummaryData)).toBe(before);
});
