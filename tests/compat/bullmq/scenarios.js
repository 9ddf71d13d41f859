// BullMQ scenarios against the server on 127.0.0.1:$PORT. `node scenarios.js NAME` runs one
// and prints its outcome as one JSON line; the pytest side checks it. Each scenario uses
// its own queue and closes what it opened.
const { Queue, Worker, QueueEvents, FlowProducer } = require('bullmq');

const connection = { host: '127.0.0.1', port: parseInt(process.env.PORT, 10) };
const sleep = ms => new Promise(res => setTimeout(res, ms));

function waitFor(emitter, event, count = 1) {
  return new Promise(res => {
    const seen = [];
    emitter.on(event, (...args) => {
      seen.push(args);
      if (seen.length === count) res(seen);
    });
  });
}

const scenarios = {
  async returnvalue(name) {
    const q = new Queue(name, { connection });
    const w = new Worker(name, async job => job.data.a + job.data.b, { connection });
    const done = waitFor(w, 'completed');
    const job = await q.add('sum', { a: 2, b: 3 });
    await done;
    const back = await q.getJob(job.id);
    const out = { returnvalue: back.returnvalue, state: await back.getState() };
    await w.close();
    await q.close();
    return out;
  },

  async retries(name) {
    const q = new Queue(name, { connection });
    let calls = 0;
    const times = [];
    const w = new Worker(name, async () => {
      times.push(Date.now());
      calls += 1;
      if (calls < 3) throw new Error('attempt ' + calls);
      return 'made it';
    }, { connection });
    const done = waitFor(w, 'completed');
    const job = await q.add('flaky', {}, { attempts: 3, backoff: { type: 'fixed', delay: 200 } });
    await done;
    const back = await q.getJob(job.id);
    const out = {
      returnvalue: back.returnvalue, attemptsMade: back.attemptsMade, calls,
      minGapMs: Math.min(times[1] - times[0], times[2] - times[1]),
    };
    await w.close();
    await q.close();
    return out;
  },

  async failed(name) {
    const q = new Queue(name, { connection });
    const w = new Worker(name, async () => { throw new Error('nope'); }, { connection });
    const done = waitFor(w, 'failed');
    const job = await q.add('bad', {}, { attempts: 1 });
    await done;
    const back = await q.getJob(job.id);
    const out = { failedReason: back.failedReason, state: await back.getState(),
                  stacktrace: back.stacktrace.length, failed: await q.getFailedCount() };
    await w.close();
    await q.close();
    return out;
  },

  async delayed(name) {
    const q = new Queue(name, { connection });
    const w = new Worker(name, async job => Date.now() - job.data.at, { connection });
    const done = waitFor(w, 'completed');
    await q.add('later', { at: Date.now() }, { delay: 600 });
    const delayedCount = await q.getDelayedCount();
    const [[job]] = await done;
    const out = { delayedCount, waitedMs: job.returnvalue };
    await w.close();
    await q.close();
    return out;
  },

  async priorities(name) {
    const q = new Queue(name, { connection });
    const order = [];
    await q.add('low', { n: 'low' }, { priority: 10 });
    await q.add('high', { n: 'high' }, { priority: 1 });
    await q.add('mid', { n: 'mid' }, { priority: 5 });
    await q.add('none', { n: 'none' });
    const w = new Worker(name, async job => { order.push(job.data.n); }, { connection, concurrency: 1 });
    await waitFor(w, 'completed', 4);
    await w.close();
    await q.close();
    return { order };
  },

  async flows(name) {
    const flow = new FlowProducer({ connection });
    const w = new Worker(name, async job => {
      if (job.name === 'child') return job.data.x * 10;
      const values = await job.getChildrenValues();
      return Object.values(values).reduce((a, b) => a + b, 0);
    }, { connection });
    const parentDone = new Promise(res => w.on('completed', job => { if (job.name === 'parent') res(job); }));
    await flow.add({
      name: 'parent', queueName: name, data: {},
      children: [1, 2, 3].map(x => ({ name: 'child', queueName: name, data: { x } })),
    });
    const parent = await parentDone;
    const out = { parentValue: parent.returnvalue };
    await w.close();
    await flow.close();
    return out;
  },

  async events(name) {
    const q = new Queue(name, { connection });
    const events = new QueueEvents(name, { connection });
    await events.waitUntilReady();
    const progress = waitFor(events, 'progress');
    const completed = waitFor(events, 'completed');
    const w = new Worker(name, async job => {
      await job.updateProgress(50);
      await job.updateProgress({ step: 'last' });
      return 'fine';
    }, { connection });
    const job = await q.add('p', {});
    const [[first]] = await progress;
    const [[done]] = await completed;
    const out = { progress: first.data, jobId: first.jobId === job.id,
                  returnvalue: done.returnvalue };
    await w.close();
    await events.close();
    await q.close();
    return out;
  },

  async many(name) {
    const q = new Queue(name, { connection });
    const seen = new Map();
    let running = 0, maxRunning = 0;
    const w = new Worker(name, async job => {
      running += 1;
      maxRunning = Math.max(maxRunning, running);
      seen.set(job.data.i, (seen.get(job.data.i) || 0) + 1);
      await sleep(2);
      running -= 1;
      return job.data.i;
    }, { connection, concurrency: 10 });
    const done = waitFor(w, 'completed', 500);
    await q.addBulk(Array.from({ length: 500 }, (_, i) => ({ name: 'n', data: { i } })));
    await done;
    const once = [...seen.values()].every(v => v === 1);
    const out = { distinct: seen.size, once, maxRunning,
                  completed: await q.getCompletedCount() };
    await w.close();
    await q.close();
    return out;
  },

  async limiter(name) {
    const q = new Queue(name, { connection });
    const w = new Worker(name, async () => Date.now(), {
      connection, concurrency: 5, limiter: { max: 4, duration: 500 },
    });
    const done = waitFor(w, 'completed', 12);
    await q.addBulk(Array.from({ length: 12 }, (_, i) => ({ name: 'r', data: { i } })));
    const start = Date.now();
    await done;
    const out = { elapsedMs: Date.now() - start };
    await w.close();
    await q.close();
    return out;
  },

  async schedulers(name) {
    const q = new Queue(name, { connection });
    const w = new Worker(name, async job => job.name, { connection });
    const done = waitFor(w, 'completed', 3);
    await q.upsertJobScheduler('every-150', { every: 150 }, { name: 'tick', data: {} });
    const runs = await done;
    const schedulers = await q.getJobSchedulers();
    await q.removeJobScheduler('every-150');
    const out = { runs: runs.length, names: runs.map(([job]) => job.name),
                  schedulers: schedulers.map(s => s.key),
                  after: (await q.getJobSchedulers()).length };
    await w.close();
    await q.close();
    return out;
  },
};

const which = process.argv[2];
const timer = setTimeout(() => { console.error('timed out'); process.exit(2); }, 60000);
scenarios[which](which + '-' + process.pid)
  .then(out => { clearTimeout(timer); console.log(JSON.stringify(out)); process.exit(0); })
  .catch(err => { console.error(err); process.exit(1); });
