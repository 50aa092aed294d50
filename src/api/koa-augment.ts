import type { Logger } from '../platform/logger';

declare module 'koa' {
  interface DefaultContext {
    log: Logger;
    requestId: string;
  }
}
