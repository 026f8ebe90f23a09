// Kernel splats: detection, extent, call trace, and the test they are attributed to.
import { parseConsole, parseFile, parseText } from '@bpf-ci/parsers';
import { describe, expect, it } from 'vitest';
import { only, sample, sampleText } from './helpers.ts';

describe('kernel console splats', () => {
  it('KASAN between its rulers, symbolised call trace with [inline] frames', async () => {
    const parsed = await parseFile(sample('kernel-kasan-slab-oob-syzbot-bpf-next-2025.log'));
    expect(parsed.format).toBe('kernel_console');
    expect(parsed.results).toEqual([]);
    const ev = only(parsed.events);
    expect(ev.kind).toBe('kasan');
    expect(ev.title).toBe('BUG: KASAN: slab-out-of-bounds in tcp_ioctl+0x673/0x860 net/ipv4/tcp.c:659');
    expect(ev.callTrace).toContain('tcp_ioctl+0x673/0x860 net/ipv4/tcp.c:659');
    expect(ev.callTrace).toContain('print_address_description mm/kasan/report.c:378 [inline]');
    // The trace is the first one; the allocation stack is not mixed in.
    expect(ev.callTrace).not.toContain('kasan_save_track+0x3e/0x80 mm/kasan/common.c:77');
    // The whole report, to its closing ruler (139 lines in the file).
    expect(ev.lines).toHaveLength(139);
  });

  it('RCU stalls with <N> loglevel prefixes: two events, timestamps, wrapped lines kept', () => {
    const events = parseConsole(sampleText('kernel-rcu-stall-hang-lkft-arm64-2024.log'));
    expect(events.map((e) => [e.kind, e.timestamp])).toEqual([
      ['rcu-stall', 107.408167],
      ['rcu-stall', 170.451886],
    ]);
    expect(events[0]?.title).toBe('rcu: INFO: rcu_preempt self-detected stall on CPU');
    expect(events[0]?.callTrace[0]).toBe('queued_spin_lock_slowpath+0x5c/0x440');
    expect(events[0]?.lines).toContain('idle=4d34/1/0x4000000000000000 softirq=10271/10271 fqs=2623');
  });

  it('arm64 oops without timestamps, then the panic; attributed to the test whose log was streaming', async () => {
    const r = only(
      (await parseFile(sample('kernel-panic-oops-test_progs-fentry_fexit-aarch64-2024.log'))).results,
    );
    expect(r.events.map((e) => `${e.kind}:${e.test}`)).toEqual(['oops:fentry_fexit', 'panic:fentry_fexit']);
    const oops = r.events[0];
    expect(oops?.title).toBe('Unable to handle kernel paging request at virtual address ffff0000c2a80e68');
    expect(oops?.callTrace[0]).toBe('__bpf_tramp_enter+0x58/0x190');
    expect(oops?.callTrace).toHaveLength(12);
    expect(oops?.lines.at(-1)).toBe('---[ end trace 0000000000000000 ]---');
    expect(r.events[1]?.lines).toEqual([
      'Kernel panic - not syncing: Oops: Fatal exception',
      'SMP: stopping secondary CPUs',
      'Kernel Offset: disabled',
      'CPU features: 0x00,00000006,8c13bd78,576676af',
      'Memory Limit: none',
    ]);
    expect(r.incompleteReasons).toContain('kernel-panic');
    const test = only(r.tests);
    expect(test.name).toBe('fentry_fexit');
    expect(test.status).toBe('error');
  });

  it('two vmtest sessions: two runs, each with its oops and panic; host errors not in the splat', async () => {
    const parsed = await parseFile(sample('kernel-panic-vmtest-sessions-fexit-aarch64-2024.log'));
    expect(parsed.results.map((r) => r.command)).toEqual([
      'test_progs -v -t fexit_sleep',
      'test_progs -v -t fexit_bpf2bpf',
    ]);
    for (const r of parsed.results) {
      expect(r.events.map((e) => e.kind)).toEqual(['oops', 'panic']);
      expect(r.events[1]?.lines.join('\n')).not.toContain('Failed to run command');
      expect(r.complete).toBe(false);
    }
  });

  it('bad page state with timestamps and Gmail-wrapped lines', async () => {
    const r = only(
      (await parseFile(sample('test_progs-with-kernel-splat-bad-page-xsk-part1-2025.log'))).results,
    );
    const ev = only(r.events);
    expect(ev.kind).toBe('bad-page');
    expect(ev.timestamp).toBe(32.204881);
    expect(ev.callTrace).toContain('bpf_xdp_adjust_tail+0x598/0x810');
    expect(ev.lines).toContain('index:0x0 pfn:0x11c98b');
    // `bpf_testmod: loading out-of-tree module taints kernel.` is not a splat.
    expect(parseConsole(sampleText('test_progs-with-kernel-splat-bad-page-xsk-part1-2025.log'))).toHaveLength(
      1,
    );
  });

  it('a splat in the middle of a serial run is attributed to the test that reports next', () => {
    const log = sampleText('test_progs-serial-pass-sockopt-ppc64-2025.log').split('\n');
    const at = log.findIndex((l) => l.includes('sockopt_inherit:OK'));
    const splat = sampleText('test_progs-with-kernel-splat-bad-page-xsk-part1-2025.log')
      .split('\n')
      .slice(2, 20);
    const text = [...log.slice(0, at), ...splat, ...log.slice(at)].join('\n');
    const r = only(parseText(text).results);
    expect(r.parsedCounts).toEqual({ passed: 8, passedSubtests: 40, skipped: 0, failed: 0 });
    expect(r.countsMismatch).toBeUndefined();
    expect(r.events.map((e) => `${e.kind}:${e.test}:${e.binary}`)).toEqual([
      'bad-page:sockopt_inherit:test_progs',
    ]);
    expect(r.tests.every((t) => t.log.length === 0)).toBe(true);
  });

  it('a KASAN fragment without rulers (the author cut it) is still one kasan event', () => {
    const ev = only(parseConsole(sampleText('kernel-kasan-uaf-test_progs-sockmap-fragment-2025.log')));
    expect(ev.kind).toBe('kasan');
    expect(ev.title).toBe('BUG: KASAN: slab-use-after-free in sk_psock_verdict_data_ready+0x29b/0x2d0');
    expect(ev.callTrace).toContain('sk_psock_verdict_data_ready+0x29b/0x2d0');
    expect(ev.lines).toContain('Read of size 8 at addr ffff88813a777020 by task test_progs/47055');
  });

  it('known benign lines are not events', () => {
    expect(
      parseConsole(
        '[    0.1] WARNING: Unprivileged eBPF is enabled, data leaks possible via Spectre v2 BHB attacks!\n',
      ),
    ).toEqual([]);
  });
});
