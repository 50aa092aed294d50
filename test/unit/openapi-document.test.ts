import { compileErrors, validate } from '@readme/openapi-parser';
import { expect } from 'chai';
import { buildOpenApiDocument } from '../../src/api/openapi/openapi-document';
import { responseViolation } from '../support/openapi-responses';
import type supertest from 'supertest';

type Json = Record<string, unknown>;

/** Every object schema under `node`, with where it is. */
function objectSchemas(node: unknown, at: string, found: Array<[string, Json]> = []): Array<[string, Json]> {
  if (Array.isArray(node)) node.forEach((item, i) => objectSchemas(item, `${at}/${i}`, found));
  else if (node && typeof node === 'object') {
    const schema = node as Json;
    if (schema.type === 'object') found.push([at, schema]);
    for (const [key, value] of Object.entries(schema)) objectSchemas(value, `${at}/${key}`, found);
  }
  return found;
}

const answer = (status: number, body: unknown, contentType = 'application/json; charset=utf-8') =>
  ({ status, body, text: JSON.stringify(body), headers: { 'content-type': contentType } }) as unknown as supertest.Response;

describe('the OpenAPI document', () => {
  const doc = buildOpenApiDocument();

  it('when checked by an independent validator (@readme/openapi-parser), then it is a valid OpenAPI 3.0 document', async () => {
    const result = await validate(structuredClone(doc) as never);
    expect(result.valid, result.valid ? '' : compileErrors(result)).to.equal(true);
  });

  it('when read, then every response object schema lists its keys and closes the rest (additionalProperties)', () => {
    const components = (doc.components as Json).schemas as Json;
    const open = objectSchemas(components, '#/components/schemas')
      .filter(([at, schema]) => schema.additionalProperties === undefined && !at.startsWith('#/components/schemas/PaymentEvent'))
      .map(([at]) => at);
    expect(open).to.deep.equal([]);
  });
});

describe('the response check of the test client (test/support/openapi-responses.ts)', () => {
  const token = { token: 'abc' };

  it('when an answer matches its operation, then it passes', () => {
    expect(responseViolation('POST', 'http://x/api/v1/auth/token/', answer(200, token))).to.equal(undefined);
  });

  it('when an answer carries a key the document does not declare, then it fails naming the key', () => {
    expect(responseViolation('POST', 'http://x/api/v1/auth/token/', answer(200, { ...token, user_id: 3 }))).to.match(/additional properties: user_id/);
  });

  it('when a value has the wrong type or a required key is missing, then it fails', () => {
    expect(responseViolation('POST', 'http://x/api/v1/auth/token/', answer(200, { token: 3 }))).to.match(/\/token must be string/);
    expect(responseViolation('GET', 'http://x/api/v1/drf/notifications/unread-count/', answer(200, {}))).to.match(/must have required property 'count'/);
  });

  it('when the status is not one the operation documents, then it fails', () => {
    expect(responseViolation('GET', 'http://x/healthz', answer(503, { detail: 'Unavailable.', code: 'unavailable' }))).to.match(/status 503 is not documented/);
    expect(responseViolation('POST', 'http://x/api/v1/auth/logout/', answer(200, {}))).to.match(/status 200 is not documented/);
  });

  it('when an error body is not an Error, or a path is not in the document, then it fails', () => {
    expect(responseViolation('GET', 'http://x/api/v1/drf/bookings/7/', answer(404, { detail: 'Not found.' }))).to.match(/required property 'code'/);
    expect(responseViolation('GET', 'http://x/api/v1/nowhere/', answer(200, {}))).to.match(/not an operation of the document/);
    expect(responseViolation('GET', 'http://x/api/v1/nowhere/', answer(404, { detail: 'Not found.', code: 'not_found' }))).to.equal(undefined);
  });

  it('when a non-JSON answer has another media type than the declared one, then it fails; its body is not parsed', () => {
    expect(responseViolation('GET', 'http://x/metrics', answer(200, {}, 'text/plain; version=0.0.4'))).to.equal(undefined);
    expect(responseViolation('GET', 'http://x/metrics', answer(200, {}, 'text/html'))).to.match(/declares text\/plain/);
  });
});
