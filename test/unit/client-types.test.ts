import { expect } from 'chai';
import { REGENERATE_COMMAND, staleClientFiles } from '../../src/cli/generate-client';

describe('the typed client (src/client/)', () => {
  it('when the types are generated again from the OpenAPI document, then they equal the committed ones', async function () {
    this.timeout(60_000);
    const stale = await staleClientFiles();
    expect(stale, `${stale.join(' and ')} ${stale.length === 1 ? 'no longer matches' : 'no longer match'} the OpenAPI document: run \`${REGENERATE_COMMAND}\` and commit the result`).to.deep.equal([]);
  });
});
