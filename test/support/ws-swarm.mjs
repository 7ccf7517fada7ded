// Many WebSocket clients in a process of their own (forked by test/support/ws-swarm.ts), so what the clients cost
// (receiving and checking gigabytes of frames) does not run on the service's event loop. Each client subscribes to
// every task and keeps only a few facts per frame: each task's task.output seqs and the final events that came.
// Plain JavaScript: a forked process has no TypeScript loader.
import { WebSocket } from 'ws';

const clients = [];

function open(url, index) {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${url}/ws/swarm-${index}`);
    const client = { socket, tasks: new Map(), closeCode: null, bytes: 0 };
    const task = (id) => {
      if (!client.tasks.has(id)) client.tasks.set(id, { seqs: [], finals: [] });
      return client.tasks.get(id);
    };
    socket.on('message', (data, isBinary) => {
      if (isBinary) return;
      client.bytes += data.length;
      // Events are serialised with `type` first and `task_id` second; the head of a frame says what it is, so a
      // 2 MB frame is never parsed whole.
      const head = data.subarray(0, 300).toString('utf8');
      if (head.startsWith('{"type":"subscribed"')) client.onSubscribed?.();
      const output = /^\{"type":"task\.output","task_id":"([^"]+)","session_id":"[^"]*","seq":(\d+),/.exec(head);
      if (output) {
        task(output[1]).seqs.push(Number(output[2]));
        return;
      }
      const final = /^\{"type":"task\.(completed|failed|cancelled)","task_id":"([^"]+)"/.exec(head);
      if (final) task(final[2]).finals.push(final[1]);
    });
    socket.once('error', reject);
    socket.on('close', (code) => {
      client.closeCode = code;
    });
    socket.once('open', () => {
      client.onSubscribed = () => {
        client.onSubscribed = undefined;
        resolve(client);
      };
      socket.send(JSON.stringify({ type: 'subscribe', all: true }));
    });
  });
}

function summary(client, taskId) {
  const { seqs, finals } = client.tasks.get(taskId) ?? { seqs: [], finals: [] };
  return {
    open: client.socket.readyState === WebSocket.OPEN,
    closeCode: client.closeCode,
    finals,
    bytes: client.bytes,
    firstSeq: seqs[0] ?? null,
    lastSeq: seqs.at(-1) ?? null,
    // Every seq between the first and the last, once and in order.
    contiguous: seqs.every((s, i) => s === seqs[0] + i),
  };
}

process.on('message', async (message) => {
  try {
    if (message.type === 'open') {
      for (let i = 0; i < message.count; i += 50) {
        const batch = [];
        for (let j = i; j < Math.min(message.count, i + 50); j++) batch.push(open(message.url, j));
        clients.push(...(await Promise.all(batch)));
      }
      process.send({ type: 'opened', count: clients.length });
    } else if (message.type === 'report') {
      process.send({ type: 'report', clients: clients.map((c) => summary(c, message.taskId)) });
    } else if (message.type === 'close') {
      for (const c of clients) c.socket.terminate();
      process.send({ type: 'closed' });
      process.disconnect();
    }
  } catch (err) {
    process.send({ type: 'error', error: String(err?.stack ?? err) });
  }
});
