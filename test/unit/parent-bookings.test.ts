import { expect } from 'chai';
import type { BookingFacts } from '../../src/domain/booking-status';
import { DomainError } from '../../src/domain/errors';
import {
  bundleRefundDueCents,
  childShareCents,
  childStatusFor,
  creditReturnsOnCancel,
  creditSummary,
  decideScheduleChild,
  parentPathFromChildren,
  parentRefundDueCents,
  planParentBooking,
  type ChildFacts,
  type ParentService,
} from '../../src/domain/parent-bookings';
import { PAYMENT_STATUSES, type Actor, type ActorRole, type BookingStatus, type BookingType, type PaymentStatus } from '../../src/domain/types';

const NOW = new Date('2026-06-01T12:00:00Z');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOTICE_HOURS = 24;
const at = (ms: number): Date => new Date(NOW.getTime() + ms);

/** The DomainError `fn` throws, for its kind and code. */
function errorOf(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (error) {
    expect(error).to.be.instanceOf(DomainError);
    return error as DomainError;
  }
  expect.fail('expected a DomainError');
}

describe('parent-bookings: parentRefundDueCents', () => {
  const PRICE = 30_000;
  const refund = (canceledBy: ActorRole, children: ChildFacts[], overrides: { paymentStatus?: PaymentStatus; amountPaidCents?: number; noticeHours?: number } = {}) =>
    parentRefundDueCents({ paymentStatus: 'paid', amountPaidCents: PRICE, noticeHours: NOTICE_HOURS, canceledBy, children, now: NOW, ...overrides });
  const future = (status: BookingStatus = 'confirmed'): ChildFacts => ({ status, startTime: at(7 * DAY) });

  describe('a client cancel', () => {
    it('when no child has started and all start outside the notice, then the refund is full', () => {
      expect(refund('client', [future(), future(), future()])).to.equal(PRICE);
    });

    it('when one of three children completed, then two thirds are refunded', () => {
      expect(refund('client', [{ status: 'completed', startTime: at(-7 * DAY) }, future(), future()])).to.equal(20_000);
    });

    it('when a child is in progress, then its share is not refunded', () => {
      expect(refund('client', [{ status: 'in_progress', startTime: at(-HOUR) }, future(), future()])).to.equal(20_000);
    });

    it('when a child was a no-show, then its share is not refunded', () => {
      expect(refund('client', [{ status: 'no_show', startTime: at(-DAY) }, future(), future()])).to.equal(20_000);
    });

    it('when a child starts exactly at the notice, then it is refunded', () => {
      expect(refund('client', [{ status: 'confirmed', startTime: at(NOTICE_HOURS * HOUR) }, future(), future()])).to.equal(PRICE);
    });

    it('when a child starts one millisecond inside the notice, then it is not refunded', () => {
      expect(refund('client', [{ status: 'confirmed', startTime: at(NOTICE_HOURS * HOUR - 1) }, future(), future()])).to.equal(20_000);
    });

    it('when a child is due (its start passed) but has not been moved to in_progress yet, then it is not refunded', () => {
      expect(refund('client', [{ status: 'confirmed', startTime: at(-1) }, future(), future()])).to.equal(20_000);
    });

    it('when package children are unscheduled (draft, no time), then they are refunded', () => {
      const draft: ChildFacts = { status: 'draft', startTime: null };
      expect(refund('client', [draft, draft, { status: 'completed', startTime: at(-DAY) }])).to.equal(20_000);
    });

    it('when the practitioner canceled a child earlier, then the client still gets its share', () => {
      expect(refund('client', [{ status: 'canceled', startTime: at(HOUR) }, { status: 'completed', startTime: at(-DAY) }, future()])).to.equal(20_000);
    });

    it('when every child has run, then nothing is refunded', () => {
      const done: ChildFacts = { status: 'completed', startTime: at(-DAY) };
      expect(refund('client', [done, done, { status: 'no_show', startTime: at(-HOUR) }])).to.equal(0);
    });
  });

  for (const canceledBy of ['practitioner', 'admin', 'system'] as const) {
    describe(`a ${canceledBy} cancel`, () => {
      it('when a child starts inside the notice or is in progress, then it is refunded all the same', () => {
        const children: ChildFacts[] = [{ status: 'in_progress', startTime: at(-HOUR) }, { status: 'confirmed', startTime: at(HOUR) }, future()];
        expect(refund(canceledBy, children)).to.equal(PRICE);
      });

      it('when one child completed and one was a no-show, then only the third is refunded', () => {
        const children: ChildFacts[] = [{ status: 'completed', startTime: at(-2 * DAY) }, { status: 'no_show', startTime: at(-DAY) }, future()];
        expect(refund(canceledBy, children)).to.equal(10_000);
      });

      it('when children are unscheduled or already canceled, then they are refunded', () => {
        const children: ChildFacts[] = [{ status: 'draft', startTime: null }, { status: 'canceled', startTime: null }, { status: 'completed', startTime: at(-DAY) }];
        expect(refund(canceledBy, children)).to.equal(20_000);
      });
    });
  }

  it('when 10000 cents are shared by 3 children and 1 is refundable, then 3333 is refunded (rounded down)', () => {
    const children: ChildFacts[] = [{ status: 'completed', startTime: at(-2 * DAY) }, { status: 'completed', startTime: at(-DAY) }, future()];
    expect(refund('client', children, { amountPaidCents: 10_000 })).to.equal(3333);
  });

  it('when 10000 cents are shared by 3 children and 2 are refundable, then 6666 is refunded (rounded down)', () => {
    expect(refund('client', [{ status: 'completed', startTime: at(-DAY) }, future(), future()], { amountPaidCents: 10_000 })).to.equal(6666);
  });

  it('when the parent was partly refunded already (a child the practitioner canceled), then its other children are still refunded', () => {
    // 10000 over 2 children: the canceled one's 5000 went back; the client cancels the rest in good time.
    const children: ChildFacts[] = [{ status: 'canceled', startTime: at(HOUR) }, future()];
    expect(refund('client', children, { amountPaidCents: 10_000, paymentStatus: 'partially_refunded' })).to.equal(10_000);
  });

  for (const paymentStatus of PAYMENT_STATUSES.filter((s) => s !== 'paid' && s !== 'partially_refunded')) {
    it(`when the parent's payment is ${paymentStatus}, then nothing is refunded`, () => {
      expect(refund('client', [future(), future()], { paymentStatus })).to.equal(0);
      expect(refund('practitioner', [future(), future()], { paymentStatus })).to.equal(0);
    });
  }

  it('when the parent has no children at all, then nothing is refunded', () => {
    expect(refund('practitioner', [])).to.equal(0);
  });
});

describe('parent-bookings: childShareCents', () => {
  it('when nothing is due yet, then one child share is due (rounded down)', () => {
    expect(childShareCents(10_000, 3, 0)).to.equal(3333);
  });

  it('when a share is already due, then the next one is added to it', () => {
    expect(childShareCents(10_000, 3, 3333)).to.equal(6666);
  });

  it('when the shares would pass the price, then the price caps them', () => {
    expect(childShareCents(10_000, 2, 9000)).to.equal(10_000);
  });

  it('when the parent has no children, then nothing is due', () => {
    expect(childShareCents(10_000, 0, 0)).to.equal(0);
  });
});

describe('parent-bookings: bundleRefundDueCents', () => {
  const PRICE = 10_000;
  const refund = (remainingCredits: number, overrides: { paymentStatus?: PaymentStatus; sessionsIncluded?: number; bonusSessions?: number } = {}) =>
    bundleRefundDueCents({ paymentStatus: 'paid', amountPaidCents: PRICE, sessionsIncluded: 3, bonusSessions: 1, remainingCredits, ...overrides });

  it('when every credit is left (sessions + bonus), then the refund is full', () => {
    expect(refund(4)).to.equal(PRICE);
  });

  it('when the credits left are the bonus ones or fewer, then nothing is refunded', () => {
    expect(refund(1)).to.equal(0);
    expect(refund(0)).to.equal(0);
  });

  it('when 3 credits are left of 3 + 1, then 2 of 3 sessions are refunded, rounded down to the cent', () => {
    expect(refund(3)).to.equal(6666);
  });

  it('when 2 credits are left of 3 + 1, then 1 of 3 sessions is refunded, rounded down to the cent', () => {
    expect(refund(2)).to.equal(3333);
  });

  it('when the bundle has no bonus, then each remaining credit is a session', () => {
    expect(refund(1, { bonusSessions: 0 })).to.equal(3333);
  });

  it('when part of the payment already went back (partially_refunded), then the grant is still on the whole payment (the cancel takes off what went back)', () => {
    expect(refund(3, { paymentStatus: 'partially_refunded' })).to.equal(6666);
  });

  for (const paymentStatus of PAYMENT_STATUSES.filter((s) => s !== 'paid' && s !== 'partially_refunded')) {
    it(`when the bundle's payment is ${paymentStatus}, then nothing is refunded`, () => {
      expect(refund(4, { paymentStatus })).to.equal(0);
    });
  }
});

describe('parent-bookings: parentPathFromChildren', () => {
  const kids = (...statuses: BookingStatus[]) => statuses.map((status) => ({ status }));

  it('when the first child starts, then a confirmed parent moves to in_progress', () => {
    expect(parentPathFromChildren('confirmed', kids('in_progress', 'confirmed', 'confirmed'), 3)).to.deep.equal(['in_progress']);
  });

  it('when the parent is in progress and children are left to run, then it stays', () => {
    expect(parentPathFromChildren('in_progress', kids('completed', 'in_progress', 'confirmed'), 3)).to.deep.equal([]);
  });

  it('when the last child completes, then an in-progress parent completes', () => {
    expect(parentPathFromChildren('in_progress', kids('completed', 'no_show', 'canceled'), 3)).to.deep.equal(['completed']);
  });

  it('when every child is done at once and the parent is still confirmed, then it completes through in_progress', () => {
    expect(parentPathFromChildren('confirmed', kids('completed', 'completed'), 2)).to.deep.equal(['in_progress', 'completed']);
  });

  it('when a component has no child yet, then it counts as left to run', () => {
    expect(parentPathFromChildren('in_progress', kids('completed', 'completed'), 3)).to.deep.equal([]);
    expect(parentPathFromChildren('confirmed', kids('completed', 'completed'), 3)).to.deep.equal(['in_progress']);
  });

  it('when an unscheduled package child (draft) remains, then the parent does not complete', () => {
    expect(parentPathFromChildren('in_progress', kids('completed', 'draft'), 2)).to.deep.equal([]);
  });

  it('when every child was canceled and none started, then the parent stays', () => {
    expect(parentPathFromChildren('confirmed', kids('canceled', 'canceled'), 2)).to.deep.equal([]);
  });

  it('when no child has started, then the parent stays', () => {
    expect(parentPathFromChildren('confirmed', kids('confirmed', 'canceled'), 2)).to.deep.equal([]);
  });

  for (const parentStatus of ['pending_payment', 'canceled', 'completed', 'no_show', 'draft'] as const) {
    it(`when the parent is ${parentStatus}, then its children move it nowhere`, () => {
      expect(parentPathFromChildren(parentStatus, kids('completed', 'completed'), 2)).to.deep.equal([]);
    });
  }
});

describe('parent-bookings: childStatusFor', () => {
  const cases: Array<[BookingType, BookingStatus, BookingStatus | null]> = [
    ['course', 'pending_payment', 'pending_payment'],
    ['course', 'confirmed', 'confirmed'],
    ['course', 'in_progress', 'confirmed'],
    ['package', 'pending_payment', 'draft'],
    ['package', 'confirmed', 'draft'],
    ['package', 'in_progress', 'draft'],
  ];
  for (const [type, parentStatus, expected] of cases) {
    it(`when a ${type} parent is ${parentStatus}, then its child is created ${expected}`, () => {
      expect(childStatusFor(type, parentStatus)).to.equal(expected);
    });
  }
  for (const type of ['course', 'package'] as const) {
    for (const parentStatus of ['draft', 'canceled', 'completed', 'no_show'] as const) {
      it(`when a ${type} parent is ${parentStatus}, then no child is created`, () => {
        expect(childStatusFor(type, parentStatus)).to.equal(null);
      });
    }
  }
});

describe('parent-bookings: creditSummary', () => {
  it('when nothing was granted, then everything is 0', () => {
    expect(creditSummary([])).to.deep.equal({ total: 0, used: 0, remaining: 0, expired: 0 });
  });

  it('when 4 credits were granted, then 4 remain', () => {
    expect(creditSummary([{ kind: 'grant', credits: 4 }])).to.deep.equal({ total: 4, used: 0, remaining: 4, expired: 0 });
  });

  it('when 2 were redeemed and 1 returned, then 1 is used and 3 remain', () => {
    const entries = [
      { kind: 'grant', credits: 4 },
      { kind: 'redeem', credits: -1 },
      { kind: 'redeem', credits: -1 },
      { kind: 'return', credits: 1 },
    ] as const;
    expect(creditSummary([...entries])).to.deep.equal({ total: 4, used: 1, remaining: 3, expired: 0 });
  });

  it('when the rest expired, then none remain and the expired ones are counted apart from the used ones', () => {
    const entries = [
      { kind: 'grant', credits: 4 },
      { kind: 'redeem', credits: -1 },
      { kind: 'expire', credits: -3 },
    ] as const;
    expect(creditSummary([...entries])).to.deep.equal({ total: 4, used: 1, remaining: 0, expired: 3 });
  });
});

describe('parent-bookings: creditReturnsOnCancel', () => {
  const returns = (canceledBy: ActorRole, startTime: Date | null) => creditReturnsOnCancel({ canceledBy, startTime, noticeHours: NOTICE_HOURS, now: NOW });

  it('when the client cancels exactly at the notice, then the credit comes back', () => {
    expect(returns('client', at(NOTICE_HOURS * HOUR))).to.equal(true);
  });

  it('when the client cancels one millisecond inside the notice, then the credit is forfeited', () => {
    expect(returns('client', at(NOTICE_HOURS * HOUR - 1))).to.equal(false);
  });

  it('when the client cancels well ahead, then the credit comes back', () => {
    expect(returns('client', at(7 * DAY))).to.equal(true);
  });

  for (const canceledBy of ['practitioner', 'admin', 'system'] as const) {
    it(`when the ${canceledBy} cancels inside the notice, then the credit comes back`, () => {
      expect(returns(canceledBy, at(HOUR))).to.equal(true);
    });
  }

  it('when a service asks for no notice and the client cancels right at the start, then the credit comes back', () => {
    expect(creditReturnsOnCancel({ canceledBy: 'client', startTime: NOW, noticeHours: 0, now: NOW })).to.equal(true);
  });
});

describe('parent-bookings: planParentBooking', () => {
  const HOLD_MINUTES = 15;
  const service = (overrides: Partial<ParentService> = {}): ParentService => ({
    id: 5,
    service_type: 'course',
    price_cents: 30_000,
    is_active: true,
    included_services: [],
    ...overrides,
  });
  const session = (id: number, startMs: number) => ({ id, start_time: at(startMs), end_time: at(startMs + 2 * HOUR) });
  const plan = (expected: 'course' | 'package' | 'bundle', s: ParentService, sessions: Array<ReturnType<typeof session>> = []) =>
    planParentBooking({ expected, service: s, sessions, holdMinutes: HOLD_MINUTES, now: NOW });

  for (const [expected, actual] of [
    ['course', 'session'],
    ['course', 'package'],
    ['package', 'bundle'],
    ['bundle', 'course'],
    ['bundle', 'workshop'],
  ] as const) {
    it(`when a ${expected} is bought with a ${actual} service, then 400 wrong_service_type on service_id`, () => {
      const error = errorOf(() => plan(expected, service({ service_type: actual })));
      expect(error).to.include({ kind: 'invalid', code: 'wrong_service_type' });
      expect(error.errors).to.have.property('service_id');
    });
  }

  it('when the service is inactive, then 400 service_inactive', () => {
    const error = errorOf(() => plan('course', service({ is_active: false }), [session(1, DAY)]));
    expect(error).to.include({ kind: 'invalid', code: 'service_inactive' });
  });

  it('when a course has no session, then 400 course_has_no_sessions', () => {
    expect(errorOf(() => plan('course', service(), []))).to.include({ kind: 'invalid', code: 'course_has_no_sessions' });
  });

  it('when every session of a course has started (one exactly now), then 400 course_has_no_sessions', () => {
    expect(errorOf(() => plan('course', service(), [session(1, -DAY), session(2, 0)]))).to.include({ kind: 'invalid', code: 'course_has_no_sessions' });
  });

  it('when a course has past and future sessions in any order, then only the future ones are planned, in start order', () => {
    const result = plan('course', service(), [session(30, 3 * DAY), session(10, -DAY), session(20, DAY), session(40, 2 * DAY)]);
    expect(result.components).to.deep.equal([
      { key: 'session-20', position: 0, serviceId: 5, sessionId: 20 },
      { key: 'session-40', position: 1, serviceId: 5, sessionId: 40 },
      { key: 'session-30', position: 2, serviceId: 5, sessionId: 30 },
    ]);
    expect(result.start).to.deep.equal(at(DAY));
    expect(result.end).to.deep.equal(at(3 * DAY + 2 * HOUR));
    expect(result.bookingType).to.equal('course');
  });

  it('when a course session ends after a later-starting one, then the parent ends at the latest end', () => {
    const long = { id: 1, start_time: at(DAY), end_time: at(5 * DAY) };
    expect(plan('course', service(), [long, session(2, 2 * DAY)]).end).to.deep.equal(at(5 * DAY));
  });

  it('when a package includes services with quantities, then one unscheduled component per service × quantity', () => {
    const result = plan('package', service({ service_type: 'package', included_services: [{ service_id: 7, quantity: 2 }, { service_id: 9, quantity: 1 }] }));
    expect(result.components).to.deep.equal([
      { key: 'service-7-1', position: 0, serviceId: 7, sessionId: null },
      { key: 'service-7-2', position: 1, serviceId: 7, sessionId: null },
      { key: 'service-9-1', position: 2, serviceId: 9, sessionId: null },
    ]);
    expect(result).to.include({ bookingType: 'package', start: null, end: null });
  });

  it('when a bundle is bought, then it has no times and no components', () => {
    const result = plan('bundle', service({ service_type: 'bundle', price_cents: 20_000 }));
    expect(result).to.deep.include({ bookingType: 'bundle', start: null, end: null, components: [] });
  });

  it('when the service is paid, then pending_payment, unpaid, the server price and a hold of holdMinutes', () => {
    const result = plan('bundle', service({ service_type: 'bundle', price_cents: 20_000 }));
    expect(result).to.deep.include({ status: 'pending_payment', paymentStatus: 'unpaid', priceCents: 20_000, holdExpiresAt: at(HOLD_MINUTES * 60_000) });
  });

  it('when the service is free, then confirmed, not_required and no hold', () => {
    const result = plan('course', service({ price_cents: 0 }), [session(1, DAY)]);
    expect(result).to.deep.include({ status: 'confirmed', paymentStatus: 'not_required', priceCents: 0, holdExpiresAt: null });
  });
});

describe('parent-bookings: decideScheduleChild', () => {
  const CLIENT: Actor = { id: 10, role: 'client' };
  const child = (status: BookingStatus): BookingFacts => ({ status, clientId: 10, practitionerId: 20, startTime: null, endTime: null });

  it('when the parent is confirmed and the child a draft, then the child goes draft → confirmed (through pending_payment)', () => {
    expect(decideScheduleChild(child('draft'), 'confirmed', CLIENT)).to.deep.equal(['pending_payment', 'confirmed']);
  });

  it('when the parent is in progress, then its draft child can be scheduled', () => {
    expect(decideScheduleChild(child('draft'), 'in_progress', { id: 20, role: 'practitioner' })).to.deep.equal(['pending_payment', 'confirmed']);
  });

  for (const parentStatus of ['pending_payment', 'canceled', 'completed'] as const) {
    it(`when the parent is ${parentStatus}, then 409 parent_not_confirmed`, () => {
      expect(errorOf(() => decideScheduleChild(child('draft'), parentStatus, CLIENT))).to.include({ kind: 'conflict', code: 'parent_not_confirmed' });
    });
  }

  for (const status of ['confirmed', 'canceled', 'completed'] as const) {
    it(`when the child is ${status} (not a draft), then 409 invalid_transition`, () => {
      expect(errorOf(() => decideScheduleChild(child(status), 'confirmed', CLIENT))).to.include({ kind: 'conflict', code: 'invalid_transition' });
    });
  }

  it('when the system asks, then it is forbidden', () => {
    expect(errorOf(() => decideScheduleChild(child('draft'), 'confirmed', { id: null, role: 'system' }))).to.include({ kind: 'forbidden' });
  });
});
