import { MemoryStore } from '../../lib/store/memory-store.js';
import { describeIndexedStore } from '../support/index-store-contract.js';

describeIndexedStore('MemoryStore', async () => new MemoryStore());
