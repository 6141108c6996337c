import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileTaskGroup } from '../../../shared/compile/compileTaskGroup.js';
import { runStateMachine } from '../../../shared/engine/runStateMachine.js';
import { startRun } from '../../../shared/engine/startRun.js';
import { startEmbeddedDynamo } from '../../../shared/local/embeddedDynamo.js';
import { engineHarness } from '../../support/engineHarness.js';
import { type Fleet, fleetHosts, startFleet } from '../../support/fleet.js';
import { writeFleetInventory } from '../../support/fleetInventory.js';
import { parseTaskGroupText } from '../../support/parseTaskGroupText.js';
import { runCli } from '../../support/runCli.js';

// The confidential input is printed by a command; a confidential export is derived on a host,
// imported by other hosts and printed in two pieces with a pause between them (two chunks).
const TASK_GROUP = `name: canary
inputs:
  password: { confidential: true }
  seed: { description: not secret itself; a digest of it is the confidential export }
tasks:
  - name: mint
    type: exec
    targets: [local]
    spec:
      command: |
        echo "the password is \${{ inputs.password }}"
        echo "again: $PW" >&2
        echo "token=tok-$(printf %s "\${{ inputs.seed }}" | sha256sum | cut -c1-32)" >> "$STEPFLEET_OUTPUT"
      env: { PW: "\${{ inputs.password }}" }
    exports: [{ name: token, confidential: true }]
  - name: use
    type: exec
    depends_on: [mint]
    targets: [all]
    imports: [{ from: mint, variable: token }]
    spec:
      command: |
        half=$(( \${#TOKEN} / 2 ))
        printf '%s' "$(printf %s "$TOKEN" | cut -c1-$half)"; sleep 0.3; printf '%s\\n' "$(printf %s "$TOKEN" | cut -c$((half + 1))-)"
        printf 'err %s\\n' "$TOKEN" >&2
`;

let fleet: Fleet;
let dir: string;
beforeAll(async () => {
  fleet = await startFleet({ count: 3 });
  dir = mkdtempSync(join(tmpdir(), 'stepfleet-canary-'));
}, 60_000);
afterAll(async () => {
  await fleet?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function canaries() {
  const password = `pw-${randomUUID()}`;
  const seed = `seed-${randomUUID()}`;
  const token = `tok-${createHash('sha256').update(seed).digest('hex').slice(0, 32)}`;
  return { password, seed, token, secrets: [password, token] };
}

describe('confidential values', () => {
  it('appear nowhere in state payloads, run events, results or stored items of a run', async () => {
    // Prepare
    const c = canaries();
    const harness = await engineHarness(TASK_GROUP, fleetHosts(fleet));
    try {
      const { runId } = await startRun(harness.deps, {
        taskGroup: 'canary',
        inputs: { password: c.password, seed: c.seed },
      });
      // Act
      const { status, events } = await runStateMachine(
        compileTaskGroup(parseTaskGroupText(TASK_GROUP)),
        harness.deps,
        runId,
      );
      // Assess
      expect(status).toBe('succeeded');
      const result = await harness.store.getRunResult(runId);
      const everything = {
        payloads: JSON.stringify(events),
        runEvents: JSON.stringify(harness.events),
        result: JSON.stringify(result),
        stored: await harness.scanRaw(),
        record: JSON.stringify(await harness.store.getRun(runId)),
      };
      for (const [where, text] of Object.entries(everything)) {
        for (const secret of c.secrets)
          expect(text.includes(secret), `${where} holds a confidential value`).toBe(false);
      }
      // The values did reach the commands: they were printed, and masked.
      expect(result?.results.mint?.hosts.local?.stdout).toBe('the password is ***\n');
      expect(result?.results.mint?.hosts.local?.stderr).toBe('again: ***\n');
      for (const host of Object.values(result?.results.use?.hosts ?? {})) {
        expect(host.stdout).toBe('***\n');
        expect(host.stderr).toBe('err ***\n');
      }
      expect(result?.results.mint?.outputs.token?.local).toBe('***');
      expect(result?.inputs.password).toBe('***');
      expect(result?.inputs.seed).toBe(c.seed);
    } finally {
      await harness.close();
    }
  });

  it('appear nowhere in what the CLI prints, its event stream, or its on-disk store', async () => {
    // Prepare
    const c = canaries();
    const { file: inventory } = writeFleetInventory(fleet, dir);
    const file = join(dir, 'canary.yaml');
    writeFileSync(file, TASK_GROUP);
    const state = join(dir, 'state');
    const events = join(dir, 'events.jsonl');
    const args = [
      'run',
      file,
      '-i',
      inventory,
      '--input',
      `password=${c.password}`,
      '--input',
      `seed=${c.seed}`,
      '--state-dir',
      state,
      '-v',
    ];
    // Act
    const human = await runCli([...args, '--events', events]);
    const json = await runCli([...args, '--json']);
    // Assess
    expect(human.code).toBe(0);
    expect(json.code).toBe(0);
    expect(human.stdout).toContain('run ');
    const dynamo = await startEmbeddedDynamo({ path: join(state, 'db') });
    let stored: string;
    try {
      stored = JSON.stringify(
        (await dynamo.client.send(new ScanCommand({ TableName: 'stepfleet-runs' }))).Items,
      );
    } finally {
      await dynamo.stop();
    }
    expect(stored.length).toBeGreaterThan(1000);
    const everything = {
      humanOut: human.stdout,
      humanErr: human.stderr,
      jsonOut: json.stdout,
      jsonErr: json.stderr,
      events: readFileSync(events, 'utf8'),
      stored,
    };
    for (const [where, text] of Object.entries(everything)) {
      for (const secret of c.secrets)
        expect(text.includes(secret), `${where} holds a confidential value`).toBe(false);
    }
  });
});
