import { SkiffError } from '@skiff/plugin/errors';

/**
 * docker's boolean flags take `--flag`, `--flag=true` and `--flag=false` (also 1/0, t/f, as Go's ParseBool).
 * commander hands `true` for a bare flag, the text otherwise.
 */
export function parseBool(value: string | boolean, name = 'flag'): boolean {
  if (typeof value === 'boolean') return value;
  if (/^(1|t|true)$/i.test(value)) return true;
  if (/^(0|f|false)$/i.test(value)) return false;
  throw new SkiffError('INVALID_ARGUMENT', `invalid boolean value "${value}" for ${name}`, { hint: 'use true or false' });
}
