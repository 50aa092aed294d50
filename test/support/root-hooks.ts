import { dropTemplate } from './test-db';

// Loaded by mocha (--require): cleans up the run's template database once every file is done.
export const mochaHooks = {
  async afterAll(this: Mocha.Context) {
    this.timeout(30_000);
    await dropTemplate();
  },
};
