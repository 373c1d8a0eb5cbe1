// EtcdOrderer against a real 3-member etcd cluster on loopback (ARCHITECTURE
// section 3, etcd ordering). One cluster is shared by the tests; each test
// uses its own network id, so its batch prefix is its own. Envelopes here are
// opaque bytes: the orderer never parses them. The three-node ledger test is
// in etcd-network.int.test.ts. Without etcd the suite fails in CI and skips
// locally (see cluster/etcd.ts).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Etcd3 } from 'etcd3';
import { CompactedError, EtcdOrderer, type EtcdOrdererOptions, type OrderedBatch } from '../../src/ordering/index.js';
import { etcdVersion, startEtcdCluster, type EtcdCluster } from './etcd.js';
import { etcdSuiteSkip } from './etcd-suite.js';

const skip = etcdSuiteSkip();

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

interface Collector {
  batches: OrderedBatch[];
  handler: (b: OrderedBatch) => Promise<void>;
  /** Waits (bounded) until the envelopes delivered so far include every one of `texts`. */
  waitFor(texts: readonly string[], timeoutMs?: number): Promise<void>;
}

function collector(): Collector {
  const batches: OrderedBatch[] = [];
  const seen = new Set<string>();
  return {
    batches,
    handler: async (b) => {
      batches.push(b);
      for (const e of b.envelopes) seen.add(dec(e));
    },
    async waitFor(texts, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (texts.some((t) => !seen.has(t))) {
        if (Date.now() > deadline) throw new Error(`timed out: ${texts.filter((t) => !seen.has(t)).length} envelopes not delivered`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
  };
}

const summary = (bs: readonly OrderedBatch[]) => bs.map((b) => `${b.seq}:${b.envelopes.map(dec).join(',')}`);

function assertStrictlyIncreasing(bs: readonly OrderedBatch[]): void {
  for (let i = 1; i < bs.length; i++) assert.ok(bs[i]!.seq > bs[i - 1]!.seq, `seq ${bs[i]!.seq} after ${bs[i - 1]!.seq}`);
}

describe('EtcdOrderer on a 3-member etcd cluster', { skip: skip ?? false, timeout: 80_000 }, () => {
  let cluster: EtcdCluster;
  const open: EtcdOrderer[] = [];
  const make = (networkId: string, nodeId: string, extra: Partial<EtcdOrdererOptions> = {}) => {
    const o = new EtcdOrderer({ hosts: cluster.hosts, networkId, nodeId, reportIntervalMs: 50, leaseTtlSeconds: 5, ...extra });
    open.push(o);
    return o;
  };
  const net = () => `t-${randomBytes(4).toString('hex')}`;

  before(async () => {
    cluster = await startEtcdCluster(3);
    console.log(`# etcd ${etcdVersion() ?? '?'} members ${cluster.hosts.join(' ')}`);
  });
  after(async () => {
    await Promise.allSettled(open.map((o) => o.close()));
    await cluster?.stop();
  });

  test('two orderers deliver the same batches in the same order; submit waits for durability', async () => {
    const id = net();
    const a = make(id, 'a');
    const b = make(id, 'b', { hosts: [cluster.hosts[2]!] });
    const ca = collector();
    const cb = collector();
    a.start(0, ca.handler);
    b.start(0, cb.handler);
    const texts = Array.from({ length: 2000 }, (_, i) => `e${i}`);
    const t0 = performance.now();
    // 200 submissions of 10 through both orderers concurrently.
    await Promise.all(
      Array.from({ length: 200 }, (_, i) => (i % 2 ? a : b).submit(texts.slice(i * 10, i * 10 + 10).map(enc))),
    );
    const submitMs = performance.now() - t0;
    // Durable on acknowledgement: a fresh client on another member reads every batch.
    const reader = new Etcd3({ hosts: [cluster.hosts[1]!] });
    try {
      const stored = await reader.getAll().prefix(`/careledger/${id}/batches/`).keys();
      assert.ok(stored.length >= 1);
    } finally {
      reader.close();
    }
    await ca.waitFor(texts);
    await cb.waitFor(texts);
    assert.deepEqual(summary(ca.batches), summary(cb.batches));
    assertStrictlyIncreasing(ca.batches);
    assert.equal(ca.batches.flatMap((x) => x.envelopes).length, 2000);
    console.log(`# etcd orderer: 2000 envelopes in ${ca.batches.length} batches, ${Math.round(submitMs)} ms to acknowledge all (${Math.round((2000 / submitMs) * 1000)} envelopes/s, ${Math.round((ca.batches.length / submitMs) * 1000)} batches/s)`);

    // Closed loop: 50 clients, each submitting one envelope at a time.
    const loopTexts: string[] = [];
    const t1 = performance.now();
    const before = ca.batches.length;
    await Promise.all(
      Array.from({ length: 50 }, async (_, c) => {
        for (let k = 0; k < 20; k++) {
          const text = `loop${c}-${k}`;
          loopTexts.push(text);
          await (c % 2 ? a : b).submit([enc(text)]);
        }
      }),
    );
    const loopMs = performance.now() - t1;
    await ca.waitFor(loopTexts);
    const loopBatches = ca.batches.length - before;
    console.log(`# etcd orderer closed loop (50 clients x 20): ${Math.round((1000 / loopMs) * 1000)} envelopes/s in ${loopBatches} batches (${Math.round((loopBatches / loopMs) * 1000)} batches/s)`);

    // Delivery latency: one envelope at a time, submit start -> delivered on the other orderer.
    const samples: number[] = [];
    for (let i = 0; i < 30; i++) {
      const text = `lat${i}`;
      const start = performance.now();
      await a.submit([enc(text)]);
      await cb.waitFor([text], 5_000);
      samples.push(performance.now() - start);
    }
    samples.sort((x, y) => x - y);
    console.log(`# etcd orderer latency submit->delivered elsewhere: median ${samples[15]!.toFixed(1)} ms, max ${samples[29]!.toFixed(1)} ms`);
  });

  test('ordering goes on with one member down, and after it returns', async () => {
    const id = net();
    const a = make(id, 'a');
    const b = make(id, 'b');
    const ca = collector();
    const cb = collector();
    a.start(0, ca.handler);
    b.start(0, cb.handler);
    await a.submit([enc('before')]);
    await cb.waitFor(['before']);
    await cluster.kill(0);
    try {
      const during = Array.from({ length: 20 }, (_, i) => `down${i}`);
      for (const t of during) await (t.endsWith('1') ? b : a).submit([enc(t)]);
      await ca.waitFor(during, 20_000);
      await cb.waitFor(during, 20_000);
    } finally {
      await cluster.restart(0);
    }
    await b.submit([enc('after')]);
    await ca.waitFor(['after']);
    await cb.waitFor(['after']);
    assert.deepEqual(summary(ca.batches), summary(cb.batches));
    assertStrictlyIncreasing(ca.batches);
  });

  test('a restarted orderer resumes after afterSeq without gaps or repeats', async () => {
    const id = net();
    const a = make(id, 'a');
    const ca = collector();
    a.start(0, ca.handler);
    const first = Array.from({ length: 10 }, (_, i) => `one${i}`);
    for (const t of first) await a.submit([enc(t)]);
    const b1 = make(id, 'b');
    const cb1 = collector();
    b1.start(0, cb1.handler);
    await cb1.waitFor(first);
    const resumeAt = cb1.batches[4]!.seq; // as if b had committed only 5 blocks
    await b1.close();
    const second = Array.from({ length: 10 }, (_, i) => `two${i}`);
    for (const t of second) await a.submit([enc(t)]);
    const b2 = make(id, 'b');
    const cb2 = collector();
    b2.start(resumeAt, cb2.handler);
    await cb2.waitFor(second);
    await ca.waitFor(second);
    assert.deepEqual(summary(cb2.batches), summary(ca.batches.filter((x) => x.seq > resumeAt)));
  });

  test('after pruning below a position, start() from an older seq raises CompactedError', async () => {
    const id = net();
    const a = make(id, 'a');
    const b = make(id, 'b');
    const ca = collector();
    const cb = collector();
    a.start(0, ca.handler);
    b.start(0, cb.handler);
    const texts = Array.from({ length: 8 }, (_, i) => `c${i}`);
    for (const t of texts) await a.submit([enc(t)]);
    await ca.waitFor(texts);
    await cb.waitFor(texts);
    const last = ca.batches.at(-1)!.seq;
    // Wait until both heights are reported, then prune.
    let pruned: number | undefined;
    const deadline = Date.now() + 5_000;
    while ((pruned ?? 0) < last && Date.now() < deadline) {
      pruned = (await a.compact()) ?? pruned;
      if ((pruned ?? 0) < last) await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(pruned, last);
    const failed = new Promise<Error>((resolve) => {
      make(id, 'late', { onError: resolve }).start(0, async () => assert.fail('must not deliver'));
    });
    const error = await failed;
    assert.ok(error instanceof CompactedError);
    assert.equal(error.code, 'UNAVAILABLE');
    assert.equal(error.field, 'compacted');
    assert.equal(error.compactRevision, last);
    // From the pruned position on, delivery works again.
    const c = make(id, 'c');
    const cc = collector();
    c.start(last, cc.handler);
    await a.submit([enc('after-prune')]);
    await cc.waitFor(['after-prune']);
    assert.deepEqual(summary(cc.batches), ['' + cc.batches[0]!.seq + ':after-prune']);
  });

  test('a malformed value under the prefix is delivered as an empty batch and skipped', async () => {
    const id = net();
    const a = make(id, 'a');
    const ca = collector();
    a.start(0, ca.handler);
    await a.submit([enc('good1')]);
    const raw = new Etcd3({ hosts: cluster.hosts });
    try {
      await raw.put(`/careledger/${id}/batches/garbage-1`).value(Buffer.from('not a batch'));
      await raw.put(`/careledger/${id}/batches/garbage-2`).value(Buffer.from([0x43, 0x4c, 0x42, 0x31, 0xff, 0xff, 1, 2]));
    } finally {
      raw.close();
    }
    await a.submit([enc('good2')]);
    await ca.waitFor(['good1', 'good2']);
    assert.deepEqual(ca.batches.map((x) => x.envelopes.length), [1, 0, 0, 1]);
    assertStrictlyIncreasing(ca.batches);
    // A late reader pages through the same values and agrees.
    const b = make(id, 'b');
    const cb = collector();
    b.start(0, cb.handler);
    await cb.waitFor(['good2']);
    assert.deepEqual(summary(cb.batches), summary(ca.batches));
  });
});
