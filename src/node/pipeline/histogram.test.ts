// The Prometheus histogram renders cumulative buckets, +Inf, sum and count
// (text exposition format 0.0.4).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Histogram } from './histogram.js';

test('cumulative buckets, +Inf, sum and count', () => {
  const h = new Histogram([0.1, 1]);
  for (const s of [0.05, 0.1, 0.5, 3]) h.observe(s);
  assert.deepEqual(h.render('x_seconds', 'help text'), [
    '# HELP x_seconds help text',
    '# TYPE x_seconds histogram',
    'x_seconds_bucket{le="0.1"} 2',
    'x_seconds_bucket{le="1"} 3',
    'x_seconds_bucket{le="+Inf"} 4',
    'x_seconds_sum 3.65',
    'x_seconds_count 4',
  ]);
});
