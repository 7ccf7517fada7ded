// WebSocket clients for bench/fanout.ts, in processes of their own so what they cost is not the service's; the bench
// forks several, each holding a share of the clients, so no one receiving process is what the figures measure. A
// `ws` client subscribes to every task and counts the task.output events it gets per task (and whether their seqs came
// in order); the clients named in `watch` also note when each seq arrived, on the clock every process shares
// (performance.timeOrigin + performance.now(), in ms since the epoch). With `readers`, the clients not watched are
// byte readers instead: a real WebSocket handshake and subscription, then every byte read from the socket (so the
// server sees a client that keeps up, as a browser would) and none parsed — a browser parses on its own machine,
// not on the two cores the service has here. Forked with no clients, the process probes GET /health instead.
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { Sender, WebSocket } from 'ws';

const now = () => performance.timeOrigin + performance.now();
const clients = []; // { index, socket, tasks: Map(task -> { count, last, ordered }), times?: Map(`${task}:${seq}` -> ms), closeCode }
let probing;

function open(url, index, watched) {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${url}/ws/bench-${index}`);
    const client = { index, socket, tasks: new Map(), times: watched ? new Map() : undefined, closeCode: null };
    socket.on('message', (data) => {
      // Events are serialised with `type` first: the head of a frame says what it is.
      const head = data.subarray(0, 200).toString('utf8');
      const m = /^\{"type":"task\.output","task_id":"([^"]+)","session_id":"[^"]*","seq":(\d+),/.exec(head);
      if (m) {
        const seq = Number(m[2]);
        client.times?.set(`${m[1]}:${seq}`, now());
        const task = client.tasks.get(m[1]) ?? { count: 0, last: 0, ordered: true };
        client.tasks.set(m[1], task);
        task.count++;
        task.ordered &&= seq === task.last + 1;
        task.last = seq;
      } else if (head.startsWith('{"type":"hello"')) socket.send(JSON.stringify({ type: 'subscribe', all: true }));
      else if (head.startsWith('{"type":"subscribed"')) resolve(client);
    });
    socket.on('close', (code) => {
      client.closeCode = code;
    });
    socket.once('error', reject);
  });
}

/** A client that does the handshake and subscribes, then only reads: it counts bytes, parses nothing. */
function openReader(url, index) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname);
    const client = { index, socket, bytes: 0, closeCode: null };
    let head = '';
    socket.on('connect', () => {
      const key = randomBytes(16).toString('base64');
      socket.write(`GET /ws/bench-${index} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    });
    socket.on('data', (chunk) => {
      client.bytes += chunk.length;
      if (head === null) return;
      const upgraded = head.includes('\r\n\r\n');
      head += chunk.toString('latin1');
      if (!upgraded && head.includes('\r\n\r\n')) {
        // A client's frames are masked (ws masks the payload in place when it is not read-only).
        const subscribe = Buffer.from(JSON.stringify({ type: 'subscribe', all: true }));
        socket.write(Buffer.concat(Sender.frame(subscribe, { fin: true, opcode: 1, mask: true, readOnly: false, rsv1: false })));
      }
      if (head.includes('{"type":"subscribed"')) {
        head = null;
        resolve(client);
      }
    });
    socket.on('close', () => {
      client.closeCode ??= -1;
    });
    socket.once('error', reject);
  });
}

async function probe(url) {
  const latencies = [];
  probing = { stop: false, latencies };
  while (!probing.stop) {
    const t0 = performance.now();
    const res = await fetch(`${url}/health`);
    await res.text();
    latencies.push(performance.now() - t0);
    await new Promise((r) => setTimeout(r, 10));
  }
  return latencies;
}

process.on('message', async (m) => {
  if (m.type === 'open') {
    // One at a time, so the hub's client order (which it sends in) is the order of the indices.
    for (let i = m.from; i < m.to; i++) {
      const watched = m.watch.includes(i);
      clients.push(await (m.readers && !watched ? openReader(m.url, i) : open(m.url, i, watched)));
    }
    process.send({ type: 'opened' });
  } else if (m.type === 'report') {
    const out = [];
    for (const c of clients) {
      if (!c.tasks) {
        out.push({ index: c.index, bytes: c.bytes, closeCode: c.closeCode });
        continue;
      }
      const task = c.tasks.get(m.task) ?? { count: 0, ordered: true };
      const times = c.times ? Array.from({ length: m.events }, (_, i) => c.times.get(`${m.task}:${i + 1}`) ?? null) : undefined;
      out.push({ index: c.index, count: task.count, ordered: task.ordered, closeCode: c.closeCode, times });
    }
    process.send({ type: 'report', clients: out });
  } else if (m.type === 'probe') {
    const done = probe(m.url);
    process.send({ type: 'probing' });
    process.send({ type: 'probed', latencies: await done });
  } else if (m.type === 'stop') {
    probing.stop = true;
  } else if (m.type === 'close') {
    for (const c of clients) {
      if (c.tasks) c.socket.terminate();
      else c.socket.destroy();
    }
    process.exit(0);
  }
});
