// node-seal 6 declares its entry as an ES module (`export default`), but its Node entry is a
// UMD script whose module.exports is the loader itself; under NodeNext that declaration types a
// default import as `{ default }`. This declares the entry as it is at run time: the default
// import is the loader, in Node (CommonJS interop) and in the browser bundle (the ES build).
import type { SEALLibrary } from 'node-seal/implementation/seal.js';

declare function SEAL(): Promise<SEALLibrary>;
export = SEAL;
