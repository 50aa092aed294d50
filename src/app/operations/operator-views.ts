import type { PageRequest } from '../../data/pagination';
import type { UnsettledRefundState } from '../../domain/payment-ledger';
import type { AppContext } from '../app-context';

/**
 * What operators look at, read for them (admins only; the routes check the role): provider events
 * kept for a person, refunds not settled, e-mails that failed after every retry.
 */
export function listFlaggedPaymentEvents(app: AppContext, page: PageRequest) {
  return app.payments.flaggedEvents(page);
}

export function listUnsettledRefunds(app: AppContext, page: PageRequest, state?: UnsettledRefundState) {
  return app.payments.unsettledRefunds(page, state);
}

export function listFailedEmails(app: AppContext, page: PageRequest): ReturnType<AppContext['emails']['listFailed']> {
  return app.emails.listFailed(page);
}

/** The figures /metrics reports from Postgres, as functions the API calls at each scrape. */
export function databaseGauges(app: AppContext) {
  return {
    emailCounts: () => app.emails.countByStatus(),
    webhookDeliveryCounts: () => app.webhooks.countDeliveriesByStatus(),
    unsettledRefundCounts: () => app.payments.countUnsettledRefunds(),
  };
}

