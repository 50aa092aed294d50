/** "50.00" from 5000: the spec's decimal-string money. Integer arithmetic only; no floats touch money. */
export function formatCents(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** The server decides the price: clients never send one. */
export function priceForService(service: { price_cents: number }): number {
  return service.price_cents;
}

export interface PricingBreakdown {
  list_price_cents: number;
  discount_cents: number;
  credits_used: number;
  charged_cents: number;
  refunded_cents: number;
  currency: string;
}

/**
 * The detail's `pricing` (docs/api-conventions.md#rooms-and-pricing). list − discount is what the client would pay in money; a
 * bundle credit pays for all of it (charged 0, credits_used 1). Children of courses and packages are
 * priced with their parent (list 0). A booking priced before list prices were stored shows charged +
 * discount as its list price.
 */
export function pricingBreakdown(input: {
  listPriceCents: number | null;
  chargedCents: number;
  discountCents: number;
  creditsUsed: number;
  refundedCents: number;
  currency: string;
}): PricingBreakdown {
  return {
    list_price_cents: input.listPriceCents ?? input.chargedCents + input.discountCents,
    discount_cents: input.discountCents,
    credits_used: input.creditsUsed,
    charged_cents: input.chargedCents,
    refunded_cents: input.refundedCents,
    currency: input.currency,
  };
}
