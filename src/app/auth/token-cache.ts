import { LRUCache } from 'lru-cache';
import type { PublicUser } from '../../data/user-repository';
import type { Clock } from '../../platform/clock';
import type { InvalidationChannel } from '../../platform/invalidation-channel';
import type { Logger } from '../../platform/logger';

export interface CachedToken {
  user: PublicUser;
  tokenId: number;
}

/**
 * While the invalidation channel is down, an entry is trusted this long at most: the contract's bound
 * for a revoked token on every web process (CONTRACT §5: within a second).
 */
export const OFFLINE_TTL_MS = 1000;

/**
 * Which user each API key (by its SHA-256 hash, never the key) authenticated a moment ago, so that a
 * request need not query the database. Entries live `ttlMs`; a revocation or a change of the user
 * drops them at once on this process and, through the channel, on every other one. Without a channel
 * nothing is cached (another process could not tell this one to forget), and while the channel is
 * down an entry lives at most OFFLINE_TTL_MS.
 */
export interface TokenCache {
  get(keyHash: string): CachedToken | undefined;
  /** Taken before reading the database; remember() stores nothing if an invalidation came in between. */
  mark(): number;
  remember(keyHash: string, entry: CachedToken, mark: number): void;
  /** Drops a token here and on every web process (after its row is deleted). */
  forgetToken(keyHash: string): Promise<void>;
  /** Drops every token of a user here and on every web process (after the user changed: role, activity, password). */
  forgetUser(userId: number): Promise<void>;
}

export function createTokenCache(options: { ttlMs: number; max: number; clock: Clock; logger: Logger; channel?: InvalidationChannel }): TokenCache {
  const { clock, logger, channel } = options;
  const entries = new LRUCache<string, { entry: CachedToken; at: number }>({ max: options.max });
  let generation = 0;
  const enabled = options.ttlMs > 0 && channel !== undefined;

  const dropAll = () => {
    generation += 1;
    entries.clear();
  };
  const dropToken = (keyHash: string) => {
    generation += 1;
    entries.delete(keyHash);
  };
  const dropUser = (userId: number) => {
    generation += 1;
    for (const [keyHash, { entry }] of entries.entries()) if (entry.user.id === userId) entries.delete(keyHash);
  };
  // What was cached before the channel (re)connected may have missed a message: start afresh.
  channel?.onLive(dropAll);
  channel?.onMessage((message) => {
    const [kind, value] = [message.slice(0, 2), message.slice(2)];
    if (kind === 't:') dropToken(value);
    else if (kind === 'u:') dropUser(Number(value));
    else dropAll();
  });

  const broadcast = async (message: string) => {
    if (!channel) return;
    try {
      await channel.publish(message);
    } catch (error) {
      logger.warn({ err: error }, `cannot broadcast a token invalidation: other web processes drop it within ${options.ttlMs} ms`);
    }
  };

  return {
    get(keyHash) {
      if (!enabled) return undefined;
      const found = entries.get(keyHash);
      if (!found) return undefined;
      const ttl = channel.isLive() ? options.ttlMs : Math.min(options.ttlMs, OFFLINE_TTL_MS);
      const age = clock.now().getTime() - found.at;
      if (age >= 0 && age < ttl) return found.entry;
      entries.delete(keyHash);
      return undefined;
    },
    mark: () => generation,
    remember(keyHash, entry, mark) {
      // Frozen: the same object serves many requests, none may change it for the others.
      if (enabled && mark === generation) entries.set(keyHash, { entry: Object.freeze({ ...entry, user: Object.freeze({ ...entry.user }) }), at: clock.now().getTime() });
    },
    async forgetToken(keyHash) {
      dropToken(keyHash);
      await broadcast(`t:${keyHash}`);
    },
    async forgetUser(userId) {
      dropUser(userId);
      await broadcast(`u:${userId}`);
    },
  };
}

/** Caches nothing and tells no one: for processes that serve no API (workers, the CLI). */
export const noTokenCache = (clock: Clock, logger: Logger): TokenCache => createTokenCache({ ttlMs: 0, max: 1, clock, logger });
