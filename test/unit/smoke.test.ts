import { expect } from 'chai';
import { DateTime } from 'luxon';

describe('smoke', () => {
  it('when chai loads, then it asserts', () => {
    expect(DateTime.fromISO('2026-01-01T00:00:00Z').toUTC().year).to.equal(2026);
  });
});
