import { z } from 'zod';

/**
 * `boltzflow encoder` flags. The defaults are Ackley, Hinton & Sejnowski (1985)'s protocol (see
 * `EncoderOptions`), and for 40-10-40 the paper's settings for it (Figure 5: `--repeats 1
 * --unconnected 300 --noise-on 0.1 --noise-off 0.0025 --noise-until 800 --stop end
 * --completion-every 100`); `--repeats 5 --threshold 0.05 --probes shuffled --success recall` is the
 * library's earlier recipe, `--weight-std` starts from random weights, `--weight-decay` bounds them.
 */
export const encoderFlagsSchema = z.strictObject({
  seeds: z.int().min(1).max(1000).default(5).meta({ description: 'runs, each from its own seed' }),
  'max-cycles': z.int().min(1).max(1_000_000).default(4000).meta({ description: 'learning cycles per run at most' }),
  'check-every': z.int().min(1).max(100_000).default(10).meta({ description: 'with --success recall: cycles between recall tests' }),
  step: z.number().positive().max(1000).default(2).meta({ description: 'each weight moves by ±step in the sign of p⁺ − p⁻' }),
  threshold: z.number().min(0).max(1).default(0).meta({ description: 'no step where |p⁺ − p⁻| ≤ threshold' }),
  'weight-decay': z
    .number()
    .min(0)
    .max(0.5)
    .default(0)
    .meta({ description: 'each cycle the weights (not the biases) shrink by this fraction of themselves (the paper: 0)' }),
  repeats: z
    .int()
    .min(1)
    .max(1000)
    .optional()
    .meta({ description: 'presentations of each pattern per cycle, clamped and free', defaultText: '2; 1 for 40-10-40' }),
  unconnected: z.int().min(0).max(1_000_000).optional().meta({
    description: 'first cycles with H unconnected and exact clamping, the visible groups learning alone',
    defaultText: '0; 300 for 40-10-40',
  }),
  'noise-until': z.int().min(1).max(1_000_000).optional().meta({
    description: 'the last cycle of noisy clamping, exact after it (--max-cycles or more: noisy throughout)',
    defaultText: 'never; 800 for 40-10-40',
  }),
  stop: z.enum(['solved', 'end']).optional().meta({
    description: 'a run ends once solved, or runs every cycle (the solving cycle still reported)',
    defaultText: 'solved; end for 40-10-40',
  }),
  'completion-every': z
    .int()
    .min(0)
    .max(1_000_000)
    .optional()
    .meta({ description: 'cycles between completion tests during a run (0: at the end only)', defaultText: '0; 100 for 40-10-40' }),
  'test-slowdown': z
    .int()
    .min(1)
    .max(100)
    .default(1)
    .meta({ description: "the completion test's sweeps at each temperature, times the paper's gentle test schedule's" }),
  'weight-std': z
    .number()
    .min(0)
    .max(100)
    .default(0)
    .meta({ description: 'standard deviation of the initial weights (0: all start at 0)' }),
  probes: z
    .enum(['random', 'shuffled'])
    .default('random')
    .meta({ description: 'a sweep: as many random single-unit probes as free units, or each free unit once' }),
  success: z
    .enum(['codes', 'recall'])
    .default('codes')
    .meta({ description: "solved when the patterns' hidden codes are distinct and kept, or when recall from V1 succeeds twice in a row" }),
  keep: z.int().min(0).max(100_000).default(20).meta({ description: 'cycles after the solving cycle at which the codes must still pass' }),
  kept: z
    .enum(['end', 'every'])
    .default('end')
    .meta({ description: 'kept means: the codes pass again --keep cycles later (end) or at each of those cycles (every)' }),
  'min-distance': z
    .int()
    .min(1)
    .max(64)
    .optional()
    .meta({ description: 'bits every two codes must differ in', defaultText: '2 where the codes can be, else 1' }),
  'noise-on': z
    .number()
    .min(0)
    .max(1)
    .optional()
    .meta({ description: 'noisy clamping: the probability an on-bit is clamped off', defaultText: '0.15; 0.1 for 40-10-40' }),
  'noise-off': z.number().min(0).max(1).optional().meta({
    description: 'noisy clamping: the probability an off-bit is clamped on',
    defaultText: '0.05, 0.02 from 8 patterns on; 0.0025 for 40-10-40',
  }),
  json: z.boolean().default(false).meta({ description: 'NDJSON on stdout: one event per run, a summary last' }),
});

export type EncoderFlags = z.output<typeof encoderFlagsSchema>;
