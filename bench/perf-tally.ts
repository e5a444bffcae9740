/**
 * Where berthd's CPU goes, from the text of `perf script -F pid,tid,period,ip,sym,dso`
 * over a `perf record -e cpu-clock -g` of berthd (perf-record.ts). Each
 * sample is charged, with its period (ns of CPU under cpu-clock), to its
 * thread (berthd's main thread, or the others: libuv's thread pool and V8's
 * helpers) and to what its innermost frame is: JavaScript in V8's
 * interpreter and inline caches, compiled JavaScript, V8's garbage
 * collector, V8's compiler, the rest of V8 and node in C++, SQLite, libc,
 * or the kernel, there by the system call on the stack. Pure: it reads
 * lines and adds up.
 */

/** One frame of a sample, innermost first: the symbol and the object it lies in. */
interface Frame {
  sym: string;
  dso: string;
}

const HEADER = /^\s*(\d+)\/(\d+)\s+(\d+)\s*$/;
/** "\t<addr> <symbol, may hold spaces and parentheses> (<dso>)" */
const FRAME = /^\s+[0-9a-f]+\s+(.*)\s+\(([^()]*)\)\s*$/;
const SYSCALL = /^__(?:x64|do|se|ia32)_sys_(\w+)$/;
const GC =
  /^v8::internal::(?:Heap|Scaveng|MarkCompact|MinorMarkCompact|Sweeper|MarkingVisitor|MarkingBarrier|ConcurrentMarking|Evacuat|MemoryAllocator|MemoryChunk|GCTracer|RememberedSet|SlotSet|IncrementalMarking|LocalHeap|PagedSpace|NewSpace|SemiSpace)/;
const COMPILER =
  /^v8::internal::(?:compiler::|maglev::|baseline::|interpreter::|Compiler|Parser|ParserBase|PreParser|Scanner|Zone|Pipeline|OptimizingCompileDispatcher|Deoptimizer)/;

/** What the innermost frame of a sample is doing (see the module comment). */
export function categoryOf(frames: Frame[]): string {
  const leaf = frames[0];
  if (!leaf) return 'unknown';
  if (leaf.dso === '[kernel.kallsyms]') {
    for (const f of frames) {
      const m = SYSCALL.exec(f.sym);
      if (m) return `kernel: ${m[1]}`;
    }
    return 'kernel: no system call (faults, interrupts, scheduling)';
  }
  if (leaf.sym.startsWith('Builtins_')) return 'JS: interpreter, inline caches, builtins';
  if (leaf.sym.startsWith('JS:') || leaf.dso === '[unknown]' || leaf.dso.startsWith('[JIT]') || leaf.dso.startsWith('/tmp/perf-')) return 'JS: compiled code';
  if (leaf.dso.includes('better_sqlite3')) return 'SQLite';
  if (/\/lib(?:c|m|stdc\+\+|gcc_s|pthread)[.-]/.test(leaf.dso) || leaf.dso.includes('ld-linux')) return 'libc, libstdc++';
  if (GC.test(leaf.sym)) return 'V8: garbage collector';
  if (COMPILER.test(leaf.sym)) return 'V8: parser and compilers';
  if (leaf.dso.endsWith('.node')) return `native addon: ${leaf.dso.replace(/.*\//, '')}`;
  return 'V8 and node, C++';
}

/** ns per category, for berthd's main thread and for its other threads. */
export interface Tally {
  main: Map<string, number>;
  others: Map<string, number>;
}

/**
 * Adds `perf script` output line by line. `pid` is berthd's (the tid of its
 * main thread); without it, the process of the first sample. Samples of
 * other processes are skipped.
 */
export class PerfTally {
  readonly #tally: Tally = { main: new Map(), others: new Map() };
  #current: { main: boolean; periodNs: number; frames: Frame[] } | null = null;
  #pid: number | undefined;

  constructor(pid?: number) {
    this.#pid = pid;
  }

  /** One line of `perf script` output (without its newline). */
  add(line: string): void {
    const header = HEADER.exec(line);
    if (header) {
      this.#flush();
      const [pid, tid, periodNs] = [Number(header[1]), Number(header[2]), Number(header[3])];
      this.#pid ??= pid;
      if (pid === this.#pid) this.#current = { main: tid === pid, periodNs, frames: [] };
      return;
    }
    const frame = FRAME.exec(line);
    if (frame && this.#current) this.#current.frames.push({ sym: frame[1], dso: frame[2] });
    else if (line.trim() === '') this.#flush();
  }

  /** Charges the sample in progress; call once after the last line. */
  finish(): Tally {
    this.#flush();
    return this.#tally;
  }

  #flush(): void {
    const s = this.#current;
    this.#current = null;
    if (!s) return;
    const into = s.main ? this.#tally.main : this.#tally.others;
    const key = categoryOf(s.frames);
    into.set(key, (into.get(key) ?? 0) + s.periodNs);
  }
}
