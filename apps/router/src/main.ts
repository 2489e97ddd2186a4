import { StreamKeys } from '@parley/contracts';
console.log(new StreamKeys().eventPartition(0));
