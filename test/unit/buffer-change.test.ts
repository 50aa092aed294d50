import { expect } from 'chai';
import { planBufferChange, type CalendarBlock } from '../../src/domain/buffer-change';

const NOW = new Date('2030-01-07T08:00:00Z');
const at = (hhmm: string, date = '2030-01-08') => new Date(`${date}T${hhmm}:00.000Z`);
const block = (kind: CalendarBlock['kind'], id: number, start: Date, end: Date, blockedUntil: Date = end): CalendarBlock => ({ kind, id, start, end, blockedUntil });

describe('planBufferChange', () => {
  it('when the buffer is raised, then every block still ahead is rewritten to end + the new buffer', () => {
    const plan = planBufferChange({ blocks: [block('booking', 1, at('10:00'), at('11:00')), block('session', 2, at('13:00'), at('14:00'))], bufferMinutes: 30, now: NOW });
    expect(plan.conflicts).to.deep.equal([]);
    expect(plan.rewrite.map((b) => [b.kind, b.id, b.blockedUntil.toISOString()])).to.deep.equal([
      ['booking', 1, at('11:30').toISOString()],
      ['session', 2, at('14:30').toISOString()],
    ]);
  });

  it('when the buffer is lowered, then blocks shrink to end + the new buffer and nothing conflicts', () => {
    const plan = planBufferChange({
      blocks: [block('booking', 1, at('10:00'), at('11:00'), at('12:00')), block('booking', 2, at('12:00'), at('13:00'), at('14:00'))],
      bufferMinutes: 15,
      now: NOW,
    });
    expect(plan.conflicts).to.deep.equal([]);
    expect(plan.rewrite.map((b) => b.blockedUntil.toISOString())).to.deep.equal([at('11:15').toISOString(), at('13:15').toISOString()]);
  });

  it('when raising the buffer leaves two blocks closer than it, then each such pair is a conflict, first by start', () => {
    const a = block('booking', 7, at('10:00'), at('11:00'));
    const b = block('session', 3, at('11:00'), at('12:00'));
    const c = block('booking', 9, at('12:20'), at('13:00'));
    const d = block('booking', 4, at('14:00'), at('15:00'));
    const plan = planBufferChange({ blocks: [d, c, b, a], bufferMinutes: 30, now: NOW });
    expect(plan.conflicts.map(({ first, second }) => [`${first.kind} ${first.id}`, `${second.kind} ${second.id}`])).to.deep.equal([
      ['booking 7', 'session 3'],
      ['session 3', 'booking 9'],
    ]);
  });

  it('when a long block spans several later ones, then every pair it is too close to is named', () => {
    const long = block('session', 1, at('09:00'), at('12:00'));
    const plan = planBufferChange({ blocks: [long, block('booking', 2, at('12:10'), at('12:40')), block('booking', 3, at('12:25'), at('13:00'))], bufferMinutes: 30, now: NOW });
    expect(plan.conflicts.map(({ first, second }) => [first.id, second.id])).to.deep.equal([
      [1, 2],
      [1, 3],
      [2, 3],
    ]);
  });

  it('when the gap is exactly the new buffer, then it is not a conflict (ranges are half-open)', () => {
    const plan = planBufferChange({ blocks: [block('booking', 1, at('10:00'), at('11:00')), block('booking', 2, at('11:30'), at('12:30'))], bufferMinutes: 30, now: NOW });
    expect(plan.conflicts).to.deep.equal([]);
  });

  it('when a block ended long enough ago that neither its old nor its new range reaches now, then it is left alone', () => {
    const past = block('booking', 1, at('05:00', '2030-01-07'), at('06:00', '2030-01-07'), at('06:30', '2030-01-07'));
    const plan = planBufferChange({ blocks: [past], bufferMinutes: 60, now: NOW });
    expect(plan.rewrite).to.deep.equal([]);
  });

  it('when a block has ended but its range still reaches now (under the old or the new buffer), then it is rewritten', () => {
    const justEnded = block('booking', 1, at('06:30', '2030-01-07'), at('07:30', '2030-01-07'), at('07:30', '2030-01-07'));
    const stillBlocking = block('booking', 2, at('06:00', '2030-01-07'), at('07:00', '2030-01-07'), at('09:00', '2030-01-07'));
    const plan = planBufferChange({ blocks: [justEnded, stillBlocking], bufferMinutes: 45, now: NOW });
    expect(plan.rewrite.map((b) => [b.id, b.blockedUntil.toISOString()])).to.deep.equal([
      [2, '2030-01-07T07:45:00.000Z'],
      [1, '2030-01-07T08:15:00.000Z'],
    ]);
  });

  it('when a block already ends at end + the new buffer, then it is not rewritten', () => {
    const plan = planBufferChange({ blocks: [block('booking', 1, at('10:00'), at('11:00'), at('11:30'))], bufferMinutes: 30, now: NOW });
    expect(plan.rewrite).to.deep.equal([]);
  });
});
