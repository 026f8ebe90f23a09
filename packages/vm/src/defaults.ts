// The selection `bpf-ci run` runs by default: the whole of test_verifier (~1 min under TCG) and a
// test_progs allowlist of quick tests spanning program types, maps, BTF and the verifier, which
// finishes in a few minutes under TCG on 2 CPUs.
export const DEFAULT_RUNNERS = ['test_verifier', 'test_progs'] as const;

export const DEFAULT_TEST_PROGS_ALLOWLIST: readonly string[] = [
  'align',
  'atomics',
  'bpf_loop',
  'btf_dump',
  'core_reloc',
  'global_data',
  'map_lock',
  'spinlock',
  'tailcalls',
  'xdp',
  'xdp_adjust_tail',
  'verifier_log',
];
