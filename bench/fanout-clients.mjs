// WebSocket clients for bench/fanout.ts, in a process of their own so what they cost is not the service's. Each
// client subscribes to every task; the first and the last client note when each task.output seq arrived, on the
// clock both processes share (performance.timeOrigin + performance.now(), in ms since the epoch).
import { WebSocket } from 'ws';

const now = () => performance.timeOrigin + performance.now();
const clients = [];
const watched = new Map(); // client index -> Map(`${task}:${seq}` -> time)

function open(url, index, count) {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${url}/ws/bench-${index}`);
    const watch = index === 0 || index === count - 1;
    if (watch) watched.set(index, new Map());
    socket.on('message', (data) => {
      const head = data.subarray(0, 200).toString('utf8');
      if (head.startsWith('{"type":"hello"')) socket.send(JSON.stringify({ type: 'subscribe', all: true }));
      else if (head.startsWith('{"type":"subscribed"')) resolve();
      else if (watch) {
        const m = /^\{"type":"task\.output","task_id":"([^"]+)","session_id":"[^"]*","seq":(\d+),/.exec(head);
        if (m) watched.get(index).set(`${m[1]}:${m[2]}`, now());
      }
    });
    socket.on('error', reject);
    clients.push(socket);
  });
}

process.on('message', async (m) => {
  if (m.type === 'open') {
    // One at a time, so the hub's client order (which it sends in) is the order opened: the last opened is served last.
    for (let i = 0; i < m.count; i++) await open(m.url, i, m.count);
    process.send({ type: 'opened' });
  } else if (m.type === 'report') {
    const out = {};
    for (const [index, times] of watched) {
      out[index] = [];
      for (let seq = 1; seq <= m.events; seq++) out[index].push(times.get(`${m.task}:${seq}`) ?? null);
    }
    process.send({ type: 'report', times: out });
  } else if (m.type === 'close') {
    for (const c of clients) c.terminate();
    process.exit(0);
  }
});
