import { expect } from 'chai';
import { IANAZone } from 'luxon';
import { zoneOffset } from '../../src/domain/time-zones';

describe('zoneOffset', () => {
  const zones = ['UTC', 'Europe/London', 'America/New_York', 'America/St_Johns', 'Australia/Lord_Howe', 'Asia/Kathmandu', 'Pacific/Chatham', 'Africa/Casablanca'];

  it('given instants every 53 minutes over two years around clock changes, when asked twice (memo cold, then warm), then it answers as luxon does', () => {
    const from = Date.UTC(2026, 0, 1);
    const to = Date.UTC(2028, 0, 1);
    for (const name of zones) {
      const zone = IANAZone.create(name);
      for (let pass = 0; pass < 2; pass++) {
        for (let ms = from + pass * 61_000; ms < to; ms += 53 * 60_000 + 13_000) {
          const expected = zone.offset(ms);
          if (zoneOffset(name, ms) !== expected) expect.fail(`${name} at ${new Date(ms).toISOString()} (pass ${pass}): ${zoneOffset(name, ms)}, luxon ${expected}`);
        }
      }
    }
  });

  it('given the last millisecond before and the first after a clock change, when asked after the hour is remembered, then each gets its own offset', () => {
    const change = Date.UTC(2027, 2, 28, 1); // Europe/London goes to BST at 01:00 UTC
    expect(zoneOffset('Europe/London', change - 30 * 60_000)).to.equal(0);
    expect(zoneOffset('Europe/London', change - 1)).to.equal(0);
    expect(zoneOffset('Europe/London', change)).to.equal(60);
    expect(zoneOffset('Europe/London', change + 1)).to.equal(60);
  });
});
