import { SkiffError } from '@skiff/plugin';
import { registryHost } from '../reference.js';
import type { Credentials } from './auth.js';
import { createRegistryClient } from './client.js';
import { allowsHttp, type RegistrySettings } from './settings.js';

/**
 * Checks `credentials` against `registry` (a reference's domain: `127.0.0.1:5000`, `docker.io`) as docker login
 * does: GET /v2/, answering the registry's Basic or Bearer challenge. One clear line when they are refused.
 */
export async function verifyLogin(registry: string, credentials: Credentials, settings: RegistrySettings, signal?: AbortSignal): Promise<void> {
  const client = createRegistryClient({ host: registryHost(registry), allowHttp: allowsHttp(settings, registry), credentials, signal });
  try {
    await client.checkLogin();
  } catch (error) {
    if (SkiffError.is(error, 'PERMISSION_DENIED')) {
      throw new SkiffError('PERMISSION_DENIED', `login to ${registry} failed: unauthorized: incorrect username or password`, { cause: error, exitCode: 1 });
    }
    throw error;
  }
}
