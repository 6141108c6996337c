import type { RunnerDeps } from '../shared/engine/RunnerDeps.js';

/**
 * The runner-side task types a local run supports. `http` needs nothing but the network;
 * `secret` reads AWS with the default credential chain, as the AWS CLI would.
 */
export function localTaskTypes(): RunnerDeps['taskTypes'] {
  return {};
}
