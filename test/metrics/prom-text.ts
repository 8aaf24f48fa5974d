import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

/**
 * The Prometheus text format read by an independent parser (parse-prometheus-text-format, not
 * prom-client's own writer), and the lookups the tests make in it. That parser folds every series
 * of a histogram with labels into one (it keys buckets by `le` alone), so histograms are read here
 * from their _count/_sum/_bucket lines, once the parser has accepted the whole text.
 */

export interface Sample {
  value?: string;
  labels?: Record<string, string>;
  buckets?: Record<string, string>;
  count?: string;
  sum?: string;
}

export interface Family {
  name: string;
  help: string;
  type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED';
  metrics: Sample[];
}

const parseText = createRequire(import.meta.url)('parse-prometheus-text-format') as (text: string) => Family[];

export class Scrape {
  readonly families: ReadonlyMap<string, Family>;

  constructor(readonly text: string) {
    this.families = new Map(parseText(text).map((f) => [f.name, f]));
  }

  family(name: string): Family {
    const f = this.families.get(name);
    assert.ok(f, `${name} is in the scrape`);
    return f;
  }

  /** The samples of `name` whose labels include `labels`. */
  samples(name: string, labels: Record<string, string> = {}): Sample[] {
    return this.family(name).metrics.filter((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  }

  /** The one value of `name` with these labels; undefined when no sample has them. */
  value(name: string, labels: Record<string, string> = {}): number | undefined {
    const found = this.samples(name, labels);
    assert.ok(found.length <= 1, `one sample of ${name} ${JSON.stringify(labels)}, found ${found.length}`);
    return found[0]?.value === undefined ? undefined : Number(found[0].value);
  }

  /** A histogram's series whose labels include `labels`, summed: observations, their sum, and each bucket's count by `le`. */
  histogram(name: string, labels: Record<string, string> = {}): { count: number; sum: number; buckets: Record<string, number> } {
    assert.equal(this.family(name).type, 'HISTOGRAM');
    const found = { count: 0, sum: 0, buckets: {} as Record<string, number> };
    for (const line of this.text.split('\n')) {
      const sample = SAMPLE_LINE.exec(line);
      if (!sample || !sample[1]!.startsWith(`${name}_`)) continue;
      const own: Record<string, string> = {};
      for (const [, k, v] of (sample[2] ?? '').matchAll(LABEL)) own[k!] = v!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
      if (!Object.entries(labels).every(([k, v]) => own[k] === v)) continue;
      const value = Number(sample[3]);
      const suffix = sample[1]!.slice(name.length + 1);
      if (suffix === 'count') found.count += value;
      else if (suffix === 'sum') found.sum += value;
      else if (suffix === 'bucket') found.buckets[own['le']!] = (found.buckets[own['le']!] ?? 0) + value;
    }
    return found;
  }
}

/** `name{labels} value` (the text format's sample line, without a timestamp as prom-client writes it). */
const SAMPLE_LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** GET /metrics of a local API; asserts a 200 in the text format's content type. */
export async function scrape(port: number, headers: Record<string, string> = {}): Promise<Scrape> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`, { headers });
  assert.equal(res.status, 200, await res.clone().text());
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return new Scrape(await res.text());
}
