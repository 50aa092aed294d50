import { LRUCache } from 'lru-cache';
import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';

/** What the rate-limit middleware asks of a budget (rate-limiter-flexible's limiters all fit). */
export interface Budget {
  consume(key: string, points?: number): Promise<RateLimiterRes>;
  reward(key: string, points?: number): Promise<unknown>;
  get(key: string): Promise<RateLimiterRes | null>;
}

interface KeyState {
  /** When this fixed window ends (the shared store's, once it has answered). */
  resetAt: number;
  /** The window's count in the shared store, as of its last answer (every process's points). */
  shared: number;
  /** Points taken here and not yet sent; negative after rewards. */
  pending: number;
  /** Points on their way to the shared store. */
  sending: number;
  /** The command in flight, settled (never rejected) once the store has answered. */
  inFlight?: Promise<void>;
  /** When the last command was sent (this process's clock), and the timer of the next one when it waits. */
  sentAt: number;
  timer?: NodeJS.Timeout;
}

const MAX_KEYS = 100_000;

/**
 * A budget decided in this process and counted in the shared store behind it (RateLimiterRedis)
 * without waiting for it: a request is let through or refused on this process's count of the window
 * (the shared store's total at its last answer, plus what this process took since), and the points
 * are sent to the store in the background, at most one command per key in flight (the points taken
 * meanwhile go in the next one). The last tenth of a budget is decided by the store itself (that
 * request waits for it), so that N processes, each blind to what the others took since its last
 * answer, cannot together go over unless that blind spot exceeds the tenth (docs/security.md#rate-limits).
 * One process alone counts exactly. Without Redis, the store's insurance limiter counts for this process.
 * With `syncIntervalMs`, a key's commands far from the limit are at least that far apart (the points taken
 * meanwhile go in one): under load, a Redis command per key per interval instead of per request.
 */
export class LocalFirstLimiter implements Budget {
  private readonly states = new LRUCache<string, KeyState>({ max: MAX_KEYS });
  /** Below this many points left, the store decides. */
  private readonly exactWithin: number;

  constructor(
    private readonly shared: RateLimiterAbstract,
    private readonly points: number,
    private readonly durationMs: number,
    private readonly now: () => number = Date.now,
    private readonly syncIntervalMs = 0,
  ) {
    this.exactWithin = Math.max(1, Math.ceil(points / 10));
  }

  async consume(key: string, points = 1): Promise<RateLimiterRes> {
    const state = this.stateOf(key);
    state.pending += points;
    if (this.resultOf(state).consumedPoints > this.points - this.exactWithin) {
      // Near the limit: wait for the command before ours, then for ours, and decide on the store's count.
      if (state.inFlight) await state.inFlight;
      this.send(key, state, true);
      if (state.inFlight) await state.inFlight;
    } else {
      this.send(key, state);
    }
    const res = this.resultOf(state);
    // As the library does, a refused point is counted too (the middleware gives back what it must).
    if (res.consumedPoints > this.points) throw res;
    return res;
  }

  reward(key: string, points = 1): Promise<RateLimiterRes> {
    const state = this.stateOf(key);
    state.pending -= points;
    this.send(key, state);
    return Promise.resolve(this.resultOf(state));
  }

  get(key: string): Promise<RateLimiterRes | null> {
    const state = this.states.get(key);
    return Promise.resolve(state && this.now() < state.resetAt ? this.resultOf(state) : null);
  }

  private stateOf(key: string): KeyState {
    const now = this.now();
    let state = this.states.get(key);
    if (!state || now >= state.resetAt) {
      state = { resetAt: now + this.durationMs, shared: 0, pending: 0, sending: 0, sentAt: -Infinity };
      this.states.set(key, state);
    }
    return state;
  }

  private resultOf(state: KeyState): RateLimiterRes {
    const consumed = state.shared + state.sending + state.pending;
    return new RateLimiterRes(Math.max(0, this.points - consumed), Math.max(0, state.resetAt - this.now()), consumed, false);
  }

  /** Sends the points taken since the last command, unless one is in flight or (not `now`) the interval has not passed. */
  private send(key: string, state: KeyState, now = false): void {
    if (state.inFlight || state.pending === 0) return;
    const wait = state.sentAt + this.syncIntervalMs - Date.now();
    if (!now && wait > 0) {
      state.timer ??= setTimeout(() => {
        state.timer = undefined;
        if (this.states.get(key) === state) this.send(key, state, true);
      }, wait).unref();
      return;
    }
    clearTimeout(state.timer);
    state.timer = undefined;
    state.sentAt = Date.now();
    const delta = state.pending;
    state.pending = 0;
    state.sending = delta;
    const settle = (res: RateLimiterRes | null) => {
      state.inFlight = undefined;
      if (this.states.get(key) !== state) return; // a new window began meanwhile
      if (res) {
        state.shared = res.consumedPoints;
        if (res.msBeforeNext > 0) state.resetAt = this.now() + res.msBeforeNext;
      } else {
        state.shared += delta; // the store failed (its insurance too): keep counting here
      }
      state.sending = 0;
      this.send(key, state);
    };
    const request = delta > 0 ? this.shared.consume(key, delta) : this.shared.reward(key, -delta);
    state.inFlight = request.then(settle, (error: unknown) => settle(error instanceof RateLimiterRes ? error : null));
  }
}
