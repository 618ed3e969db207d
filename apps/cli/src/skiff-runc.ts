// The `skiff-runc` command's entry (skiff's OCI runtime mode): the bundle, as skiff.ts.
import { loadBundle } from './entry.js';

loadBundle('oci-main');
