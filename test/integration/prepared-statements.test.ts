import { expect } from 'chai';
import knexFactory, { type Knex } from 'knex';
import { knexConfig } from '../../db/knexfile';
import { runStatement, statement } from '../../src/data/sql';
import { startHarness, type Harness } from '../support/harness';

describe('named prepared statements (src/data/sql.ts)', () => {
  let h: Harness;
  let db: Knex;
  before(async () => {
    h = await startHarness();
    // One connection, so that the second run meets the statement the first one prepared.
    db = knexFactory(knexConfig(h.config.databaseUrl, { min: 1, max: 1 }));
    await db.raw('CREATE TABLE prepared_probe (id int PRIMARY KEY, label text)');
    await db('prepared_probe').insert({ id: 1, label: 'one' });
  });
  after(async () => {
    await db.destroy();
    await h.close();
  });

  it('when one shape runs twice, then it is prepared under one name and answers the same', async () => {
    const names: string[] = [];
    const listener = (q: { options?: { name?: string } }) => names.push(q.options?.name ?? '');
    db.on('query', listener);
    const { rows: first } = await runStatement<{ id: number; label: string }>(db, statement('SELECT * FROM prepared_probe WHERE id = $1'), [1]);
    const { rows: second } = await runStatement<{ id: number; label: string }>(db, statement('SELECT * FROM prepared_probe WHERE id = $1'), [1]);
    db.off('query', listener);
    expect(first).to.deep.equal([{ id: 1, label: 'one' }]);
    expect(second).to.deep.equal(first);
    expect(names[0]).to.match(/^q[0-9a-f]{24}_\d+$/);
    expect(names[1]).to.equal(names[0]);
  });

  it('when a migration changes the columns a prepared SELECT * returns, then the next run is prepared again and succeeds', async () => {
    const read = async () => (await runStatement<Record<string, unknown>>(db, statement('SELECT * FROM prepared_probe WHERE id = $1'), [1])).rows;
    expect(await read()).to.deep.equal([{ id: 1, label: 'one' }]);
    await db.raw("ALTER TABLE prepared_probe ADD COLUMN added text NOT NULL DEFAULT 'x'");
    expect(await read()).to.deep.equal([{ id: 1, label: 'one', added: 'x' }]);
    expect(await read()).to.deep.equal([{ id: 1, label: 'one', added: 'x' }]);
  });
});
