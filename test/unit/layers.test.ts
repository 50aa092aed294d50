import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';

const SRC = path.resolve(__dirname, '../../src');

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(full) : entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** Runtime imports of a file (`import type …` and `import { type A, type B }` carry no code and are left out). */
function runtimeImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const imports: string[] = [];
  for (const match of text.matchAll(/^import\s+(?!type\s)([^;]*?)\s+from\s+'([^']+)';/gms)) {
    const names = match[1]!;
    const onlyTypes = /^\{[^}]*\}$/.test(names.trim()) && names.replace(/[{}\s]/g, '').split(',').every((n) => n === '' || n.startsWith('type'));
    if (!onlyTypes) imports.push(match[2]!);
  }
  for (const match of text.matchAll(/^import\s+'([^']+)';/gm)) imports.push(match[1]!);
  return imports;
}

const layerOf = (file: string, spec: string): string | null => {
  if (!spec.startsWith('.')) return spec;
  const target = path.relative(SRC, path.resolve(path.dirname(file), spec));
  return target.startsWith('..') ? null : target.split(path.sep)[0]!;
};

function violations(layer: string, forbidden: (target: string) => boolean): string[] {
  return filesUnder(path.join(SRC, layer)).flatMap((file) =>
    runtimeImports(file)
      .filter((spec) => {
        const target = layerOf(file, spec);
        return target !== null && forbidden(target);
      })
      .map((spec) => `${path.relative(SRC, file)} imports ${spec}`),
  );
}

describe('the layers (api → app → domain; app → data, jobs; platform at the bottom)', () => {
  it('when the API is read, then it runs no code of the data layer (routes call use cases)', () => {
    expect(violations('api', (t) => t === 'data')).to.deep.equal([]);
  });

  it('when the domain is read, then it imports nothing with I/O and no other layer', () => {
    const io = ['knex', 'objection', 'koa', 'bullmq', 'ioredis', 'pg', 'nodemailer', 'stripe', 'pino', 'node:fs', 'node:http', 'node:https', 'node:dns', 'node:child_process'];
    expect(violations('domain', (t) => io.includes(t) || t.startsWith('@koa/') || ['api', 'app', 'data', 'jobs', 'workers', 'platform'].includes(t))).to.deep.equal([]);
  });

  it('when the layers below the API are read, then none imports it', () => {
    for (const layer of ['app', 'data', 'domain', 'jobs', 'workers', 'platform']) expect(violations(layer, (t) => t === 'api'), layer).to.deep.equal([]);
  });

  it('when the typed client is read, then it imports no server code (integrators copy src/client/ as it is)', () => {
    const server = ['api', 'app', 'data', 'domain', 'jobs', 'workers', 'platform', 'cli', 'config.ts', 'composition.ts', 'main.ts'];
    expect(violations('client', (t) => server.includes(t) || ['koa', 'knex', 'objection', 'pg', 'bullmq', 'ioredis'].includes(t))).to.deep.equal([]);
  });

  it('when the platform is read, then it imports no layer above it', () => {
    expect(violations('platform', (t) => ['api', 'app', 'data', 'domain', 'jobs', 'workers'].includes(t))).to.deep.equal([]);
  });
});
