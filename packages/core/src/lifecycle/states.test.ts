import { describe, expect, it } from 'vitest';
import { transition } from './states.js';

describe('lifecycle transitions', () => {
  it('allows the legal moves', () => {
    expect(transition('c', 'created', 'start')).toBe('running');
    expect(transition('c', 'running', 'exit')).toBe('stopped');
    expect(transition('c', 'stopped', 'start')).toBe('running');
    expect(transition('c', 'stopped', 'remove')).toBe('removed');
  });

  it('refuses illegal moves with a reason', () => {
    expect(() => transition('web', 'running', 'start')).toThrow('cannot start container web: it is already running');
    expect(() => transition('web', 'running', 'remove')).toThrow(/stop it first or force the removal/);
  });
});
