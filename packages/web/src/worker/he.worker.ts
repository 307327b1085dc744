import { localEngine } from '@aura/he/client';
import { expose } from 'comlink';

// The encrypted intent path's CKKS work (node-seal), in a worker of its own: node-seal's
// bindings compile their glue with `new Function`, which the keys worker's policy forbids. This
// worker is served with 'unsafe-eval' added (the server's web.ts) and holds nothing but the HE
// secret key it is handed for each call: no account key, no device key, no session.
expose(localEngine());
