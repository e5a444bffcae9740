/**
 * Counts the payload bytes of conmon's k8s-file log as a stream of chunks:
 * each line is `<time> <stream> <F|P> <content>`; an F line's payload is its
 * content plus the newline it ended with, a P line's is its content only.
 * Lines are scanned in place, never copied (a partial line at a chunk's end
 * is the only thing carried over).
 */
const NL = 0x0a;
const SPACE = 0x20;

export class K8sPayloadCounter {
  payloadBytes = 0;
  #carry: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): void {
    const data = this.#carry.length ? Buffer.concat([this.#carry, chunk]) : chunk;
    let start = 0;
    for (;;) {
      const nl = data.indexOf(NL, start);
      if (nl < 0) break;
      this.#line(data, start, nl);
      start = nl + 1;
    }
    this.#carry = Buffer.from(data.subarray(start));
  }

  #line(data: Buffer, start: number, end: number): void {
    const s1 = data.indexOf(SPACE, start);
    const s2 = s1 < 0 ? -1 : data.indexOf(SPACE, s1 + 1);
    if (s2 < 0 || s2 + 1 >= end) return;
    const partial = data[s2 + 1] === 0x50;
    const contentStart = Math.min(s2 + 3, end);
    this.payloadBytes += end - contentStart + (partial ? 0 : 1);
  }
}
