/**
 * Who a player is. Token-authenticated callers are their gateway user (Jetgate-User, which no
 * client can forge); anonymous ones hold a secret key their browser made up and keeps. Either way
 * the public player id is a hash, so seeing it in the lobby never lets anyone act as that player.
 */
import { createHash } from 'node:crypto';
import type { Caller } from '../../producer/index.js';
import { RuleError } from './rules.js';

export const MIN_KEY_LENGTH = 16;

export function playerIdOf(caller: Caller, playerKey: string | null | undefined): string {
  let secret: string;
  if (caller.user) secret = `user:${caller.user}`;
  else if (playerKey && playerKey.length >= MIN_KEY_LENGTH && playerKey.length <= 128) secret = `key:${playerKey}`;
  else throw new RuleError('bad_request', `anonymous players need a player_key of ${MIN_KEY_LENGTH} to 128 characters`);
  return createHash('sha256').update(secret).digest('base64url').slice(0, 12);
}
