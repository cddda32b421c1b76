/**
 * Unit tests for the curves view's data side (`src/curvedata.ts`), run under node:test.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { axisRange, collectSeries, fmt, logTicks, niceTicks, smooth } from '../src/curvedata';

const EVIL = '<img src=x onerror=alert(1)>';

test('batch and epoch series share the step axis when a metric has batch points', () => {
  const { runs, metrics } = collectSeries([
    {
      name: 'run 1',
      series: [
        { metric: 'loss', split: 'training', level: 'batch', points: [[0, 1], [1, 0.5], [2, 0.25]] },
        { metric: 'loss', split: 'validation', level: 'epoch', points: [[1, 0.4, 2]] },
        { metric: 'acc', split: 'training', level: 'epoch', points: [[1, 0.7, 2], [2, 0.8, 5]] }
      ]
    }
  ]);
  assert.equal(runs.length, 1);
  assert.deepEqual([...metrics.keys()], ['loss', 'acc']);
  const loss = metrics.get('loss')!;
  assert.deepEqual(loss.map(s => [s.level, s.split]), [['batch', 'training'], ['epoch', 'validation']]);
  assert.deepEqual(loss[1].points, [[2, 0.4]]); // drawn at the step the epoch ended on
  assert.deepEqual(metrics.get('acc')![0].points, [[1, 0.7], [2, 0.8]]); // no batches: epochs
});

test('runs overlay with their index; bad entries and non-finite values are skipped', () => {
  const { runs, metrics } = collectSeries([
    { name: 'a', series: [{ metric: 'loss', split: 'training', level: 'batch', points: [[0, null], [1, 2], 'x', [2]] }] },
    'not a run',
    { name: EVIL, series: [{ metric: EVIL, split: 'training', level: 'batch', points: [[0, 3]] }] }
  ]);
  assert.equal(runs.length, 2);
  assert.deepEqual(metrics.get('loss')![0].points, [[1, 2]]);
  const evil = metrics.get(EVIL)![0];
  assert.equal(evil.run, 1);
  assert.equal(evil.runName, EVIL); // kept as data; the view writes it as text
});

test('axis ranges are never empty', () => {
  assert.deepEqual(axisRange([[0, 1], [4, 3]]), [0, 4, 1, 3]);
  assert.deepEqual(axisRange([[2, 5], [2, 5]]), [2, 3, 5, 5.5]);
  assert.deepEqual(axisRange([[0, 0]]), [0, 1, 0, 1e-6]);
});

test('tick labels use 4 significant digits, exponents for tiny and huge values', () => {
  assert.equal(fmt(0.123456), '0.1235');
  assert.equal(fmt(0), '0');
  assert.equal(fmt(0.00012), '1.20e-4');
  assert.equal(fmt(123456), '1.23e+5');
});

test('axis ticks are round numbers over the whole range, with one precision', () => {
  const t = niceTicks(0.008478, 1.995);
  assert.deepEqual(t.labels, ['0.0', '0.5', '1.0', '1.5', '2.0']);
  assert.equal(t.lo, 0);
  assert.equal(t.hi, 2);
  assert.deepEqual(niceTicks(5.78e-5, 2.3e-4, 4).labels, ['5.0e-5', '1.0e-4', '1.5e-4', '2.0e-4', '2.5e-4']);
  assert.deepEqual(niceTicks(0, 37, 4).ticks, [0, 10, 20, 30, 40]);
});

test('log ticks are powers of ten (and 2, 5 times them over few decades)', () => {
  const t = logTicks(0.02, 1.5);
  assert.equal(t.lo, 0.01);
  assert.equal(t.hi, 10);
  assert.deepEqual(t.labels, ['0.01', '0.02', '0.05', '0.1', '0.2', '0.5', '1', '2', '5', '10']);
  assert.deepEqual(logTicks(1e-5, 10).labels, ['1e-5', '1e-4', '0.001', '0.01', '0.1', '1', '10']);
});

test('smoothing is a debiased moving average', () => {
  const pts: [number, number][] = [[0, 1], [1, 3], [2, 3]];
  assert.deepEqual(smooth(pts, 0), pts);
  const s = smooth(pts, 0.5);
  assert.equal(s[0][1], 1); // debiased: the first point stays
  assert.ok(Math.abs(s[1][1] - 7 / 3) < 1e-9);
  assert.deepEqual(s.map(p => p[0]), [0, 1, 2]);
});
