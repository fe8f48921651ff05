import test from 'ava';
import { lastValueFrom, map, toArray } from 'rxjs';
import { dbnFeatures } from '../models/dbn.js';
import { trainDbn } from '../pipelines/trainDbn.js';
import { binaryData, bytesOf } from './helpers.js';

// Greedy DBN training hands each layer above the layer below as it was trained (not as it was
// created): the final network's lower layers are, byte for byte, the models of their layers' last
// step events, and the layer above learned from their features.

test("trainDbn: the final DBN's first layer is the one its last layer-0 event trained (the same bytes, not the initial RBM), and the second layer's features come from it", async (t) => {
  const data = binaryData(60, 6, 11);
  const events = await lastValueFrom(
    trainDbn({
      data,
      layers: [
        { nHidden: 4, batchSize: 10, epochs: 3, seed: 1, learningRate: 0.5, centering: false },
        { nHidden: 3, batchSize: 10, epochs: 1, seed: 2 },
      ],
    }).pipe(
      map((e) => ({ e, weights: e.model.params.weights.data.slice(), hiddenBias: e.model.params.hiddenBias.slice() })),
      toArray(),
    ),
  );
  const ofFirst = events.filter(({ e }) => e.layer === 0);
  const trained = ofFirst.at(-1)!;
  const final = events.at(-1)!.e;
  t.is(final.layer, 1);
  t.is(final.dbn.layers.length, 2);
  const bottom = final.dbn.layers[0];
  t.true(bytesOf(bottom.params.weights.data).equals(bytesOf(trained.weights)), "the final DBN's layer 0 has the trained weights");
  t.true(bytesOf(bottom.params.hiddenBias).equals(bytesOf(trained.hiddenBias)), '… and hidden biases');
  t.is(final.dbn.layers[1], final.model, 'layer 1 is the model in training');
  // Teeth: layer 0's weights moved far over its training (from after its first step to its last).
  const moved = trained.weights.reduce((m, w, i) => Math.max(m, Math.abs(w - ofFirst[0].weights[i])), 0);
  t.true(moved > 0.05, `layer 0's weights moved by ${moved}`);
  // The up pass of the final network is that of the trained layer 0.
  t.deepEqual(
    Array.from(dbnFeatures(final.dbn, data, 1).data),
    Array.from(dbnFeatures({ kind: 'dbn', layers: [trained.e.model] }, data, 1).data),
  );
});
