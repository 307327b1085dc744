// The integration servers moved to @aura/testing. The CLI's suite still imports them from here
// until it is migrated (issue 13, phase B), which deletes this file.
export { type Radicale, type Smtp, skipUnless as unavailable, startRadicale, startSmtp } from '@aura/testing';
