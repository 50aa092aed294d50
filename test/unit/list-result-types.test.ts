import { expect } from 'chai';
import fc from 'fast-check';
import pg from 'pg';
import { listResultTypes, readTimestamptz } from '../../src/data/booking-list-query';

const pgTimestamptz = pg.types.getTypeParser(1184, 'text') as (text: string) => unknown;
const instant = (value: unknown) => (value instanceof Date ? value.getTime() : value);
const pad = (n: number, width: number) => String(n).padStart(width, '0');

describe('the bookings list result types', () => {
  it("when a timestamptz comes as a UTC session writes it, then it reads to pg's own Date", () => {
    fc.assert(
      fc.property(
        fc.record({
          year: fc.integer({ min: 100, max: 9999 }),
          month: fc.integer({ min: 1, max: 12 }),
          day: fc.integer({ min: 1, max: 28 }),
          hour: fc.integer({ min: 0, max: 23 }),
          minute: fc.integer({ min: 0, max: 59 }),
          second: fc.integer({ min: 0, max: 59 }),
          micros: fc.option(fc.integer({ min: 1, max: 999_999 })),
        }),
        ({ year, month, day, hour, minute, second, micros }) => {
          const fraction = micros === null ? '' : `.${pad(micros, 6)}`.replace(/0+$/, '');
          const text = `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)} ${pad(hour, 2)}:${pad(minute, 2)}:${pad(second, 2)}${fraction}+00`;
          expect(instant(readTimestamptz(text))).to.equal(instant(pgTimestamptz(text)));
        },
      ),
      { seed: 20261129, numRuns: 5000 },
    );
  });

  it("when a timestamptz comes in any other form, then pg's own parser reads it", () => {
    for (const text of ['0050-01-01 00:00:00+00', '2030-01-08 10:00:00+01', '2030-01-08 10:00:00-05:30', '2030-01-08 10:00:00.5+05:45', 'infinity', '-infinity', '2030-01-08 10:00:00+00 BC', '12030-01-08 10:00:00+00']) {
      expect(instant(readTimestamptz(text)), text).to.deep.equal(instant(pgTimestamptz(text)));
    }
  });

  it('when a json column repeats a text, then it is parsed once and the rows share the value', () => {
    const parse = listResultTypes().getTypeParser(114, 'text') as (text: string) => unknown;
    const first = parse('{"id" : 2, "name" : "P"}');
    expect(first).to.deep.equal({ id: 2, name: 'P' });
    expect(parse('{"id" : 2, "name" : "P"}')).to.equal(first);
    expect(parse('{"id" : 3, "name" : "Q"}')).to.deep.equal({ id: 3, name: 'Q' });
  });
});
