import type { TestProject } from 'vitest/node';
import { type Fleet, type FleetDescriptor, startFleet } from './fleet.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The shared test fleet, when `test/support/fleet-global-setup.ts` is a globalSetup. */
    fleet: FleetDescriptor;
  }
}

let fleet: Fleet | undefined;

/**
 * vitest globalSetup: starts one fleet for the whole run (size from `STEPFLEET_FLEET_SIZE`,
 * default 20) and provides its descriptor; tests read it with `inject('fleet')` and use
 * `fleetHosts`, `killFleetHost` and `fleetProcessesMatching` on it.
 */
export async function setup(project: TestProject): Promise<void> {
  fleet = await startFleet({ count: Number(process.env.STEPFLEET_FLEET_SIZE ?? 20) });
  const { killHost: _k, processesMatching: _p, stop: _s, ...descriptor } = fleet;
  project.provide('fleet', descriptor);
}

/** Stops the fleet started by {@link setup}. */
export async function teardown(): Promise<void> {
  await fleet?.stop();
  fleet = undefined;
}
