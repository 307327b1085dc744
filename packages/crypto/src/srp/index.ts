/**
 * The server's view of SRP-6a: the group and the server half. The server imports this entry
 * and nothing else from @aura/crypto, so no key-handling code is reachable from it.
 */
export { SRP_GROUP_2048_SHA256, type SrpGroup } from './group.ts';
export {
  type SrpEphemeral,
  type SrpServerSession,
  srpDecodePublic,
  srpServerEphemeral,
  srpServerSession,
} from './srp.ts';
