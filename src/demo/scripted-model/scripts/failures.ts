import { errorTypeFor, num, text } from '../replies.js';
import type { Script } from '../types.js';

// Scripts that make the API fail: an error status, or a stream cut mid-way; with a count, only the first N requests.

/** The N of `error STATUS N` / `drop N`: unset means every request fails. */
const failFirst = (arg: string | undefined) => (arg === undefined ? Infinity : Math.floor(num(arg, Infinity)));

export const errorScript: Script = ({ args, failing }) => {
  const status = Math.floor(num(args[0], 500));
  const n = failFirst(args[1]);
  const { fails, count } = failing(n);
  if (!fails) return { reply: text(`Recovered after ${n} failed requests.`) };
  return {
    error: {
      status,
      type: errorTypeFor(status),
      message: `Scripted ${status} error (request ${count}${Number.isFinite(n) ? ` of ${n} failing` : ''})`,
    },
  };
};

export const dropScript: Script = ({ args, failing }) => {
  const n = failFirst(args[0]);
  if (failing(n).fails) return { reply: { ...text('This stream is cut before it ends.'), chunkSize: 8, dropMidStream: true } };
  return { reply: text(`Recovered after ${n} dropped streams.`) };
};
