import type { ModelSnapshot } from '../schemas/modelSnapshot.js';

/** One named array of a model, row-major, with its shape. */
export interface ModelArray {
  readonly name: string;
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/**
 * A trained model's parameters as named arrays, what `boltzflow export` writes for NumPy and
 * others: an RBM's `weights` (nVisible × nHidden, row i holding visible unit i's connections),
 * `visible_bias`, `hidden_bias` (and `log_variance` for Gaussian visible units, `data_mean` and
 * `data_std` where the run standardised its data); a BM's `weights` (n × n) and `bias`; a DBM's
 * `weights_1` … `weights_L` (layer l−1 × layer l), `visible_bias`, `hidden_bias_1` … `hidden_bias_L`;
 * a DBN's `layer_1_weights`, `layer_1_visible_bias`, `layer_1_hidden_bias`, … for every layer
 * trained or in training. Training state (velocity, chains, generator) is not a parameter: it stays
 * in the snapshot.
 *
 * @example
 * ```ts
 * import { lastValueFrom } from 'rxjs';
 * import { Matrix, modelArrays, toSnapshot, trainConfigSchema, trainRbm } from 'boltzflow';
 * const data = Matrix.from([[1, 0, 1], [0, 1, 0], [1, 1, 0], [0, 0, 1]]);
 * const config = trainConfigSchema.parse({ nHidden: 2, batchSize: 2 });
 * const last = await lastValueFrom(trainRbm({ data, config }));
 * const arrays = modelArrays(toSnapshot(last, config, { name: 'demo', rows: 4, imageShape: null, binarize: 'none' }));
 * console.log(arrays.map((a) => `${a.name} ${a.shape.join('×')}`).join(', ')); // weights 3×2, visible_bias 3, hidden_bias 2
 * ```
 */
export function modelArrays(snapshot: ModelSnapshot): ModelArray[] {
  const a = (name: string, shape: readonly number[], data: Float32Array): ModelArray => ({ name, shape, data });
  switch (snapshot.model) {
    case 'rbm': {
      const { nVisible: v, nHidden: h, params } = snapshot;
      const st = snapshot.data.standardization;
      return [
        a('weights', [v, h], params.weights),
        a('visible_bias', [v], params.visibleBias),
        a('hidden_bias', [h], params.hiddenBias),
        ...(params.logVariance ? [a('log_variance', [v], params.logVariance)] : []),
        ...(st ? [a('data_mean', [v], st.mean), a('data_std', [v], st.std)] : []),
      ];
    }
    case 'bm':
      return [
        a('weights', [snapshot.nUnits, snapshot.nUnits], snapshot.params.weights),
        a('bias', [snapshot.nUnits], snapshot.params.bias),
      ];
    case 'dbm': {
      const { sizes, params } = snapshot;
      return [
        ...params.weights.map((w, l) => a(`weights_${l + 1}`, [sizes[l], sizes[l + 1]], w)),
        a('visible_bias', [sizes[0]], params.biases[0]),
        ...params.biases.slice(1).map((b, l) => a(`hidden_bias_${l + 1}`, [sizes[l + 1]], b)),
      ];
    }
    case 'dbn': {
      const layers = [
        ...snapshot.trained,
        { ...snapshot.current.params, nVisible: snapshot.current.nVisible, nHidden: snapshot.current.nHidden },
      ];
      return layers.flatMap((layer, l) => [
        a(`layer_${l + 1}_weights`, [layer.nVisible, layer.nHidden], layer.weights),
        a(`layer_${l + 1}_visible_bias`, [layer.nVisible], layer.visibleBias),
        a(`layer_${l + 1}_hidden_bias`, [layer.nHidden], layer.hiddenBias),
        ...(layer.logVariance ? [a(`layer_${l + 1}_log_variance`, [layer.nVisible], layer.logVariance)] : []),
      ]);
    }
  }
}
