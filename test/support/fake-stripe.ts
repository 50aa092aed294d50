import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local server speaking the part of Stripe's REST API our adapter uses (POST /v1/payment_intents,
 * POST /v1/refunds), so the real `stripe` SDK is exercised over real HTTP. Like Stripe it honours
 * `Idempotency-Key`: a key seen before gets the first answer again and creates nothing. Every
 * request is recorded, and the next call to a path can be made to fail or hang.
 */

export interface RecordedCall {
  method: string;
  path: string;
  idempotencyKey: string | null;
  params: Record<string, unknown>;
  /** 'created': the object was made now; 'replayed': an idempotent repeat; otherwise the injected fault or error. */
  outcome: 'created' | 'replayed' | 'rejected' | 'failed_after_create' | 'hung_after_create' | 'held' | 'failed' | 'hung';
}

export interface FakePaymentIntent {
  id: string;
  object: 'payment_intent';
  client_secret: string;
  amount: number;
  amount_received: number;
  currency: string;
  metadata: Record<string, string>;
  status: 'requires_payment_method' | 'succeeded';
}

export interface FakeRefund {
  id: string;
  object: 'refund';
  status: 'succeeded';
  amount: number;
  payment_intent: string;
  metadata: Record<string, string>;
}

/**
 * A fault for the next call to a path. `afterCreate` (the default) makes the object first, so the
 * fault is "the provider did it but the answer never arrived"; otherwise nothing is made.
 * `hold` makes the object and keeps the answer until `releaseHeld()`: a slow provider.
 */
export interface Fault {
  mode: 'error' | 'hang' | 'hold';
  afterCreate?: boolean;
}

export interface FakeStripe {
  url: string;
  calls: RecordedCall[];
  paymentIntents: Map<string, FakePaymentIntent>;
  /** Refunds actually created (idempotent repeats are not counted twice). */
  refunds: FakeRefund[];
  callsTo(path: string): RecordedCall[];
  /** `times` calls in a row get the fault (a provider down for a while); default one. */
  failNext(path: string, fault: Fault, times?: number): void;
  /** Sends the answers kept by `hold` faults. */
  releaseHeld(): void;
  /** Marks a PaymentIntent paid (by default its full amount), as the client's payment would; refunds need a paid one. */
  markSucceeded(paymentIntentId: string, amountReceived?: number): FakePaymentIntent;
  /** A refund made outside our API (an operator in the Stripe dashboard). */
  refundDirectly(paymentIntentId: string, amount: number): FakeRefund;
  /** Resolves once `count` calls to `path` have arrived. */
  waitForCalls(path: string, count: number, timeoutMs?: number): Promise<void>;
  reset(): void;
  close(): Promise<void>;
}

type Answer = { status: number; body: unknown };

const id = (prefix: string) => `${prefix}_${randomBytes(12).toString('hex')}`;

/** Stripe's form encoding, `metadata[booking_id]=7&amount=5000`, into nested objects. */
export function parseStripeForm(body: string): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(body)) {
    const path = key.split(/\[|\]\[|\]/).filter((part) => part !== '');
    let node = result;
    path.forEach((part, index) => {
      if (index === path.length - 1) node[part] = value;
      else node = (node[part] ??= {}) as Record<string, unknown>;
    });
  }
  return result;
}

const stripeError = (status: number, message: string, code?: string): Answer => ({
  status,
  body: { error: { type: status >= 500 ? 'api_error' : 'invalid_request_error', message, ...(code ? { code } : {}) } },
});

export async function startFakeStripe(): Promise<FakeStripe> {
  const calls: RecordedCall[] = [];
  const paymentIntents = new Map<string, FakePaymentIntent>();
  const refunds: FakeRefund[] = [];
  const answers = new Map<string, Answer>();
  const faults = new Map<string, Fault & { times: number }>();
  const hanging = new Set<http.ServerResponse>();
  const held: Array<() => void> = [];
  const waiters: Array<() => void> = [];

  const refundedSoFar = (paymentIntentId: string) => refunds.filter((r) => r.payment_intent === paymentIntentId).reduce((sum, r) => sum + r.amount, 0);

  function createPaymentIntent(params: Record<string, unknown>): Answer {
    const amount = Number(params.amount);
    if (!Number.isSafeInteger(amount) || amount < 1) return stripeError(400, 'Invalid integer: amount', 'parameter_invalid_integer');
    if (typeof params.currency !== 'string') return stripeError(400, 'Missing required param: currency.', 'parameter_missing');
    const piId = id('pi');
    const intent: FakePaymentIntent = {
      id: piId,
      object: 'payment_intent',
      client_secret: `${piId}_secret_${randomBytes(8).toString('hex')}`,
      amount,
      amount_received: 0,
      currency: params.currency,
      metadata: (params.metadata ?? {}) as Record<string, string>,
      status: 'requires_payment_method',
    };
    paymentIntents.set(piId, intent);
    return { status: 200, body: intent };
  }

  function createRefund(params: Record<string, unknown>): Answer {
    const intent = typeof params.payment_intent === 'string' ? paymentIntents.get(params.payment_intent) : undefined;
    if (!intent) return stripeError(400, `No such payment_intent: '${String(params.payment_intent)}'`, 'resource_missing');
    if (intent.status !== 'succeeded') return stripeError(400, 'This PaymentIntent does not have a successful charge to refund.', 'charge_not_refundable');
    const refundable = intent.amount_received - refundedSoFar(intent.id);
    const amount = params.amount === undefined ? refundable : Number(params.amount);
    if (!Number.isSafeInteger(amount) || amount < 1) return stripeError(400, 'Invalid integer: amount', 'parameter_invalid_integer');
    if (amount > refundable) {
      return stripeError(400, `Refund amount (${amount}) is greater than unrefunded amount on charge.`, 'amount_too_large');
    }
    const refund: FakeRefund = {
      id: id('re'),
      object: 'refund',
      status: 'succeeded',
      amount,
      payment_intent: intent.id,
      metadata: (params.metadata ?? {}) as Record<string, string>,
    };
    refunds.push(refund);
    return { status: 200, body: refund };
  }

  const routes: Record<string, (params: Record<string, unknown>) => Answer> = {
    '/v1/payment_intents': createPaymentIntent,
    '/v1/refunds': createRefund,
  };

  function send(res: http.ServerResponse, answer: Answer, headers: Record<string, string> = {}): void {
    res.writeHead(answer.status, { 'Content-Type': 'application/json', 'Request-Id': id('req'), ...headers });
    res.end(JSON.stringify(answer.body));
  }

  function handle(req: http.IncomingMessage, res: http.ServerResponse, rawBody: string): void {
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    const key = (req.headers['idempotency-key'] as string | undefined) ?? null;
    const params = parseStripeForm(rawBody);
    const call: RecordedCall = { method: req.method ?? '', path, idempotencyKey: key, params, outcome: 'created' };
    calls.push(call);
    waiters.splice(0).forEach((wake) => wake());

    const route = req.method === 'POST' ? routes[path] : undefined;
    if (!route) {
      call.outcome = 'rejected';
      return send(res, stripeError(404, `Unrecognized request URL (${req.method}: ${path}).`));
    }
    if (key && answers.has(`${path} ${key}`)) {
      call.outcome = 'replayed';
      return send(res, answers.get(`${path} ${key}`)!, { 'Idempotent-Replayed': 'true' });
    }
    const fault = faults.get(path);
    if (fault && --fault.times <= 0) faults.delete(path);
    if (fault && fault.mode !== 'hold' && fault.afterCreate === false) {
      call.outcome = fault.mode === 'hang' ? 'hung' : 'failed';
      if (fault.mode === 'hang') return void hanging.add(res);
      return send(res, stripeError(500, 'Injected failure.'), { 'Stripe-Should-Retry': 'false' });
    }
    const answer = route(params);
    // Stripe keeps the answer of a request that ran, errors included, for its key.
    if (key) answers.set(`${path} ${key}`, answer);
    if (answer.status !== 200) call.outcome = 'rejected';
    if (fault?.mode === 'hold') {
      call.outcome = 'held';
      return void held.push(() => send(res, answer));
    }
    if (fault) {
      call.outcome = fault.mode === 'hang' ? 'hung_after_create' : 'failed_after_create';
      if (fault.mode === 'hang') return void hanging.add(res);
      // The work is done but the client never learns it: a lost answer. No retry inside the SDK,
      // so the caller's own retry (a BullMQ job attempt) is what comes back with the same key.
      return send(res, stripeError(500, 'Injected failure after the request was applied.'), { 'Stripe-Should-Retry': 'false' });
    }
    send(res, answer);
  }

  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => handle(req, res, body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    calls,
    paymentIntents,
    refunds,
    callsTo: (path) => calls.filter((c) => c.path === path),
    failNext: (path, fault, times = 1) => void faults.set(path, { ...fault, times }),
    releaseHeld: () => held.splice(0).forEach((answer) => answer()),
    markSucceeded(paymentIntentId, amountReceived) {
      const intent = paymentIntents.get(paymentIntentId);
      if (!intent) throw new Error(`fake stripe: no PaymentIntent ${paymentIntentId}`);
      intent.status = 'succeeded';
      intent.amount_received = amountReceived ?? intent.amount;
      return intent;
    },
    refundDirectly(paymentIntentId, amount) {
      const answer = createRefund({ payment_intent: paymentIntentId, amount: String(amount) });
      if (answer.status !== 200) throw new Error(`fake stripe: ${JSON.stringify(answer.body)}`);
      return answer.body as FakeRefund;
    },
    async waitForCalls(path, count, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (calls.filter((c) => c.path === path).length < count) {
        if (Date.now() > deadline) throw new Error(`fake stripe: waited ${timeoutMs} ms for ${count} call(s) to ${path}, got ${calls.filter((c) => c.path === path).length}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 100);
        });
      }
    },
    reset() {
      calls.length = 0;
      refunds.length = 0;
      paymentIntents.clear();
      answers.clear();
      faults.clear();
    },
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
