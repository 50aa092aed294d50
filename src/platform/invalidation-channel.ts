import type { Logger } from './logger';
import { createSubscriber, type RedisClient, type RedisTarget } from './redis';

/**
 * A Redis pub/sub channel that tells every web process to drop something it cached. `live` is true
 * only while this process is subscribed: a message published while it was not is lost, so a listener
 * must not trust what it cached before going live again (onLive fires each time it does).
 */
export interface InvalidationChannel {
  publish(message: string): Promise<void>;
  onMessage(listener: (message: string) => void): void;
  onLive(listener: () => void): void;
  isLive(): boolean;
  close(): Promise<void>;
}

export function createInvalidationChannel(options: { target: RedisTarget; publisher: RedisClient; channel: string; logger: Logger }): InvalidationChannel {
  const { publisher, channel, logger } = options;
  // Named after the channel, so that an operator (or a test) can find it in CLIENT LIST.
  const subscriber = createSubscriber(options.target, `${channel}:subscriber`.replace(/[^A-Za-z0-9_:{}-]/g, '_'));
  const messageListeners: Array<(message: string) => void> = [];
  const liveListeners: Array<() => void> = [];
  let live = false;
  let closed = false;

  const goOffline = () => {
    if (!live) return;
    live = false;
    logger.warn({ channel }, 'invalidation channel lost: cached entries now live at most the offline bound');
  };
  // After every (re)connection: subscribe (again, ioredis may already have) and only then count as live.
  const subscribe = () => {
    subscriber.subscribe(channel).then(
      () => {
        if (closed || live) return;
        live = true;
        for (const listener of liveListeners) listener();
        logger.info({ channel }, 'invalidation channel subscribed');
      },
      (error: unknown) => logger.warn({ err: error, channel }, 'cannot subscribe to the invalidation channel'),
    );
  };
  subscriber.on('ready', subscribe);
  subscriber.on('close', goOffline);
  subscriber.on('reconnecting', goOffline);
  subscriber.on('end', goOffline);
  subscriber.on('error', (error: unknown) => logger.debug({ err: error, channel }, 'invalidation channel: redis unavailable'));
  subscriber.on('message', (from: string, message: string) => {
    if (from === channel) for (const listener of messageListeners) listener(message);
  });

  return {
    publish: async (message) => {
      await publisher.publish(channel, message);
    },
    onMessage: (listener) => messageListeners.push(listener),
    onLive: (listener) => liveListeners.push(listener),
    isLive: () => live,
    close: async () => {
      closed = true;
      live = false;
      subscriber.disconnect();
    },
  };
}
