import { Redis } from 'ioredis';
import { NOTIFY } from '../workflows/common/effects.js';
import { startTestApp, testQueuePrefix, waitFor, type TestApp } from './support/app.js';
import { engineHarness, engineOverrides, notifyRecorder, testWorkflow, type EngineHarness } from './support/test-workflow.js';

/**
 * The part of a key Redis Cluster hashes to choose its slot: what stands between the first `{` and the first `}`
 * after it when that is not empty, else the whole key (the rule of the Cluster specification).
 */
function hashTagOf(key: string): string {
  const open = key.indexOf('{');
  const close = open < 0 ? -1 : key.indexOf('}', open + 1);
  return close > open + 1 ? key.slice(open + 1, close) : key;
}

/**
 * Redis Cluster keeps a multi-key command (BullMQ's Lua scripts, the sign-in throttle's) to keys of one hash slot.
 * With QUEUE_PREFIX in braces every key the service writes, BullMQ's and its own, hashes by that tag alone.
 */
describe('QUEUE_PREFIX as a Redis Cluster hash tag', () => {
  const tag = testQueuePrefix('hashtag');
  const prefix = `{${tag}}`;
  let t: TestApp;
  let h: EngineHarness;
  let redis: Redis;

  beforeAll(async () => {
    const notify = notifyRecorder();
    t = await startTestApp(
      'hashtag',
      { QUEUE_PREFIX: prefix, DEADLINE_OVERRIDES: 'test.review=PT1S' },
      engineOverrides({ definitions: [testWorkflow()], notify }),
    );
    h = await engineHarness(t.app, { notify });
    redis = new Redis(t.config.redisUrl);
  });
  afterAll(async () => {
    redis?.disconnect();
    await t?.close();
  });

  /** Every key in Redis that names this file's prefix, wherever in the key it stands. */
  async function keysNamingTag(): Promise<string[]> {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, page] = await redis.scan(cursor, 'MATCH', `*${tag}*`, 'COUNT', 1000);
      keys.push(...page);
      cursor = next;
    } while (cursor !== '0');
    return keys;
  }

  it('is accepted, and the queues, their jobs and the sign-in counters all hash by the tag alone', async () => {
    expect(t.config.queuePrefix).toBe(prefix);

    // A timer (the deadlines queue), an effect (the notify queue) and a failed sign-in (the app's own counters).
    const subject = h.subject();
    const started = await h.engine.start('test', subject, h.actors.commune);
    await h.engine.send(subject, { type: 'SUBMIT' }, h.actors.commune);
    expect((await t.http.post('/auth/login').send({ username: 'nobody-here', password: 'wrong-password' })).status).toBe(401);
    await waitFor(async () => (await h.timers(started.instanceId)).every((x) => x.status === 'fired'), { what: 'the timers to fire' });
    await waitFor(async () => (await h.outbox(started.instanceId)).every((o) => o.status === 'done'), { what: 'the effects to be done' });

    const keys = await keysNamingTag();
    expect(keys.some((k) => k.startsWith(`${prefix}:login-failures:`))).toBe(true);
    expect(keys.some((k) => k.startsWith(`${prefix}:deadlines:`))).toBe(true);
    expect(keys.some((k) => k.startsWith(`${prefix}:${NOTIFY.queue}:`))).toBe(true);
    expect(keys.filter((k) => !k.startsWith(`${prefix}:`))).toEqual([]);
    expect(keys.filter((k) => hashTagOf(k) !== tag)).toEqual([]);
  });
});
