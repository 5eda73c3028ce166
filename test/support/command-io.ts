/**
 * What a command writes when its `main` runs in-process in a test: the streams to give it, and what came
 * out of them.
 */

/** Streams that keep each write, in order, with the variables the command reads when given. */
export function captureIo(env?: Readonly<Record<string, string | undefined>>) {
  const out: string[] = [];
  const err: string[] = [];
  const io = {
    out: (text: string) => void out.push(text),
    err: (text: string) => void err.push(text),
    ...(env === undefined ? {} : { env }),
  };
  return { io, out, err };
}

/** Streams whose output is read back as text: `{ ...streams, now, env }` is a command's io. */
export function captureText() {
  const captured = { stdout: '', stderr: '' };
  const streams = {
    out: (text: string) => {
      captured.stdout += text;
    },
    err: (text: string) => {
      captured.stderr += text;
    },
  };
  return { streams, captured };
}
