// A small HTTP load generator for bench/ingest.ts, in a process of its own: sends the given requests over `connections`
// keep-alive connections, as fast as they are answered, and reports each one's latency (ms) and status (and, with
// keepBodies, each response body in the order answered).
import http from 'node:http';

process.on('message', async (m) => {
  if (m.type !== 'load') return;
  const agent = new http.Agent({ keepAlive: true, maxSockets: m.connections });
  const latencies = [];
  const statuses = {};
  const bodies = [];
  let next = 0;
  const started = performance.now();
  const one = (r) =>
    new Promise((resolve) => {
      const t0 = performance.now();
      const req = http.request(m.url, { method: 'POST', agent, headers: { ...r.headers, 'content-length': Buffer.byteLength(r.body) } }, (res) => {
        const chunks = [];
        if (m.keepBodies) res.on('data', (c) => chunks.push(c));
        else res.resume();
        res.on('end', () => {
          if (m.keepBodies) bodies.push(Buffer.concat(chunks).toString());
          latencies.push(performance.now() - t0);
          statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
          resolve();
        });
      });
      req.on('error', () => {
        statuses.error = (statuses.error ?? 0) + 1;
        resolve();
      });
      req.end(r.body);
    });
  await Promise.all(
    Array.from({ length: m.connections }, async () => {
      while (next < m.requests.length) await one(m.requests[next++]);
    }),
  );
  agent.destroy();
  process.send({ type: 'done', latencies, statuses, ...(m.keepBodies ? { bodies } : {}), seconds: (performance.now() - started) / 1000 });
});
