import { describe, expect, it } from 'vitest';
import { EngineGate } from '../../local/dynamodb/engine-gate.js';

describe('engine gate (DynamoDB Local shared between the local functions)', () => {
  it('lets at most its limit in at once and serves waiting lanes in turns', async () => {
    // Prepare: the engine full, then a flood in one lane and two requests in the other.
    const gate = new EngineGate(2);
    await gate.enter('background');
    await gate.enter('background');
    const served: string[] = [];
    const waiting = [
      ...['b1', 'b2', 'b3', 'b4'].map((name) =>
        gate.enter('background').then(() => served.push(name)),
      ),
      ...['a1', 'a2'].map((name) => gate.enter('api').then(() => served.push(name))),
    ];
    await new Promise((resolve) => setImmediate(resolve));
    expect(served).toEqual([]);
    expect(gate.stats()).toEqual({ inFlight: 2, waiting: { background: 4, api: 2 } });

    // Act: each answer lets the next request in.
    for (let answered = 0; answered < 6; answered++) {
      gate.leave();
      await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(waiting);

    // Assess: the API requests did not wait for the whole flood.
    expect(served).toEqual(['a1', 'b1', 'a2', 'b2', 'b3', 'b4']);
    expect(gate.stats().inFlight).toBe(2);
  });

  it('frees the slot when nobody waits', async () => {
    const gate = new EngineGate(1);
    await gate.enter('api');
    gate.leave();

    await gate.enter('background');

    expect(gate.stats()).toEqual({ inFlight: 1, waiting: {} });
  });
});
