/**
 * The server's view of SRP-6a: the group and the server half. The server imports this entry
 * and nothing else from @aura/crypto, so no key-handling code is reachable from it.
 */
export { SRP_GROUP_2048_SHA256, type SrpGroup } from './group.ts';
export { type SrpServerSession, srpServerEphemeral, srpServerSession } from './server.ts';
export { type SrpEphemeral, srpDecodePublic } from './shared.ts';
