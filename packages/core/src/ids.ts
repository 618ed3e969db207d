import { randomHex } from '@skiff/plugin';

/** A container id: 64 lowercase hex digits, like docker's. */
export const newId = () => randomHex(32);
export const shortId = (id: string) => id.slice(0, 12);

const adjectives = ['brave', 'calm', 'eager', 'fond', 'gentle', 'happy', 'jolly', 'keen', 'lucid', 'merry', 'nimble', 'proud', 'quiet', 'rapid', 'sharp', 'tidy', 'vivid', 'wise', 'witty', 'zen'];
const nouns = ['albatross', 'barge', 'canoe', 'dinghy', 'ferry', 'galleon', 'harbor', 'junk', 'kayak', 'lugger', 'mast', 'oar', 'pier', 'raft', 'schooner', 'sloop', 'tug', 'wherry', 'yawl', 'keel'];

/** A readable random name such as `calm_schooner3` (docker style; the digit lowers collision odds). */
export function randomName(): string {
  const [a, b, c] = Buffer.from(randomHex(3), 'hex');
  return `${adjectives[a! % adjectives.length]}_${nouns[b! % nouns.length]}${c! % 10}`;
}

/** Docker's rule for container names, at most 128 characters (a name is also a file name in the state root). */
export const NAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/;
