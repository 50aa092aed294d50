import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * Encrypts secrets we must be able to read back (webhook signing secrets: we sign with them) under a
 * key from the configuration: AES-256-GCM, a fresh IV each time, "v1.<iv>.<tag>.<ciphertext>" in
 * base64url. A database dump alone then reveals no secret.
 */
export function createSecretBox(keyMaterial: string) {
  const key = createHash('sha256').update(`estuary-secret-box:${keyMaterial}`).digest();
  return {
    seal(plaintext: string): string {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return ['v1', iv, cipher.getAuthTag(), data].map((part) => (typeof part === 'string' ? part : part.toString('base64url'))).join('.');
    },
    /** Throws when the box was sealed under another key or altered. */
    open(sealed: string): string {
      const [version, iv, tag, data] = sealed.split('.');
      if (version !== 'v1' || !iv || !tag || data === undefined) throw new Error('not a sealed secret');
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
    },
  };
}

export type SecretBox = ReturnType<typeof createSecretBox>;

/** A new webhook signing secret, in the provider's style (whsec_…). */
export const newWebhookSecret = (): string => `whsec_${randomBytes(32).toString('base64url')}`;
