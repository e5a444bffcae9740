import { test } from 'node:test';
import assert from 'node:assert/strict';
import { categoryOf, PerfTally } from '../../bench/perf-tally.js';

/** `perf script -F pid,tid,period,ip,sym,dso` text as perf prints it: a header, frames innermost first, a blank line. */
const SCRIPT = `
 100/100      500000 
\t          18cfc4d Builtins_LoadIC (/usr/bin/node)
\t          ee9ad1 v8::Context::Enter (/usr/bin/node)

 100/100      500000 
\t          ae9ad1 v8::internal::(anonymous namespace)::Invoke (/usr/bin/node)

 100/100      1000000 
\tffffffff81758380 do_epoll_wait ([kernel.kallsyms])
\tffffffff8175a02c __x64_sys_epoll_pwait ([kernel.kallsyms])
\tffffffff8223c951 do_syscall_64 ([kernel.kallsyms])
\t          108cae epoll_pwait (/usr/lib/x86_64-linux-gnu/libc.so.6)

 100/104      250000 
\t          1234 v8::internal::compiler::GraphReducer::ReduceTop (/usr/bin/node)

 100/105      250000 
\tffffffff81000000 ext4_unlink ([kernel.kallsyms])
\tffffffff81000100 __x64_sys_unlink ([kernel.kallsyms])

 200/200      9000000 
\t          1234 Builtins_LoadIC (/usr/bin/runc)
`;

test("perf's samples are charged to berthd's main thread or its other threads, by kind of work, with their period", () => {
  const tally = new PerfTally(100);
  for (const line of SCRIPT.split('\n')) tally.add(line);
  const { main, others } = tally.finish();
  assert.deepEqual(Object.fromEntries(main), {
    'JS: interpreter, inline caches, builtins': 500000,
    'V8 and node, C++': 500000,
    'kernel: epoll_pwait': 1000000,
  });
  assert.deepEqual(Object.fromEntries(others), { 'V8: parser and compilers': 250000, 'kernel: unlink': 250000 });
});

test('without a pid, the process of the first sample is the one counted', () => {
  const tally = new PerfTally();
  for (const line of SCRIPT.split('\n')) tally.add(line);
  const { main } = tally.finish();
  assert.equal(
    [...main.values()].reduce((a, b) => a + b, 0),
    2_000_000,
  );
});

test('the innermost frame decides the kind of work; kernel time goes to the system call on the stack', () => {
  const node = (sym: string) => ({ sym, dso: '/usr/bin/node' });
  assert.equal(categoryOf([node('v8::internal::Heap::CollectGarbage')]), 'V8: garbage collector');
  assert.equal(categoryOf([node('v8::internal::Scavenger::Process')]), 'V8: garbage collector');
  assert.equal(categoryOf([node('v8::internal::Parser::ParseProgram')]), 'V8: parser and compilers');
  assert.equal(categoryOf([{ sym: 'JS:*join node:path:1298:7', dso: '/tmp/perf-4269.map' }]), 'JS: compiled code');
  assert.equal(categoryOf([{ sym: '[unknown]', dso: '[unknown]' }]), 'JS: compiled code');
  assert.equal(categoryOf([{ sym: 'sqlite3VdbeExec', dso: '/x/node_modules/better-sqlite3/build/Release/better_sqlite3.node' }]), 'SQLite');
  assert.equal(categoryOf([{ sym: 'malloc', dso: '/usr/lib/x86_64-linux-gnu/libc.so.6' }]), 'libc, libstdc++');
  assert.equal(categoryOf([{ sym: 'ffi_call', dso: '/x/koffi.node' }]), 'native addon: koffi.node');
  assert.equal(categoryOf([{ sym: 'asm_exc_page_fault', dso: '[kernel.kallsyms]' }]), 'kernel: no system call (faults, interrupts, scheduling)');
  assert.equal(categoryOf([]), 'unknown');
});
