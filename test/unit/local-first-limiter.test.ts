import { expect } from 'chai';
import { RateLimiterMemory, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { LocalFirstLimiter } from '../../src/api/middleware/local-first-limiter';

/** A real in-memory limiter as the shared store, whose answers wait until `release()` (a slow Redis). */
function heldStore(points: number) {
  const store = new RateLimiterMemory({ points, duration: 60 });
  const held: Array<() => void> = [];
  const hold = <T>(run: () => Promise<T>): Promise<T> => new Promise<void>((resolve) => held.push(resolve)).then(run);
  const shared = {
    consume: (key: string, n: number) => hold(() => store.consume(key, n)),
    reward: (key: string, n: number) => hold(() => store.reward(key, n)),
  } as unknown as RateLimiterAbstract;
  return {
    store,
    shared,
    inFlight: () => held.length,
    release: async () => {
      for (const resolve of held.splice(0)) resolve();
      await new Promise((resolve) => setImmediate(resolve));
    },
  };
}

const rejected = (promise: Promise<unknown>) => promise.then(() => false, (e: unknown) => e instanceof RateLimiterRes);

describe('LocalFirstLimiter', () => {
  it('when the shared store does not answer, then requests far from the limit are decided at once, one command in flight per key', async () => {
    const slow = heldStore(100);
    const limiter = new LocalFirstLimiter(slow.shared, 100, 60_000, () => 0);
    for (let i = 0; i < 50; i++) expect(await rejected(limiter.consume('k'))).to.equal(false);
    expect(slow.inFlight()).to.equal(1);
    await slow.release();
    expect(slow.inFlight(), 'the 49 taken meanwhile, in one command').to.equal(1);
    await slow.release();
    expect((await slow.store.get('k'))?.consumedPoints).to.equal(50);
  });

  it('when the last tenth of the budget is reached, then the store decides (the request waits for it)', async () => {
    const slow = heldStore(10);
    const limiter = new LocalFirstLimiter(slow.shared, 10, 60_000, () => 0);
    for (let i = 0; i < 9; i++) await limiter.consume('k');
    let decided = false;
    const tenth = limiter.consume('k').finally(() => (decided = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(decided, 'waits for the store').to.equal(false);
    await slow.release();
    await slow.release();
    expect(await rejected(tenth)).to.equal(false);
    expect((await slow.store.get('k'))?.consumedPoints).to.equal(10);
  });

  it('when other processes took points, then near the limit this one is refused on the store\'s count', async () => {
    const store = new RateLimiterMemory({ points: 10, duration: 60 });
    await store.consume('k', 8); // the other processes
    const limiter = new LocalFirstLimiter(store, 10, 60_000, () => 0);
    expect(await rejected(limiter.consume('k')), 'blind: 1 of 10 here').to.equal(false);
    await new Promise((resolve) => setImmediate(resolve));
    expect((await limiter.get('k'))?.consumedPoints).to.equal(9);
    expect(await rejected(limiter.consume('k'))).to.equal(false);
    expect(await rejected(limiter.consume('k'))).to.equal(true);
    expect((await store.get('k'))?.consumedPoints).to.equal(11);
  });

  it('when a point is given back, then the count falls here at once and in the store after', async () => {
    const store = new RateLimiterMemory({ points: 2, duration: 60 });
    const limiter = new LocalFirstLimiter(store, 2, 60_000, () => 0);
    await limiter.consume('k');
    await limiter.consume('k');
    await limiter.reward('k');
    expect(await rejected(limiter.consume('k'))).to.equal(false);
    await new Promise((resolve) => setImmediate(resolve));
    expect((await store.get('k'))?.consumedPoints).to.equal(2);
  });

  it('when the window has passed, then the count starts again', async () => {
    let now = 0;
    const slow = heldStore(100);
    const limiter = new LocalFirstLimiter(slow.shared, 100, 60_000, () => now);
    for (let i = 0; i < 80; i++) await limiter.consume('k');
    now = 60_000;
    expect((await limiter.get('k'))).to.equal(null);
    await limiter.consume('k');
    expect((await limiter.get('k'))?.consumedPoints).to.equal(1);
  });

  it('when a sync interval is set, then a burst far from the limit costs one command, and its points follow in one more after the interval', async () => {
    const store = new RateLimiterMemory({ points: 100, duration: 60 });
    let commands = 0;
    const counted = { consume: (key: string, n: number) => (commands++, store.consume(key, n)), reward: (key: string, n: number) => (commands++, store.reward(key, n)) } as unknown as RateLimiterAbstract;
    const limiter = new LocalFirstLimiter(counted, 100, 60_000, () => 0, 40);
    for (let i = 0; i < 30; i++) expect(await rejected(limiter.consume('k'))).to.equal(false);
    await new Promise((resolve) => setImmediate(resolve));
    expect(commands, 'the first point at once, the rest waiting for the interval').to.equal(1);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(commands).to.equal(2);
    expect((await store.get('k'))?.consumedPoints).to.equal(30);
  });

  it('when a sync interval is set and the last tenth is reached, then the store still decides at once', async () => {
    const store = new RateLimiterMemory({ points: 10, duration: 60 });
    const limiter = new LocalFirstLimiter(store, 10, 60_000, () => 0, 60_000);
    for (let i = 0; i < 9; i++) await limiter.consume('k');
    expect(await rejected(limiter.consume('k'))).to.equal(false);
    expect((await store.get('k'))?.consumedPoints, 'sent with the tenth, not after a minute').to.equal(10);
    expect(await rejected(limiter.consume('k'))).to.equal(true);
  });
});
