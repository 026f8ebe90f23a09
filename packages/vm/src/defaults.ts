// The selection `bpf-ci run` runs by default: the whole of test_verifier (~1 min under TCG) and a
// test_progs allowlist of quick tests spanning program types, maps, BTF, trampolines and XDP that
// pass on Debian's 6.1 kernel (checked against test_progs' own output under TCG: ~1 min on 2 CPUs).
export const DEFAULT_RUNNERS = ['test_verifier', 'test_progs'] as const;

export const DEFAULT_TEST_PROGS_ALLOWLIST: readonly string[] = [
  'align',
  'atomics',
  'bpf_loop',
  'btf_dump',
  'd_path',
  'dynptr',
  'fentry_fexit',
  'global_data',
  'htab_update',
  'kfunc_call',
  'map_lock',
  'map_ptr',
  'ringbuf',
  'spinlock',
  'tailcalls',
  'task_local_storage',
  'xdp',
  'xdp_adjust_tail',
];
