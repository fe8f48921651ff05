import { identity, type MonoTypeOperatorFunction } from 'rxjs';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import type { AnyModel } from '../models/modelKinds.js';
import type { StepEvent } from '../operators/phases.js';
import type { MetricsSinkOptions } from '../sinks/metricsSink.js';
import { natsMetricsSink } from '../sinks/natsMetricsSink.js';
import { isNatsSpec, natsAddress } from '../sources/natsAddress.js';
import { natsConnect, type NatsLink } from '../sources/natsConnect.js';

/** A subject and its server: `nats://HOST:PORT/SUBJECT`, or `SUBJECT` on the server of a `nats://` feed. */
export function subjectAddress(spec: string, field: string, feed?: string): { server: string; subject: string } {
  const m = /^(nats:\/\/[^/]+)\/(.+)$/.exec(spec);
  const subject = m ? m[2] : spec;
  if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(subject))
    throw new BoltzflowError(
      field,
      spec,
      'a NATS subject (letters, digits, - and _, in tokens separated by dots; no wildcards), or nats://HOST:PORT/SUBJECT',
    );
  if (m) return { server: natsAddress(`${m[1]}/x`, field).server, subject };
  if (!feed || !isNatsSpec(feed))
    throw new BoltzflowError(field, spec, 'nats://HOST:PORT/SUBJECT (a bare subject is published on the server of a nats:// --data feed)');
  return { server: natsAddress(feed.replace(/\?.*$/, ''), '--data').server, subject };
}

/** `--metrics-subject`: the operator that publishes each step's metrics there, and the connection to close at the end. */
export async function metricsSubjectFlag<E extends StepEvent<AnyModel> = StepEvent>(
  spec: string | undefined,
  feed: string | undefined,
  onStatus: (line: string) => void,
): Promise<{ tap: (options?: MetricsSinkOptions) => MonoTypeOperatorFunction<E>; link: NatsLink | null }> {
  if (!spec) return { tap: () => identity, link: null };
  const { server, subject } = subjectAddress(spec, '--metrics-subject', feed);
  const link = await natsConnect({ server }, { field: '--metrics-subject', onStatus });
  return { tap: (options) => natsMetricsSink<E>(link, subject, options), link };
}
