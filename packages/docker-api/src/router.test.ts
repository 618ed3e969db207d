import { describe, expect, it } from 'vitest';
import { Router } from './router.js';

describe('Router', () => {
  const router = new Router();
  const json = () => {};
  const named = () => {};
  const remove = () => {};
  router.add('GET', '/images/json', json).add('GET', '/images/:name*/json', named).add('DELETE', '/images/:name*', remove);

  it('matches literal routes first, and image names with slashes and ports', () => {
    expect(router.match('GET', '/images/json')).toEqual({ handler: json, params: {} });
    expect(router.match('GET', '/images/127.0.0.1:5000/team/app:v1/json')).toEqual({ handler: named, params: { name: '127.0.0.1:5000/team/app:v1' } });
    expect(router.match('DELETE', '/images/a%2Fb')).toEqual({ handler: remove, params: { name: 'a/b' } });
  });

  it('HEAD is served by GET routes; a path under another method lists it', () => {
    expect(router.match('HEAD', '/images/json')).toEqual({ handler: json, params: {} });
    expect(router.match('POST', '/images/json')).toEqual({ allowed: ['GET', 'DELETE'] });
    expect(router.match('GET', '/nothing')).toEqual({ allowed: [] });
  });
});
