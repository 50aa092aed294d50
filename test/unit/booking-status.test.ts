import { expect } from 'chai';
import {
  ACTION_RULES,
  BOOKING_ACTIONS,
  TRANSITIONS,
  actorFor,
  canBeCanceled,
  canBeRescheduled,
  decideTransition,
  isTerminal,
  judgeTransition,
  resolveCanceledBy,
  type BookingAction,
  type BookingFacts,
} from '../../src/domain/booking-status';
import { DomainError } from '../../src/domain/errors';
import { ACTOR_ROLES, BOOKING_STATUSES, type Actor, type ActorRole, type BookingStatus } from '../../src/domain/types';

const NOW = new Date('2026-06-01T12:00:00Z');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const CLIENT_ID = 10;
const PRACTITIONER_ID = 20;
const ADMIN_ID = 30;

const ACTORS: Record<ActorRole, Actor> = {
  client: { id: CLIENT_ID, role: 'client' },
  practitioner: { id: PRACTITIONER_ID, role: 'practitioner' },
  admin: { id: ADMIN_ID, role: 'admin' },
  system: { id: null, role: 'system' },
};

function booking(status: BookingStatus, startTime: Date | null, overrides: Partial<BookingFacts> = {}): BookingFacts {
  const endTime = startTime && new Date(startTime.getTime() + HOUR);
  return { status, clientId: CLIENT_ID, practitionerId: PRACTITIONER_ID, startTime, endTime, ...overrides };
}

/** Runs the decision and reduces it to what the table records. */
function outcomeOf(facts: BookingFacts, action: BookingAction, actor: Actor, now: Date): Outcome {
  try {
    return decideTransition(facts, action, actor, now);
  } catch (err) {
    if (!(err instanceof DomainError)) throw err;
    if (err.kind === 'forbidden' && err.code === 'permission_denied') return F;
    if (err.kind === 'conflict' && err.code === 'invalid_transition') return X;
    throw err;
  }
}

function thrown(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (err) {
    if (err instanceof DomainError) return err;
    throw err;
  }
  throw new Error('expected a DomainError, but nothing was thrown');
}

// ---------------------------------------------------------------------------------------------
// The whole machine. Each cell is the outcome for one (status, action, actor role):
// the statuses passed through, F = 403 forbidden, X = 409 invalid_transition.
// ---------------------------------------------------------------------------------------------
const F = 'forbidden' as const;
const X = 'invalid_transition' as const;
type Outcome = typeof F | typeof X | readonly BookingStatus[];
type Row = readonly [BookingStatus, BookingAction, Outcome, Outcome, Outcome, Outcome];

const DRAFT = ['draft'] as const;
const PENDING = ['pending_payment'] as const;
const CONFIRMED = ['confirmed'] as const;
const IN_PROGRESS = ['in_progress'] as const;
const COMPLETED = ['completed'] as const;
const CANCELED = ['canceled'] as const;
const NO_SHOW = ['no_show'] as const;
const THROUGH_TO_COMPLETED = ['in_progress', 'completed'] as const;

const COLUMNS = ['client', 'practitioner', 'admin', 'system'] as const satisfies readonly ActorRole[];

/** Once the session has started: now is 30 minutes past startTime. */
// prettier-ignore
const AFTER_START: readonly Row[] = [
  // status            action          client     practitioner          admin                 system
  ['draft',           'submit',       PENDING,   F,                    PENDING,              F],
  ['draft',           'confirm',      F,         X,                    X,                    X],
  ['draft',           'start',        F,         X,                    X,                    X],
  ['draft',           'complete',     F,         X,                    X,                    X],
  ['draft',           'no_show',      F,         X,                    X,                    X],
  ['draft',           'cancel',       CANCELED,  CANCELED,             CANCELED,             CANCELED],
  ['draft',           'reschedule',   X,         X,                    X,                    F],
  ['draft',           'expire_hold',  F,         F,                    F,                    X],

  ['pending_payment', 'submit',       X,         F,                    X,                    F],
  ['pending_payment', 'confirm',      F,         CONFIRMED,            CONFIRMED,            CONFIRMED],
  ['pending_payment', 'start',        F,         X,                    X,                    X],
  ['pending_payment', 'complete',     F,         X,                    X,                    X],
  ['pending_payment', 'no_show',      F,         X,                    X,                    X],
  ['pending_payment', 'cancel',       CANCELED,  CANCELED,             CANCELED,             CANCELED],
  ['pending_payment', 'reschedule',   X,         X,                    X,                    F],
  ['pending_payment', 'expire_hold',  F,         F,                    F,                    CANCELED],

  ['confirmed',       'submit',       X,         F,                    X,                    F],
  ['confirmed',       'confirm',      F,         X,                    X,                    X],
  ['confirmed',       'start',        F,         IN_PROGRESS,          IN_PROGRESS,          IN_PROGRESS],
  ['confirmed',       'complete',     F,         THROUGH_TO_COMPLETED, THROUGH_TO_COMPLETED, THROUGH_TO_COMPLETED],
  ['confirmed',       'no_show',      F,         NO_SHOW,              NO_SHOW,              NO_SHOW],
  ['confirmed',       'cancel',       CANCELED,  CANCELED,             CANCELED,             CANCELED],
  ['confirmed',       'reschedule',   X,         X,                    X,                    F],
  ['confirmed',       'expire_hold',  F,         F,                    F,                    X],

  ['in_progress',     'submit',       X,         F,                    X,                    F],
  ['in_progress',     'confirm',      F,         X,                    X,                    X],
  ['in_progress',     'start',        F,         X,                    X,                    X],
  ['in_progress',     'complete',     F,         COMPLETED,            COMPLETED,            COMPLETED],
  ['in_progress',     'no_show',      F,         NO_SHOW,              NO_SHOW,              NO_SHOW],
  ['in_progress',     'cancel',       X,         X,                    X,                    X],
  ['in_progress',     'reschedule',   X,         X,                    X,                    F],
  ['in_progress',     'expire_hold',  F,         F,                    F,                    X],

  ['completed',       'submit',       X,         F,                    X,                    F],
  ['completed',       'confirm',      F,         X,                    X,                    X],
  ['completed',       'start',        F,         X,                    X,                    X],
  ['completed',       'complete',     F,         X,                    X,                    X],
  ['completed',       'no_show',      F,         X,                    X,                    X],
  ['completed',       'cancel',       X,         X,                    X,                    X],
  ['completed',       'reschedule',   X,         X,                    X,                    F],
  ['completed',       'expire_hold',  F,         F,                    F,                    X],

  ['canceled',        'submit',       X,         F,                    X,                    F],
  ['canceled',        'confirm',      F,         X,                    X,                    X],
  ['canceled',        'start',        F,         X,                    X,                    X],
  ['canceled',        'complete',     F,         X,                    X,                    X],
  ['canceled',        'no_show',      F,         X,                    X,                    X],
  ['canceled',        'cancel',       X,         X,                    X,                    X],
  ['canceled',        'reschedule',   X,         X,                    X,                    F],
  ['canceled',        'expire_hold',  F,         F,                    F,                    X],

  ['no_show',         'submit',       X,         F,                    X,                    F],
  ['no_show',         'confirm',      F,         X,                    X,                    X],
  ['no_show',         'start',        F,         X,                    X,                    X],
  ['no_show',         'complete',     F,         X,                    X,                    X],
  ['no_show',         'no_show',      F,         X,                    X,                    X],
  ['no_show',         'cancel',       X,         X,                    X,                    X],
  ['no_show',         'reschedule',   X,         X,                    X,                    F],
  ['no_show',         'expire_hold',  F,         F,                    F,                    X],
];

/** Before the session starts (now is an hour before startTime) only these cells differ. */
// prettier-ignore
const BEFORE_START_CHANGES: readonly Row[] = [
  // status            action          client     practitioner          admin                 system
  ['draft',           'reschedule',   DRAFT,     DRAFT,                DRAFT,                F],
  ['pending_payment', 'reschedule',   PENDING,   PENDING,              PENDING,              F],
  ['confirmed',       'reschedule',   CONFIRMED, CONFIRMED,            CONFIRMED,            F],
  ['confirmed',       'start',        F,         X,                    X,                    X],
  ['confirmed',       'complete',     F,         X,                    X,                    X],
  ['confirmed',       'no_show',      F,         X,                    X,                    X],
];

interface Case {
  status: BookingStatus;
  action: BookingAction;
  role: ActorRole;
  expected: Outcome;
}

function expand(rows: readonly Row[]): Case[] {
  return rows.flatMap(([status, action, ...cells]) =>
    COLUMNS.map((role, i) => ({ status, action, role, expected: cells[i] as Outcome })),
  );
}

const key = (c: { status: BookingStatus; action: BookingAction; role: ActorRole }): string =>
  `${c.status}/${c.action}/${c.role}`;

function describeOutcome(c: Case): string {
  if (c.expected === F) return 'it is forbidden (403)';
  if (c.expected === X) return 'it is an invalid transition (409)';
  if (c.action === 'reschedule') return `it stays ${c.status}`;
  return `it moves to ${c.expected.join(' then ')}`;
}

const afterStartCases = expand(AFTER_START);
const beforeStartCases = (() => {
  const changes = new Map(expand(BEFORE_START_CHANGES).map((c) => [key(c), c]));
  return afterStartCases.map((c) => changes.get(key(c)) ?? c);
})();

describe('booking-status', () => {
  describe('the transition table', () => {
    it('when every status is looked up, then each has an entry and only completed, canceled and no_show are terminal', () => {
      expect(Object.keys(TRANSITIONS)).to.have.members([...BOOKING_STATUSES]);
      const terminal = BOOKING_STATUSES.filter(isTerminal);
      expect(terminal).to.have.members(['completed', 'canceled', 'no_show']);
    });

    it('when the spec edges are listed, then TRANSITIONS holds exactly them', () => {
      expect(TRANSITIONS).to.deep.equal({
        draft: ['pending_payment', 'canceled'],
        pending_payment: ['confirmed', 'canceled'],
        confirmed: ['in_progress', 'canceled', 'no_show'],
        in_progress: ['completed', 'no_show'],
        completed: [],
        canceled: [],
        no_show: [],
      });
    });

    it('when every action is looked up, then ACTION_RULES has a rule for each and no others', () => {
      expect(Object.keys(ACTION_RULES)).to.have.members([...BOOKING_ACTIONS]);
    });

    it('when a rule moves a booking, then every hop it reports is an edge of TRANSITIONS', () => {
      for (const c of [...afterStartCases, ...beforeStartCases]) {
        if (typeof c.expected === 'string' || c.action === 'reschedule') continue;
        let current = c.status;
        for (const next of c.expected) {
          expect(TRANSITIONS[current], `${key(c)}: ${current} → ${next}`).to.include(next);
          current = next;
        }
      }
    });
  });

  describe('the machine table', () => {
    it('when the table is expanded, then it covers all 7 statuses × 8 actions × 4 actor roles exactly once', () => {
      const keys = afterStartCases.map(key);
      expect(keys).to.have.lengthOf(7 * 8 * 4);
      expect(new Set(keys).size).to.equal(7 * 8 * 4);
      for (const status of BOOKING_STATUSES) {
        for (const action of BOOKING_ACTIONS) {
          for (const role of ACTOR_ROLES) {
            expect(keys, 'missing row').to.include(key({ status, action, role }));
          }
        }
      }
    });

    it('when the before-start changes are listed, then each replaces a real row and differs from it', () => {
      for (const change of BEFORE_START_CHANGES) {
        const [status, action] = change;
        const original = AFTER_START.find(([s, a]) => s === status && a === action);
        expect(original, `${status}/${action}`).to.not.equal(undefined);
        expect(change, `${status}/${action} repeats the after-start row`).to.not.deep.equal(original);
      }
    });

    describe('after the session has started (now = start + 30 min)', () => {
      const startTime = new Date(NOW.getTime() - 30 * MINUTE);
      for (const c of afterStartCases) {
        it(`when the ${c.role} asks to ${c.action} a ${c.status} booking, then ${describeOutcome(c)}`, () => {
          expect(outcomeOf(booking(c.status, startTime), c.action, ACTORS[c.role], NOW)).to.deep.equal(c.expected);
        });
      }
    });

    describe('before the session starts (now = start - 1 h)', () => {
      const startTime = new Date(NOW.getTime() + HOUR);
      for (const c of beforeStartCases) {
        it(`when the ${c.role} asks to ${c.action} a ${c.status} booking, then ${describeOutcome(c)}`, () => {
          expect(outcomeOf(booking(c.status, startTime), c.action, ACTORS[c.role], NOW)).to.deep.equal(c.expected);
        });
      }
    });
  });

  describe('decideTransition errors', () => {
    const started = new Date(NOW.getTime() - HOUR);

    it('when the status forbids the action, then the 409 detail names the current status', () => {
      const err = thrown(() => decideTransition(booking('canceled', started), 'complete', ACTORS.practitioner, NOW));
      expect(err.kind).to.equal('conflict');
      expect(err.code).to.equal('invalid_transition');
      expect(err.message).to.equal('Cannot complete a booking that is canceled.');
    });

    it('when the actor may never do the action, then 403 wins over a status that would also refuse it', () => {
      const err = thrown(() => decideTransition(booking('completed', started), 'confirm', ACTORS.client, NOW));
      expect(err.kind).to.equal('forbidden');
      expect(err.code).to.equal('permission_denied');
    });

    it('when a client actor carries someone else’s id, then it is forbidden even for an action clients may do', () => {
      const stranger: Actor = { id: 999, role: 'client' };
      expect(outcomeOf(booking('confirmed', started), 'cancel', stranger, NOW)).to.equal(F);
    });

    it('when a practitioner actor carries another practitioner’s id, then it is forbidden', () => {
      const other: Actor = { id: 999, role: 'practitioner' };
      expect(outcomeOf(booking('pending_payment', started), 'confirm', other, NOW)).to.equal(F);
    });
  });

  describe('timing rules', () => {
    const at = (offsetMs: number): Date => new Date(NOW.getTime() + offsetMs);

    it('when now equals the start time, then start, complete and no_show are allowed', () => {
      const b = booking('confirmed', NOW);
      expect(decideTransition(b, 'start', ACTORS.system, NOW)).to.deep.equal(['in_progress']);
      expect(decideTransition(b, 'complete', ACTORS.practitioner, NOW)).to.deep.equal(['in_progress', 'completed']);
      expect(decideTransition(b, 'no_show', ACTORS.admin, NOW)).to.deep.equal(['no_show']);
    });

    it('when the start is one millisecond away, then starting is refused with a timing detail', () => {
      const err = thrown(() => decideTransition(booking('confirmed', at(1)), 'start', ACTORS.system, NOW));
      expect(err.code).to.equal('invalid_transition');
      expect(err.message).to.equal('Cannot start a booking before its start time.');
    });

    it('when the start is one millisecond away, then completing is refused with a timing detail', () => {
      const err = thrown(() => decideTransition(booking('confirmed', at(1)), 'complete', ACTORS.practitioner, NOW));
      expect(err.code).to.equal('invalid_transition');
      expect(err.message).to.equal('Cannot complete a booking before it starts.');
    });

    it('when the start is one millisecond away, then marking no-show is refused with a timing detail', () => {
      const err = thrown(() => decideTransition(booking('confirmed', at(1)), 'no_show', ACTORS.practitioner, NOW));
      expect(err.code).to.equal('invalid_transition');
      expect(err.message).to.equal('Cannot mark a booking as no-show before it starts.');
    });

    it('when the start is one millisecond away, then rescheduling is allowed and keeps the status', () => {
      expect(decideTransition(booking('confirmed', at(1)), 'reschedule', ACTORS.client, NOW)).to.deep.equal(['confirmed']);
    });

    it('when now equals the start time, then rescheduling is refused because the booking has started', () => {
      const err = thrown(() => decideTransition(booking('confirmed', NOW), 'reschedule', ACTORS.client, NOW));
      expect(err.code).to.equal('invalid_transition');
      expect(err.message).to.equal('Cannot reschedule a booking that has already started.');
    });

    it('when a booking is in progress though its start time lies ahead, then it can still be completed or marked no-show', () => {
      const b = booking('in_progress', at(HOUR));
      expect(decideTransition(b, 'complete', ACTORS.practitioner, NOW)).to.deep.equal(['completed']);
      expect(decideTransition(b, 'no_show', ACTORS.practitioner, NOW)).to.deep.equal(['no_show']);
    });

    it('when a confirmed booking has no start time, then it cannot start or be rescheduled but can be canceled', () => {
      const b = booking('confirmed', null);
      expect(thrown(() => decideTransition(b, 'start', ACTORS.system, NOW)).message).to.equal(
        'Cannot start a booking that has no start time.',
      );
      expect(thrown(() => decideTransition(b, 'reschedule', ACTORS.client, NOW)).message).to.equal(
        'Cannot reschedule a booking that has no start time.',
      );
      expect(decideTransition(b, 'cancel', ACTORS.client, NOW)).to.deep.equal(['canceled']);
    });

    it('when an in-progress booking has no start time, then it can still be completed', () => {
      expect(decideTransition(booking('in_progress', null), 'complete', ACTORS.system, NOW)).to.deep.equal(['completed']);
    });

    it('when a confirmed booking is past its start but not yet started, then it can still be canceled', () => {
      expect(decideTransition(booking('confirmed', at(-HOUR)), 'cancel', ACTORS.client, NOW)).to.deep.equal(['canceled']);
    });
  });

  describe('actorFor', () => {
    const b = booking('confirmed', NOW);

    it('when the caller is the booking’s client, then the actor is the client with the caller’s id', () => {
      expect(actorFor(b, { id: CLIENT_ID, role: 'client' })).to.deep.equal({ id: CLIENT_ID, role: 'client' });
    });

    it('when the caller is the booking’s practitioner, then the actor is the practitioner', () => {
      expect(actorFor(b, { id: PRACTITIONER_ID, role: 'practitioner' })).to.deep.equal({
        id: PRACTITIONER_ID,
        role: 'practitioner',
      });
    });

    it('when a practitioner account booked the session as a client, then the actor is the client', () => {
      expect(actorFor(b, { id: CLIENT_ID, role: 'practitioner' })).to.deep.equal({ id: CLIENT_ID, role: 'client' });
    });

    it('when the caller is an admin unrelated to the booking, then the actor is the admin', () => {
      expect(actorFor(b, { id: ADMIN_ID, role: 'admin' })).to.deep.equal({ id: ADMIN_ID, role: 'admin' });
    });

    it('when an admin is also the booking’s client, then admin wins', () => {
      expect(actorFor(b, { id: CLIENT_ID, role: 'admin' })).to.deep.equal({ id: CLIENT_ID, role: 'admin' });
    });

    it('when the caller is not a party to the booking, then there is no actor', () => {
      expect(actorFor(b, { id: 999, role: 'client' })).to.equal(null);
      expect(actorFor(b, { id: 999, role: 'practitioner' })).to.equal(null);
    });
  });

  describe('canBeCanceled / canBeRescheduled', () => {
    const before = new Date(NOW.getTime() + HOUR);
    const after = new Date(NOW.getTime() - HOUR);

    it('when asked for every status, actor and time, then canBeCanceled agrees with decideTransition', () => {
      for (const status of BOOKING_STATUSES) {
        for (const role of ACTOR_ROLES) {
          for (const start of [before, after, null]) {
            const b = booking(status, start);
            const expected = Array.isArray(outcomeOf(b, 'cancel', ACTORS[role], NOW));
            expect(canBeCanceled(b, ACTORS[role], NOW), `${status}/${role}`).to.equal(expected);
          }
        }
      }
    });

    it('when asked for every status, actor and time, then canBeRescheduled agrees with decideTransition', () => {
      for (const status of BOOKING_STATUSES) {
        for (const role of ACTOR_ROLES) {
          for (const start of [before, after, null]) {
            const b = booking(status, start);
            const expected = Array.isArray(outcomeOf(b, 'reschedule', ACTORS[role], NOW));
            expect(canBeRescheduled(b, ACTORS[role], NOW), `${status}/${role}`).to.equal(expected);
          }
        }
      }
    });

    it('when judged for every status, action, actor, time and parenthood, then judgeTransition throws nothing and agrees with decideTransition, refusal and path alike', () => {
      for (const status of BOOKING_STATUSES) {
        for (const action of BOOKING_ACTIONS) {
          for (const role of ACTOR_ROLES) {
            for (const start of [before, after, null]) {
              for (const extra of [{}, { isParent: true }, { followsSession: true }, { cancellationNoticeHours: 24 }]) {
                const b = booking(status, start, extra);
                const label = `${status}/${action}/${role}/${String(start)}/${JSON.stringify(extra)}`;
                const verdict = judgeTransition(b, action, ACTORS[role], NOW);
                if (verdict.ok) expect(decideTransition(b, action, ACTORS[role], NOW), label).to.deep.equal(verdict.path);
                else {
                  const expected = thrown(() => decideTransition(b, action, ACTORS[role], NOW));
                  expect(verdict.refusal(), label).to.include({ kind: expected.kind, code: expected.code, message: expected.message });
                }
              }
            }
          }
        }
      }
    });

    it('when a confirmed booking has not started, then the client can cancel and reschedule it', () => {
      expect(canBeCanceled(booking('confirmed', before), ACTORS.client, NOW)).to.equal(true);
      expect(canBeRescheduled(booking('confirmed', before), ACTORS.client, NOW)).to.equal(true);
    });

    it('when a booking is in progress, then nobody can cancel it', () => {
      for (const role of ACTOR_ROLES) {
        expect(canBeCanceled(booking('in_progress', after), ACTORS[role], NOW), role).to.equal(false);
      }
    });

    it('when a confirmed booking has started, then it can no longer be rescheduled', () => {
      expect(canBeRescheduled(booking('confirmed', after), ACTORS.admin, NOW)).to.equal(false);
    });

    it('when the system asks, then it can never reschedule', () => {
      expect(canBeRescheduled(booking('confirmed', before), ACTORS.system, NOW)).to.equal(false);
    });

    it('when the booking is a seat that follows its session, then it can be canceled but never rescheduled (400 not_reschedulable)', () => {
      const seat = booking('confirmed', before, { followsSession: true });
      expect(canBeCanceled(seat, ACTORS.client, NOW)).to.equal(true);
      expect(canBeRescheduled(seat, ACTORS.client, NOW)).to.equal(false);
      expect(thrown(() => decideTransition(seat, 'reschedule', ACTORS.admin, NOW))).to.include({ kind: 'invalid', code: 'not_reschedulable' });
    });
  });

  describe('resolveCanceledBy', () => {
    it('when nothing is requested, then canceled_by is the caller’s own role', () => {
      for (const role of ACTOR_ROLES) {
        expect(resolveCanceledBy(ACTORS[role])).to.equal(role);
        expect(resolveCanceledBy(ACTORS[role], null)).to.equal(role);
      }
    });

    it('when a non-admin names their own role, then it is accepted', () => {
      expect(resolveCanceledBy(ACTORS.client, 'client')).to.equal('client');
      expect(resolveCanceledBy(ACTORS.practitioner, 'practitioner')).to.equal('practitioner');
      expect(resolveCanceledBy(ACTORS.system, 'system')).to.equal('system');
    });

    it('when an admin names any role, then that role is recorded', () => {
      for (const role of ACTOR_ROLES) {
        expect(resolveCanceledBy(ACTORS.admin, role)).to.equal(role);
      }
    });

    it('when a non-admin names a role other than their own, then it is forbidden', () => {
      for (const actorRole of ['client', 'practitioner', 'system'] as const) {
        for (const requested of ACTOR_ROLES.filter((r) => r !== actorRole)) {
          const err = thrown(() => resolveCanceledBy(ACTORS[actorRole], requested));
          expect(err.kind, `${actorRole} → ${requested}`).to.equal('forbidden');
          expect(err.code).to.equal('permission_denied');
          expect(err.message).to.equal('Only admins may cancel on behalf of someone else.');
        }
      }
    });

    it('when the requested role is not a role at all, then it is rejected as invalid input', () => {
      const err = thrown(() => resolveCanceledBy(ACTORS.admin, 'nobody' as ActorRole));
      expect(err.kind).to.equal('invalid');
      expect(err.errors).to.have.property('canceled_by');
    });
  });
});

describe('booking-status: a client reschedule inside the cancellation notice', () => {
  const facts = { status: 'confirmed' as const, clientId: 1, practitionerId: 2, startTime: new Date('2030-01-08T10:00:00Z'), endTime: new Date('2030-01-08T11:00:00Z'), cancellationNoticeHours: 24 };
  const client = { id: 1, role: 'client' as const };
  const practitioner = { id: 2, role: 'practitioner' as const };

  it('when the client asks exactly at the notice boundary, then it is allowed; a millisecond later, then 409', () => {
    expect(decideTransition(facts, 'reschedule', client, new Date('2030-01-07T10:00:00Z'))).to.deep.equal(['confirmed']);
    expect(() => decideTransition(facts, 'reschedule', client, new Date('2030-01-07T10:00:00.001Z'))).to.throw(DomainError).with.property('code', 'invalid_transition');
    expect(canBeRescheduled(facts, client, new Date('2030-01-07T12:00:00Z'))).to.equal(false);
  });

  it('when the practitioner asks inside the window, then it is allowed', () => {
    expect(decideTransition(facts, 'reschedule', practitioner, new Date('2030-01-08T09:00:00Z'))).to.deep.equal(['confirmed']);
  });
});
