import { MemoryStore } from '../../lib/store/memory-store.js';
import { describeWorkflowStore } from '../support/workflow-store-contract.js';

const store = new MemoryStore();

describeWorkflowStore('MemoryStore', () => store);
