/** Generated container names in Docker's adjective_surname style. */
import { randomInt } from 'node:crypto';

const ADJECTIVES = [
  'admiring', 'agitated', 'amazing', 'angry', 'awesome', 'blissful', 'bold', 'brave', 'busy', 'charming',
  'clever', 'compassionate', 'competent', 'confident', 'cool', 'dazzling', 'determined', 'eager', 'ecstatic',
  'elastic', 'elegant', 'epic', 'exciting', 'fervent', 'festive', 'focused', 'friendly', 'gallant', 'gifted',
  'goofy', 'gracious', 'happy', 'hopeful', 'infallible', 'inspiring', 'jolly', 'keen', 'kind', 'laughing',
  'loving', 'lucid', 'magical', 'modest', 'nervous', 'nice', 'nifty', 'nostalgic', 'optimistic', 'peaceful',
  'pensive', 'practical', 'quirky', 'relaxed', 'serene', 'sharp', 'stoic', 'strange', 'sweet', 'tender',
  'trusting', 'upbeat', 'vibrant', 'vigilant', 'wizardly', 'wonderful', 'youthful', 'zealous', 'zen',
];

/** Sailors, navigators and shipwrights: berth's own list. */
const SURNAMES = [
  'anning', 'baffin', 'bering', 'bougainville', 'cabot', 'cartier', 'chapman', 'columbus', 'cook', 'dampier',
  'drake', 'earhart', 'eriksson', 'flinders', 'frobisher', 'gama', 'hudson', 'humboldt', 'kupe', 'laperouse',
  'magellan', 'maury', 'nansen', 'pytheas', 'raleigh', 'shackleton', 'slocum', 'tasman', 'vancouver', 'zheng',
  'ballard', 'beaufort', 'bowditch', 'cousteau', 'fitzroy', 'harrison', 'mercator', 'piccard', 'plimsoll', 'vespucci',
];

/** A random name; `taken` is asked so the result is free (a numeric suffix breaks ties). */
export function generateName(taken: (name: string) => boolean): string {
  for (let attempt = 0; attempt < 20; attempt++) {
    const name = `${ADJECTIVES[randomInt(ADJECTIVES.length)]}_${SURNAMES[randomInt(SURNAMES.length)]}`;
    const candidate = attempt < 10 ? name : `${name}${randomInt(10)}`;
    if (!taken(candidate)) return candidate;
  }
  return `berth_${randomInt(1e9)}`;
}
