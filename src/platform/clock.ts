/** The only place that reads the wall clock. Everything else receives `now`. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock tests can set and move. */
export function fixedClock(start: Date): Clock & { set(date: Date): void; advance(ms: number): void } {
  let current = new Date(start);
  return {
    now: () => new Date(current),
    set: (date) => {
      current = new Date(date);
    },
    advance: (ms) => {
      current = new Date(current.getTime() + ms);
    },
  };
}

/** The real clock shifted by a settable offset: time flows, but tests choose where it stands. */
export function offsetClock(offsetMs = 0): Clock & { setOffset(ms: number): void; set(date: Date): void } {
  let offset = offsetMs;
  return {
    now: () => new Date(Date.now() + offset),
    setOffset: (ms) => {
      offset = ms;
    },
    set: (date) => {
      offset = date.getTime() - Date.now();
    },
  };
}
