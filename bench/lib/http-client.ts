import { Agent, get } from 'node:http';

/**
 * A lean HTTP/1.1 client for latency figures: one keep-alive connection per origin, no
 * parsing beyond the status and the body. Its own cost is in every sample alike, so ratios of
 * two endpoints measured with it compare the endpoints.
 */
const agent = new Agent({ keepAlive: true, maxSockets: 1 });

export const httpGet = (url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> =>
  new Promise((resolve, reject) => {
    get(url, { agent, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    }).on('error', reject);
  });

export const getJson = async <T>(url: string, headers: Record<string, string> = {}): Promise<T> => {
  const { status, body } = await httpGet(url, headers);
  if (status !== 200) throw new Error(`GET ${url} answered ${status}: ${body.slice(0, 300)}`);
  return JSON.parse(body) as T;
};

/**
 * Latencies (ms) of sequential GETs, interleaved: `paths[0]`, `paths[1]`, …, `paths[0]`, …, so
 * that noise on the machine falls on every target alike. `url` gives the i-th URL of a target,
 * `headers` what every request of it carries (e.g. Authorization).
 */
export const interleavedLatencies = async (
  targets: readonly { name: string; url: (i: number) => string; headers?: Record<string, string> }[],
  requestsEach: number,
  onProgress?: (done: number) => void,
): Promise<Record<string, number[]>> => {
  const samples: Record<string, number[]> = Object.fromEntries(targets.map((t) => [t.name, []]));
  for (let i = 0; i < requestsEach; i++) {
    for (const target of targets) {
      const url = target.url(i);
      const started = performance.now();
      const { status, body } = await httpGet(url, target.headers);
      const elapsed = performance.now() - started;
      if (status !== 200) throw new Error(`GET ${url} answered ${status}: ${body.slice(0, 300)}`);
      samples[target.name]!.push(elapsed);
    }
    if (i % 50 === 0) onProgress?.(i);
  }
  onProgress?.(requestsEach);
  return samples;
};
