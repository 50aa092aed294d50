import { expect } from 'chai';
import type { Knex } from 'knex';
import type { Clock } from '../../src/platform/clock';
import type { WorkerProcessOptions } from '../../src/workers/worker-process';
import { aUser, type TestUser } from './builders';
import { startHarness, type FixedClock, type Harness, type HarnessOptions } from './harness';
import { deleteRedisKeys, eventually, killSpawnedWorkers, openQueues, sessionsWaitingOnLocks, startWorkersInProcess, type SpawnedWorker } from './workers';

type Running = { close: () => Promise<void> };
export type QueueView = ReturnType<typeof openQueues>;

export interface WorkerSuite<C extends Clock> {
  readonly h: Harness<C>;
  readonly client: TestUser;
  readonly view: QueueView;
  /** A transaction in which the test holds row locks: rolled back after the test (set it to undefined once ended). */
  lock?: Knex.Transaction;
  /** In-process workers the test started: closed after the test. */
  workers?: Running;
  /**
   * SIGKILLs a spawned worker whose job waits for the test's lock, ends the lock, and waits until no
   * session waits for a lock any more (the dead worker's transactions die with its connections).
   */
  killWhileLocked(worker: SpawnedWorker): Promise<void>;
}

/**
 * The hooks of a file whose tests run real workers: one harness for the file (`atStart` runs on it first,
 * e.g. to set its clock), a client, a view of its queues, and, with `workersForFile`, in-process workers
 * for the whole file. After each test, in this
 * order: the lock it still holds is rolled back (closing a worker waits for its active job, which may
 * wait for that lock), the workers it started are closed, the worker processes it spawned are killed.
 * Read the fields inside tests and hooks (they are set in before()).
 */
export function workerSuite<C extends Clock = FixedClock>(
  options: HarnessOptions<C> & { atStart?: (h: Harness<C>) => void; workersForFile?: Partial<WorkerProcessOptions> } = {},
): WorkerSuite<C> {
  const { atStart, workersForFile, ...harnessOptions } = options;
  let harness: Harness<C> | undefined;
  let client: TestUser | undefined;
  let view: QueueView | undefined;
  let fileWorkers: Running | undefined;
  const suite: WorkerSuite<C> = {
    get h() {
      return harness!;
    },
    get client() {
      return client!;
    },
    get view() {
      return view!;
    },
    async killWhileLocked(worker) {
      worker.kill('SIGKILL');
      expect(await worker.exited).to.deep.equal({ code: null, signal: 'SIGKILL' });
      await suite.lock?.commit();
      suite.lock = undefined;
      await eventually(async () => expect(await sessionsWaitingOnLocks(harness!)).to.equal(0));
    },
  };
  before(async () => {
    harness = await startHarness(harnessOptions);
    atStart?.(harness);
    client = await aUser(harness, 'client');
    view = openQueues(harness);
    if (workersForFile) fileWorkers = await startWorkersInProcess(harness.app, workersForFile);
  });
  afterEach(async () => {
    await suite.lock?.rollback().catch(() => undefined);
    suite.lock = undefined;
    await suite.workers?.close();
    suite.workers = undefined;
    await killSpawnedWorkers();
  });
  after(async () => {
    await fileWorkers?.close();
    await view?.close();
    if (!harness) return;
    await deleteRedisKeys(harness.config.redisUrl, harness.config.queuePrefix);
    await harness.close();
  });
  return suite;
}

/**
 * In-process workers (all queues) and a view of the queues for one describe block of a file that has
 * its harness already: started in before(), closed in after(). Read `view` inside tests and hooks.
 */
export function workersDuring(harness: () => Harness<Clock>): { readonly view: QueueView } {
  let view: QueueView | undefined;
  let workers: Running | undefined;
  before(async () => {
    view = openQueues(harness());
    workers = await startWorkersInProcess(harness().app);
  });
  after(async () => {
    await workers?.close();
    await view?.close();
  });
  return {
    get view() {
      return view!;
    },
  };
}
