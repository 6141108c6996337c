import type { CatalogEntry, TaskGroupCatalog } from '../../shared/engine/RunnerDeps.js';
import type { DeploymentBundle } from './DeploymentBundle.js';

/** The TaskGroups a deployment ships, by name (the {@link TaskGroupCatalog} of the Lambdas). */
export class BundledCatalog implements TaskGroupCatalog {
  readonly #entries: ReadonlyMap<string, CatalogEntry>;

  constructor(bundle: Pick<DeploymentBundle, 'taskGroups'>) {
    // Script files were inlined at synth time, so entries need no baseDir.
    this.#entries = new Map(
      Object.entries(bundle.taskGroups).map(([name, { group, source }]) => [name, { group, source }]),
    );
  }

  async get(name: string): Promise<CatalogEntry | undefined> {
    return this.#entries.get(name);
  }

  async names(): Promise<string[]> {
    return [...this.#entries.keys()].sort();
  }
}
