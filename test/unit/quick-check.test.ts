import { expect } from 'chai';
import fc from 'fast-check';
import { createBookingSchema, quickCreateBooking } from '../../src/api/routes/bookings.schemas';
import { validate } from '../../src/api/validation';

const RUN = { numRuns: 3000, seed: Number(process.env.FC_SEED ?? 20261130) };

/** Joi's answer: the validated value, or the 400 it throws (quick checks must never be asked to refuse). */
function joi(body: unknown): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: validate(createBookingSchema, body) };
  } catch {
    return { ok: false };
  }
}

/** Mostly what a client sends, sometimes not: quick checks must take the first and leave the rest to Joi. */
const usually = <T, U>(valid: fc.Arbitrary<T>, odd: fc.Arbitrary<U>) => fc.oneof({ arbitrary: valid, weight: 12 }, { arbitrary: odd, weight: 1 });
const id = usually(fc.integer({ min: 1, max: 1_000_000 }), fc.constantFrom(0, -1, 1.5, 2 ** 53, Number.MAX_SAFE_INTEGER, -0, '1', null, true, [], {}));
const instant = usually(
  fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T23:59:59Z'), noInvalidDate: true }).map((d) => d.toISOString()),
  fc.oneof(
    fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T23:59:59Z'), noInvalidDate: true }).map((d) => d.toISOString().replace(/\.\d{3}Z$/, '+05:30')),
    fc.constantFrom(
    '2030-01-08T10:00:00Z',
    '2030-01-08T10:00Z',
    '2030-01-08T10:00:00.123456Z',
    '2030-01-08T10:00:00+0100',
    '2030-01-08T10:00:00+01',
    '2030-01-08T10:00:00',
    '2030-01-08t10:00:00z',
    '2030-02-30T10:00:00Z',
    '2030-04-31T10:00:00Z',
    '2030-01-08T24:00:00Z',
    '2030-01-08 10:00:00Z',
    '2030-1-8T10:00:00Z',
    '',
    ' 2030-01-08T10:00:00Z',
    '2030-01-08T10:00:00Z\u0000',
    1_900_000_000_000,
    null,
    true,
  ),
  ),
);
const text = usually(fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom('', 'x'.repeat(200), 'x'.repeat(5000), '  ')), fc.constantFrom('x'.repeat(201), 'x'.repeat(5001), 'a\u0000b', 5, null));
const zone = usually(fc.constantFrom('Europe/London', 'UTC', 'America/New_York', 'Asia/Kathmandu'), fc.constantFrom('Mars/Olympus', '', 'x'.repeat(65), 'Europe/London\u0000', 3, null));
const bool = usually(fc.boolean(), fc.constantFrom('true', 0, null));

const FIELDS: Record<string, fc.Arbitrary<unknown>> = {
  practitioner_id: id,
  service_id: id,
  start_time: instant,
  end_time: instant,
  service_session_id: id,
  location_id: id,
  title: text,
  description: text,
  client_notes: text,
  timezone: zone,
  draft: bool,
  room_id: id,
  bundle_booking_id: id,
};

const body = fc.tuple(fc.record(FIELDS, { requiredKeys: [] }), fc.constantFrom({}, {}, {}, {}, {}, {}, { price_cents: 1 }, { status: 'confirmed' })).chain(([b, extra]) =>
  // Most bodies carry the two required ids, as clients send them; a few carry a key the API does not take.
  fc.boolean().map((complete) => (complete ? { practitioner_id: 7, service_id: 11, ...b, ...extra } : { ...b, ...extra })),
);

describe('quick checks (src/api/quick-check.ts)', () => {
  it('given generated create bodies, when the quick check accepts one, then Joi accepts it too and returns the same value', () => {
    let quick = 0;
    fc.assert(
      fc.property(body, (b) => {
        const fast = quickCreateBooking(b);
        if (fast === undefined) return;
        quick += 1;
        const slow = joi(b);
        expect(slow.ok, JSON.stringify(b)).to.equal(true);
        expect(fast, JSON.stringify(b)).to.deep.equal((slow as { value: unknown }).value);
        expect(Object.keys(fast), 'keys in the body’s order').to.deep.equal(Object.keys((slow as { value: object }).value));
      }),
      RUN,
    );
    expect(quick, 'bodies the quick check took').to.be.greaterThan(50);
  });

  it('given the bodies clients send, when checked, then the quick check takes them', () => {
    const bodies = [
      { practitioner_id: 3, service_id: 9, start_time: '2030-01-08T10:00:00.000Z', end_time: '2030-01-08T11:00:00.000Z' },
      { practitioner_id: 3, service_id: 9, start_time: '2030-01-08T10:00:00+01:00', end_time: '2030-01-08T11:00:00+01:00', client_notes: 'Back pain', timezone: 'Europe/Paris' },
      { practitioner_id: 3, service_id: 9, service_session_id: 4 },
      { practitioner_id: 3, service_id: 9, draft: true, title: '' },
    ];
    for (const b of bodies) expect(quickCreateBooking(b), JSON.stringify(b)).to.deep.equal(joi(b).ok && (joi(b) as { value: unknown }).value);
  });

  it('given what only Joi may refuse (no body, an array, a missing id, an unknown key, a NUL), when checked, then the quick check leaves it to Joi', () => {
    for (const b of [undefined, null, [], 'x', {}, { practitioner_id: 3 }, { practitioner_id: 3, service_id: 9, price_cents: 1 }, { practitioner_id: 3, service_id: 9, title: 'a\u0000' }, Object.create({ practitioner_id: 3, service_id: 9 })]) {
      expect(quickCreateBooking(b), JSON.stringify(b)).to.equal(undefined);
    }
  });
});
