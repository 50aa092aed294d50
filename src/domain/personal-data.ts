/**
 * E-mail addresses replaced by `[address]`. SMTP servers echo the recipient in their answers
 * ("550 5.1.1 <ann@example.com>: Recipient address rejected"); those answers are logged and kept as a
 * notification's last error, where no personal data belongs.
 */
export function redactEmailAddresses(text: string): string {
  return text.replace(/[^\s<>()[\]",;:@]+@[^\s<>()[\]"',;:@]+/g, '[address]');
}
