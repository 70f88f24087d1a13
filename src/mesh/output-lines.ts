// The lines a child process prints (a service, a ContainerSource, a JobSink's job), each cut at a bound: a
// process that never prints a newline cannot grow kne's memory without end.
import type {Readable} from 'node:stream'

/** The longest line passed on, in characters (at most 64 KiB of UTF-8); the rest follows as further lines. */
export const MAX_OUTPUT_LINE_CHARS = 16_384

/** Calls `onLine` for every line of `stream` (without its `\n` or `\r\n`), the last one at its end. */
export function forEachOutputLine(stream: Readable, onLine: (line: string) => void, maxChars = MAX_OUTPUT_LINE_CHARS): void {
  let pending = ''
  const emit = (line: string): void => {
    const text = line.endsWith('\r') ? line.slice(0, -1) : line
    let at = 0
    for (; text.length - at > maxChars; at += maxChars) onLine(text.slice(at, at + maxChars))
    onLine(text.slice(at))
  }
  stream.setEncoding('utf8')
  stream.on('data', (chunk: string) => {
    pending += chunk
    let start = 0
    for (let newline = pending.indexOf('\n'); newline !== -1; newline = pending.indexOf('\n', start)) {
      emit(pending.slice(start, newline))
      start = newline + 1
    }
    pending = pending.slice(start)
    while (pending.length >= maxChars) {
      onLine(pending.slice(0, maxChars))
      pending = pending.slice(maxChars)
    }
  })
  stream.on('end', () => {
    if (pending !== '') emit(pending)
  })
}
