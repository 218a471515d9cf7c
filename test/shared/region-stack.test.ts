import { describe, expect, it } from 'vitest';
import { RegionStack } from '../../shared/kernels/bilstm/region-stack';

describe('RegionStack', () => {
  it('stacks regions from its start on cache-line boundaries, the top above the last', () => {
    const stack = new RegionStack(16);
    expect(stack.top).toBe(16);
    const first = stack.push(100);
    const second = stack.push(10);
    expect([first.offset, second.offset]).toEqual([64, 192]);
    expect(stack.top).toBe(202);
  });

  it('reclaims a region released out of order once every region above it is released', () => {
    const stack = new RegionStack(16);
    const first = stack.push(100);
    const second = stack.push(100);
    stack.release(first);
    expect([stack.size, stack.top]).toEqual([2, 292]);
    stack.release(second);
    expect([stack.size, stack.top]).toEqual([0, 16]);
    expect(stack.push(8).offset).toBe(64);
  });
});
