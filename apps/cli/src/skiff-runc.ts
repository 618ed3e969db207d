// The `skiff-runc` command's entry (skiff's OCI runtime mode): the compile cache, then the bundle, as skiff.ts.
import module from 'node:module';

(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();
module.createRequire(import.meta.url)('./oci-main.cjs');
