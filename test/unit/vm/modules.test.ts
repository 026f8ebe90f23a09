import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  BOOT_MODULES,
  MissingModuleError,
  moduleName,
  parseModulesBuiltin,
  parseModulesDep,
  resolveModuleLoadOrder,
} from '@bpf-ci/vm';

// Real lines of Debian 12's linux-image-6.1.0-56-amd64 modules.dep (depmod output).
const dep = parseModulesDep(
  readFileSync(join(import.meta.dirname, '../../fixtures/vm/modules.dep-6.1.0-56-amd64'), 'utf8'),
);

describe('boot modules', () => {
  it('loads every dependency of virtio_pci and 9p before the module itself', () => {
    const order = resolveModuleLoadOrder(BOOT_MODULES.pci, dep, new Set()).map(moduleName);
    expect(new Set(order)).toEqual(
      new Set([
        'virtio_ring',
        'virtio',
        'virtio_pci_legacy_dev',
        'virtio_pci_modern_dev',
        'virtio_pci',
        '9pnet',
        '9pnet_virtio',
        'netfs',
        'fscache',
        '9p',
      ]),
    );
    for (const [name, entry] of dep) {
      if (!order.includes(name)) continue;
      for (const d of entry.deps)
        expect(order.indexOf(d), `${d} before ${name}`).toBeLessThan(order.indexOf(name));
    }
  });

  it('leaves out what the kernel has built in', () => {
    const order = resolveModuleLoadOrder(
      BOOT_MODULES.pci,
      dep,
      new Set(['virtio_pci', 'virtio', 'virtio_ring']),
    );
    expect(order.map(moduleName)).not.toContain('virtio_pci');
    expect(order.map(moduleName)).not.toContain('virtio_pci_modern_dev');
    expect(order.map(moduleName)).toContain('9p');
  });

  it('names the missing module and the config to enable', () => {
    const noNinep = new Map([...dep].filter(([n]) => n !== '9pnet'));
    expect(() => resolveModuleLoadOrder(BOOT_MODULES.pci, noNinep, new Set())).toThrow(MissingModuleError);
    expect(() => resolveModuleLoadOrder(BOOT_MODULES.pci, noNinep, new Set())).toThrow(
      /9pnet.*needed by 9pnet_virtio.*CONFIG_9P_FS/,
    );
  });

  it('reads compressed and dashed module names the kernel way', () => {
    expect(moduleName('kernel/fs/9p/9p.ko.xz')).toBe('9p');
    expect(moduleName('kernel/drivers/x/snd-hda.ko.zst')).toBe('snd_hda');
  });

  it("loads only 9p's modules on s390x: virtio_ccw is built in by a bool option, so not even in modules.builtin", () => {
    const fixtures = join(import.meta.dirname, '../../fixtures/vm');
    // Real lines of Debian 12's linux-image-6.1.0-50-s390x modules.dep and modules.builtin.
    const s390Dep = parseModulesDep(readFileSync(join(fixtures, 'modules.dep-6.1.0-50-s390x'), 'utf8'));
    const builtin = parseModulesBuiltin(
      readFileSync(join(fixtures, 'modules.builtin-6.1.0-50-s390x'), 'utf8'),
    );
    expect(builtin.has('virtio_ccw')).toBe(false);
    expect(s390Dep.has('virtio_ccw')).toBe(false);
    const order = resolveModuleLoadOrder(BOOT_MODULES.ccw, s390Dep, builtin).map(moduleName);
    expect(order).toEqual(['9pnet', '9pnet_virtio', 'netfs', 'fscache', '9p']);
  });
});
