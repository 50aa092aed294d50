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
