import type { Context } from 'koa';
import { invalid } from '../domain/errors';

/** The strong ETag of a booking's version: `"7"`. */
export const etagOf = (version: number): string => `"${version}"`;

const STRONG_VERSION_TAG = /^"([1-9][0-9]{0,9})"$/;

/**
 * The versions If-Match accepts (RFC 9110 §13.1.1): undefined when there is no condition (no header,
 * or `*`, which any existing booking matches). Our ETags are strong versions, so a weak tag, or
 * anything but a list of quoted versions, is a 400 rather than a silent 412.
 */
export function ifMatchVersions(ctx: Context): number[] | undefined {
  const raw = ctx.get('If-Match');
  if (!ctx.req.headers['if-match']) {
    if (ctx.req.headers['if-match'] === '') throw badIfMatch('If-Match must not be empty.');
    return undefined;
  }
  if (raw.trim() === '*') return undefined;
  const versions: number[] = [];
  for (const part of raw.split(',')) {
    const tag = part.trim();
    if (tag.startsWith('W/')) throw badIfMatch('If-Match needs a strong ETag such as "3", as GET bookings/{id}/ gives it; a weak ETag never matches.');
    const match = STRONG_VERSION_TAG.exec(tag);
    if (!match) throw badIfMatch(`If-Match must be the booking's ETag, a quoted version such as "3" (or *), not ${JSON.stringify(tag.slice(0, 40))}.`);
    const version = Number(match[1]);
    if (version > 2_147_483_647) throw badIfMatch('If-Match names a version that cannot exist.');
    versions.push(version);
  }
  return versions;
}

const badIfMatch = (detail: string) => invalid(detail, { 'If-Match': [detail] }, 'invalid_if_match');
