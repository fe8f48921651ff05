import { defer, finalize, tap, type MonoTypeOperatorFunction } from 'rxjs';
import type { AnyModel } from '../models/modelKinds.js';
import type { StepEvent } from '../operators/phases.js';
import type { NatsLink } from '../sources/natsConnect.js';
import { stepRecord, type MetricsSinkOptions } from './metricsSink.js';

/**
 * Publishes each step's metrics (the JSON object of `metricsSink`, `{"event":"step",…}`) on a core
 * NATS subject, so that a run anywhere can be watched from anywhere (`boltzflow watch`, or any NATS
 * client subscribed to it), and when the run ends, `{"event":"end","step":…,"failed":…}`. Fire and forget: nobody listening costs nothing, a slow listener never
 * slows training (the client buffers while reconnecting). Events pass through unchanged.
 *
 * @example
 * ```ts
 * import { lastValueFrom, take } from 'rxjs';
 * import { natsAddress, natsConnect, natsMetricsSink, trainOnline } from 'boltzflow';
 * const url = process.env.NATS_URL ?? 'nats://127.0.0.1:4222'; // a server started with nats-server -js
 * const link = await natsConnect(natsAddress(`${url}/x`, '--metrics-subject'), { field: '--metrics-subject' });
 * const got: string[] = [];
 * const sub = link.nc.subscribe('example.metrics', { callback: (_e, m) => got.push(m.string()) });
 * async function* feed() { for (let i = 0; ; i++) yield { values: Float32Array.from({ length: 4 }, (_, j) => (i + j) % 2), where: `record ${i}` }; }
 * await lastValueFrom(trainOnline({ records: feed(), config: { nHidden: 2, batchSize: 2 } }).pipe(take(3), natsMetricsSink(link, 'example.metrics')));
 * await link.nc.flush();
 * await new Promise((r) => setTimeout(r, 100));
 * console.log(got.length, JSON.parse(got[2]).step, JSON.parse(got[3]).event); // 4 3 end
 * sub.unsubscribe();
 * await link.close();
 * ```
 */
export function natsMetricsSink<E extends StepEvent<AnyModel> = StepEvent>(
  link: NatsLink,
  subject: string,
  options: MetricsSinkOptions = {},
): MonoTypeOperatorFunction<E> {
  return (source) =>
    defer(() => {
      const start = performance.now() - (options.secondsFrom ?? 0) * 1000;
      let step: number | null = null;
      let ended = false;
      const publish = (record: object) => {
        if (!link.nc.isClosed()) link.nc.publish(subject, JSON.stringify(record));
      };
      const end = (failed: boolean) => {
        if (ended) return;
        ended = true;
        publish({ event: 'end', step, failed, seconds: (performance.now() - start) / 1000 });
      };
      return source.pipe(
        tap({
          next: (e) => {
            step = e.step;
            publish(stepRecord(e, (performance.now() - start) / 1000));
          },
          complete: () => end(false),
          error: () => end(true),
        }),
        // Unsubscribed without completing (a stage after this one failed, or stopped the run): the run ended all the same.
        finalize(() => end(false)),
      );
    });
}
