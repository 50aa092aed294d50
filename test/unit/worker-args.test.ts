import { expect } from 'chai';
import { QUEUES } from '../../src/jobs/job-contracts';
import { parseWorkerArgs } from '../../src/workers/worker-process';

describe('worker flags (util.parseArgs)', () => {
  it('when no flag is given, then every queue runs with a relay', () => {
    expect(parseWorkerArgs([])).to.deep.equal({ queues: [...QUEUES], relay: true });
  });

  it('when --queues and --no-relay are given (either spelling), then only those queues run, without a relay', () => {
    expect(parseWorkerArgs(['--queues', 'expansion,lifecycle', '--no-relay'])).to.deep.equal({ queues: ['expansion', 'lifecycle'], relay: false });
    expect(parseWorkerArgs(['--queues=payments'])).to.deep.equal({ queues: ['payments'], relay: true });
  });

  it('when a queue or a flag is unknown, then it is an error naming it, with a code the entry point prints as one line', () => {
    expect(() => parseWorkerArgs(['--queues', 'nope'])).to.throw(/unknown queue\(s\) nope/).with.property('code', 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE');
    expect(() => parseWorkerArgs(['--bogus'])).to.throw(/--bogus/).with.property('code', 'ERR_PARSE_ARGS_UNKNOWN_OPTION');
  });
});
