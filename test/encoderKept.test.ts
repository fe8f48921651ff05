import test from 'ava';
import { lastValueFrom, tap, toArray } from 'rxjs';
import { createBm, encoderMask } from '../models/bm.js';
import { completionRate } from '../models/encoderCompletion.js';
import { trainEncoder, type EncoderOptions } from '../pipelines/trainEncoder.js';
import { decodeModelSnapshot, encodeModelSnapshot } from '../schemas/modelSnapshot.js';
import { encoderSnapshot } from '../sinks/stateSnapshot.js';

const run = async (o: Omit<EncoderOptions, 'visible' | 'hidden'>) =>
  lastValueFrom(trainEncoder({ visible: 4, hidden: 2, maxCycles: 300, ...o }).pipe(toArray()));

test('kept (the default, `end`): a run is solved at the first cycle whose codes pass and pass again `keep` cycles later, its last cycle, whatever a cycle between did (seed 2, keep 3: codes at 60, none at 61, again at 62 and 63); `every` waits for keep + 1 passing cycles in a row (62)', async (t) => {
  const events = await run({ seed: 2, keep: 3 });
  const at = (c: number) => events.find((e) => e.cycle === c)!;
  const end = events.at(-1)!;
  t.is(end.solvedAt, 60);
  t.is(end.cycle, 63, 'the run ends keep cycles after its solving cycle');
  t.true(at(60).codesPass && at(63).codesPass);
  t.false(at(61).codesPass, 'a cycle between whose codes collide does not undo the solution');
  for (const e of events.slice(0, -1)) t.false(e.solved);
  for (let c = 1; c + 3 <= 63; c++) if (c !== 60) t.false(at(c).codesPass && at(c + 3).codesPass, `cycle ${c} is not an earlier solution`);
  const every = await run({ seed: 2, keep: 3, kept: 'every' });
  t.is(every.at(-1)!.solvedAt, 62);
  t.true(every.slice(-4).every((e) => e.codesPass));
});

test('an encoder snapshot taken between the solving cycle and its check resumes to the same solution: the pass history travels in the snapshot', async (t) => {
  const options = { visible: 4, hidden: 2, seed: 2, keep: 3, maxCycles: 300 };
  let bytes: Uint8Array | null = null; // encoded during the run: an event's state is the live one, valid until the next cycle
  const straight = await lastValueFrom(
    trainEncoder(options).pipe(
      tap((e) => e.cycle === 61 && (bytes = encodeModelSnapshot(encoderSnapshot(e, options)))), // solved at 60, checked at 63
      toArray(),
    ),
  );
  if (!bytes) return t.fail('no snapshot at cycle 61');
  const snap = decodeModelSnapshot(bytes, 'encoder snapshot');
  if (snap.model !== 'bm') return t.fail(`a ${snap.model} snapshot`);
  const resumed = await lastValueFrom(trainEncoder({ ...options, resume: snap }).pipe(toArray()));
  t.deepEqual(
    resumed.map((e) => [e.cycle, e.codesPass, e.solvedAt]),
    straight.slice(61).map((e) => [e.cycle, e.codesPass, e.solvedAt]),
  );
});

test('completion rate on hand-made weights: 1 where V1 fixes V2 through H, 0 where it fixes the wrong V2, 1/4 (±0.03, 3,000 trials) where no weight says anything and the two V2 units are fair coins', (t) => {
  const linked = (sign: number) => {
    const bm = createBm({ nVisible: 4, nHidden: 1, seed: 4, mask: encoderMask(2, 1, 2) }); // V1 0–1, V2 2–3, H 4
    const w = bm.params.weights.data,
      link = (i: number, j: number, v: number) => (w[i * 5 + j] = w[j * 5 + i] = v);
    link(0, 4, 80); // V1 outweighs whatever V2 starts in: H's field is ±80 ± 40
    link(1, 4, -80);
    link(4, 2, 40 * sign);
    link(4, 3, -40 * sign);
    bm.params.bias.set([0, 0, -20 * sign, 20 * sign, 0]);
    return bm;
  };
  const schedule = [{ temperature: 1, sweeps: 20 }];
  t.is(completionRate(linked(1), 2, schedule, 50), 1);
  t.is(completionRate(linked(-1), 2, schedule, 50), 0);
  const blank = createBm({ nVisible: 4, nHidden: 1, seed: 4, mask: encoderMask(2, 1, 2) });
  const r = completionRate(blank, 2, schedule, 3000);
  t.true(Math.abs(r - 0.25) < 0.03, `${r}`);
});
