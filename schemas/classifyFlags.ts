import { z } from 'zod';
import { BACKEND_NAMES } from '../kernels/selectBackend.js';

const path = (description: string) => z.string().min(1).optional().meta({ description, placeholder: 'PATH' });
const data = 'data';
const training = 'model and training';

/**
 * `boltzflow classify` flags: a classification RBM (inputs and a one-of-K label, Larochelle &
 * Bengio 2008) trained on labelled data and its test error, the test error of a saved one, or a
 * trained DBN or DBM fine-tuned by backpropagation.
 */
export const classifyFlagsSchema = z.strictObject({
  data: z.string().min(1).default('mnist').meta({ description: 'the training inputs (as train --data)', placeholder: 'PATH', group: data }),
  labels: path("the training labels: an IDX label file, or a text file of one class (0 … K−1) per line; mnist's own for mnist").meta({
    group: data,
  }),
  test: path('inputs to report the test error on, at every epoch end and at the end (mnist:test, say)').meta({ group: data }),
  'test-labels': path("their labels (as --labels); mnist:test's own for mnist:test").meta({ group: data }),
  binarize: z
    .enum(['none', 'threshold', 'stochastic'])
    .default('none')
    .meta({ description: 'binarise [0, 1] values: at 0.5, or by sampling each', group: data }),
  limit: z.int().min(1).max(10_000_000).optional().meta({ description: 'use only the first N training records', group: data }),
  model: z.string().min(1).optional().meta({
    description:
      "a classification RBM's snapshot (classify --out's): its test error, no training; or a DBN's or DBM's (train --model dbn|dbm's): unrolled under a softmax (a DBM's with each record's mean-field h² as extra input) and fine-tuned by backpropagation on --data",
    placeholder: 'SNAPSHOT',
    group: training,
  }),
  objective: z.enum(['generative', 'discriminative', 'hybrid']).default('hybrid').meta({
    description: 'generative: ln P(x, y); discriminative: ln p(y | x), exactly; hybrid: ln p(y | x) + α ln P(x, y)',
    group: training,
  }),
  'generative-weight': z.number().min(0).max(1000).default(0.01).meta({ description: 'hybrid: α', group: training }),
  hidden: z.int().min(1).max(100_000).default(500).meta({ description: 'hidden units', group: training }),
  epochs: z
    .int()
    .min(1)
    .max(1_000_000)
    .default(20)
    .meta({ description: 'passes over the training data (with a DBN or DBM: of fine-tuning)', group: training }),
  lr: z.number().positive().max(100).optional().meta({
    description: 'learning rate (falling linearly to 0 over the run)',
    defaultText: '0.5; 0.05 for the generative objective; 0.1 fine-tuning a DBN or DBM',
    group: training,
  }),
  batch: z.int().min(1).max(1_000_000).default(100).meta({ description: 'minibatch size', group: training }),
  seed: z
    .int()
    .min(0)
    .max(0xffffffff)
    .default(1)
    .meta({ description: "the run's generator: initial weights, sampling, shuffling", group: training }),
  backend: z
    .enum(BACKEND_NAMES)
    .default('auto')
    .meta({ description: 'compute backend: auto picks the fastest available', group: training }),
  out: z.string().min(1).optional().meta({
    description: 'a folder for the trained model: snapshot.msgpack, metrics.ndjson (testError at each epoch end), curves.png',
    placeholder: 'DIR',
    group: 'output',
  }),
  json: z.boolean().default(false).meta({ description: 'NDJSON on stdout: one event per epoch, a summary last', group: 'output' }),
});
